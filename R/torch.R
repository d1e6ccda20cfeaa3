# LibTorch models from R: whether torch is there, what it sees, loading a
# TorchScript file and batched prediction (preprocessing: R/preprocess.R). All tensor work is
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

# A forward pass holds a float batch at the input size and, resized, at
# the model's size (input, resized and normalised copies).
# `dims`: each chunk's N x H x W x C dims.
check_predict_memory <- function(dims, out, batch_size, call) {
  n <- sum(vapply(dims, function(d) as.numeric(d[1]), 0))
  pixels <- max(vapply(dims, function(d) prod(as.numeric(d[2:3])), 0))
  b <- min(batch_size, n)
  bytes <- 4 * b * dims[[1]][4] * (pixels + 2 * prod(as.numeric(out)))
  check_memory(bytes, sprintf("A batch of %d image%s at %d x %d", b, if (b == 1) "" else "s", out[1], out[2]),
               "Use a smaller {.arg batch_size}, or the size the model takes in {.fn torch_preprocess}.",
               call = call)
}

#' Predict with a TorchScript model
#'
#' Images go through [torch_preprocess()] (resize, crop, normalisation) on
#' the model's device, in batches of `batch_size`. Images of different
#' sizes are preprocessed one by one and then batched, which needs a
#' preprocessing that brings them all to one size (`size = c(height,
#' width)`, or `crop`); otherwise the error has class
#' `propgrad_error_image_size`.
#'
#' When `preprocess` is not given and the images are photo-sized (a side
#' over 256 pixels, or both at least 224), a message of class
#' `propgrad_message_preprocess` shows the usual ImageNet pipeline: such
#' images are rarely meant to reach a model unresized and unnormalised.
#'
#' @param object A [torch_model()].
#' @param images Image file paths (PNG/JPEG), an H x W x C or N x H x W x C
#'   array, a list of H x W x C arrays, or an [intervene()] result; values
#'   0..1 or 0..255 (see `range`). Files and lists may differ in size (see
#'   Details) and, with `to_rgb = TRUE` in `preprocess`, in channels.
#' @param type `"prob"` (softmax over the model's outputs, as
#'   `torch.softmax(model(x), 1)`), `"logits"` (the outputs as returned,
#'   which must be batch x classes) or `"raw"` (any output, flattened to one
#'   row per image). `"prob"` refuses a model whose outputs are already
#'   probabilities (it ends in softmax) and a model with one output (a
#'   softmax over one column is always 1); use `"logits"` or `"raw"` for
#'   those (class `propgrad_error_torch_model_output`).
#' @param preprocess A [torch_preprocess()] specification.
#' @param batch_size Images per forward pass (default 32, as in
#'   [intervene()] and [explain()]).
#' @param classes Optional column names (one per output).
#' @param range `"auto"` (values above 1 mean 0..255), `"unit"` or `"byte"`.
#' @param ... Unused.
#' @param .notes Internal: lets [explain()] give each message once for all
#'   its predictions.
#' @return A matrix with one row per image and one column per output, of
#'   class `propgrad_predictions`, carrying its [pg_provenance()] (subsets
#'   give plain matrices).
#' @export
#' @method predict propgrad_torch_model
#' @examples
#' if (has_torch()) {
#'   f <- torch_script_model(
#'     "def forward(self, x):\n    return x.mean(dim=[2, 3]).matmul(self.w)",
#'     tempfile(fileext = ".pt"), buffers = list(w = matrix(c(1, -1, 0.5, 2, 0, -1), 3, 2)))
#'   m <- torch_model(f, device = "cpu")
#'   # Two images of different sizes, both brought to 16 x 16.
#'   imgs <- list(array(runif(20 * 30 * 3), c(20, 30, 3)), array(runif(40 * 40 * 3), c(40, 40, 3)))
#'   predict(m, imgs, preprocess = torch_preprocess(size = 16, crop = 16, mean = 0.5, sd = 0.5))
#' }
predict.propgrad_torch_model <- function(object, images, type = c("prob", "logits", "raw"),
                                         preprocess = torch_preprocess(), batch_size = 32,
                                         classes = NULL, range = c("auto", "unit", "byte"), ...,
                                         .notes = NULL) {
  call <- rlang::current_env()
  check_torch(call)
  type <- check_choice(type, c("prob", "logits", "raw"), arg = "type", call = call)
  check_whole(batch_size, 1, 1e5, arg = "batch_size", call = call)
  check_preprocess_class(preprocess, call)
  torch_threads(call)
  notes <- .notes %||% predict_notes(missing(preprocess))
  store <- if (inherits(images, "propgrad_images")) image_store(images)
  if (is_tensor(store)) {
    # intervene()'s images stay on their device (R/tensors.R).
    out <- label_outputs(predict_tensor(object, store, type, preprocess, batch_size, notes, call),
                         type, classes, call)
  } else {
    set <- as_image_set(images, range = range, call = call, channels = 1:4)
    if (preprocess$to_rgb) set <- rgb_images(set, notes)
    input <- image_chunks(set, preprocess, call)
    preprocess <- check_preprocess(preprocess, dim(input$chunks[[1]])[4], call)
    suggest_preprocess(input$chunks, notes)
    check_predict_memory(lapply(input$chunks, dim), output_size(input$chunks[[1]], preprocess, call),
                         batch_size, call)
    out <- torch_call(pg_torch_predict(object$pointer, input$chunks, preprocess, as.integer(batch_size),
                                       if (type == "prob") "logits" else type), call)
    out <- label_outputs(out, type, classes, call)
    rownames(out) <- input$names
  }
  # explain() records its own provenance once, not once per sweep and model.
  if (is.null(.notes)) {
    attr(out, "provenance") <- new_provenance(
      models = provenance_models(list(model = object)), preprocess = describe_preprocess(preprocess),
      images = provenance_images(predict_sources(images)))
    class(out) <- c("propgrad_predictions", "matrix", "array")
  }
  out
}

