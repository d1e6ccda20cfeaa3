# Preprocessing images for a torch model as a torchvision pipeline does it:
# Resize (antialiased), CenterCrop, Normalize, and PIL's convert("RGB").
# The resize and crop arithmetic lives in src/core/resize.cpp, as one weight
# matrix per axis; the torch code applies the matrices on the device and
# resize_images() here in R (so it needs no LibTorch), both by the
# matrices' bands of non-zeros. This
# file also decides how images of different sizes are batched for predict(),
# and gives predict()'s one-off messages (channels converted, preprocessing
# apparently forgotten).

#' Preprocessing for a torch model
#'
#' Applied before each forward pass, in this order, each step as in
#' torchvision: resize to `size`
#' (`torchvision.transforms.Resize(size, interpolation, antialias = antialias)`
#' on float tensors, i.e. `torch.nn.functional.interpolate(...,
#' align_corners = False, antialias = antialias)`), centre crop to `crop`
#' (`transforms.CenterCrop(crop)`), multiplication by `scale`, per-channel
#' `(x - mean) / sd` (`transforms.Normalize(mean, sd)`) and channel reversal
#' for `"bgr"` models. Images enter with values in 0..1, as after
#' `transforms.ToTensor()`; resizing and cropping run on the model's device.
#'
#' Pipelines that resize PIL images (`Resize` before `ToTensor()`) get
#' PIL's resampling, which rounds to 8 bits and so differs slightly;
#' propgrad reproduces the tensor path to float precision.
#'
#' With `to_rgb = TRUE`, grey images are repeated over three channels and
#' the alpha channel of grey + alpha and RGBA images is dropped, as PIL's
#' `Image.convert("RGB")` does; [predict()][predict.propgrad_torch_model]
#' says so in a message of class `propgrad_message_channels`.
#'
#' @param size `NULL` (keep the size); one number: the shorter edge becomes
#'   `size` and the longer `int(size * long / short)`, keeping the aspect
#'   ratio (torchvision's `Resize(256)`); or `c(height, width)`, exactly.
#' @param crop `NULL`, one number (a square) or `c(height, width)`: a centre
#'   crop after resizing, starting at `round((height - crop) / 2)` (Python's
#'   rounding, half to even). A crop larger than the image pads it with
#'   zeros (before normalisation), as `CenterCrop` does.
#' @param interpolation `"bilinear"` or `"bicubic"` (torchvision's
#'   `InterpolationMode.BILINEAR` and `BICUBIC`).
#' @param antialias `TRUE` (default): when shrinking, every input pixel
#'   contributes, as with `Resize(..., antialias = True)` on tensors (torch's
#'   `_upsample_bilinear2d_aa()` and `_upsample_bicubic2d_aa()`; for bicubic
#'   these use Keys' cubic with a = -0.5, also when enlarging), which is
#'   close to what PIL images get. `FALSE`: plain `interpolate()` (bicubic
#'   with a = -0.75), which aliases when shrinking.
#' @param scale Multiplier applied after resizing (e.g. 255 for models
#'   trained on 0..255 inputs).
#' @param mean,sd `NULL`, or one value per channel, or one value for all
#'   channels (ImageNet: `mean = c(0.485, 0.456, 0.406)`,
#'   `sd = c(0.229, 0.224, 0.225)`; `mean = 0.5, sd = 0.5` applies to every
#'   channel, as `Normalize` broadcasts).
#' @param channels `"rgb"` or `"bgr"` (the model's channel order).
#' @param to_rgb Convert grey, grey + alpha and RGBA images to RGB (see
#'   Details); `FALSE` passes their channels to the model unchanged.
#' @return A `propgrad_preprocess` list.
#' @seealso [resize_images()] to see what the model is given.
#' @export
#' @examples
#' # The usual ImageNet evaluation pipeline:
#' # Resize(256), CenterCrop(224), ToTensor(), Normalize(mean, std)
#' torch_preprocess(size = 256, crop = 224,
#'                  mean = c(0.485, 0.456, 0.406), sd = c(0.229, 0.224, 0.225))
torch_preprocess <- function(size = NULL, crop = NULL, interpolation = c("bilinear", "bicubic"),
                             antialias = TRUE, scale = 1, mean = NULL, sd = NULL,
                             channels = c("rgb", "bgr"), to_rgb = TRUE) {
  call <- rlang::current_env()
  size <- check_pixels(size, "size", call)
  crop <- check_pixels(crop, "crop", call)
  if (length(crop)) crop <- rep_len(crop, 2)
  interpolation <- check_choice(interpolation, c("bilinear", "bicubic"), arg = "interpolation",
                                call = call)
  check_flag(antialias, call = call)
  check_flag(to_rgb, call = call)
  channels <- check_choice(channels, c("rgb", "bgr"), arg = "channels", call = call)
  # One 3-channel float image at the final size (at least size x size).
  final <- if (length(crop)) crop else if (length(size)) rep_len(size, 2)
  if (length(final)) {
    check_memory(4 * 3 * prod(as.numeric(final)), sprintf("One %d x %d image", final[1], final[2]),
                 "Give the size the model takes (e.g. 224).", call = call)
  }
  check_finite_numbers(scale, "scale", call)
  if (length(scale) != 1) abort_input("{.arg scale} must be one number.", "propgrad_error_length", call = call)
  if (xor(is.null(mean), is.null(sd))) {
    abort_input("Give both {.arg mean} and {.arg sd}, or neither.", call = call)
  }
  if (!is.null(mean)) {
    check_finite_numbers(mean, "mean", call)
    check_finite_numbers(sd, "sd", call)
    if (length(mean) != length(sd) && min(length(mean), length(sd)) != 1) {
      abort_input("{.arg mean} and {.arg sd} need one value per channel each, or one for all channels ({length(mean)} vs {length(sd)}).",
                  "propgrad_error_length", call = call)
    }
    if (any(sd <= 0)) abort_input("{.arg sd} must be positive.", "propgrad_error_number", call = call)
  }
  structure(list(size = size, crop = crop, interpolation = interpolation, antialias = antialias,
                 scale = as.numeric(scale), mean = as.numeric(mean %||% numeric(0)),
                 sd = as.numeric(sd %||% numeric(0)), channels = channels, to_rgb = to_rgb),
            class = "propgrad_preprocess")
}

