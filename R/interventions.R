# Gradual interventions: a specification (intervention(), torch_editor(),
# external_editor()) and intervene(), which applies it to one image at each
# strength. Built-in kinds run as batched tensor operations in src/torch/;
# each kind refuses strengths outside its domain (strength_domains), and any
# kind may be limited by a mask (R/masks.R). External editors run a user's
# command once per strength; edited_images() ingests a folder of images
# edited elsewhere.

intervention_kinds <- c("brightness", "contrast", "saturation", "hue", "gamma", "blur",
                        "rotate", "translate", "zoom", "colour_shift", "patch", "interpolate")

# The strengths each kind accepts: lower and upper bounds, whether the lower
# bound is excluded, and how messages and the docs table name the domain.
# Kinds not listed (hue, rotate, translate, colour_shift) take any real.
strength_domains <- list(
  brightness = list(lower = 0, upper = Inf, open = FALSE, label = ">= 0"),
  contrast = list(lower = 0, upper = Inf, open = FALSE, label = ">= 0"),
  saturation = list(lower = 0, upper = Inf, open = FALSE, label = ">= 0"),
  gamma = list(lower = 0, upper = Inf, open = TRUE, label = "> 0"),
  blur = list(lower = 0, upper = 100, open = FALSE, label = "0..100 (sigma in pixels)"),
  zoom = list(lower = 0, upper = Inf, open = TRUE, label = "> 0"),
  patch = list(lower = 0, upper = 1, open = FALSE, label = "0..1"),
  interpolate = list(lower = 0, upper = 1, open = FALSE, label = "0..1")
)

