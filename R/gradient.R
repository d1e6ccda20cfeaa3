# Property gradients and the expected property gradient magnitude (EPGM) of
# one series. Both are thin wrappers over the C++ stencils in
# src/core/gradient.cpp, after the shared checks in series.R.

#' Property gradient of a series
#'
#' Finite-difference derivative of model outputs `y` with respect to the
#' property values `t` along a gradual intervention.
#'
#' * `spacing = "property"` (default) uses the actual `t`: the second-order
#'   formula for uneven steps in the interior,
#'   \eqn{g_i = (h_1^2 y_{i+1} + (h_2^2 - h_1^2) y_i - h_2^2 y_{i-1}) / (h_1 h_2 (h_1 + h_2))}
#'   with \eqn{h_1 = t_i - t_{i-1}}, \eqn{h_2 = t_{i+1} - t_i}, and one-sided
#'   differences at the two ends.
#' * `spacing = "index"` ignores `t` and uses unit steps, exactly as
#'   `numpy.gradient(y)` (the reference implementation's behaviour).
#'
#' A periodic property (an angle) has no ends: give its `period` (e.g. 360)
#' and the first and last steps become neighbours. With `spacing = "index"`
#' the steps are then taken as evenly spaced around the circle.
#'
#' `rescale = TRUE` maps `t` to \[0, 1\] first (for periodic properties: one
#' period has length 1), which makes EPGMs comparable across properties
#' measured in different units. With `spacing = "index"` it divides the unit
#' steps by `n - 1`.
#'
#' `smooth` fits a local polynomial (Savitzky-Golay on possibly uneven `t`)
#' in a sliding window and returns its derivative: a number is the window
#' (odd, degree 2), or give `list(window = , degree = )`. Near the ends the
#' window slides inwards. Smoothing helps with noisy edits; it is never the
#' default.
#'
#' @param y Model outputs along the intervention: a numeric vector, or a
#'   matrix (or data frame) with one column per output (class, prompt).
#' @param t Property values, one per step; `NULL` means 1, 2, ..., n.
#'   Unsorted `t` is sorted together with `y` (with a message).
#' @param spacing `"property"` or `"index"`, see Details.
#' @param rescale Rescale `t` to \[0, 1\] first?
#' @param period Period of a periodic property, or `NULL`.
#' @param smooth `NULL`, a window size, or `list(window = , degree = )`.
#' @param ties What to do with repeated property values: `"error"` (default)
#'   or `"mean"` (average the outputs measured at the same value).
#' @return For a vector `y`, a numeric vector of gradients (in increasing
#'   order of `t`); for a matrix, a matrix with one column per output.
#' @seealso [epgm()], [shuffle_test()]
#' @export
#' @examples
#' t <- c(0, 0.1, 0.3, 0.6, 1)
#' property_gradient(t^2, t)          # close to 2 t
#' property_gradient(c(1, 2, 4, 7, 11), spacing = "index")
#' # an angle: the first and last steps are neighbours
#' angle <- seq(0, 330, by = 30)
#' property_gradient(sin(angle * pi / 180), angle, period = 360)
property_gradient <- function(y, t = NULL, spacing = c("property", "index"), rescale = FALSE,
                              period = NULL, smooth = NULL, ties = c("error", "mean")) {
  call <- rlang::current_env()
  check_required("y", call)
  ties <- check_choice(ties, c("error", "mean"), arg = "ties", call = call)
  settings <- gradient_settings(spacing, rescale, period, smooth, call = call)
  series <- prepare_series(y, t, ties = ties, call = call)
  check_series_against_settings(series, settings, call)
  inform_sorted(series$sorted, series$averaged, "series")
  g <- pg_gradient_cpp(series$y, series_positions(series), settings)
  if (is.matrix(y) || is.data.frame(y)) {
    colnames(g) <- colnames(y)
    g
  } else {
    as.vector(g)
  }
}

#' Expected property gradient magnitude (EPGM)
#'
#' The mean over steps of the absolute property gradient, \eqn{\frac1N \sum_i |g_i|};
#' for a vector output (one column per class or text prompt) the mean of the
#' Euclidean norms of the gradient vectors. It is the effect size: how much
#' the output moves, per unit of property, along the intervention.
#'
#' @inheritParams property_gradient
#' @param ... Gradient settings passed on: `spacing`, `rescale`, `period`,
#'   `smooth`, `ties`; see [property_gradient()].
#' @return A single number.
#' @export
#' @examples
#' t <- seq(0, 1, length.out = 50)
#' epgm(plogis(10 * (t - 0.5)), t)
#' # two class probabilities at once: the mean gradient norm
#' p <- plogis(10 * (t - 0.5))
#' epgm(cbind(cat = p, dog = 1 - p), t)
epgm <- function(y, t = NULL, ...) {
  call <- rlang::current_env()
  check_required("y", call)
  opts <- gradient_dots(list(...), call = call)
  settings <- gradient_settings(opts$spacing, opts$rescale, opts$period, opts$smooth, call = call)
  series <- prepare_series(y, t, ties = opts$ties, call = call)
  check_series_against_settings(series, settings, call)
  inform_sorted(series$sorted, series$averaged, "series")
  pg_epgm_cpp(series$y, series_positions(series), settings)
}

# Named options accepted through `...` by epgm(), shuffle_test() and
# property_test(); anything else is an error rather than silently ignored.
gradient_dots <- function(dots, allowed = c("spacing", "rescale", "period", "smooth", "ties"),
                          call = rlang::caller_env()) {
  nm <- names(dots)
  if (length(dots) && (is.null(nm) || any(nm == ""))) {
    abort_input("Arguments in {.arg ...} must be named.", "propgrad_error_dots", call = call)
  }
  unknown <- setdiff(nm, allowed)
  if (length(unknown)) {
    abort_input(c("Unknown argument{?s} {.arg {unknown}}.",
                  i = "Allowed in {.arg ...}: {.arg {allowed}}."),
                "propgrad_error_dots", call = call)
  }
  defaults <- list(spacing = "property", rescale = FALSE, period = NULL, smooth = NULL,
                   ties = "error", tolerance = 1e-9, p_conf_level = 0.99)
  out <- utils::modifyList(defaults, dots, keep.null = TRUE)
  out$ties <- check_choice(out$ties, c("error", "mean"), arg = "ties", call = call)
  out
}