# NULL -> integer(0); else one or two whole numbers of pixels.
check_pixels <- function(x, arg, call) {
  if (is.null(x)) return(integer(0))
  if (!is.numeric(x) || !length(x) %in% 1:2 || anyNA(x) || any(x < 1) || any(x > 1e5) ||
      any(x != round(x))) {
    abort_input("{.arg {arg}} must be one or two whole numbers of pixels (height, width).",
                "propgrad_error_number", call = call)
  }
  as.integer(x)
}

# The specification for `channels` image channels: one mean and sd each.
check_preprocess <- function(preprocess, channels, call) {
  check_preprocess_class(preprocess, call)
  n <- max(length(preprocess$mean), length(preprocess$sd))
  if (n && n != 1 && n != channels) {
    abort_input(c("{.arg preprocess} normalises {n} channel{?s}, but the images have {channels}.",
                  i = "Give one mean and sd per channel, or one for all."), "propgrad_error_channels",
                call = call)
  }
  if (n) {
    preprocess$mean <- rep_len(preprocess$mean, channels)
    preprocess$sd <- rep_len(preprocess$sd, channels)
  }
  preprocess
}

check_preprocess_class <- function(preprocess, call) {
  if (!inherits(preprocess, "propgrad_preprocess")) {
    abort_input("{.arg preprocess} must come from {.fn torch_preprocess}.", "propgrad_error_type",
                call = call)
  }
}

