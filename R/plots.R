# ggplot2 figures of shuffle tests: output curves along the intervention
# (the paper's main figure), null distributions and shuffled curves of one
# test, mean EPGM per model with intervals, and a heatmap of inputs x
# properties (training dynamics: R/plot_dynamics.R; labels and breaks:
# R/plot_scales.R). Every function returns a ggplot (or, with draw = FALSE, the
# data it would plot) in one colour-blind-safe theme (R/theme.R).

#' Output curves along an intervention
#'
#' The paper's main figure: the model output along the property for one
#' input, one line per model (or any other `colour` column), the legend
#' carrying each series' EPGM and p-value (journal style; the adjusted p,
#' "adj. p", when the tests were adjusted for multiple testing, as it is the
#' one that decides significance), a decision threshold and the steps where
#' the predicted class flips, explained in the caption.
#'
#' @param data The long data frame the tests were run on, or an [explain()]
#'   result (which carries its curves; then leave out `tests`).
#' @param tests The [property_test()] result for `data`.
#' @param where A named list selecting the series to draw, e.g.
#'   `list(image = "img05", property = "fur_colour")`; every `by` column
#'   except `colour` must be fixed. Leave it out when the tests have one
#'   value of each of those columns (one image of an [explain()] result);
#'   otherwise the error lists the choices.
#' @param colour The `by` column whose values become lines.
#' @param threshold Decision threshold drawn as a dashed line, or `NULL`.
#' @param probs Class-probability columns; steps where the argmax changes are
#'   marked. `NULL`: no marks.
#' @param polar Draw around a circle (for periodic properties such as an
#'   angle; the tests must have been run with `period`). The radius starts
#'   at 0, so it is proportional to the output and flat curves are circles,
#'   not points at the centre; when outputs go below 0 (logits), the centre
#'   is a round value as far below the lowest output as the outputs and 0
#'   span (so no curve collapses into it), a dotted circle marks 0 and the
#'   caption names the centre.
#' @param draw `FALSE` returns the data frame that would be plotted.
#' @return A ggplot, or a data frame with `draw = FALSE`. Curves with a
#'   `seed` column (an [explain()] result with editor seeds) are drawn as
#'   their mean over seeds, the curve that was tested, over each seed's own
#'   curve in thin lines; with `draw = FALSE` the per-seed curves are
#'   attribute `"seeds"` of the mean curves.
#' @export
#' @examples
#' tests <- property_test(pg_study, p_cat ~ strength | image + model + property,
#'                        n_perm = 9999, seed = 1)
#' plot_curves(pg_study, tests, list(image = "img05", property = "fur_colour"),
#'             probs = c("p_cat", "p_dog"))
plot_curves <- function(data, tests, where, colour = "model", threshold = 0.5, probs = NULL,
                        polar = FALSE, draw = TRUE) {
  call <- rlang::current_env()
  check_required("data", call)
  if (inherits(data, "propgrad_tests") && missing(tests)) {
    # An explain() result carries its curves.
    tests <- data
    data <- attr(tests, "data")
    if (is.null(data)) {
      abort_input("These tests carry no curves; give {.arg data} and {.arg tests}.",
                  "propgrad_error_input", call = call)
    }
  }
  if (missing(tests)) {
    abort_input(c("{.arg tests} is missing.",
                  i = "Pass the curves' data and the {.fn property_test} result made from it, or an {.fn explain} result alone."),
                "propgrad_error_missing", call = call)
  }
  check_flag(polar, arg = "polar", call = call)
  check_tests(tests, call)
  s <- attr(tests, "settings")
  if (missing(where)) where <- default_where(tests, colour, call)
  if (!is.list(where) || is.null(names(where)) || any(names(where) == "")) {
    abort_input("{.arg where} must be a named list, e.g. {.code list(image = \"img01\")}.",
                "propgrad_error_input", call = call)
  }
  if (!colour %in% s$by) {
    abort_input("{.arg colour} must be a {.arg by} column of the tests: {.val {s$by}}.",
                "propgrad_error_column", call = call)
  }
  free <- setdiff(s$by, c(names(where), colour))
  if (length(free) || !all(names(where) %in% s$by)) {
    abort_input(c("{.arg where} must fix every {.arg by} column except {.val {colour}}.",
                  i = "Give {.val {setdiff(s$by, colour)}}; not fixed: {.val {free}}."),
                "propgrad_error_input", call = call)
  }
  sel_tests <- select_rows(tests, where, call)
  sel_data <- data[select_rows(data, where, call, index = TRUE), , drop = FALSE]
  seeds <- NULL
  if ("seed" %in% names(sel_data)) {
    seeds <- sel_data
    outs <- setdiff(names(sel_data)[vapply(sel_data, is.numeric, TRUE)], c(s$by, "seed", s$property))
    sel_data <- mean_over_seeds(sel_data, c(s$by, s$property), outs)
  }
  output <- unique(sel_tests$output)
  if (length(output) != 1 || !output %in% names(data)) {
    abort_input("Draw one output column at a time; these tests have {.val {output}}.",
                "propgrad_error_input", call = call)
  }
  # The p that decides significance: adjusted when the tests were.
  adjusted <- !identical(s$p_adjust %||% "none", "none")
  lab <- sprintf("%s: EPGM %s, %s", sel_tests[[colour]], format_sig(sel_tests$estimate, 3),
                 p_phrase(if (adjusted) sel_tests$adj.p.value else sel_tests$p.value,
                          if (adjusted) "adj. p" else "p"))
  curves <- data.frame(property = sel_data[[s$property]], output = sel_data[[output]],
                       series = factor(lab[match(as.character(sel_data[[colour]]),
                                                 as.character(sel_tests[[colour]]))], levels = lab))
  curves$flip <- FALSE
  if (!is.null(probs)) {
    for (g in split(seq_len(nrow(sel_data)), curves$series)) {
      g <- g[order(curves$property[g])]
      pred <- max.col(as.matrix(sel_data[g, probs, drop = FALSE]), ties.method = "first")
      curves$flip[g] <- c(FALSE, pred[-1] != pred[-length(pred)])
    }
  }
  curves <- curves[order(curves$series, curves$property), ]
  rownames(curves) <- NULL
  if (!is.null(seeds)) {
    seeds <- data.frame(property = seeds[[s$property]], output = seeds[[output]], seed = seeds$seed,
                        series = factor(lab[match(as.character(seeds[[colour]]),
                                                  as.character(sel_tests[[colour]]))], levels = lab))
    seeds <- seeds[order(seeds$series, seeds$seed, seeds$property), ]
    rownames(seeds) <- NULL
    attr(curves, "seeds") <- seeds
  }
  period <- s$period
  if (polar && is.null(period)) {
    abort_input(c("A polar plot needs a periodic property.",
                  i = "Run {.fn property_test} with {.arg period} (e.g. {.code period = 360})."),
                "propgrad_error_input", call = call)
  }
  if (!check_flag(draw, arg = "draw", call = call)) return(curves)
  where_text <- paste(names(where), unlist(lapply(where, as.character)), sep = " = ", collapse = ", ")
  lines <- curves
  if (polar) {
    # Close each curve: the first step again, one period later.
    firsts <- curves[!duplicated(curves$series), ]
    firsts$property <- firsts$property + period
    firsts$flip <- FALSE
    lines <- rbind(curves, firsts)
  }
  p <- ggplot2::ggplot(lines, ggplot2::aes(.data$property, .data$output, colour = .data$series))
  if (!is.null(seeds)) {
    p <- p + ggplot2::geom_path(ggplot2::aes(group = interaction(.data$series, .data$seed)),
                                data = seeds, linewidth = 0.3, alpha = 0.35)
  }
  p <- p + ggplot2::geom_path(linewidth = 0.8)
  if (!is.null(threshold)) p <- p + ggplot2::geom_hline(yintercept = threshold, linetype = "dashed", colour = "grey40")
  if (any(curves$flip)) {
    p <- p + ggplot2::geom_point(data = curves[curves$flip, ], shape = 4, size = 3, stroke = 1.2,
                                 show.legend = FALSE)
  }
  notes <- c(sprintf("%s: shuffle test of each curve%s.", if (adjusted) "adj. p" else "p",
                     if (adjusted) sprintf(", %s-adjusted over the study", adjust_label(s$p_adjust)) else ""),
             if (any(curves$flip)) "Crosses: the predicted class flips.",
             if (!is.null(threshold)) sprintf("Dashed: threshold %s.", format(threshold)))
  if (polar) {
    start <- min(curves$property)
    radial <- polar_radius(c(lines$output, seeds$output, threshold), output)
    p <- p + ggplot2::coord_polar(start = 0) +
      ggplot2::scale_x_continuous(limits = c(start, start + period),
                                  breaks = start + period * (0:3) / 4) +
      ggplot2::scale_y_continuous(limits = c(radial$base, NA), labels = label_plain,
                                  expand = ggplot2::expansion(mult = c(0, 0.05)))
    if (radial$base < 0) p <- p + ggplot2::geom_hline(yintercept = 0, linetype = "dotted", colour = "grey40")
    notes <- c(notes, radial$note)
  } else {
    p <- p + ggplot2::scale_x_continuous(labels = label_plain) + ggplot2::scale_y_continuous(labels = label_plain)
  }
  p + colour_scale(nlevels(curves$series), name = colour) +
    ggplot2::guides(colour = ggplot2::guide_legend(ncol = 1)) +
    ggplot2::labs(x = s$property, y = output, title = where_text,
                  caption = paste(strwrap(paste(notes, collapse = " "), 90), collapse = "\n")) +
    theme_propgrad()
}

