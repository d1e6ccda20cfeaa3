# The training-dynamics figure: mean EPGM along checkpoints (epochs, steps)
# with the prediction flips summed over series as point sizes, and the one
# name per meaning of flips in legends (`flips` per series, `flips_total`
# summed over series), with the old column name of its data still read.

#' EPGM along training
#'
#' Training dynamics: the mean EPGM per epoch (or any ordered `by` column),
#' one line per `colour` group (e.g. pre-trained versus random
#' initialisation), one panel per `facet` group (e.g. architecture), with the
#' number of prediction flips as point sizes when the tests have flips.
#'
#' @param tests A [property_test()] result over checkpoints.
#' @param x The `by` column that orders the checkpoints (numeric).
#' @param colour,facet Optional `by` columns for lines and panels.
#' @param draw `FALSE` returns the data that would be plotted.
#' @return A ggplot, or a data frame with `draw = FALSE`: the mean EPGM
#'   (`estimate`) and the prediction flips summed over the series
#'   (`flips_total`, as in [summary.propgrad_tests()]; its old name
#'   `flips` still reads, with a deprecation warning) per x, colour and facet
#'   (averaged over the other `by` columns, e.g. images). Integer x values
#'   (epochs) get integer breaks.
#' @export
#' @examples
#' set.seed(1)
#' d <- expand.grid(step = 1:30, epoch = 1:10, arch = c("resnet", "densenet"))
#' d$p <- plogis((d$step - 15) / ifelse(d$arch == "resnet", 2, 1 + d$epoch)) +
#'   rnorm(nrow(d), sd = 0.01)
#' d$q <- 1 - d$p
#' tests <- property_test(d, p ~ step | arch + epoch, n_perm = 9999, seed = 1,
#'                        probs = c("p", "q"))
#' plot_dynamics(tests, x = "epoch", facet = "arch")
plot_dynamics <- function(tests, x = "epoch", colour = NULL, facet = NULL, draw = TRUE) {
  call <- rlang::current_env()
  check_required("tests", call)
  check_tests(tests, call)
  by <- attr(tests, "settings")$by
  check_by_columns(list(x = x, colour = colour, facet = facet), by, call)
  if (!is.numeric(tests[[x]])) {
    abort_input("{.arg x} must be a numeric column (epochs, steps), not {.obj_type_friendly {tests[[x]]}}.",
                "propgrad_error_type", call = call)
  }
  keys <- c(x, colour, facet)
  df <- stats::aggregate(data.frame(estimate = tests$estimate), tests[keys], mean)
  has_flips <- "flips" %in% names(tests)
  # A sum over series: flips_total, as in summary(); `flips` is per series.
  if (has_flips) df$flips_total <- stats::aggregate(tests$flips, tests[keys], sum)$x
  df <- df[do.call(order, unname(as.list(df[keys]))), , drop = FALSE]
  rownames(df) <- NULL
  class(df) <- c("propgrad_dynamics", "data.frame")
  if (!check_flag(draw, arg = "draw", call = call)) return(df)
  aes_line <- if (is.null(colour)) ggplot2::aes(.data[[x]], .data$estimate)
              else ggplot2::aes(.data[[x]], .data$estimate, colour = .data[[colour]])
  p <- ggplot2::ggplot(df, aes_line) + ggplot2::geom_line(linewidth = 0.8)
  if (has_flips) {
    p <- p + ggplot2::geom_point(ggplot2::aes(size = .data$flips_total), alpha = 0.7) +
      ggplot2::scale_size_area(name = flips_total_label, max_size = 5, breaks = breaks_integer())
  }
  # Epochs and steps are whole: no break at epoch 2.5.
  if (whole_numbers(df[[x]])) p <- p + ggplot2::scale_x_continuous(breaks = breaks_integer())
  if (!is.null(facet)) p <- p + ggplot2::facet_wrap(ggplot2::vars(.data[[facet]]))
  n_colours <- if (is.null(colour)) 1 else length(unique(df[[colour]]))
  p + colour_scale(n_colours) + ggplot2::scale_y_continuous(labels = label_plain) +
    ggplot2::labs(x = x, y = "mean EPGM") + theme_propgrad()
}

# One name per meaning in printed output and legends: `flips` counts a
# series' prediction flips ("Flips (per series)"), `flips_total` sums them
# over series ("Flips (total over series)").
flips_total_label <- "Flips (total over series)"

# plot_dynamics(draw = FALSE) called its sum over series `flips` before
# issue 14; that name still reads, with a warning, through $ and [[.
#' @export
`$.propgrad_dynamics` <- function(x, name) x[[name]]

#' @export
`[[.propgrad_dynamics` <- function(x, i, ...) {
  if (identical(i, "flips") && !"flips" %in% names(x) && "flips_total" %in% names(x)) {
    pg_warn(c("Column {.field flips} of {.fn plot_dynamics} data is now {.field flips_total}: it sums the flips of the series at each point.",
              i = "Use {.code $flips_total}; {.field flips} is each series' own count in {.fn property_test} results."),
            "propgrad_warning_deprecated")
    return(.subset2(x, "flips_total"))
  }
  NextMethod()
}
