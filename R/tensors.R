# Images held by LibTorch. With LibTorch, intervene() keeps its sweep as a
# float tensor on the intervention's device behind an external pointer
# (class propgrad_tensor); predict() slices its batches there, and R sees the
# images as an array only when asked (as.array(), plot(), `$images`). A
# handle does not survive saveRDS() or a trip to another process: it then
# points at nothing, and every use but print() says so with a classed error.
# R's garbage collector does not see LibTorch's memory, so intervene()
# collects when the live tensors have grown by a GiB.

#' Images held by LibTorch
#'
#' With LibTorch, [intervene()] keeps the intervened images as a LibTorch
#' tensor on the intervention's device (CPU or CUDA) instead of copying
#' them into an R array, and [predict()][predict.propgrad_torch_model] and
#' [explain()] read them there. The [propgrad_images] object holds a
#' `propgrad_tensor`, a handle to that tensor: `print()` shows its shape as
#' LibTorch holds it (N x C x H x W), its dtype (float32), device and
#' layout; `dim()` gives the dimensions of the R array (N x H x W x C) and
#' `as.array()` the array itself, with exactly the values intervene() gave
#' as an array before (colour kinds return an alpha channel bit for bit as
#' in the input). `$images` of the propgrad_images object is that array too.
#'
#' The tensor lives in this R session's memory. `saveRDS()`, `serialize()`
#' and sending it to another process (parallel workers, `callr`) keep only
#' a handle that points at nothing; using it is an error of class
#' `propgrad_error_tensor_dead`. Call `as.array()` on the images (or on the
#' propgrad_images object) before saving them.
#' @param x A `propgrad_tensor`.
#' @param ... Unused.
#' @name propgrad_tensor
NULL

#' @rdname propgrad_tensor
#' @export
print.propgrad_tensor <- function(x, ...) {
  if (!pg_tensor_alive(x)) {
    cat("<propgrad tensor> no longer in memory (saved and reloaded, or from another process)\n")
    return(invisible(x))
  }
  info <- pg_tensor_info(x)
  d <- info$dim
  cat(sprintf("<propgrad tensor> %s [%d, %d, %d, %d] (N x C x H x W) on %s, %s layout\n",
              info$dtype, d[1], d[4], d[2], d[3], info$device, info$layout))
  cat(sprintf("  as.array(): %d x %d x %d x %d doubles (N x H x W x C)\n", d[1], d[2], d[3], d[4]))
  invisible(x)
}

#' @rdname propgrad_tensor
#' @export
dim.propgrad_tensor <- function(x) {
  check_tensor_alive(x)
  pg_tensor_info(x)$dim
}

#' @rdname propgrad_tensor
#' @export
as.array.propgrad_tensor <- function(x, ...) {
  check_tensor_alive(x)
  pg_tensor_array(x)
}

check_tensor_alive <- function(x, call = rlang::caller_env()) {
  if (pg_tensor_alive(x)) return(invisible(x))
  pg_abort(c("These images were held by LibTorch in memory that is gone: the handle was saved and reloaded, or comes from another R process.",
             i = "Call {.code as.array()} on the images before saving them or sending them to another process, or run {.fn intervene} again."),
           "propgrad_error_tensor_dead", call = call, input = TRUE)
}

is_tensor <- function(x) inherits(x, "propgrad_tensor")

# Images idx (whole numbers in 1..N, checked by the caller) of a tensor, as
# a new tensor on its device.
tensor_rows <- function(x, idx, call = rlang::caller_env()) {
  check_tensor_alive(x, call)
  pg_tensor_select(x, as.numeric(idx))
}

# LibTorch's memory is invisible to R's collector: tensors that R no longer
# references stay until it runs. Collect once the live tensors have grown
# by a GiB since the last time.
tensor_gc <- new.env(parent = emptyenv())
tensor_gc$next_bytes <- 2^30

collect_tensors <- function() {
  if (pg_tensor_bytes() < tensor_gc$next_bytes) return(invisible())
  gc(verbose = FALSE)
  tensor_gc$next_bytes <- pg_tensor_bytes() + 2^30
  invisible()
}

# predict() of images held by a tensor: batches are sliced on its device and
# go to the model as predict() sends an array's (to_rgb picks channels there).
predict_tensor <- function(object, tensor, type, preprocess, batch_size, notes, call) {
  check_tensor_alive(tensor, call)
  d <- dim(tensor)
  rgb <- rgb_pick(preprocess, d[4], notes)
  preprocess <- check_preprocess(preprocess, rgb$channels, call)
  suggest_preprocess(list(tensor), notes)
  check_predict_memory(list(c(d[1:3], rgb$channels)), output_size(tensor, preprocess, call),
                       batch_size, call)
  torch_call(pg_torch_predict_tensor(object$pointer, tensor, preprocess, as.integer(batch_size),
                                     if (type == "prob") "logits" else type, rgb$pick), call)
}

# predict()'s to_rgb for images converted on the device: the 0-based
# channels each model sees (grey repeated, alpha dropped; none when the
# images stay as they are) and how many.
rgb_pick <- function(preprocess, channels, notes) {
  if (!preprocess$to_rgb || channels == 3) return(list(pick = integer(0), channels = channels))
  rgb_note(channels, notes)
  list(pick = if (channels == 4) 0:2 else c(0L, 0L, 0L), channels = 3L)
}
