#' propgrad: local interventional explanations with property gradients
#'
#' A model's outputs recorded along a gradual intervention on one property
#' (a *series*) are summarised by the expected property gradient magnitude
#' (EPGM, [epgm()]) and tested with a shuffle test ([shuffle_test()] for one
#' series, [property_test()] for every series of a study at once).
#'
#' Options: `propgrad.nthreads` (default number of threads; all cores when
#' unset), `propgrad.max_null_bytes` (largest null distribution
#' `keep_null = TRUE` may allocate; default 2 GB).
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