#' A gradual intervention
#'
#' Describes how to change one semantic property of an image gradually: the
#' kind of change and the strengths (property values) to apply. Apply it with
#' [intervene()] or use it in [explain()].
#'
#' | kind | strength | domain | identity | extra arguments |
#' |---|---|---|---|---|
#' | `brightness` | multiplier | >= 0 | 1 | |
#' | `contrast` | multiplier of the deviation from the mean grey | >= 0 | 1 | |
#' | `saturation` | multiplier of the deviation from grey (RGB) | >= 0 | 1 | |
#' | `hue` | rotation of the hue in degrees (RGB) | any (periodic, 360) | 0 | `space` |
#' | `gamma` | exponent | > 0 | 1 | |
#' | `blur` | Gaussian sigma in pixels | 0..100 | 0 | |
#' | `rotate` | angle in degrees, counter-clockwise | any (periodic, 360) | 0 | `padding` |
#' | `translate` | shift in pixels along `direction` | any | 0 | `direction = c(x, y)`, `padding` |
#' | `zoom` | magnification about the centre | > 0 | 1 | `padding` |
#' | `colour_shift` | multiplier of `colour`, added | any | 0 | `colour` |
#' | `patch` | opacity of `patch` pasted at `position` | 0..1 | 0 | `patch`, `position = c(row, col)` |
#' | `interpolate` | weight of `target` | 0..1 | 0 | `target` |
#'
#' Strengths outside the domain are refused (class `propgrad_error_number`).
#' Results are clamped to 0..1 for colour kinds; geometric kinds resample
#' bilinearly and fill outside the image per `padding` (`"zeros"`,
#' `"border"` or `"reflection"`). `patch` and `target` are images (file or
#' array); a patch with one more channel than the image's colour channels
#' uses it as alpha, and the target's alpha is not used.
#'
#' **Hue.** `space = "hsv"` (the default) adds `strength / 360` to the HSV
#' hue, exactly as `torchvision.transforms.functional.adjust_hue()` with
#' `hue_factor = strength / 360` (reduced to -180..180 degrees first): red
#' turns to yellow at +60 and to green at +120. `space = "yiq"` instead turns
#' the chroma plane (I, Q) of YIQ by the angle, `I' = I cos a - Q sin a`,
#' `Q' = I sin a + Q cos a`; it keeps luma (0.299 R + 0.587 G + 0.114 B)
#' wherever nothing clips, and positive angles turn red towards magenta,
#' the opposite sense to HSV.
#'
#' **Masks.** Any kind takes `mask`, the weight of the edit at each pixel:
#' each result is `mask * edited + (1 - mask) * image`, so 0 keeps a pixel,
#' 1 takes the edit and values between blend. `mask` is one of
#' * an H x W matrix in 0..1 (or logical);
#' * a PNG or JPEG file: its grey value, or the luma of a colour file; a
#'   file with an alpha channel that varies uses its alpha instead (a
#'   cut-out made by erasing the background);
#' * a function of the image, called with its H x W x C array (values
#'   0..1) and returning an H x W matrix in 0..1, e.g. a threshold that finds
#'   the fur. [intervene()] calls it once, [explain()] once per image.
#'
#' For `colour_shift` this is `image + mask * strength * colour` wherever
#' nothing clips (clamping applies to the full shift before the blend), and
#' exactly that for a 0/1 mask. A mask of the geometric kinds blends the
#' moved image with the original.
#'
#' **Alpha.** In an image with 4 channels (RGBA) the last is alpha. Colour
#' kinds (all but `blur`, `rotate`, `translate` and `zoom`) return it exactly
#' as in the input; `blur` and the geometric kinds blur and move it with the
#' image (and a mask blends it like the colours).
#'
#' @param kind One of the kinds above.
#' @param strengths The property values, at least 3 (sorted on use), in the
#'   kind's domain.
#' @param ... Extra arguments of the kind (see the table): `space` (`"hsv"`
#'   or `"yiq"`), `padding`, `direction`, `colour`, `patch`, `position`,
#'   `target`.
#' @param mask Where the intervention applies, and how strongly: `NULL` (the
#'   whole image), a matrix, an image file or a function of the image (see
#'   Masks).
#' @param property A label for the property (default: `kind`).
#' @return A `propgrad_intervention`.
#' @export
#' @examples
#' intervention("brightness", seq(0.2, 1.8, length.out = 41))
#' intervention("rotate", seq(0, 350, by = 10), padding = "border")
#' intervention("hue", seq(-180, 180, by = 15), space = "yiq")
#' # Brighten only the light pixels of each image.
#' intervention("brightness", seq(0.5, 1.5, by = 0.1),
#'              mask = function(img) apply(img, 1:2, mean) > 0.5)
intervention <- function(kind, strengths, ..., mask = NULL, property = kind) {
  call <- rlang::current_env()
  check_required(c("kind", "strengths"), call)
  kind <- check_choice(kind, intervention_kinds, arg = "kind", call = call)
  check_label_period(property, NULL, call)
  strengths <- check_strengths(strengths, call)
  args <- list(...)
  allowed <- switch(kind, hue = "space", rotate = , zoom = "padding", translate = c("direction", "padding"),
                    colour_shift = "colour", patch = c("patch", "position"),
                    interpolate = "target", character(0))
  unknown <- setdiff(names(args), allowed)
  if (length(args) && (is.null(names(args)) || any(names(args) == "") || length(unknown))) {
    bad <- if (length(unknown)) unknown else "(unnamed)"
    abort_input(c("Unknown argument for a {kind} intervention: {.arg {bad}}.",
                  i = if (length(allowed)) "It takes {.arg {allowed}}." else "It takes no extra arguments."),
                "propgrad_error_input", call = call)
  }
  check_domain(kind, strengths, call)
  params <- list(numbers = numeric(0), other = NULL, mask = check_mask(mask, call),
                 padding = check_choice(args$padding %||% "zeros", c("zeros", "border", "reflection"),
                                        arg = "padding", call = call),
                 space = check_choice(args$space %||% "hsv", c("hsv", "yiq"), arg = "space", call = call))
  if (kind == "translate") {
    d <- args$direction %||% c(1, 0)
    check_finite_numbers(d, "direction", call)
    if (length(d) != 2 || sum(d^2) == 0) {
      abort_input("{.arg direction} must be a non-zero vector c(x, y).", "propgrad_error_length", call = call)
    }
    params$numbers <- d / sqrt(sum(d^2))
  }
  if (kind == "colour_shift") {
    if (is.null(args$colour)) abort_input("A colour shift needs {.arg colour} (one value per channel).", call = call)
    check_finite_numbers(args$colour, "colour", call)
    params$numbers <- as.numeric(args$colour)
  }
  if (kind == "patch") {
    if (is.null(args$patch)) abort_input("A patch intervention needs {.arg patch} (an image).", call = call)
    # One more channel than the image is alpha, so grey + alpha (2) is a patch.
    params$other <- as_image_batch(args$patch, call = call, channels = 1:4)
    pos <- args$position %||% c(1, 1)
    if (!is.numeric(pos) || length(pos) != 2 || anyNA(pos) || any(pos != round(pos)) || any(abs(pos) > 1e5)) {
      abort_input("{.arg position} must be two whole numbers c(row, col).", "propgrad_error_number", call = call)
    }
    params$numbers <- as.numeric(pos) - 1
  }
  if (kind == "interpolate") {
    if (is.null(args$target)) abort_input("An interpolation needs {.arg target} (an image).", call = call)
    params$other <- as_image_batch(args$target, call = call)
  }
  structure(list(kind = kind, strengths = strengths, params = params, property = property,
                 period = if (kind %in% c("hue", "rotate")) 360 else NULL),
            class = "propgrad_intervention")
}

