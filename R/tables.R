# Publication tables of test and summary results: estimates with intervals,
# p-values as journals print them (< 0.001), adjusted p-values and
# significance marks with a footnote, rows grouped by their leading columns;
# rendered as Markdown, LaTeX (booktabs) or HTML through knitr::kable().

#' Publication table of shuffle tests or a study summary
#'
#' @param x A [property_test()] result, a [summary.propgrad_tests()] result
#'   or a [compare_models()] result.
#' @param format `"markdown"`, `"latex"` (booktabs) or `"html"`.
#' @param digits Significant digits of estimates.
#' @param alpha Significance level for the marks (adjusted p-values); default
#'   the `alpha` the tests were run with (0.01 for comparisons).
#' @param caption Optional table caption, as plain text (LaTeX special
#'   characters such as `_` are escaped).
#' @return A `knitr_kable` character vector; print it, or `writeLines()` it
#'   to a file. Repeated group labels in the leading columns are left blank.
#' @export
#' @examples
#' tests <- property_test(pg_study, p_cat ~ strength | image + model + property,
#'                        n_perm = 9999, seed = 1)
#' pg_table(summary(tests, seed = 1))
#' pg_table(subset(tests, image %in% c("img01", "img05")), format = "latex")
pg_table <- function(x, format = c("markdown", "latex", "html"), digits = 3, alpha = NULL,
                     caption = NULL) {
  call <- rlang::current_env()
  check_required("x", call)
  format <- check_choice(format, c("markdown", "latex", "html"), arg = "format", call = call)
  check_whole(digits, 1, 10, arg = "digits", call = call)
  if (!is.data.frame(x) || nrow(x) == 0) {
    abort_input("{.arg x} must be a non-empty result of {.fn property_test}, {.fn summary} or {.fn compare_models}.",
                "propgrad_error_input", call = call)
  }
  num <- function(v) vapply(signif(v, digits), function(e) format(e), character(1))
  if (inherits(x, "propgrad_summary")) {
    s <- attr(x, "settings")
    alpha <- s$alpha
    groups <- setdiff(names(x), summary_columns)
    body <- data.frame(
      n = x$n_series,
      `Mean EPGM [CI]` = sprintf("%s [%s, %s]", num(x$estimate), num(x$conf.low), num(x$conf.high)),
      Median = num(x$median),
      Significant = sprintf("%d/%d", x$n_significant, x$n_series),
      check.names = FALSE)
    if ("flips_total" %in% names(x)) body$`Flips (total)` <- x$flips_total
    if ("seed_epgm_sd_mean" %in% names(x)) body$`Seed EPGM sd (mean)` <- num(x$seed_epgm_sd_mean)
    note <- paste0(sprintf("Mean over %s with %g%% %s; significant: adjusted p <= %g (%s).",
                           paste(s$over, collapse = " x "), 100 * s$conf_level,
                           interval_label(s$interval), s$alpha, s$tests$p_adjust),
                   floor_note(s$tests),
                   if ("seed_epgm_sd_mean" %in% names(x)) " Seed EPGM sd: per series, the sd of the EPGMs of each editor seed's curve, averaged.")
  } else if (inherits(x, "propgrad_tests")) {
    s <- attr(x, "settings")
    alpha <- tests_alpha(x, alpha, call)
    groups <- c(s$by, if (length(unique(x$output)) > 1) "output")
    mark <- ifelse(significant(x, alpha), "*", "")
    body <- data.frame(EPGM = num(x$estimate), z = num(x$z), p = format_p_table(x$p.value),
                       `Adjusted p` = paste0(format_p_table(x$adj.p.value), mark),
                       check.names = FALSE)
    if ("flips" %in% names(x)) body$Flips <- x$flips
    if ("seed_epgm_sd" %in% names(x)) {
      body$`Seed EPGM [min, max]` <- sprintf("%s [%s, %s]", num(x$seed_epgm_mean), num(x$seed_epgm_min),
                                            num(x$seed_epgm_max))
    }
    note <- paste0(sprintf("p: shuffle test (%s, %s shuffles, %s, seed %s); * adjusted p <= %g (%s). z < 0: the output changes more smoothly along the property than in shuffled order.",
                           s$alternative, n_perm_label(s), s$p_method, format(s$seed, scientific = FALSE),
                           alpha, s$p_adjust),
                   floor_note(s),
                   if ("seed_epgm_sd" %in% names(x)) " EPGM: of the output curve averaged over editor seeds; Seed EPGM: the mean [min, max] of each seed's own curve's EPGM.",
                   provenance_note(attr(x, "provenance")))
  } else if (all(c("model_1", "model_2", "effect_size", "p.floor") %in% names(x))) {
    alpha <- alpha %||% 0.01
    check_probability(alpha, "alpha", call)
    groups <- setdiff(names(x), comparison_columns)
    mark <- ifelse(!is.na(x$p.value) & x$p.value <= alpha, "*", "")
    body <- data.frame(Comparison = paste(x$model_2, "-", x$model_1), n = x$n_pairs,
                       `Difference [CI]` = sprintf("%s [%s, %s]", num(x$estimate), num(x$conf.low),
                                                   num(x$conf.high)),
                       `d_z` = num(x$effect_size), p = paste0(format_p_table(x$p.value), mark),
                       check.names = FALSE)
    s <- attr(x, "settings")
    note <- sprintf("%s of the EPGM difference (model 2 - model 1); %g%% symmetric studentized bootstrap interval; * p <= %g.",
                    if (identical(s$test, "bootstrap_t")) "Symmetric bootstrap-t test" else "Paired sign-flip test",
                    100 * (s$conf_level %||% 0.95), alpha)
  } else {
    abort_input(c("{.arg x} must be a result of {.fn property_test}, {.fn summary} or {.fn compare_models}.",
                  x = "It is {.obj_type_friendly {x}}."),
                "propgrad_error_type", call = call)
  }
  lead <- as.data.frame(lapply(as.data.frame(x)[groups], as.character), check.names = FALSE)
  o <- do.call(order, unname(as.list(as.data.frame(x)[groups])))
  lead <- lead[o, , drop = FALSE]
  body <- body[o, , drop = FALSE]
  # Blank a group label where it repeats the row above (within its parents).
  if (nrow(lead) > 1 && ncol(lead) > 1) {
    for (j in rev(seq_len(ncol(lead) - 1))) {
      same <- c(FALSE, vapply(2:nrow(lead), function(i) all(lead[i, 1:j] == lead[i - 1, 1:j]), TRUE))
      lead[[j]][same] <- ""
    }
  }
  names(lead) <- tools::toTitleCase(gsub("_", " ", names(lead)))
  table <- cbind(lead, body)
  rownames(table) <- NULL
  if (format == "latex") {
    # Escaped here rather than by kable, which would leave "<" to LaTeX's
    # text font (where it prints as an inverted exclamation mark).
    table[] <- lapply(table, function(col) latex_escape(as.character(col)))
    names(table) <- latex_escape(names(table))
    if (!is.null(caption)) caption <- latex_escape(caption)
  }
  # kable escapes HTML cells but not the caption.
  if (format == "html" && !is.null(caption)) caption <- html_escape(caption)
  args <- list(table, format = if (format == "markdown") "pipe" else format,
               escape = format != "latex", booktabs = TRUE, linesep = "", caption = caption,
               align = c(rep("l", ncol(lead)), ifelse(names(body) == "Comparison", "l", "r")))
  if (format == "html") args$table.attr <- "class=\"table table-condensed\""
  out <- do.call(knitr::kable, args)
  footnote(out, note, format)
}

