# Provenance: what produced a result, recorded when it is produced, so that a
# published EPGM or p-value can be traced to the exact model file, images,
# preprocessing, intervention, seed and software. explain() and predict()
# attach a propgrad_provenance object; pg_provenance() reads it back, and
# print(), as.data.frame() and the report show it. Hashes are SHA-256: of the
# file's bytes for files, of the pixel values (little-endian doubles, in R's
# column-major order) for arrays.

#' Provenance of a result
#'
#' `explain()` and `predict()` on a torch model record what produced their
#' result: propgrad's, R's and LibTorch's versions, the time, each model
#' file's SHA-256, device and dtype, the preprocessing, the intervention and
#' its strengths, each image's source and SHA-256, and the seed of the
#' shuffle tests. `pg_provenance()` returns that record.
#'
#' For image files the hash is the SHA-256 of the file's bytes (compare it
#' with `sha256sum`); for arrays, of the pixel values as little-endian
#' doubles in R's column-major order, so the same numbers give the same hash
#' on every machine.
#'
#' @param x An [explain()] result, a [predict()][predict.propgrad_torch_model]
#'   matrix, or a `propgrad_provenance` object.
#' @param ... Unused.
#' @return `pg_provenance()`: a `propgrad_provenance` list (`software`,
#'   `models`, `preprocess`, `intervention`, `images`, `seed`), or `NULL`
#'   when `x` carries none. `as.data.frame()` gives it as two columns,
#'   `item` and `value`, one row per fact, for tables and reports.
#' @export
#' @examples
#' if (has_torch()) {
#'   f <- torch_script_model("def forward(self, x):\n    return x.mean(dim=[1, 2, 3]).unsqueeze(1)",
#'                           tempfile(fileext = ".pt"))
#'   p <- predict(torch_model(f, "cpu"), array(0.5, c(2, 4, 4, 3)), type = "raw")
#'   pg_provenance(p)
#' }
pg_provenance <- function(x) {
  check_required("x", rlang::current_env())
  if (inherits(x, "propgrad_provenance")) return(x)
  attr(x, "provenance", exact = TRUE)
}

# The record itself; every part is optional except the software versions.
new_provenance <- function(models = NULL, preprocess = NULL, intervention = NULL, images = NULL,
                           seed = NULL) {
  structure(list(software = software_versions(), time = format(Sys.time(), "%Y-%m-%d %H:%M:%S UTC", tz = "UTC"),
                 models = models, preprocess = preprocess, intervention = intervention,
                 images = images, seed = seed),
            class = "propgrad_provenance")
}

# torch = FALSE: for results that involved no LibTorch (property_test() on a
# data frame), without asking LibTorch anything.
software_versions <- function(torch = TRUE) {
  c(propgrad = propgrad_version(),
    R = paste(R.version$major, R.version$minor, sep = "."),
    LibTorch = if (torch) { if (has_torch()) pg_torch_info()$version else NA_character_ })
}

# Read once per session: utils::packageVersion() reads the installed
# DESCRIPTION from disk on every call, a millisecond per property_test().
version_cache <- new.env(parent = emptyenv())
propgrad_version <- function() {
  if (is.null(version_cache$propgrad)) version_cache$propgrad <- as.character(utils::packageVersion("propgrad"))
  version_cache$propgrad
}

sha256_file <- function(path) digest::digest(file = path, algo = "sha256")

# Of intervened images: images held by LibTorch are hashed there, in
# slices, with the same bytes as their array.
sha256_images <- function(x) {
  store <- image_store(x)
  if (!is_tensor(store)) return(sha256_values(store))
  check_tensor_alive(store)
  pg_tensor_sha256(store)
}

# Little-endian doubles whatever the machine, so the hash is portable.
sha256_values <- function(x) {
  digest::digest(writeBin(as.double(x), raw(), endian = "little"), algo = "sha256", serialize = FALSE)
}

# One row per model: name, file, hash, device and the dtype it runs in.
provenance_models <- function(models) {
  rows <- lapply(names(models), function(name) {
    m <- models[[name]]
    if (inherits(m, "propgrad_torch_model")) {
      data.frame(model = name, file = m$path, sha256 = m$sha256 %||% sha256_file(m$path),
                 device = m$device, dtype = "float32")
    } else {
      data.frame(model = name, file = NA_character_, sha256 = NA_character_,
                 device = NA_character_, dtype = "R function")
    }
  })
  do.call(rbind, rows)
}

# One row per image input: its name, where it came from, its hash and size.
# `sources` are file paths or arrays (one per image), named by image.
provenance_images <- function(sources) {
  rows <- lapply(names(sources), function(name) {
    src <- sources[[name]]
    if (is.character(src) && length(src) == 1) {
      data.frame(image = name, source = normalizePath(src, mustWork = FALSE),
                 sha256 = if (file.exists(src)) sha256_file(src) else NA_character_)
    } else if (inherits(src, "propgrad_images")) {
      data.frame(image = name, source = sprintf("intervened images (%s)", src$property),
                 sha256 = sha256_images(src))
    } else {
      data.frame(image = name, source = "array", sha256 = sha256_values(src))
    }
  })
  do.call(rbind, rows)
}

