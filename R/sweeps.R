# Several sweeps in one object. A sweep is the propgrad_images of one source
# image along the property; edited_images() with an `image` column (or a
# list of folders) returns several as a named "propgrad_sweeps" list, and
# explain() takes that or a named list of propgrad_images. Each sweep
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
#' @param x A `propgrad_sweeps` object.
#' @param i Which sweeps to keep (names or numbers).
#' @param ... Unused.
#' @name propgrad_sweeps
NULL

new_sweeps <- function(sweeps) {
  for (nm in names(sweeps)) sweeps[[nm]]$name <- nm
  structure(sweeps, class = "propgrad_sweeps")
}

#' @rdname propgrad_sweeps
#' @export
print.propgrad_sweeps <- function(x, ...) {
  cat(sprintf("<propgrad sweeps> %d sweep%s along %s\n", length(x), if (length(x) == 1) "" else "s",
              x[[1]]$property))
  for (nm in names(x)) {
    s <- x[[nm]]
    d <- dim(s$images)
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
