# propgrad's ggplot2 theme and its colour-blind-safe discrete scales, used
# by every figure; their arguments are checked here so that ggplot2 errors
# do not reach the user.

# Okabe-Ito: distinguishable under the common colour-vision deficiencies.
pg_palette <- c("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
                "#F0E442", "#000000")

#' propgrad's ggplot2 theme and colour scales
#'
#' A minimal theme with the legend at the bottom, and the colour-blind-safe
#' Okabe-Ito palette for discrete colours and fills.
#'
#' @param base_size Base font size, a positive number.
#' @param ... Passed to [ggplot2::scale_colour_manual()] or
#'   [ggplot2::scale_fill_manual()], except `values` (the palette).
#' @return A ggplot2 theme or scale.
#' @export
#' @examples
#' library(ggplot2)
#' ggplot(mtcars, aes(wt, mpg, colour = factor(cyl))) + geom_point() +
#'   scale_colour_propgrad() + theme_propgrad()
theme_propgrad <- function(base_size = 11) {
  if (!is.numeric(base_size) || length(base_size) != 1 || !is.finite(base_size) || base_size <= 0) {
    abort_input(c("{.arg base_size} must be a positive number of points, e.g. {.code 11}.",
                  x = "You supplied {.obj_type_friendly {base_size}}."),
                "propgrad_error_number", call = rlang::current_env())
  }
  ggplot2::theme_minimal(base_size = base_size) +
    ggplot2::theme(legend.position = "bottom", panel.grid.minor = ggplot2::element_blank(),
                   strip.text = ggplot2::element_text(face = "bold"),
                   plot.title.position = "plot")
}

#' @rdname theme_propgrad
#' @export
scale_colour_propgrad <- function(...) pg_scale(ggplot2::scale_colour_manual, ...)

#' @rdname theme_propgrad
#' @export
scale_fill_propgrad <- function(...) pg_scale(ggplot2::scale_fill_manual, ...)

# ggplot2 would answer a second `values` with "matched by multiple actual
# arguments", and an unknown argument with "unused argument".
pg_scale <- function(scale, ..., call = rlang::caller_env()) {
  given <- ...names() %||% rep("", ...length())
  if ("values" %in% given) {
    abort_input(c("{.arg values} cannot be set: these scales use propgrad's palette.",
                  i = "For other colours use {.fn ggplot2::scale_colour_manual} or {.fn ggplot2::scale_fill_manual}."),
                "propgrad_error_dots", call = call)
  }
  known <- setdiff(c(names(formals(scale)), names(formals(ggplot2::discrete_scale))), c("...", "values"))
  unknown <- setdiff(given[nzchar(given)], known)
  if (length(unknown)) {
    abort_input(c("Unknown argument{?s} {.arg {unknown}}.",
                  i = "These scales take the arguments of {.fn ggplot2::scale_colour_manual}, such as {.arg name}, {.arg breaks} and {.arg labels}."),
                "propgrad_error_dots", call = call)
  }
  scale(values = pg_palette, ...)
}

