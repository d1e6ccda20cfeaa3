# Images as the torch code wants them: one N x H x W x C array of doubles in
# 0..1, or a list of such images of different sizes, from files, arrays or
# lists; and the "propgrad_images" class that
# interventions return (images plus the strength of each). Readers give
# classed errors for missing, truncated or non-image files.

#' Intervened images
#'
#' [intervene()], [external_editor()] runs and [edited_images()] return a
#' `propgrad_images` object: a list with `images` (an N x H x W x C array,
#' values 0..1; see below for intervene()'s), `strengths` (the property value of each image, increasing),
#' `property` (a label), `period` (360 for angles, else `NULL`), `name`
#' (the source image's name in [explain()]'s tables, or `NULL`) and `seed`
#' (the editor seed that made the sweep, or `NULL`; see [external_editor()]).
#' `as.array()` gives the array; `plot()` draws a thumbnail strip.
#'
#' With LibTorch, [intervene()] keeps the images on the intervention's
#' device as a [propgrad_tensor] instead of an array, and
#' [predict()][predict.propgrad_torch_model] and [explain()] read them
#' there. `as.array()`, `x$images` and `plot()` copy them into an R array
#' (the same values an array would hold); call `as.array()` before
#' `saveRDS()`, as the tensor does not survive saving.
#' @param x A `propgrad_images` object.
#' @param i Indices of images to keep.
#' @param n Thumbnails to draw.
#' @param ... Unused.
#' @name propgrad_images
NULL

new_images <- function(images, strengths, property, period = NULL, failures = NULL, name = NULL,
                       seed = NULL) {
  if (is.unsorted(strengths)) {
    o <- order(strengths)
    images <- image_rows(images, o)
    strengths <- strengths[o]
  }
  structure(list(images = images, strengths = strengths,
                 property = property, period = period, failures = failures, name = name, seed = seed),
            class = "propgrad_images")
}

# The images as stored: an N x H x W x C array, or a propgrad_tensor.
image_store <- function(x) .subset2(x, "images")

# Rows idx of stored images (an array or a tensor), as the same kind.
image_rows <- function(store, idx) {
  if (is_tensor(store)) return(tensor_rows(store, idx))
  store[idx, , , , drop = FALSE]
}

# The same sweep with its images in another order and its strengths as
# they were (sanity_check()'s shuffled order).
reorder_images <- function(x, perm) {
  x[["images"]] <- image_rows(image_store(x), perm)
  x
}

# `$images` (and `[["images"]]`) is the array, also for images held by
# LibTorch, as before they were; other fields as in any list.
#' @export
`$.propgrad_images` <- function(x, name) {
  value <- .subset2(x, name, exact = FALSE)
  if (identical(name, "images") && is_tensor(value)) as.array(value) else value
}

#' @export
`[[.propgrad_images` <- function(x, i, ...) {
  value <- .subset2(x, i, ...)
  if (identical(i, "images") && is_tensor(value)) as.array(value) else value
}

#' @rdname propgrad_images
#' @export
print.propgrad_images <- function(x, ...) {
  store <- image_store(x)
  if (is_tensor(store) && !pg_tensor_alive(store)) {
    cat(sprintf("<propgrad images> %s%d image%s along %s, no longer in memory (saved and reloaded, or from another process)\n",
                if (is.null(x$name)) "" else paste0(x$name, ": "), length(x),
                if (length(x) == 1) "" else "s", x$property))
    return(invisible(x))
  }
  d <- dim(store)
  cat(sprintf("<propgrad images> %s%d image%s of %d x %d x %d along %s from %s to %s%s\n",
              if (is.null(x$name)) "" else paste0(x$name, ": "), d[1],
              if (d[1] == 1) "" else "s", d[2], d[3], d[4], x$property,
              format(signif(min(x$strengths), 4)), format(signif(max(x$strengths), 4)),
              if (is.null(x$seed)) "" else paste0(" (editor seed ", format(x$seed, scientific = FALSE), ")")))
  if (NROW(x$failures)) cat(sprintf("%d strength(s) failed: see $failures\n", NROW(x$failures)))
  invisible(x)
}