# Text of a preprocessing specification: its non-empty settings.
describe_preprocess <- function(p) {
  if (is.null(p)) return(NA_character_)
  keep <- Filter(function(v) length(v) > 0 && !(is.logical(v) && length(v) == 1 && is.na(v)), unclass(p))
  if (!length(keep)) return("none")
  paste(sprintf("%s = %s", names(keep), vapply(keep, function(v) paste(format(v), collapse = ", "), "")),
        collapse = "; ")
}

# Text of an intervention: kind, property, strengths and what else defines it.
describe_intervention <- function(iv) {
  if (is.null(iv)) return(NULL)
  s <- iv$strengths
  list(kind = iv$kind, property = iv$property, strengths = s,
       text = sprintf("%s (%s): %d strengths from %s to %s%s", iv$kind, iv$property, length(s),
                      format(signif(min(s), 6)), format(signif(max(s), 6)),
                      intervention_details(iv)))
}

intervention_details <- function(iv) {
  p <- iv$params
  parts <- c(
    if (!is.null(iv$path)) sprintf("file %s (sha256 %s)", iv$path, sha256_file(iv$path)),
    if (!is.null(iv$command)) sprintf("command %s", iv$command),
    if (length(iv$seeds)) sprintf("editor seeds %s", paste(format(iv$seeds, scientific = FALSE, trim = TRUE), collapse = ", ")),
    if (!is.null(p$space) && identical(iv$kind, "hue")) sprintf("space %s", p$space),
    if (!is.null(p$mask)) paste("mask", describe_mask(p$mask)),
    if (!is.null(p$padding) && iv$kind %in% c("rotate", "translate", "zoom")) sprintf("padding %s", p$padding))
  if (length(parts)) paste0("; ", paste(parts, collapse = "; ")) else ""
}

#' @rdname pg_provenance
#' @export
print.propgrad_provenance <- function(x, ...) {
  df <- as.data.frame(x)
  cli::cat_line("<propgrad provenance>")
  width <- max(nchar(df$item))
  cli::cat_line(sprintf("  %-*s  %s", width, df$item, df$value))
  invisible(x)
}

#' @rdname pg_provenance
#' @param row.names,optional Unused (for the generic).
#' @export
as.data.frame.propgrad_provenance <- function(x, row.names = NULL, optional = FALSE, ...) {
  sw <- x$software
  items <- c(sprintf("%s version", names(sw)), "time")
  values <- c(ifelse(is.na(sw), "not available", sw), x$time)
  if (!is.null(x$seed)) {
    items <- c(items, "seed")
    values <- c(values, format(x$seed, scientific = FALSE))
  }
  if (NROW(x$models)) {
    m <- x$models
    items <- c(items, sprintf("model %s", m$model))
    values <- c(values, ifelse(is.na(m$file), m$dtype,
                               sprintf("%s (sha256 %s; %s, %s)", m$file, m$sha256, m$device, m$dtype)))
  }
  if (!is.null(x$preprocess)) {
    items <- c(items, "preprocessing")
    values <- c(values, x$preprocess)
  }
  if (!is.null(x$intervention)) {
    items <- c(items, "intervention")
    values <- c(values, x$intervention$text)
  }
  if (NROW(x$images)) {
    im <- x$images
    items <- c(items, sprintf("image %s", im$image))
    values <- c(values, sprintf("%s (sha256 %s)", im$source, im$sha256))
  }
  data.frame(item = items, value = values, stringsAsFactors = FALSE)
}

# One line for print() of a result: versions and model hashes, shortened.
provenance_line <- function(x) {
  if (is.null(x)) return(NULL)
  sw <- x$software
  models <- if (NROW(x$models) && any(!is.na(x$models$sha256))) {
    m <- x$models[!is.na(x$models$sha256), ]
    sprintf("; %s sha256 %s", m$model, substr(m$sha256, 1, 12))
  }
  sprintf("# propgrad %s, LibTorch %s%s; all provenance: pg_provenance()", sw[["propgrad"]],
          if (is.na(sw[["LibTorch"]])) "none" else sw[["LibTorch"]], paste(models, collapse = ""))
}

# One sentence for a table's note: software and each model file's hash.
provenance_note <- function(x) {
  if (is.null(x)) return(NULL)
  sw <- x$software
  m <- x$models[!is.na(x$models$sha256), , drop = FALSE]
  paste0(sprintf(" propgrad %s, LibTorch %s", sw[["propgrad"]],
                 if (is.na(sw[["LibTorch"]])) "none" else sw[["LibTorch"]]),
         if (NROW(m)) paste0("; ", paste(sprintf("%s SHA-256 %s", m$model, substr(m$sha256, 1, 16)), collapse = "; ")),
         ".")
}