check_domain <- function(kind, strengths, call) {
  d <- strength_domains[[kind]]
  if (is.null(d)) return(invisible())
  bad <- strengths[strengths < d$lower | strengths > d$upper | (d$open & strengths == d$lower)]
  if (length(bad)) {
    bad <- vapply(signif(bad, 4), format, "")
    abort_input(c("{.field {kind}} strengths must be {d$label}.",
                  x = "Outside that: {bad}."), "propgrad_error_number", call = call)
  }
}

check_strengths <- function(strengths, call) {
  check_finite_numbers(strengths, "strengths", call)
  if (length(strengths) < 3) {
    abort_input("Give at least 3 {.arg strengths}; a gradient needs a curve.", "propgrad_error_length",
                call = call)
  }
  if (anyDuplicated(strengths)) {
    abort_input("{.arg strengths} must not repeat a value.", "propgrad_error_ties", call = call)
  }
  sort(as.numeric(strengths))
}

# The label and period every intervention and propgrad_images carries.
check_label_period <- function(property, period, call) {
  if (!is.character(property) || length(property) != 1 || is.na(property)) {
    abort_input("{.arg property} must be one string that names the property, e.g. {.val fur colour}.",
                "propgrad_error_type", call = call)
  }
  if (!is.null(period) && (!is.numeric(period) || length(period) != 1 || !is.finite(period) || period <= 0)) {
    abort_input("{.arg period} must be a single positive number (e.g. 360 for degrees), or NULL.",
                "propgrad_error_number", call = call)
  }
}

#' @export
print.propgrad_intervention <- function(x, ...) {
  kind <- if (x$kind == "hue") sprintf("hue (%s)", toupper(x$params$space)) else x$kind
  cat(sprintf("<propgrad intervention> %s: %d strengths from %s to %s%s\n", kind,
              length(x$strengths), format(signif(min(x$strengths), 4)),
              format(signif(max(x$strengths), 4)),
              if (is.null(x$period)) "" else sprintf(" (periodic, %g)", x$period)))
  if (!is.null(x$params$mask)) cat("  mask:", describe_mask(x$params$mask), "\n")
  invisible(x)
}