#' @rdname propgrad_images
#' @export
as.array.propgrad_images <- function(x, ...) {
  store <- image_store(x)
  if (is_tensor(store)) as.array(store) else store
}

#' @rdname propgrad_images
#' @export
`[.propgrad_images` <- function(x, i) {
  idx <- seq_along(x$strengths)[i]
  if (anyNA(idx)) {
    abort_input("Image indices must lie in 1..{length(x)}.", "propgrad_error_number")
  }
  # The failed strengths stay with every subset, as print() reports them.
  new_images(image_rows(image_store(x), idx), x$strengths[idx], x$property, x$period,
             failures = x$failures, name = x$name, seed = x$seed)
}

#' @rdname propgrad_images
#' @export
length.propgrad_images <- function(x) length(x$strengths)

#' @rdname propgrad_images
#' @export
plot.propgrad_images <- function(x, n = 5, ...) {
  print(plot_image_strip(x, n = n))
  invisible(x)
}

# Any accepted image input -> N x H x W x C doubles in 0..1, with image
# names (file names) as the first dimnames where known. All images must
# share one size (see as_image_set() for images that need not).
# `channels`: those allowed (2, grey + alpha, only for patches).
as_image_batch <- function(images, range = c("auto", "unit", "byte"), call, channels = c(1, 3, 4)) {
  set <- as_image_set(images, range, call, channels)
  if (is.list(set)) set <- stack_images(set, call)
  set
}

# Any accepted image input, checked and in 0..1: a 4-D array (or intervened
# images) stays one N x H x W x C batch; files, single images and lists
# become a list of H x W x C arrays, which may differ in size and channels,
# named by file name where known. "auto" range is decided over all images.
as_image_set <- function(images, range = c("auto", "unit", "byte"), call, channels = c(1, 3, 4)) {
  range <- check_choice(range, c("auto", "unit", "byte"), arg = "range", call = call)
  if (inherits(images, "propgrad_images")) return(images$images)
  ids <- NULL
  if (is.character(images)) {
    if (length(images) == 0 || anyNA(images)) {
      abort_input("{.arg images} must be image file paths.", "propgrad_error_type", call = call)
    }
    ids <- basename(images)
    images <- lapply(images, read_image_raw, call = call)
  }
  if (is.array(images) && length(dim(images)) == 4) {
    set <- list(images)
  } else {
    if (is.array(images) || (is.numeric(images) && !is.null(dim(images)))) images <- list(images)
    if (!is.list(images) || length(images) == 0) {
      abort_input(c("{.arg images} must be image files, an array or a list of arrays.",
                    x = "It is {.obj_type_friendly {images}}."), "propgrad_error_type", call = call)
    }
    set <- lapply(images, function(img) {
      if (!is.numeric(img) || !length(dim(img)) %in% 2:3) {
        abort_input("Each image must be a numeric H x W or H x W x C array, not {.obj_type_friendly {img}}.",
                    "propgrad_error_type", call = call)
      }
      if (length(dim(img)) == 2) dim(img) <- c(dim(img), 1L)
      img
    })
  }
  for (img in set) check_image_array(img, channels, call)
  top <- max(vapply(set, max, 0))
  divide <- range == "byte" || (range == "auto" && top > 1)
  if (range == "unit" && top > 1) {
    abort_input("With {.code range = \"unit\"} values must lie in 0..1; the maximum is {signif(top, 3)}.",
                "propgrad_error_number", call = call)
  }
  set <- lapply(set, function(img) {
    if (divide) img <- img / 255
    storage.mode(img) <- "double"
    img
  })
  if (length(dim(set[[1]])) == 4) return(set[[1]])
  names(set) <- ids
  set
}