#' Plot a shuffle test
#'
#' `type = "null"`: histogram of the shuffled statistics with the observed
#' statistic (solid) and the null mean (dashed); needs `keep_null = TRUE`.
#' `type = "shuffles"`: a few shuffled orderings of the outputs (grey) under
#' the observed curve, to show what "no dependence on the ordering" looks
#' like (the first output column of a vector output).
#'
#' @param object A [shuffle_test()] result.
#' @param type `"null"` or `"shuffles"`.
#' @param n_shuffles Number of shuffled curves.
#' @param bins Histogram bins.
#' @param draw `FALSE` returns the data that would be plotted.
#' @param ... Unused.
#' @return A ggplot, or a data frame with `draw = FALSE`.
#' @method autoplot propgrad_test
#' @export
#' @examples
#' t <- seq(0, 1, length.out = 40)
#' res <- shuffle_test(plogis(8 * (t - 0.5)) + rnorm(40, sd = 0.02), t,
#'                     n_perm = 2000, seed = 1, keep_null = TRUE)
#' ggplot2::autoplot(res)
#' ggplot2::autoplot(res, type = "shuffles")
autoplot.propgrad_test <- function(object, type = c("null", "shuffles"), n_shuffles = 5,
                                   bins = 50, draw = TRUE, ...) {
  call <- rlang::current_env()
  type <- check_choice(type, c("null", "shuffles"), arg = "type", call = call)
  if (type == "null") {
    if (is.null(object$null)) {
      abort_input(c("The null distribution was not kept.",
                    i = "Run {.fn shuffle_test} with {.code keep_null = TRUE}."),
                  "propgrad_error_keep_null", call = call)
    }
    null <- data.frame(statistic = object$null)
    if (!check_flag(draw, arg = "draw", call = call)) return(null)
    lines <- data.frame(value = c(object$statistic, object$null_mean),
                        what = c("observed", "null mean"))
    return(ggplot2::ggplot(null, ggplot2::aes(.data$statistic)) +
      ggplot2::geom_histogram(bins = bins, fill = "grey70", colour = "white") +
      ggplot2::geom_vline(ggplot2::aes(xintercept = .data$value, linetype = .data$what),
                          data = lines, colour = pg_palette[2], linewidth = 0.9) +
      ggplot2::scale_linetype_manual(values = c(observed = "solid", `null mean` = "dashed"), name = NULL) +
      # Few shuffles give counts of 0-3: no break at 2.5 shuffles.
      ggplot2::scale_y_continuous(breaks = breaks_integer()) +
      ggplot2::scale_x_continuous(labels = label_plain) +
      ggplot2::labs(x = statistic_label(object$stat), y = "shuffles",
                    title = sprintf("Shuffle test: %s (%s), z = %s", p_phrase(object$p.value),
                                    gsub(".", "-", object$alternative, fixed = TRUE),
                                    format_sig(object$z, 3))) +
      theme_propgrad())
  }
  check_whole(n_shuffles, 1, 100, arg = "n_shuffles", call = call)
  y <- object$series$y
  t <- object$series$t
  curves <- do.call(rbind, c(
    list(data.frame(property = t, output = y[, 1], curve = "observed")),
    lapply(seq_len(n_shuffles), function(k) {
      data.frame(property = t, output = y[sample.int(length(t)), 1], curve = paste("shuffle", k))
    })))
  if (!check_flag(draw, arg = "draw", call = call)) return(curves)
  shuffled <- curves[curves$curve != "observed", ]
  ggplot2::ggplot(curves, ggplot2::aes(.data$property, .data$output, group = .data$curve)) +
    ggplot2::geom_line(data = shuffled, colour = "grey75", linewidth = 0.4) +
    ggplot2::geom_line(data = curves[curves$curve == "observed", ], colour = pg_palette[1], linewidth = 1) +
    ggplot2::scale_x_continuous(labels = label_plain) + ggplot2::scale_y_continuous(labels = label_plain) +
    ggplot2::labs(x = "property", y = "output",
                  title = sprintf("Observed (blue) and %d shuffled orderings", n_shuffles)) +
    theme_propgrad()
}

