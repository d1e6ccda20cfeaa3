# LibTorch models from R: whether torch is there, what it sees, loading a
# TorchScript file, preprocessing and batched prediction. All tensor work is
# in src/torch/ (C++); this file checks arguments and turns the C++ side's
# "[kind] message" errors into classed R errors.

#' Is LibTorch available?
#'
#' `has_torch()` says whether propgrad was built with LibTorch (found by
#' `configure` at install time). `torch_info()` gives the LibTorch version,
#' whether CUDA is available and the devices it can use.
#'
#' Without LibTorch every torch function raises an error of class
#' `propgrad_error_torch_unavailable` that says what to install: Debian's
#' `libtorch-dev`, or a LibTorch tree (for example a CUDA build, or the one
#' inside a Python torch install) named by `LIBTORCH_HOME` when propgrad is
#' installed.
#' @return `has_torch()`: `TRUE` or `FALSE`. `torch_info()`: a list with
#'   `version`, `cuda`, `cuda_devices` and `devices`.
#' @export
#' @examples
#' has_torch()
#' if (has_torch()) torch_info()
has_torch <- function() pg_has_torch()

#' @rdname has_torch
#' @export
torch_info <- function() {
  check_torch()
  info <- torch_call(pg_torch_info())
  n <- as.integer(info$cuda_devices)
  info$devices <- c("cpu", if (n > 0) paste0("cuda:", seq_len(n) - 1L))
  info
}

check_torch <- function(call = rlang::caller_env()) {
  if (!has_torch()) {
    pg_abort(c(
      "propgrad was installed without LibTorch, so torch models and interventions are unavailable.",
      i = "On Debian or Ubuntu: {.code sudo apt-get install libtorch-dev}, then reinstall propgrad.",
      i = "Or set {.envvar LIBTORCH_HOME} to a LibTorch tree (e.g. a CUDA build) and reinstall."),
      "propgrad_error_torch_unavailable", call = call)
  }
  if (r_torch_loaded()) {
    # Two LibTorch builds in one process share symbol names; the first call
    # into the wrong one crashes R, so refuse before any torch work.
    pg_abort(c(
      "The R {.pkg torch} package is loaded in this session, and its own LibTorch cannot share the process with propgrad's.",
      i = "Restart R and use propgrad's torch functions in a session without {.pkg torch} (e.g. {.code callr::r()}), or save tensors to files and read them in the other session."),
      "propgrad_error_torch_conflict", call = call)
  }
}

# The R torch package loads its LibTorch (through lantern) with its namespace.
r_torch_loaded <- function() isNamespaceLoaded("torch")

# Error kinds from the C++ side that are the caller's input at fault.
torch_input_kinds <- c("model_file", "model_version", "model_input", "model_output", "device", "stale",
                       "intervention", "editor", "script")

torch_call <- function(expr, call = rlang::caller_env()) {
  tryCatch(expr, error = function(e) {
    msg <- conditionMessage(e)
    m <- regmatches(msg, regexec("^\\[([a-z_]+)\\] (.*)$", msg))[[1]]
    if (length(m) != 3) stop(e)
    kind <- m[2]
    text <- m[3]
    hint <- switch(kind,
      model_file = "Check the path, and that the file was saved with {.code torch.jit.save()} (TorchScript).",
      model_version = paste0("Save the model again with a PyTorch of the same release as LibTorch ", torch_version(),
                             " ({.code torch.jit.save()}), or reinstall propgrad against a newer LibTorch: set {.envvar LIBTORCH_HOME} to it (e.g. the {.file torch} folder of the Python install that saved the model)."),
      model_input = "Check the image size and channels the model expects, and {.arg preprocess}.",
      model_output = "The model must return a tensor with one row per image.",
      stale = "Load it again with {.fn torch_model} or {.fn torch_editor}.",
      device = device_hint,
      editor = "The editor's forward(images, strengths) must return images of the input's shape.",
      NULL)
    pg_abort(c("{text}", i = hint), paste0("propgrad_error_torch_", kind), call = call,
             input = kind %in% torch_input_kinds, parent = NA)
  })
}