# The model's output matrix as predict() returns it: softmax for "prob",
# columns named by `classes` or output1, output2, ...
label_outputs <- function(out, type, classes, call) {
  if (type == "prob") out <- softmax_rows(out, call)
  if (!is.null(classes)) {
    if (!is.character(classes) || length(classes) != ncol(out)) {
      abort_input("{.arg classes} must name each of the model's {ncol(out)} output{?s}.",
                  "propgrad_error_length", call = call)
    }
    colnames(out) <- classes
  } else {
    colnames(out) <- paste0("output", seq_len(ncol(out)))
  }
  out
}

#' @export
print.propgrad_predictions <- function(x, ...) {
  line <- provenance_line(attr(x, "provenance"))
  attr(x, "provenance") <- NULL
  print(unclass(x), ...)
  cli::cat_line(line)
  invisible(x)
}

# The images as the user gave them, one entry per file or array.
predict_sources <- function(images) {
  if (is.character(images)) return(stats::setNames(as.list(images), basename(images)))
  if (inherits(images, "propgrad_images")) return(stats::setNames(list(images), images$name %||% "images"))
  if (is.list(images) && !is.data.frame(images)) {
    nm <- names(images) %||% rep("", length(images))
    nm[nm == ""] <- paste0("image", seq_along(images))[nm == ""]
    return(stats::setNames(images, nm))
  }
  list(images = images)
}

# type = "prob": softmax of logits, refusing outputs for which it means
# nothing (one column) or that are probabilities already (softmax again
# would flatten them towards uniform).
softmax_rows <- function(logits, call) {
  if (ncol(logits) == 1) {
    pg_abort(c("The model has one output, and a softmax over one output is always 1.",
               i = "Use {.code type = \"logits\"} or {.code \"raw\"}; an output that ends in a sigmoid is already a probability."),
             "propgrad_error_torch_model_output", call = call, input = TRUE)
  }
  if (all(logits >= 0 & logits <= 1) && all(abs(rowSums(logits) - 1) <= 1e-6)) {
    pg_abort(c("The model's outputs are already probabilities (each row lies in 0..1 and sums to 1): it ends in a softmax.",
               i = "Use {.code type = \"raw\"} (or {.code \"logits\"}) to take the outputs as they are."),
             "propgrad_error_torch_model_output", call = call, input = TRUE)
  }
  e <- exp(logits - apply(logits, 1, max))
  e / rowSums(e)
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