#' Plot a study summary: mean EPGM with intervals
#'
#' One point per group with its bootstrap interval, models along the x axis
#' (the first grouping column), one panel per remaining grouping column
#' (property, output), and the number of significant series above each
#' point. Long x labels wrap at separators (`_`, space, `-`, `.`); when the
#' labels of one row of panels still do not fit, they turn 35 degrees.
#'
#' @param object A [summary.propgrad_tests()] result.
#' @param draw `FALSE` returns the data that would be plotted.
#' @param ... Unused.
#' @return A ggplot, or a data frame with `draw = FALSE`.
#' @method autoplot propgrad_summary
#' @export
#' @examples
#' tests <- property_test(pg_study, p_cat ~ strength | image + model + property,
#'                        n_perm = 9999, seed = 1)
#' ggplot2::autoplot(summary(tests, seed = 1))
autoplot.propgrad_summary <- function(object, draw = TRUE, ...) {
  call <- rlang::current_env()
  keys <- setdiff(names(object), summary_columns)
  df <- tidy.propgrad_summary(object)
  df$x <- df[[keys[1]]]
  df$panel <- if (length(keys) > 1) do.call(paste, c(df[keys[-1]], sep = " | ")) else ""
  df$label <- sprintf("%d/%d", df$n_significant, df$n_series)
  if (!check_flag(draw, arg = "draw", call = call)) return(df)
  s <- attr(object, "settings")
  groups <- axis_levels(df$x)
  df$x <- factor(as.character(df$x), levels = groups)
  # Colour repeats the x axis; past the palette, one colour.
  range <- ggplot2::aes(ymin = .data$conf.low, ymax = .data$conf.high, colour = .data$x)
  pointrange <- if (length(groups) <= length(pg_palette)) ggplot2::geom_pointrange(range)
                else ggplot2::geom_pointrange(range[c("ymin", "ymax")], colour = pg_palette[1])
  ggplot2::ggplot(df, ggplot2::aes(.data$x, .data$estimate)) + pointrange +
    ggplot2::geom_text(ggplot2::aes(y = .data$conf.high, label = .data$label), vjust = -0.6,
                       size = 3, colour = "grey20") +
    ggplot2::facet_wrap(~panel) +
    ggplot2::scale_y_continuous(expand = ggplot2::expansion(mult = c(0.05, 0.15)), labels = label_plain) +
    scale_colour_propgrad(guide = "none") +
    ggplot2::labs(x = NULL, y = "mean EPGM",
                  caption = sprintf("Points: mean over %s; bars: %g%% %s;\nlabels: significant series (adjusted p <= %g).",
                                    paste(s$over, collapse = " x "), 100 * s$conf_level,
                                    interval_label(s$interval), s$alpha)) +
    theme_propgrad() + discrete_x_layout(groups, labels_across(length(groups), length(unique(df$panel))))
}

