# Masks of interventions: where, and how strongly, an intervention applies.
# intervention(mask = ) takes a matrix, an image file or a function of the
# image; check_mask() turns the first two into an H x W matrix in 0..1 at
# once, and resolve_mask() calls a function once per image in intervene()
# (so explain() evaluates it on each of its images). The blend itself,
# mask * edited + (1 - mask) * image, runs on the device with the
# intervention (src/torch/interventions.cpp).

# Mask given to intervention() -> NULL, an H x W double matrix in 0..1, or a
# function kept for intervene(). A file's name is kept for print().
check_mask <- function(mask, call) {
  if (is.null(mask) || is.function(mask)) return(mask)
  if (is.character(mask)) {
    if (length(mask) != 1 || is.na(mask)) {
      abort_input("A {.arg mask} file must be one path.", "propgrad_error_type", call = call)
    }
    m <- mask_from_file(mask, call)
    attr(m, "file") <- basename(mask)
    return(m)
  }
  check_mask_matrix(mask, "{.arg mask}", call,
                    hint = "Give a matrix, a PNG/JPEG file or a function of the image that returns a matrix.")
}

# A matrix of weights in 0..1 (logical counts as 0/1), as doubles; `hint`
# says what to give instead.
check_mask_matrix <- function(m, what, call, hint = NULL) {
  problem <- if (!is.numeric(m) && !is.logical(m)) {
    "It is {.obj_type_friendly {m}}."
  } else if (length(dim(m)) != 2) {
    "It has {length(dim(m))} dimension{?s}, not 2."
  } else if (anyNA(m)) {
    "It has missing values."
  } else if (any(m < 0 | m > 1)) {
    "Its values range from {signif(min(m), 3)} to {signif(max(m), 3)}."
  }
  if (!is.null(problem)) {
    abort_input(c(paste(what, "must be an H x W matrix with values in 0..1."), x = problem, i = hint),
                "propgrad_error_type", call = call)
  }
  storage.mode(m) <- "double"
  m
}

# A mask file's weights: its alpha where alpha varies (a cut-out made by
# erasing the background), else its grey value, or luma for colour files.
mask_from_file <- function(path, call) {
  img <- read_image_raw(path, call)
  channels <- dim(img)[3]
  use_alpha <- channels %in% c(2, 4) && diff(range(img[, , channels])) > 0
  m <- if (use_alpha) {
    img[, , channels]
  } else if (channels >= 3) {
    0.299 * img[, , 1] + 0.587 * img[, , 2] + 0.114 * img[, , 3]
  } else {
    img[, , 1]
  }
  m <- matrix(pmin(pmax(m, 0), 1), nrow(img), ncol(img))
  attr(m, "source") <- if (use_alpha) "alpha" else "grey"
  m
}

# The mask for one image (1 x H x W x C in 0..1), or NULL: a function is
# called with the H x W x C array; the result must fit the image.
resolve_mask <- function(mask, img, call) {
  if (is.null(mask)) return(NULL)
  d <- dim(img)
  if (is.function(mask)) {
    pixels <- array(img[1, , , ], d[2:4])
    mask <- tryCatch(mask(pixels), error = function(e) {
      pg_abort("The {.arg mask} function failed on the image.", "propgrad_error_mask",
               call = call, input = TRUE, parent = e)
    })
    mask <- check_mask_matrix(mask, "The result of the {.arg mask} function", call)
  }
  if (!identical(as.numeric(dim(mask)), as.numeric(d[2:3]))) {
    abort_input("{.arg mask} must be {d[2]} x {d[3]} like the image, not {paste(dim(mask), collapse = ' x ')}.",
                "propgrad_error_image_size", call = call)
  }
  mask
}

# One line for print.propgrad_intervention().
describe_mask <- function(mask) {
  if (is.function(mask)) return("a function of each image")
  size <- paste(dim(mask), collapse = " x ")
  file <- attr(mask, "file")
  if (is.null(file)) return(sprintf("%s matrix (mean %s)", size, format(signif(mean(mask), 3))))
  sprintf("%s from %s (%s, mean %s)", size, file,
          if (identical(attr(mask, "source"), "alpha")) "alpha" else "grey value",
          format(signif(mean(mask), 3)))
}