# One image (H x W x C) or batch (N x H x W x C): finite values in 0..255,
# allowed channels, at least 2 x 2 pixels.
check_image_array <- function(img, channels, call) {
  d <- dim(img)
  k <- length(d)
  check_finite_numbers(img, "images", call)
  if (!d[k] %in% channels) {
    abort_input(c("Images must have {paste(channels[-length(channels)], collapse = ', ')} or {channels[length(channels)]} channels (the last dimension).",
                  x = "These have {d[k]}; is the array {if (k == 4) 'N x ' else ''}H x W x C?"),
                "propgrad_error_channels", call = call)
  }
  if (any(d[k - 2:1] < 2)) {
    abort_input("Images must be at least 2 x 2 pixels.", "propgrad_error_image_size", call = call)
  }
  span <- range(img)
  if (span[1] < 0 || span[2] > 255) {
    abort_input(c("Image values must lie in 0..1 or 0..255.",
                  x = "They range from {signif(span[1], 3)} to {signif(span[2], 3)}."),
                "propgrad_error_number", call = call)
  }
}

# A list of H x W x C arrays of one size -> one N x H x W x C array.
stack_images <- function(images, call) {
  dims <- vapply(images, function(img) paste(dim(img), collapse = " x "), "")
  if (length(unique(dims)) > 1) {
    abort_input(c("All images must have the same size and channels.",
                  x = "Sizes found: {.val {unique(dims)}}.",
                  i = "Resize them first (e.g. {.fn resize_images}), or pass them in separate calls."),
                "propgrad_error_image_size", call = call)
  }
  batch <- array(0, c(length(images), dim(images[[1]])))
  for (k in seq_along(images)) batch[k, , , ] <- images[[k]]
  if (!is.null(names(images))) dimnames(batch) <- list(names(images), NULL, NULL, NULL)
  batch
}

# One PNG/JPEG file as read by png/jpeg (0..1), without clamping or channel
# changes; classed errors for missing, truncated or non-image files.
read_image_raw <- function(path, call) {
  if (dir.exists(path)) {
    abort_input(c("{.file {path}} is a folder, not an image file.",
                  i = "Give the image files in it, e.g. {.code list.files(path, full.names = TRUE)}."),
                "propgrad_error_file", call = call)
  }
  if (!file.exists(path)) {
    abort_input("Image file {.file {path}} does not exist.", "propgrad_error_file", call = call)
  }
  magic <- readBin(path, "raw", 8)
  png_magic <- as.raw(c(0x89, 0x50, 0x4e, 0x47))
  img <- if (length(magic) >= 4 && identical(magic[1:4], png_magic)) {
    rlang::check_installed("png", "to read PNG images")
    tryCatch(png::readPNG(path), error = function(e) NULL, warning = function(w) NULL)
  } else if (length(magic) >= 2 && identical(magic[1:2], as.raw(c(0xff, 0xd8)))) {
    rlang::check_installed("jpeg", "to read JPEG images")
    tryCatch(jpeg::readJPEG(path), error = function(e) NULL, warning = function(w) NULL)
  }
  if (is.null(img)) {
    abort_input(c("{.file {path}} is not a readable PNG or JPEG image.",
                  i = "It may be truncated or another format; convert it to PNG or JPEG, or pass the image as an array."),
                "propgrad_error_file", call = call)
  }
  if (length(dim(img)) == 2) dim(img) <- c(dim(img), 1L)
  img
}

read_image <- function(path, call) normalise_image(read_image_raw(path, call), call)

# For thumbnails: any 2-4 channel image clamped to 0..1, grey as a matrix.
normalise_image <- function(img, call) {
  ok <- is.numeric(img) && length(dim(img)) %in% 2:3 && all(is.finite(img)) &&
    (length(dim(img)) == 2 || dim(img)[3] %in% c(1, 3, 4))
  if (!ok) {
    abort_input("Each image must be a finite numeric H x W or H x W x C array (C = 1, 3 or 4).",
                "propgrad_error_type", call = call)
  }
  if (max(img) > 1) img <- img / 255
  if (length(dim(img)) == 3 && dim(img)[3] == 1) img <- img[, , 1]
  pmin(pmax(img, 0), 1)
}