torch_version <- function() pg_torch_info()$version

device_hint <- "Use {.code device = \"cpu\"} or {.code \"auto\"}; for CUDA, install propgrad against a CUDA LibTorch ({.envvar LIBTORCH_HOME})."

# "auto" becomes cuda when LibTorch sees a CUDA device, else cpu.
resolve_device <- function(device, call = rlang::caller_env()) {
  if (!is.character(device) || length(device) != 1 || is.na(device) ||
      !grepl("^(auto|cpu|cuda|cuda:[0-9]+)$", device)) {
    abort_input("{.arg device} must be {.val auto}, {.val cpu}, {.val cuda} or {.val cuda:K}.",
                "propgrad_error_device", call = call)
  }
  # Every torch entry point resolves its device first: LibTorch's threads
  # follow ?pg_threads from here on.
  torch_threads(call)
  if (device == "cpu") return(device)
  info <- torch_call(pg_torch_info(), call)
  if (device == "auto") return(if (isTRUE(info$cuda)) "cuda" else "cpu")
  if (!isTRUE(info$cuda)) {
    pg_abort(c("Device {.val {device}} was asked for, but LibTorch {info$version} sees no CUDA device.",
               i = device_hint),
             "propgrad_error_torch_device", call = call, input = TRUE)
  }
  device
}

#' Load a TorchScript model
#'
#' @param path A TorchScript file (saved with `torch.jit.save()` in Python,
#'   or with [torch_script_model()]).
#' @param device `"auto"` (CUDA when available, else CPU), `"cpu"`, `"cuda"`
#'   or `"cuda:K"`.
#' @return A `propgrad_torch_model`, for [predict()][predict.propgrad_torch_model]
#'   and [explain()]. It holds a pointer to memory: it does not survive
#'   `saveRDS()`; load the file again instead.
#' @export
#' @examples
#' if (has_torch()) {
#'   f <- torch_script_model("def forward(self, x):\n    return x.mean(dim=[1, 2, 3]).unsqueeze(1)",
#'                           tempfile(fileext = ".pt"))
#'   m <- torch_model(f, device = "cpu")
#'   predict(m, array(0.25, c(2, 8, 8, 3)), type = "raw")
#' }
torch_model <- function(path, device = "auto") {
  call <- rlang::current_env()
  check_required("path", call)
  check_torch(call)
  path <- check_model_path(path, call)
  device <- resolve_device(device, call)
  ptr <- torch_call(pg_torch_load(path, device, FALSE), call)
  # Hashed when loaded: the provenance names the bytes that were run.
  structure(list(pointer = ptr, path = path, device = device, sha256 = sha256_file(path)),
            class = "propgrad_torch_model")
}

check_model_path <- function(path, call) {
  if (!is.character(path) || length(path) != 1 || is.na(path) || !nzchar(path)) {
    abort_input("{.arg path} must be one file path.", "propgrad_error_type", call = call)
  }
  if (dir.exists(path)) {
    pg_abort(c("{.file {path}} is a folder, not a model file.",
               i = "Give the TorchScript file saved with {.code torch.jit.save()}."),
             "propgrad_error_torch_model_file", call = call, input = TRUE)
  }
  if (!file.exists(path)) {
    pg_abort(c("Model file {.file {path}} does not exist.",
               i = "Check the path; models are TorchScript files saved with {.code torch.jit.save()}."),
             "propgrad_error_torch_model_file", call = call, input = TRUE)
  }
  normalizePath(path)
}

#' @export
print.propgrad_torch_model <- function(x, ...) {
  cat(sprintf("<propgrad TorchScript model> %s on %s\n", basename(x$path), x$device))
  invisible(x)
}