#' Heatmap of EPGMs: inputs x properties
#'
#' @param object A [property_test()] result.
#' @param x,y `by` columns for the axes (default: the last and the first `by`
#'   columns, e.g. property across and image down for
#'   `by = c("image", "model", "property")`).
#' @param facet Optional `by` column for panels (e.g. `"model"`).
#' @param draw `FALSE` returns the data that would be plotted.
#' @param ... Unused.
#' @return A ggplot, or a data frame with `draw = FALSE`. Significant cells
#'   (`adj.p.value <= alpha` of the tests, or the adaptive decision) carry a
#'   dot.
#' @method autoplot propgrad_tests
#' @export
#' @examples
#' tests <- property_test(pg_study, p_cat ~ strength | image + model + property,
#'                        n_perm = 9999, seed = 1)
#' ggplot2::autoplot(tests, x = "property", y = "image", facet = "model")
autoplot.propgrad_tests <- function(object, x = NULL, y = NULL, facet = NULL, draw = TRUE, ...) {
  call <- rlang::current_env()
  by <- attr(object, "settings")$by
  x <- x %||% by[length(by)]
  y <- y %||% by[1]
  check_by_columns(list(x = x, y = y, facet = facet), by, call)
  df <- tidy.propgrad_tests(object)
  alpha <- tests_alpha(object, NULL, call)
  df$significant <- significant(object, alpha)
  if (!check_flag(draw, arg = "draw", call = call)) return(df)
  p <- ggplot2::ggplot(df, ggplot2::aes(.data[[x]], .data[[y]], fill = .data$estimate)) +
    ggplot2::geom_tile(colour = "white") +
    ggplot2::geom_point(data = df[df$significant, ], size = 1.2, colour = "white") +
    ggplot2::scale_fill_viridis_c(name = "EPGM", labels = label_plain) +
    ggplot2::labs(x = x, y = y, caption = sprintf("Dots: significant (adjusted p <= %g).", alpha)) +
    theme_propgrad() + ggplot2::theme(legend.position = "right")
  if (!is.numeric(df[[y]])) p <- p + ggplot2::scale_y_discrete(breaks = thin_breaks(axis_levels(df[[y]])))
  if (!is.numeric(df[[x]])) {
    columns <- axis_levels(df[[x]])
    n_panels <- if (is.null(facet)) 1 else length(unique(df[[facet]]))
    p <- p + discrete_x_layout(columns, labels_across(length(columns), n_panels))
  }
  if (!is.null(facet)) p <- p + ggplot2::facet_wrap(ggplot2::vars(.data[[facet]]))
  p
}

