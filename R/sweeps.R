# Several sweeps in one object, and edited_images(), which reads them from
# folders of images edited elsewhere. A sweep is the propgrad_images of one
# source image along the property; edited_images() with an `image` column
# (or a list of folders) returns several as a named "propgrad_sweeps" list,
# and explain() takes that or a named list of propgrad_images. Each sweep
# carries a name (the file, folder or `image` value) that becomes the
# `image` column of every table and plot. Images of one sweep that differ
# in size (an original beside smaller edits) are resized to one size.

#' Several intervened sweeps
#'
#' [edited_images()] returns a `propgrad_sweeps` object when its table has
#' an `image` column or it is given several folders: a named list of
#' [propgrad_images], one per source image, all along one property. Pass it
#' to [explain()], which names its series by the list's names. A named list
#' of [intervene()] results works the same way.
#'
#' [intervene()] with a seeded editor ([external_editor()] or
#' [torch_editor()] with `seeds`) returns one sweep per seed of one image,
#' each with its `seed` and the image's `name`; [explain()] averages them
#' (see its section "Editor seeds"). Pass several images' seeded sweeps as a
#' named list of [intervene()] results.
#' @param x A `propgrad_sweeps` object.
#' @param i Which sweeps to keep (names or numbers).
#' @param ... Unused.
#' @name propgrad_sweeps
NULL

new_sweeps <- function(sweeps) {
  # A seeded sweep keeps its image's name; its list name adds the seed.
  for (nm in names(sweeps)) if (is.null(sweeps[[nm]]$seed)) sweeps[[nm]]$name <- nm
  structure(sweeps, class = "propgrad_sweeps")
}

#' @rdname propgrad_sweeps
#' @export
print.propgrad_sweeps <- function(x, ...) {
  seeded <- all(vapply(x, function(s) !is.null(s$seed), TRUE))
  cat(sprintf("<propgrad sweeps> %d sweep%s along %s%s\n", length(x), if (length(x) == 1) "" else "s",
              x[[1]]$property, if (seeded) ", one per editor seed" else ""))
  for (nm in names(x)) {
    s <- x[[nm]]
    d <- dim(image_store(s))
    cat(sprintf("  %s: %d image%s of %d x %d x %d from %s to %s\n", nm, d[1], if (d[1] == 1) "" else "s",
                d[2], d[3], d[4], format(signif(min(s$strengths), 4)), format(signif(max(s$strengths), 4))))
  }
  invisible(x)
}

#' @rdname propgrad_sweeps
#' @export
`[.propgrad_sweeps` <- function(x, i) new_sweeps(unclass(x)[i])

# explain()'s already intervened images as a named list of sweeps, or NULL
# when `images` still need an intervention. Names come from the list, else
# from each sweep's own name, else by position.
intervened_sweeps <- function(images, call) {
  if (has_seeded_sweeps(images)) return(seeded_sweeps(images, call))
  if (inherits(images, "propgrad_images")) {
    images <- list(images)
  } else if (inherits(images, "propgrad_sweeps")) {
    images <- unclass(images)
  } else if (!is.list(images) || !length(images) ||
             !all(vapply(images, inherits, TRUE, what = "propgrad_images"))) {
    return(NULL)
  }
  nm <- names(images) %||% rep("", length(images))
  nm[is.na(nm)] <- ""
  own <- vapply(images, function(s) s$name %||% "", "")
  nm[nm == ""] <- own[nm == ""]
  nm[nm == ""] <- paste0("image", seq_along(images))[nm == ""]
  names(images) <- make.unique(nm)
  check_sweeps_agree(images, call)
  images
}