#' Apply a gradual intervention to an image
#'
#' @param image One image: a file path (PNG/JPEG) or an H x W x C array
#'   (values 0..1 or 0..255).
#' @param intervention An [intervention()], [torch_editor()] or
#'   [external_editor()].
#' @param device `"auto"`, `"cpu"`, `"cuda"` or `"cuda:K"` (torch kinds).
#' @param batch_size Strengths computed per batch on the device (default 32,
#'   as in [predict()][predict.propgrad_torch_model] and [explain()]).
#' @param name The image's name in [explain()]'s tables and plots; default:
#'   the file name without extension for a file, else none.
#' @return A [propgrad_images] object; for an editor with `seeds`, a
#'   [propgrad_sweeps] list of them, one per seed (each records its `seed`).
#'   Built-in kinds and TorchScript editors keep the images on `device` as
#'   a [propgrad_tensor] until you ask for them (`as.array()`, `$images`,
#'   `plot()`); [predict()][predict.propgrad_torch_model] reads them there.
#' @export
#' @examples
#' if (has_torch()) {
#'   img <- array(runif(16 * 16 * 3), c(16, 16, 3))
#'   out <- intervene(img, intervention("brightness", c(0.5, 1, 1.5)), device = "cpu")
#'   out
#' }
intervene <- function(image, intervention, device = "auto", batch_size = 32, name = NULL) {
  call <- rlang::current_env()
  check_required(c("image", "intervention"), call)
  name <- check_sweep_name(name, call)
  if (is.null(name) && is.character(image) && length(image) == 1 && !is.na(image)) {
    name <- tools::file_path_sans_ext(basename(image))
  }
  if (!inherits(intervention, "propgrad_intervention")) {
    abort_input("{.arg intervention} must come from {.fn intervention}, {.fn torch_editor} or {.fn external_editor}.",
                "propgrad_error_type", call = call)
  }
  img <- one_image(image, batch_size, call)
  # The result is one float (an external editor's: one double) per step,
  # pixel and channel; LibTorch works on float batches of batch_size
  # images beside it.
  d <- dim(img)
  steps <- length(intervention$strengths)
  value_bytes <- if (intervention$kind == "external") 8 else 4
  check_memory(prod(d[2:4]) * (value_bytes * steps + 4 * 3 * min(batch_size, steps)),
               sprintf("%d steps of a %d x %d x %d image", steps, d[2], d[3], d[4]),
               "Use fewer strengths, or a smaller image (resize it first).", call = call)
  if (!is.null(intervention$seeds)) return(intervene_seeds(img, intervention, name, batch_size, call))
  if (intervention$kind == "external") {
    out <- run_external(img, intervention, call)
    out$name <- name
    return(out)
  }
  check_torch(call)
  device <- resolve_device(device, call)
  collect_tensors()
  p <- intervention$params
  if (intervention$kind == "torch_editor") {
    out <- torch_call(pg_torch_edit(intervention$pointer, img, intervention$strengths,
                                    as.integer(batch_size), NA_real_), call)
  } else {
    check_intervention_fits(intervention, img, call)
    mask <- resolve_mask(p$mask, img, call)
    out <- torch_call(pg_torch_intervene(img, intervention$kind, intervention$strengths, p$numbers,
                                         p$other, if (is.null(mask)) NULL else array(mask, c(1, dim(mask), 1)),
                                         p$padding, p$space, device, as.integer(batch_size)), call)
  }
  new_images(out, intervention$strengths, intervention$property, intervention$period, name = name)
}

# The last of 2 or 4 channels is alpha, which colour kinds leave alone.
colour_channels <- function(channels) if (channels %in% c(2, 4)) channels - 1 else channels

# The one image intervene() (and explain()'s fused path) takes, as a
# 1 x H x W x C array, with the batch size checked beside it.
one_image <- function(image, batch_size, call) {
  check_whole(batch_size, 1, 1e5, arg = "batch_size", call = call)
  img <- as_image_batch(image, call = call)
  if (dim(img)[1] != 1) {
    abort_input("{.fn intervene} takes one image; it got {dim(img)[1]}.", "propgrad_error_length", call = call)
  }
  img
}