#' Preprocessing for a torch model
#'
#' Applied on the model's device before each forward pass, in this order:
#' bilinear resize to `size` (as `torch.nn.functional.interpolate(...,
#' mode = "bilinear", align_corners = False)`), multiplication by `scale`,
#' per-channel `(x - mean) / sd`, and channel reversal for `"bgr"` models.
#' Images enter with values in 0..1.
#'
#' @param size `NULL` (keep the size), one number (square) or `c(height, width)`.
#' @param scale Multiplier applied after resizing (e.g. 255 for models
#'   trained on 0..255 inputs).
#' @param mean,sd `NULL`, or one value per channel (ImageNet:
#'   `mean = c(0.485, 0.456, 0.406)`, `sd = c(0.229, 0.224, 0.225)`).
#' @param channels `"rgb"` or `"bgr"` (the model's channel order).
#' @return A `propgrad_preprocess` list.
#' @export
#' @examples
#' torch_preprocess(size = 224, mean = c(0.485, 0.456, 0.406), sd = c(0.229, 0.224, 0.225))
torch_preprocess <- function(size = NULL, scale = 1, mean = NULL, sd = NULL,
                             channels = c("rgb", "bgr")) {
  call <- rlang::current_env()
  channels <- check_choice(channels, c("rgb", "bgr"), arg = "channels", call = call)
  if (!is.null(size)) {
    if (!is.numeric(size) || !length(size) %in% 1:2 || anyNA(size) || any(size < 1) ||
        any(size > 1e5) || any(size != round(size))) {
      abort_input("{.arg size} must be one or two whole numbers of pixels (height, width).",
                  "propgrad_error_number", call = call)
    }
    size <- rep_len(as.integer(size), 2)
    # One 3-channel float image at this size, before any batch.
    check_memory(4 * 3 * prod(as.numeric(size)), sprintf("One %d x %d image", size[1], size[2]),
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
    if (length(mean) != length(sd)) {
      abort_input("{.arg mean} and {.arg sd} need one value per channel each ({length(mean)} vs {length(sd)}).",
                  "propgrad_error_length", call = call)
    }
    if (any(sd <= 0)) abort_input("{.arg sd} must be positive.", "propgrad_error_number", call = call)
  }
  structure(list(size = size %||% integer(0), scale = as.numeric(scale),
                 mean = as.numeric(mean %||% numeric(0)), sd = as.numeric(sd %||% numeric(0)),
                 channels = channels), class = "propgrad_preprocess")
}

check_preprocess <- function(preprocess, channels, call) {
  if (!inherits(preprocess, "propgrad_preprocess")) {
    abort_input("{.arg preprocess} must come from {.fn torch_preprocess}.", "propgrad_error_type",
                call = call)
  }
  if (length(preprocess$mean) && length(preprocess$mean) != channels) {
    abort_input(c("{.arg preprocess} normalises {length(preprocess$mean)} channel{?s}, but the images have {channels}.",
                  i = "Give one mean and sd per channel."), "propgrad_error_channels", call = call)
  }
  preprocess
}

# A forward pass holds a float batch at the input size and, resized, at
# the model's size (input, resized and normalised copies).
check_predict_memory <- function(d, preprocess, batch_size, call) {
  size <- if (length(preprocess$size)) as.numeric(preprocess$size) else as.numeric(d[2:3])
  b <- min(batch_size, d[1])
  bytes <- 4 * b * d[4] * (prod(as.numeric(d[2:3])) + 2 * prod(size))
  check_memory(bytes, sprintf("A batch of %d image%s at %d x %d", b, if (b == 1) "" else "s", size[1], size[2]),
               "Use a smaller {.arg batch_size}, or the size the model takes in {.fn torch_preprocess}.",
               call = call)
}

#' Predict with a TorchScript model
#'
#' @param object A [torch_model()].
#' @param images Image file paths (PNG/JPEG), an H x W x C or N x H x W x C
#'   array, a list of H x W x C arrays, or an [intervene()] result; values
#'   0..1 or 0..255 (see `range`). All images must share one size.
#' @param type `"prob"` (softmax over the model's outputs), `"logits"` (the
#'   outputs as returned, which must be batch x classes) or `"raw"` (any
#'   output, flattened to one row per image).
#' @param preprocess A [torch_preprocess()] specification.
#' @param batch_size Images per forward pass.
#' @param classes Optional column names (one per output).
#' @param range `"auto"` (values above 1 mean 0..255), `"unit"` or `"byte"`.
#' @param ... Unused.
#' @return A matrix with one row per image and one column per output.
#' @export
#' @method predict propgrad_torch_model
predict.propgrad_torch_model <- function(object, images, type = c("prob", "logits", "raw"),
                                         preprocess = torch_preprocess(), batch_size = 32,
                                         classes = NULL, range = c("auto", "unit", "byte"), ...) {
  call <- rlang::current_env()
  check_torch(call)
  type <- check_choice(type, c("prob", "logits", "raw"), arg = "type", call = call)
  check_whole(batch_size, 1, 1e5, arg = "batch_size", call = call)
  batch <- as_image_batch(images, range = range, call = call)
  preprocess <- check_preprocess(preprocess, dim(batch)[4], call)
  check_predict_memory(dim(batch), preprocess, batch_size, call)
  torch_threads(call)
  out <- torch_call(pg_torch_predict(object$pointer, batch, preprocess, as.integer(batch_size), type),
                    call)
  if (!is.null(classes)) {
    if (!is.character(classes) || length(classes) != ncol(out)) {
      abort_input("{.arg classes} must name each of the model's {ncol(out)} output{?s}.",
                  "propgrad_error_length", call = call)
    }
    colnames(out) <- classes
  } else {
    colnames(out) <- paste0("output", seq_len(ncol(out)))
  }
  rownames(out) <- dimnames(batch)[[1]]
  out
}

#' Write a TorchScript model from source
#'
#' Compiles TorchScript methods of one module (at least `forward`) with
#' LibTorch and saves the module, so small models (baselines, test models,
#' simple editors) can be made without Python. Numeric arrays in `buffers`
#' become float buffers, available as `self.<name>`.
#'
#' @param code TorchScript source, e.g.
#'   `"def forward(self, x):\n    return x.mean(dim=[1, 2, 3]).unsqueeze(1)"`.
#' @param file Where to save the module.
#' @param buffers A named list of numeric arrays (R's dims are kept).
#' @return `file`, invisibly.
#' @export
#' @examples
#' if (has_torch()) {
#'   f <- torch_script_model(
#'     "def forward(self, x):\n    return x.flatten(1).matmul(self.w)",
#'     tempfile(fileext = ".pt"), buffers = list(w = matrix(1, 12, 2)))
#'   predict(torch_model(f, "cpu"), array(0.5, c(1, 2, 2, 3)), type = "logits")
#' }
torch_script_model <- function(code, file, buffers = list()) {
  call <- rlang::current_env()
  check_required(c("code", "file"), call)
  check_torch(call)
  if (!is.character(code) || length(code) < 1 || anyNA(code)) {
    abort_input("{.arg code} must be TorchScript source text.", "propgrad_error_type", call = call)
  }
  if (!is.character(file) || length(file) != 1 || is.na(file)) {
    abort_input("{.arg file} must be one file path.", "propgrad_error_type", call = call)
  }
  if (dir.exists(file)) {
    abort_input("{.arg file} {.file {file}} is a folder; give the path of the model file to write.",
                "propgrad_error_file", call = call)
  }
  if (!is.list(buffers) || (length(buffers) && (is.null(names(buffers)) || any(names(buffers) == "")))) {
    abort_input("{.arg buffers} must be a named list of numeric arrays.", "propgrad_error_type", call = call)
  }
  for (name in names(buffers)) check_finite_numbers(buffers[[name]], paste0("buffers$", name), call)
  buffers <- lapply(buffers, function(b) { storage.mode(b) <- "double"; b })
  torch_call(pg_torch_save_script(paste0(paste(code, collapse = "\n"), "\n"), buffers, path.expand(file)), call)
  invisible(file)
}