# One explain() tests one property: its label names the property column.
check_sweeps_agree <- function(sweeps, call) {
  labels <- vapply(sweeps, function(s) s$property, "")
  periods <- vapply(sweeps, function(s) format(s$period %||% "none"), "")
  if (length(unique(labels)) > 1 || length(unique(periods)) > 1) {
    lines <- sprintf("%s: %s%s", names(sweeps), labels,
                     ifelse(periods == "none", "", paste0(" (period ", periods, ")")))
    lines <- stats::setNames(gsub("([{}])", "\\1\\1", utils::head(lines, 6)), rep("*", min(6, length(lines))))
    abort_input(c("Sweeps explained together must share one property and period.", lines,
                  i = "Explain each property in its own call, or give the sweeps one {.arg property} label."),
                "propgrad_error_incompatible", call = call)
  }
}

# `name`: NULL or one non-empty string.
check_sweep_name <- function(name, call) {
  if (!is.null(name) && (!is.character(name) || length(name) != 1 || is.na(name) || !nzchar(name))) {
    abort_input("{.arg name} must be one non-empty string, or NULL.", "propgrad_error_type", call = call)
  }
  name
}

# `size`: NULL, or c(height, width) in pixels. Two numbers always: one
# number means the shorter edge to torchvision, a square to others.
check_image_dims <- function(size, call) {
  if (is.null(size)) return(NULL)
  if (!is.numeric(size) || length(size) != 2 || anyNA(size) || any(size < 2) ||
      any(size > 1e5) || any(size != round(size))) {
    abort_input("{.arg size} must be {.code c(height, width)}: two whole numbers of pixels, at least 2.",
                "propgrad_error_number", call = call)
  }
  as.integer(size)
}

# The images of one sweep as one batch. When their sizes differ they are
# resized to `size`, or else to the size most of them share (ties: the
# smallest), with a message naming what changed.
read_sweep_images <- function(files, size, label, call) {
  images <- lapply(files, read_image_raw, call = call)
  dims <- vapply(images, function(img) dim(img)[1:2], integer(2))
  target <- size %||% common_size(dims)
  off <- dims[1, ] != target[1] | dims[2, ] != target[2]
  if (any(off)) {
    if (is.null(size)) inform_resized(basename(files), dims, off, target, label)
    images[off] <- lapply(images[off], function(img) {
      out <- resize_image_list(list(img), target)
      array(out, dim(out)[-1])
    })
  }
  batch <- as_image_batch(images, call = call)
  dimnames(batch) <- NULL
  batch
}

# The height and width (columns of dims) most images have; ties go to the
# smallest area, then the smallest height.
common_size <- function(dims) {
  key <- paste(dims[1, ], dims[2, ])
  sizes <- dims[, !duplicated(key), drop = FALSE]
  count <- tabulate(match(key, unique(key)))
  best <- order(-count, sizes[1, ] * sizes[2, ], sizes[1, ])[1]
  sizes[, best]
}

inform_resized <- function(files, dims, off, target, label) {
  from <- paste(dims[1, ], "x", dims[2, ])
  lines <- vapply(unique(from[off]), function(f) {
    which_files <- files[off & from == f]
    shown <- paste(utils::head(which_files, 3), collapse = ", ")
    sprintf("%d from %s: %s%s", length(which_files), f, shown, if (length(which_files) > 3) ", ..." else "")
  }, "")
  lines <- stats::setNames(gsub("([{}])", "\\1\\1", lines), rep("*", length(lines)))
  to <- paste(target, collapse = " x ")
  pg_inform(c("The images of sweep {.val {label}} differ in size; {sum(off)} of {length(off)} resized to {to}, the size most of them share:",
              lines, i = "Give {.arg size} to choose the size."),
            "propgrad_message_resize")
}