# A footnote sentence when the design could not reach alpha.
floor_note <- function(s) {
  if (is.null(s$adj_p_floor) || !(s$adj_p_floor > s$alpha)) return("")
  sprintf(" The smallest adjusted p this design can reach is %s, above alpha = %g: more shuffles are needed.",
          format_p_table(s$adj_p_floor), s$alpha)
}

format_p_table <- function(p) {
  ifelse(p < 0.001, "< 0.001", trimws(formatC(p, digits = 3, format = "fg")))
}

footnote <- function(kable, note, format) {
  text <- switch(format,
    markdown = c(kable, "", note),
    latex = sub("\\end{table}", paste0("\\par\\smallskip{\\footnotesize ", latex_escape(note),
                                       "}\n\\end{table}"),
                paste(kable, collapse = "\n"), fixed = TRUE),
    html = c(kable, paste0("<p><small>", html_escape(note), "</small></p>")))
  if (format == "latex" && !grepl("\\end{table}", text, fixed = TRUE)) {
    text <- paste0(text, "\n\\par\\smallskip{\\footnotesize ", latex_escape(note), "}")
  }
  structure(paste(text, collapse = "\n"), format = attr(kable, "format"), class = "knitr_kable")
}

# Every character LaTeX's text mode treats specially. The backslash goes
# through a placeholder so the braces of \textbackslash{} stay unescaped.
latex_escape <- function(x) {
  x <- gsub("\\", "\001", x, fixed = TRUE)
  x <- gsub("([{}])", "\\\\\\1", x)
  x <- gsub("\001", "\\textbackslash{}", x, fixed = TRUE)
  x <- gsub("^", "\\textasciicircum{}", x, fixed = TRUE)
  x <- gsub("~", "\\textasciitilde{}", x, fixed = TRUE)
  x <- gsub("<=", "\u2264", x, fixed = TRUE)
  x <- gsub("([%&#_$])", "\\\\\\1", x)
  x <- gsub("<", "$<$", x, fixed = TRUE)
  x <- gsub("\u2264", "$\\leq$", x, fixed = TRUE)
  gsub(">", "$>$", x, fixed = TRUE)
}

# Text that HTML (and pandoc's Markdown, which passes raw HTML through) must
# show as text: names, captions and titles the user chose (never attributes).
html_escape <- function(x) {
  x <- gsub("&", "&amp;", x, fixed = TRUE)
  x <- gsub("<", "&lt;", x, fixed = TRUE)
  gsub(">", "&gt;", x, fixed = TRUE)
}