#' Resize and crop images as torchvision does
#'
#' The resize and centre crop of [torch_preprocess()], without LibTorch and
#' without a model: what the model is given, before normalisation. Images of
#' different sizes are resized one by one and must end the same size.
#'
#' @param images Image file paths (PNG/JPEG), an H x W x C or N x H x W x C
#'   array, or a list of H x W x C arrays; values 0..1 or 0..255 (see
#'   `range`).
#' @inheritParams torch_preprocess
#' @param range `"auto"` (values above 1 mean 0..255), `"unit"` or `"byte"`.
#' @return An N x H x W x C array with values in 0..1 (bicubic
#'   interpolation may overshoot slightly, as in torchvision), named by file
#'   where images came from files.
#' @export
#' @examples
#' img <- array(runif(30 * 40 * 3), c(30, 40, 3))
#' dim(resize_images(img, size = 20))  # 1 x 20 x 26 x 3
#' dim(resize_images(list(img, img[1:20, , ]), size = c(16, 16)))
resize_images <- function(images, size = NULL, crop = NULL,
                          interpolation = c("bilinear", "bicubic"), antialias = TRUE,
                          range = c("auto", "unit", "byte")) {
  call <- rlang::current_env()
  check_required("images", call)
  spec <- torch_preprocess(size = size, crop = crop, interpolation = interpolation,
                           antialias = antialias)
  set <- as_image_set(images, range, call, channels = 1:4)
  if (!is.list(set)) {
    ids <- dimnames(set)[[1]]
    set <- lapply(seq_len(dim(set)[1]), function(k) array(set[k, , , ], dim(set)[-1]))
    names(set) <- ids
  }
  resize_set(set, spec, call)
}

# For callers inside the package (edited_images()): a list of H x W x C
# arrays, values kept as they are, resized as torch_preprocess(size = size)
# would -> one N x H x W x C array. `size`: one number (shorter edge; the
# images must then end the same size) or c(height, width).
resize_image_list <- function(images, size, interpolation = "bilinear", antialias = TRUE) {
  call <- rlang::caller_env()
  spec <- torch_preprocess(size = size, interpolation = interpolation, antialias = antialias)
  images <- lapply(images, function(img) {
    if (length(dim(img)) == 2) dim(img) <- c(dim(img), 1L)
    img
  })
  resize_set(images, spec, call)
}

# A list of H x W x C arrays, each resized with its own weights, stacked.
resize_set <- function(images, spec, call) {
  out <- output_size(images, spec, call, fn = "resize_images")
  channels <- unique(vapply(images, function(img) dim(img)[3], 1L))
  if (length(channels) > 1) {
    abort_input("All images must have the same channels; they have {.val {channels}}.",
                "propgrad_error_channels", call = call)
  }
  check_memory(8 * length(images) * prod(as.numeric(out)) * channels,
               sprintf("%d resized image%s of %d x %d", length(images),
                       if (length(images) == 1) "" else "s", out[1], out[2]),
               "Resize fewer images at a time, or to a smaller size.", call = call)
  res <- array(0, c(length(images), out, channels))
  bands <- list()  # by input size
  for (k in seq_along(images)) {
    img <- images[[k]]
    key <- paste(dim(img)[1:2], collapse = "x")
    b <- bands[[key]] <- bands[[key]] %||% pg_resize_bands(dim(img)[1], dim(img)[2], spec)
    for (ch in seq_len(channels)) res[k, , , ch] <- t(apply_band(t(apply_band(img[, , ch], b$rows)), b$cols))
  }
  if (!is.null(names(images))) dimnames(res) <- list(names(images), NULL, NULL, NULL)
  res
}

# Rows of x through one axis's weights, by their band: W %*% x without the
# zeros (a few taps per output row).
apply_band <- function(x, band) {
  out <- band$weights[, 1] * x[band$index[, 1], , drop = FALSE]
  for (k in seq_len(ncol(band$index))[-1]) {
    out <- out + band$weights[, k] * x[band$index[, k], , drop = FALSE]
  }
  out
}

# The one size that every image (a list of H x W x C arrays, or a batch)
# has after spec's resize and crop; a classed error when they would differ,
# naming `fn`, the function whose arguments fix it.
output_size <- function(images, spec, call, fn = "torch_preprocess") {
  dims <- if (is.list(images)) lapply(images, dim) else list(dim(images)[-1])
  sizes <- unique(lapply(unique(lapply(dims, `[`, 1:2)), function(d) {
    pg_resize_output_size(d[1], d[2], spec)
  }))
  if (length(sizes) > 1) {
    found <- vapply(sizes, paste, "", collapse = " x ")
    abort_input(c("Images of different sizes must end the same size to be batched.",
                  x = "After resizing and cropping they would be {.val {found}}.",
                  i = "Give {.code size = c(height, width)} or {.arg crop} in {.fn {fn}}, so that all end the same size."),
                "propgrad_error_image_size", call = call)
  }
  sizes[[1]]
}