#' Images edited elsewhere
#'
#' Ingests a folder of already intervened images and a table of their
#' strengths (a CSV file or data frame with columns `file` and `strength`),
#' for [explain()], [predict()][predict.propgrad_torch_model] or any model.
#'
#' A table with an extra `image` column holds several sweeps, one per value
#' of `image` (say, the edits of `cat.png` and of `dog.png`); the result is
#' then a [propgrad_sweeps] list named by those values. Several folders, as
#' a named list or vector with a list of tables (one per folder, matched by
#' name or position), give one sweep per folder.
#'
#' The images of one sweep must share one size for a model to take them.
#' When they do not (editors often return smaller images than the
#' original), they are resized with antialiased bilinear interpolation to
#' `size`, or else to the size most of them share (ties: the smallest), with
#' a message of class `propgrad_message_resize` that names the images
#' resized and their sizes.
#'
#' @param folder The folder holding the images, or a named list (or vector)
#'   of folders, one per sweep.
#' @param strengths A CSV file or data frame with columns `file` (names
#'   relative to `folder`) and `strength`, and optionally `image` (which
#'   sweep each row belongs to); with several folders, a list of such
#'   tables. Names that lead outside `folder` (absolute paths, `..`, links
#'   pointing out of it) are refused.
#' @param property A label for the property.
#' @param period The period of a periodic property, or `NULL`.
#' @param name The name of a single sweep in [explain()]'s tables and plots;
#'   default: the folder's name. Several sweeps are named by their `image`
#'   values or folder names.
#' @param size `NULL`, or the `c(height, width)` every image is resized to.
#' @return A [propgrad_images] object for one sweep, a [propgrad_sweeps]
#'   list for several.
#' @export
#' @examples
#' dir <- tempfile()
#' dir.create(dir)
#' for (k in 1:3) png::writePNG(array(k / 4, c(4, 4, 3)), file.path(dir, paste0(k, ".png")))
#' edited_images(dir, data.frame(file = paste0(1:3, ".png"), strength = 1:3))
#' # Two sweeps in one folder and one table
#' for (k in 1:3) png::writePNG(array(k / 5, c(4, 4, 3)), file.path(dir, paste0("b", k, ".png")))
#' edited_images(dir, data.frame(image = rep(c("a", "b"), each = 3),
#'                               file = c(paste0(1:3, ".png"), paste0("b", 1:3, ".png")),
#'                               strength = c(1:3, 1:3)))
edited_images <- function(folder, strengths, property = "edit", period = NULL, name = NULL, size = NULL) {
  call <- rlang::current_env()
  check_required(c("folder", "strengths"), call = call)
  check_label_period(property, period, call)
  name <- check_sweep_name(name, call)
  size <- check_image_dims(size, call)
  if (is.list(folder) || (is.character(folder) && length(folder) > 1)) {
    return(edited_folders(folder, strengths, property, period, name, size, call))
  }
  check_folder(folder, call)
  table <- read_strength_table(strengths, call)
  if (is.null(table$image)) {
    label <- name %||% basename(normalizePath(folder))
    return(edited_sweep(folder, table, property, period, label, size, call))
  }
  image <- as.character(table$image)
  if (anyNA(image) || any(!nzchar(image))) {
    abort_input("Every {.field image} entry must name a sweep; some are empty.", "propgrad_error_column",
                call = call)
  }
  refuse_name(name, "the table's {.field image} values name them", call)
  rows <- split(seq_len(nrow(table)), factor(image, levels = unique(image)))
  new_sweeps(lapply(stats::setNames(names(rows), names(rows)), function(img) {
    edited_sweep(folder, table[rows[[img]], , drop = FALSE], property, period, img, size, call)
  }))
}

# Several folders, each with its own table: one sweep per folder.
edited_folders <- function(folders, tables, property, period, name, size, call) {
  if (!is.list(tables) || is.data.frame(tables) || length(tables) != length(folders)) {
    abort_input(c("With several folders, {.arg strengths} must be a list of tables, one per folder.",
                  x = "There {?is/are} {length(folders)} folder{?s}."), "propgrad_error_length", call = call)
  }
  refuse_name(name, "the folders' names name them", call)
  labels <- names(folders) %||% rep("", length(folders))
  labels[is.na(labels) | labels == ""] <- ""
  if (!is.null(names(tables)) && all(nzchar(labels)) && setequal(names(tables), labels)) {
    tables <- tables[labels]
  }
  folders <- as.list(folders)
  for (f in folders) check_folder(f, call)
  base <- vapply(folders, function(f) basename(normalizePath(f)), "")
  labels[labels == ""] <- base[labels == ""]
  labels <- make.unique(labels)
  new_sweeps(stats::setNames(lapply(seq_along(folders), function(k) {
    table <- read_strength_table(tables[[k]], call)
    edited_sweep(folders[[k]], table, property, period, labels[k], size, call)
  }), labels))
}