# plot_curves() without `where`: the by-values (except colour) when there is
# one of each, else an error that lists them.
default_where <- function(tests, colour, call) {
  fixed <- setdiff(attr(tests, "settings")$by, colour)
  values <- lapply(stats::setNames(fixed, fixed), function(col) unique(as.character(tests[[col]])))
  several <- lengths(values) > 1
  if (!any(several)) return(lapply(values, function(v) v[1]))
  lines <- vapply(fixed[several], function(col) {
    v <- values[[col]]
    sprintf("%s: %s%s", col, paste0("\"", utils::head(v, 5), "\"", collapse = ", "),
            if (length(v) > 5) sprintf(", ... (%d in all)", length(v)) else "")
  }, "")
  lines <- stats::setNames(gsub("([{}])", "\\1\\1", lines), rep("*", length(lines)))
  example <- paste0("list(", paste0(fixed, " = \"", vapply(values, `[`, "", 1), "\"", collapse = ", "), ")")
  abort_input(c("{.arg where} is missing, and the tests hold several series to draw; choose one.",
                lines, i = "E.g. {.code where = {example}}."),
              "propgrad_error_missing", call = call)
}

check_tests <- function(tests, call) {
  if (!inherits(tests, "propgrad_tests")) {
    abort_input("{.arg tests} must be a {.fn property_test} result, not {.obj_type_friendly {tests}}.",
                "propgrad_error_type", call = call)
  }
}

# Each named argument, when given, must name one `by` column of the tests.
check_by_columns <- function(args, by, call) {
  for (name in names(args)) {
    value <- args[[name]]
    if (!is.null(value) && (length(value) != 1 || is.na(value) || !value %in% by)) {
      abort_input("{.arg {name}} must be one {.arg by} column of the tests: {.val {by}}.",
                  "propgrad_error_column", call = call)
    }
  }
}

# Rows of df whose columns equal the values in `where` (a named list).
select_rows <- function(df, where, call, index = FALSE) {
  keep <- rep(TRUE, nrow(df))
  for (col in names(where)) {
    if (!col %in% names(df)) {
      abort_input("Unknown column {.val {col}} in {.arg where}.", "propgrad_error_column", call = call)
    }
    present <- unique(as.character(df[[col]]))
    wanted <- as.character(where[[col]])
    if (!all(wanted %in% present)) {
      abort_input(c("No {.val {col}} {.val {setdiff(wanted, present)}}.",
                    i = "Available: {.val {utils::head(present, 20)}}."),
                  "propgrad_error_model", call = call)
    }
    keep <- keep & as.character(df[[col]]) %in% wanted
  }
  if (index) which(keep) else df[keep, , drop = FALSE]
}