check_intervention_fits <- function(iv, img, call) {
  d <- dim(img)
  p <- iv$params
  nc <- colour_channels(d[4])
  if (iv$kind %in% c("saturation", "hue") && nc != 3) {
    abort_input("A {iv$kind} intervention needs an RGB image (3 channels, or 4 with alpha); this one has {d[4]}.",
                "propgrad_error_channels", call = call)
  }
  if (iv$kind == "colour_shift" && length(p$numbers) != nc) {
    abort_input(c("{.arg colour} needs one value per colour channel ({nc}); it has {length(p$numbers)}.",
                  i = if (nc != d[4]) "Alpha is not shifted."),
                "propgrad_error_length", call = call)
  }
  if (iv$kind == "patch" && !dim(p$other)[4] %in% c(nc, nc + 1)) {
    abort_input("The patch needs {nc} channels (or {nc + 1} with alpha); it has {dim(p$other)[4]}.",
                "propgrad_error_channels", call = call)
  }
  # The target's alpha, if any, is not used, so only its colour must fit.
  target <- dim(p$other)
  if (iv$kind == "interpolate" && (!identical(target[2:3], d[2:3]) || colour_channels(target[4]) != nc)) {
    abort_input(c("The target image must have the image's size and colour channels ({d[2]} x {d[3]} x {nc}).",
                  i = "It may have alpha, which is not used."),
                "propgrad_error_image_size", call = call)
  }
}

#' A TorchScript editor as an intervention
#'
#' Wraps a user TorchScript module whose `forward(images, strengths)` takes a
#' B x C x H x W float batch (values 0..1) and a length-B strength vector and
#' returns edited images of the same shape. Use it with [intervene()] or
#' [explain()] like a built-in [intervention()].
#'
#' @section Editor seeds:
#' An editor that draws noise (`torch.randn_like()`, dropout, a diffusion
#' sampler) edits differently on every run, so one sweep mixes the model's
#' dependence on the property with the editor's noise. With `seeds`,
#' [intervene()] makes one sweep per seed, seeding LibTorch's random number
#' generators (the CPU's and every CUDA device's, as `torch.manual_seed()`)
#' before the sweep's first batch: the same seed, strengths and `batch_size`
#' give the same edits, other seeds other edits. [explain()] then tests the
#' output curve averaged over the seeds at each strength, which averages the
#' noise away, and reports the spread of the per-seed EPGMs, which shows how
#' much a single sweep could mislead.
#'
#' @param path The TorchScript file.
#' @param strengths The strengths to apply.
#' @param device `"auto"`, `"cpu"`, `"cuda"` or `"cuda:K"`.
#' @param property A label for the property.
#' @param period The period of a periodic property, or `NULL`.
#' @param seeds `NULL`, or the seeds of LibTorch's generators, one sweep
#'   each: unique whole numbers from 0 to 2^31 - 1. See section "Editor
#'   seeds".
#' @return A `propgrad_intervention`.
#' @export
torch_editor <- function(path, strengths, device = "auto", property = "edit", period = NULL,
                         seeds = NULL) {
  call <- rlang::current_env()
  check_required(c("path", "strengths"), call)
  check_torch(call)
  path <- check_model_path(path, call)
  strengths <- check_strengths(strengths, call)
  check_label_period(property, period, call)
  seeds <- check_editor_seeds(seeds, call)
  device <- resolve_device(device, call)
  ptr <- torch_call(pg_torch_load(path, device, TRUE), call)
  structure(list(kind = "torch_editor", strengths = strengths, pointer = ptr, path = path,
                 property = property, period = period, seeds = seeds), class = "propgrad_intervention")
}
