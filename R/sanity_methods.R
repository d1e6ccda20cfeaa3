# Print, autoplot and plot methods of sanity_check() results: the table with
# a note on how to read it, and the EPGM of each curve along the cascade of
# randomised layers, the shuffled order set apart at the end.

#' @export
print.propgrad_sanity <- function(x, digits = 3, n = 30, ...) {
  s <- attr(x, "settings") %||% list()
  n_layers <- if (length(s$layers)) length(s$layers) else max(c(0L, x$n_randomised), na.rm = TRUE)
  # Subsets lose the settings; the header then says less.
  cli::cat_line(sprintf("Sanity check along %s: %d layer%s randomised from the top, one by one; shuffled order%s",
                        s$property %||% "the property", n_layers, if (n_layers == 1) "" else "s",
                        if (is.null(s$seed)) "" else paste0("; seed ", format(s$seed, scientific = FALSE))))
  df <- as.data.frame(unclass(x), stringsAsFactors = FALSE)
  attr(df, "settings") <- attr(df, "data") <- NULL
  df$n_randomised <- NULL
  if (length(unique(df$output)) == 1) df$output <- NULL
  df <- format_columns(df, numbers = c("estimate", "z", "relative_change", "rank_cor"), p = "p.value",
                       digits = digits)
  print(utils::head(df, n), row.names = FALSE, right = TRUE)
  if (nrow(df) > n) cli::cat_line(sprintf("# ... %d more rows", nrow(df) - n))
  cli::cat_line("# A faithful explanation changes when the model does: along the cascade, rank_cor (of each")
  cli::cat_line("# curve with the original) should fall from 1 and relative_change (of the EPGM) leave 0.")
  cli::cat_line("# Shuffled order: a real dependence loses its signal (z near 0, large p); its EPGM rises")
  cli::cat_line("# to the shuffled (null) level. See ?sanity_check, section \"Reading the result\".")
  invisible(x)
}

#' Plot a sanity check: EPGM along the cascade
#'
#' One line per image (and panel per output) through the original model and
#' the cascade of randomised layers, from the top; the shuffled order is a
#' separate, unconnected point at the end. Filled points have `p.value <=
#' alpha` (the tests' `alpha`). The EPGM's y axis is logarithmic when every
#' EPGM is positive and they span more than a factor of 10. The EPGM does
#' not see a curve that turns the other way; `y = "rank_cor"` does.
#'
#' @param object,x A [sanity_check()] result.
#' @param y `"estimate"` (the EPGM) or `"rank_cor"` (the rank correlation
#'   of each curve with the original, from 1 for the original itself).
#' @param log `NULL` (decide as above), `TRUE` or `FALSE`: a log10 y axis
#'   (EPGM only).
#' @param draw `FALSE` returns the data that would be plotted.
#' @param ... Passed from `plot()` to `autoplot()`.
#' @return A ggplot (`plot()`: drawn, and returned invisibly), or a data
#'   frame with `draw = FALSE`.
#' @method autoplot propgrad_sanity
#' @export
#' @examples
#' if (has_torch()) {
#'   f <- torch_script_model(paste(
#'     "def forward(self, x):",
#'     "    return x.mean(dim=[2, 3]).matmul(self.w1).tanh().matmul(self.w2)", sep = "\n"),
#'     tempfile(fileext = ".pt"), buffers = list(w1 = diag(3), w2 = matrix(c(1, -0.5, 0.3), 3, 1)))
#'   res <- sanity_check(torch_model(f, "cpu"), array(0.5, c(8, 8, 3)),
#'                       intervention("brightness", seq(0.2, 1, length.out = 20)),
#'                       type = "raw", seed = 1, n_perm = 999, device = "cpu")
#'   ggplot2::autoplot(res)
#' }
autoplot.propgrad_sanity <- function(object, y = c("estimate", "rank_cor"), log = NULL, draw = TRUE, ...) {
  call <- rlang::current_env()
  y <- check_choice(y, c("estimate", "rank_cor"), arg = "y", call = call)
  df <- as.data.frame(unclass(object), stringsAsFactors = FALSE)
  attr(df, "settings") <- attr(df, "data") <- NULL
  alpha <- attr(object, "settings")$alpha %||% 0.01
  df$significant <- !is.na(df$p.value) & df$p.value <= alpha
  df$series <- paste(df$image, df$output, sep = " | ")
  df$part <- ifelse(is.na(df$n_randomised), "shuffled order", "cascade")
  df$value <- df[[y]]
  positive <- df$estimate[is.finite(df$estimate)]
  if (y == "rank_cor") {
    if (isTRUE(log)) {
      abort_input("A log scale is for the EPGM, not for {.code y = \"rank_cor\"}.", "propgrad_error_incompatible",
                  call = call)
    }
    log <- FALSE
  } else if (is.null(log)) {
    log <- length(positive) > 0 && all(positive > 0) && max(positive) > 10 * min(positive)
  } else if (check_flag(log, arg = "log", call = call) && !(length(positive) && all(positive > 0))) {
    abort_input("A log scale needs positive EPGMs; some are 0.", "propgrad_error_number", call = call)
  }
  if (!check_flag(draw, arg = "draw", call = call)) return(df)
  images <- unique(df$image)
  colour <- if (length(images) <= length(pg_palette)) "image" else NULL
  line <- if (is.null(colour)) ggplot2::aes(group = .data$series) else
    ggplot2::aes(group = .data$series, colour = .data$image)
  point <- if (is.null(colour)) ggplot2::aes(group = .data$series, shape = .data$significant) else
    ggplot2::aes(group = .data$series, colour = .data$image, shape = .data$significant)
  p <- ggplot2::ggplot(df, ggplot2::aes(.data$condition, .data$value)) +
    ggplot2::geom_line(line, data = df[df$part == "cascade", ], linewidth = 0.6) +
    ggplot2::geom_point(point, size = 2, fill = "white") +
    # Layers trained on subsets would sort the conditions alphabetically.
    ggplot2::scale_x_discrete(limits = levels(df$condition)) +
    ggplot2::scale_shape_manual(values = c(`TRUE` = 16, `FALSE` = 21), guide = "none") +
    ggplot2::labs(x = NULL, y = if (y == "rank_cor") "rank correlation with the original curve" else
                    if (log) "EPGM (log scale)" else "EPGM",
                  title = sprintf("Sanity check: %s as layers are randomised from the top",
                                  if (y == "rank_cor") "the curves" else "EPGM"),
                  caption = sprintf("Filled: p <= %g. A faithful explanation moves away from the original along the cascade;\nthe shuffled order keeps the outputs but not their order.", alpha)) +
    theme_propgrad() +
    ggplot2::theme(axis.text.x = ggplot2::element_text(angle = 30, hjust = 1))
  if (!is.null(colour)) p <- p + scale_colour_propgrad(name = "image")
  # Plain labels: ggplot2 writes small log breaks as 1e-04.
  p <- p + if (log) ggplot2::scale_y_log10(labels = label_plain) else ggplot2::scale_y_continuous(labels = label_plain)
  if (length(unique(df$output)) > 1) p <- p + ggplot2::facet_wrap(ggplot2::vars(.data$output), scales = "free_y")
  p
}

#' @rdname autoplot.propgrad_sanity
#' @export
plot.propgrad_sanity <- function(x, ...) {
  p <- autoplot.propgrad_sanity(x, ...)
  if (inherits(p, "ggplot")) print(p)
  invisible(p)
}