# predict()'s input for the torch code: a list of N x H x W x C arrays
# ("chunks") in image order, one per image when sizes differ, and the names.
image_chunks <- function(set, preprocess, call) {
  if (!is.list(set)) return(list(chunks = list(set), names = dimnames(set)[[1]]))
  channels <- unique(vapply(set, function(img) dim(img)[3], 1L))
  if (length(channels) > 1) {
    abort_input(c("Images with different channels cannot be batched; they have {.val {channels}}.",
                  i = "{.code torch_preprocess(to_rgb = TRUE)} converts grey and RGBA images to RGB."),
                "propgrad_error_channels", call = call)
  }
  output_size(set, preprocess, call)
  if (length(unique(lapply(set, dim))) == 1) {
    return(list(chunks = list(stack_images(set, call)), names = names(set)))
  }
  list(chunks = lapply(set, function(img) array(img, c(1L, dim(img)))), names = names(set))
}

# Which of predict()'s one-off messages were given, and whether the user
# left `preprocess` at its default: explain() makes one for all its
# predict() calls, so each message appears once per explain().
predict_notes <- function(default_preprocess) {
  notes <- new.env(parent = emptyenv())
  notes$default_preprocess <- default_preprocess
  notes$shown <- character(0)
  notes
}

inform_once <- function(notes, message, class, .envir = parent.frame()) {
  if (class %in% notes$shown) return(invisible())
  notes$shown <- c(notes$shown, class)
  pg_inform(message, class, .envir = .envir)
}

# PIL's convert("RGB"): grey (and grey + alpha) repeated over three channels,
# alpha dropped. `set`: a batch or a list of H x W x C arrays.
rgb_images <- function(set, notes) {
  convert <- function(img) {
    k <- length(dim(img))
    keep <- switch(dim(img)[k], c(1, 1, 1), c(1, 1, 1), NULL, 1:3)
    if (is.null(keep)) return(img)
    if (k == 4) img[, , , keep, drop = FALSE] else img[, , keep, drop = FALSE]
  }
  items <- if (is.list(set)) set else list(set)
  channels <- vapply(items, function(img) dim(img)[length(dim(img))], 1L)
  if (all(channels == 3)) return(set)
  rgb_note(channels, notes)
  if (is.list(set)) lapply(set, convert) else convert(set)
}

# The message for converted images with these channel counts (explain()'s
# fused path converts on the device but says the same).
rgb_note <- function(channels, notes) {
  counts <- table(factor(channels[channels != 3], 1:4, c("grey", "grey + alpha", "", "RGBA")))
  found <- sprintf("%s (%d)", names(counts), counts)[counts > 0]
  inform_once(notes, c("Converted images to RGB for the model, as PIL's {.code convert(\"RGB\")}: {found}.",
                       i = "Grey is repeated over three channels and alpha dropped; {.code torch_preprocess(to_rgb = FALSE)} keeps the channels."),
              "propgrad_message_channels")
}

# Images of photo size sent without any preprocessing are most often a
# forgotten torch_preprocess(): say so once, with the usual pipeline.
suggest_preprocess <- function(chunks, notes) {
  if (!isTRUE(notes$default_preprocess)) return(invisible())
  # Without resizing, the images were batched because they share one size.
  hw <- dim(chunks[[1]])[2:3]
  if (max(hw) <= 256 && min(hw) < 224) return(invisible())
  inform_once(notes, c("The images go to the model at {hw[1]} x {hw[2]}, without resizing or normalisation.",
                       i = "ImageNet models usually need {.code preprocess = torch_preprocess(size = 256, crop = 224, mean = c(0.485, 0.456, 0.406), sd = c(0.229, 0.224, 0.225))}.",
                       i = "Give {.code preprocess = torch_preprocess()} to send them as they are."),
              "propgrad_message_preprocess")
}