edited_sweep <- function(folder, table, property, period, label, size, call) {
  check_strengths(table$strength, call)
  files <- files_inside(folder, table$file, call)
  batch <- read_sweep_images(files, size, label, call)
  new_images(batch, as.numeric(table$strength), property, period, name = label)
}

refuse_name <- function(name, why, call) {
  if (!is.null(name)) {
    abort_input(c("{.arg name} names a single sweep; these are several.", i = paste0("Leave it out: ", why, ".")),
                "propgrad_error_incompatible", call = call)
  }
}

check_folder <- function(folder, call) {
  if (!is.character(folder) || length(folder) != 1 || is.na(folder)) {
    abort_input("{.arg folder} must be one folder path, not {.obj_type_friendly {folder}}.",
                "propgrad_error_type", call = call)
  }
  if (!dir.exists(folder)) {
    abort_input(c(if (file.exists(folder)) "{.arg folder} {.file {folder}} is a file, not a folder."
                  else "Folder {.file {folder}} does not exist.",
                  i = "Give the folder that holds the edited images."), "propgrad_error_file", call = call)
  }
}

# A CSV path or data frame -> a data frame with `file` and `strength`.
read_strength_table <- function(strengths, call) {
  if (is.character(strengths) && length(strengths) == 1) {
    if (dir.exists(strengths)) {
      abort_input(c("Strength table {.file {strengths}} is a folder, not a file.",
                    i = "Give the CSV file with columns {.field file} and {.field strength}."),
                  "propgrad_error_file", call = call)
    }
    if (!file.exists(strengths)) {
      abort_input("Strength table {.file {strengths}} does not exist.", "propgrad_error_file", call = call)
    }
    strengths <- tryCatch(utils::read.csv(strengths, stringsAsFactors = FALSE),
                          error = function(e) abort_input("Cannot read {.file {strengths}} as CSV.",
                                                          "propgrad_error_file", call = call))
  }
  if (!is.data.frame(strengths) || !all(c("file", "strength") %in% names(strengths))) {
    abort_input("{.arg strengths} must have columns {.field file} and {.field strength}.",
                "propgrad_error_column", call = call)
  }
  strengths
}

# The table's file names as paths inside `folder`: a name that is absolute,
# climbs out with "..", or resolves (through links) outside the folder could
# make a shared CSV read any file the user can read, so it is refused.
files_inside <- function(folder, names, call) {
  names <- as.character(names)
  if (anyNA(names) || any(!nzchar(names))) {
    abort_input(c("Every {.field file} entry must name an image.",
                  x = "Entr{?y/ies} {which(is.na(names) | !nzchar(names))} {?is/are} empty."),
                "propgrad_error_file", call = call)
  }
  root <- normalizePath(folder, winslash = "/", mustWork = TRUE)
  root <- paste0(sub("/+$", "", root), "/")
  files <- file.path(folder, names)
  resolved <- normalizePath(files, winslash = "/", mustWork = FALSE)
  parts <- strsplit(gsub("\\\\", "/", names), "/")
  outside <- grepl("^(/|\\\\|~|[A-Za-z]:)", names) |
    vapply(parts, function(p) ".." %in% p, TRUE) |
    (file.exists(files) & !startsWith(resolved, root))
  if (any(outside)) {
    bad <- names[outside]
    abort_input(c("The strength table names {length(bad)} file{?s} outside {.file {folder}}.",
                  x = "Outside: {.val {utils::head(bad, 5)}}{if (length(bad) > 5) ', ...' else ''}.",
                  i = "Give names relative to the folder, without {.code ..}, absolute paths or links leading out of it."),
                "propgrad_error_file", call = call)
  }
  files
}
