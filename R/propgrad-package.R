#' propgrad: local interventional explanations with property gradients
#'
#' A model's outputs recorded along a gradual intervention on one property
#' (a *series*) are summarised by the expected property gradient magnitude
#' (EPGM, [epgm()]) and tested with a shuffle test ([shuffle_test()] for one
#' series, [property_test()] for every series of a study at once).
#'
#' Options: `propgrad.nthreads` (default number of threads of the shuffle
#' engine and LibTorch, set by [pg_threads()]; all cores when unset, with the
#' caps of [pg_threads()]); `propgrad.max_bytes` (default 2e9): the most memory one large
#' allocation may take. propgrad estimates the bytes of every large
#' allocation before making it (null distributions kept with `keep_null`,
#' bootstrap resamples in [summary()] and [compare_models()], the images of
#' [intervene()], torch batches in [predict()] after [torch_preprocess()],
#' the Westfall-Young joint stream) and refuses a request above the limit
#' with an error of class `propgrad_error_memory`; raise the option if the
#' machine has the memory. `propgrad.max_null_bytes`, when set, is the limit
#' for `keep_null` alone. `propgrad.retries` (default 1): how often
#' `backend = "future"` resubmits a failed chunk.
#'
#' @keywords internal
"_PACKAGE"

## usethis namespace: start
#' @useDynLib propgrad, .registration = TRUE
#' @importFrom Rcpp sourceCpp
#' @importFrom generics tidy glance
#' @importFrom ggplot2 autoplot
#' @importFrom rlang .data %||%
## usethis namespace: end
NULL

#' @export
generics::tidy

#' @export
generics::glance

#' @export
ggplot2::autoplot
