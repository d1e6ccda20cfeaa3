# Publication tables of results: what goes in each table. For every result
# type (shuffle tests, their summary, model comparisons, flip prediction and
# flip correlation) this builds the group labels, the formatted body (numbers
# with one number of decimals per column where sensible, p-values as
# journals print them, * marks) and the footnotes (K, seed, the p-value
# definition, the adjustment, the Monte Carlo floor, the sign of z,
# provenance). R/table_output.R turns that into a tinytable, escapes it for
# each format and writes files.

#' Publication table of results
#'
#' Builds a [tinytable][tinytable::tt] of shuffle tests, a study summary, a
#' model comparison or a flip analysis, ready for a paper: group labels that
#' repeat are left blank, estimates keep `digits` significant digits with
#' one number of decimals per column where the magnitudes allow (so
#' `0.300`, not `0.3`, beside `0.412`), statistics on a fixed scale (z,
#' \eqn{d_z}, rho, accuracies) have fixed decimals, p-values print as
#' journals print them (`< 0.001`), and numeric columns are right-aligned
#' (with equal decimals, that aligns the decimal points).
#'
#' The footnotes state what a reader needs to judge the p-values: the number
#' of shuffles K (or the adaptive rule), the seed, the p-value definition
#' (\eqn{(b + 1)/(K + 1)} where b of the K shuffles are at least as extreme,
#' Phipson and Smyth 2010; exact enumeration of all \eqn{n!} orderings when
#' \eqn{n! \le K}; the Besag-Clifford or adaptive rules when those ran), the
#' multiple-testing adjustment and what the `*` marks mean, the smallest
#' adjusted p the design can reach when it is above `alpha`, what the sign
#' of z means, and the software and model hashes when the result carries
#' provenance ([pg_provenance()]).
#'
#' @section Formats:
#' Every user string (series names, column names, `caption`) is escaped for
#' the format the table is rendered in, so `x^2`, `a~b`, `50%`, `a_b` or
#' `<img src=x>` appear as text: LaTeX special characters are escaped,
#' HTML is entity-escaped, Markdown (pandoc's, also used for Word) and
#' Typst characters that would start markup are backslash-escaped.
#'
#' * `"markdown"`: a pandoc grid table; `print()` shows it in the console.
#' * `"latex"`: a `tabularray` table (`talltblr` inside `table`). A LaTeX
#'   document needs the preamble lines [pg_latex_preamble()] returns:
#'   `\usepackage{tabularray}`, `\usepackage{float}`,
#'   `\usepackage{graphicx}`, `\usepackage{rotating}`,
#'   `\usepackage[normalem]{ulem}`, `\UseTblrLibrary{siunitx}` and the
#'   `\tinytableTabularrayUnderline`, `\tinytableTabularrayStrikeout` and
#'   `\tinytableDefineColor` commands (R Markdown and Quarto add them
#'   themselves). In LaTeX's default OT1 font encoding `_`, `^` and `~`
#'   print as a rule and accents that PDF text extraction does not read
#'   back; `\usepackage[T1]{fontenc}` with a T1 font (such as `lmodern`)
#'   makes them characters.
#' * `"html"`: tinytable's own HTML with its CSS and JavaScript embedded
#'   (`theme_html(engine = "tinytable", portable = TRUE)`): no network
#'   links.
#' * `"typst"`: a Typst `figure` with a `table`.
#' * `"docx"`: a Word file converted from the Markdown table by pandoc;
#'   needs `file`, and pandoc (with the rmarkdown package).
#'
#' @param x A [property_test()] result, a [summary.propgrad_tests()] result,
#'   a [compare_models()] result, a [flip_prediction()] result or a
#'   [flip_correlation()] result.
#' @param format `"markdown"`, `"latex"`, `"html"`, `"typst"` or `"docx"`:
#'   the format of `file`, and the format the returned table prints in.
#' @param file Optional path to write the table to; its extension must match
#'   `format` (`.md` or `.txt`, `.tex`, `.html`, `.typ`, `.docx`).
#' @param overwrite Replace an existing `file`? By default an existing file
#'   is an error (`propgrad_error_exists`).
#' @param digits Significant digits of estimates; statistics on a fixed
#'   scale get `digits - 1` (z, \eqn{d_z}, rho) or `digits` (accuracies,
#'   AUROC) decimals.
#' @param alpha Significance level of the marks (adjusted p-values); default
#'   the `alpha` the tests were run with (0.01 for comparisons).
#' @param caption Optional table caption, as plain text.
#' @return A `tinytable` object (style it further with
#'   [tinytable::style_tt()], [tinytable::format_tt()] or
#'   [tinytable::group_tt()]; render it with `print(x, "latex")` or
#'   [tinytable::save_tt()]), invisibly when `file` is written.
#' @references
#' Phipson B, Smyth GK (2010). Permutation p-values should never be zero:
#' calculating exact p-values when permutations are randomly drawn.
#' Statistical Applications in Genetics and Molecular Biology 9(1), 39.
#' \doi{10.2202/1544-6115.1585}
#' @seealso [pg_latex_preamble()] for the LaTeX preamble.
#' @export
#' @examples
#' tests <- property_test(pg_study, p_cat ~ strength | image + model + property,
#'                        n_perm = 9999, seed = 1)
#' pg_table(summary(tests, seed = 1))
#' small <- subset(tests, image %in% c("img01", "img05"))
#' pg_table(small, "latex")  # prints the LaTeX code
#' # a tinytable: style it further, render it in any format
#' tab <- tinytable::style_tt(pg_table(small), i = 0, bold = TRUE)
#' print(tab, "latex")
#' pg_table(small, "html", file = tempfile(fileext = ".html"))
pg_table <- function(x, format = c("markdown", "latex", "html", "typst", "docx"), file = NULL,
                     overwrite = FALSE, digits = 3, alpha = NULL, caption = NULL) {
  call <- rlang::current_env()
  check_required("x", call)
  format <- check_choice(format, table_formats, arg = "format", call = call)
  check_whole(digits, 1, 10, arg = "digits", call = call)
  check_flag(overwrite, "overwrite", call)
  if (!is.null(caption) && (!is.character(caption) || length(caption) != 1 || is.na(caption))) {
    abort_input("{.arg caption} must be one string or {.code NULL}.", "propgrad_error_type", call = call)
  }
  check_table_file(file, format, overwrite, call)
  if (!is.data.frame(x) || nrow(x) == 0) {
    abort_input("{.arg x} must be a non-empty result of {.fn property_test}, {.fn summary}, {.fn compare_models}, {.fn flip_prediction} or {.fn flip_correlation}.",
                "propgrad_error_input", call = call)
  }
  content <- table_content(x, digits, alpha, call)
  content$body <- content$body[attr(content$lead, "order"), , drop = FALSE]
  tab <- render_table(content, caption, format)
  if (is.null(file)) return(tab)
  write_table(tab, file, format, overwrite, call)
  invisible(tab)
}

# The lead (group) columns, the body and the notes of one result.
table_content <- function(x, digits, alpha, call) {
  if (inherits(x, "propgrad_summary")) return(summary_content(x, digits))
  if (inherits(x, "propgrad_tests")) return(tests_content(x, digits, tests_alpha(x, alpha, call)))
  if (all(c("model_1", "model_2", "effect_size", "p.floor") %in% names(x))) {
    alpha <- alpha %||% 0.01
    check_probability(alpha, "alpha", call)
    return(comparison_content(x, digits, alpha))
  }
  if (all(flip_prediction_columns %in% names(x))) return(flip_prediction_content(x, digits))
  if (all(flip_correlation_columns %in% names(x))) return(flip_correlation_content(x, digits))
  abort_input(c("{.arg x} must be a result of {.fn property_test}, {.fn summary}, {.fn compare_models}, {.fn flip_prediction} or {.fn flip_correlation}.",
                x = "It is {.obj_type_friendly {x}}."),
              "propgrad_error_type", call = call)
}

flip_prediction_columns <- c("score", "n", "n_flipped", "threshold", "accuracy", "balanced_accuracy", "auroc")
flip_correlation_columns <- c("n", "n_blocks", "estimate", "p.value", "p.conf.low", "p.conf.high", "method")

tests_content <- function(x, digits, alpha) {
  s <- attr(x, "settings")
  mark <- ifelse(significant(x, alpha), "*", "")
  body <- data.frame(EPGM = format_estimate(x$estimate, digits), z = format_fixed(x$z, digits - 1),
                     p = format_p_journal(x$p.value, trim = FALSE),
                     `Adjusted p` = paste0(format_p_journal(x$adj.p.value, trim = FALSE), mark), check.names = FALSE)
  if ("flips" %in% names(x)) body$Flips <- as.character(x$flips)
  if ("seed_epgm_sd" %in% names(x)) {
    body$`Seed EPGM [min, max]` <- format_interval(x$seed_epgm_mean, x$seed_epgm_min, x$seed_epgm_max, digits)
  }
  adaptive <- identical(s$mode, "adaptive")
  notes <- c(
    sprintf("Shuffle test of the %s (%s) along %s: %s, seed %s.", statistic_label(s$statistic),
            alternative_label(s$alternative), s$property %||% "the property", shuffles_label(s), seed_label(s$seed)),
    p_definition(s, exact_rows(x, s)),
    paste0(if (adaptive) sprintf("* significant by the adaptive decision (%s adjustment, alpha = %g).",
                                 adjust_label(s$p_adjust), alpha)
           else sprintf("Adjusted p: %s adjustment across the %d series; * adjusted p <= %g.",
                        adjust_label(s$p_adjust), nrow(x), alpha),
           floor_note(s)),
    direction_label(s$statistic),
    if ("seed_epgm_sd" %in% names(x)) "EPGM: of the output curve averaged over editor seeds; Seed EPGM: the mean [min, max] of each seed's own curve's EPGM.",
    provenance_sentence(attr(x, "provenance")))
  list(lead = lead_columns(x, c(s$by, if (length(unique(x$output)) > 1) "output")), body = body,
       notes = notes)
}

summary_content <- function(x, digits) {
  s <- attr(x, "settings")
  t <- s$tests
  body <- data.frame(n = as.character(x$n_series), check.names = FALSE)
  body[[sprintf("Mean EPGM [%g%% CI]", 100 * s$conf_level)]] <-
    format_interval(x$estimate, x$conf.low, x$conf.high, digits)
  body$Median <- format_estimate(x$median, digits)
  body$Significant <- sprintf("%d/%d", x$n_significant, x$n_series)
  if ("flips_total" %in% names(x)) body[[flips_total_label]] <- as.character(x$flips_total)
  if ("seed_epgm_sd_mean" %in% names(x)) body$`Seed EPGM sd (mean)` <- format_estimate(x$seed_epgm_sd_mean, digits)
  notes <- c(
    sprintf("Mean EPGM over %s with %g%% %s%s.", paste(s$over, collapse = " x "), 100 * s$conf_level,
            interval_label(s$interval),
            if (!is.null(s$n_boot)) sprintf(" (%s resamples, seed %s)", big_number(s$n_boot), seed_label(s$seed)) else ""),
    paste0(sprintf("Significant: series %s in shuffle tests of the %s (%s): %s, seed %s.",
                   if (identical(t$mode, "adaptive")) sprintf("significant by the adaptive decision (%s adjustment, alpha = %g)", adjust_label(t$p_adjust), s$alpha)
                   else sprintf("with adjusted p <= %g (%s adjustment)", s$alpha, adjust_label(t$p_adjust)),
                   statistic_label(t$statistic), alternative_label(t$alternative), shuffles_label(t),
                   seed_label(t$seed)),
           floor_note(t)),
    p_definition(t, if (isTRUE(t$raw_p_floor > 1 / (t$n_perm + 1))) "all" else "unknown"),
    if ("seed_epgm_sd_mean" %in% names(x)) "Seed EPGM sd: per series, the sd of the EPGMs of each editor seed's curve, averaged.",
    provenance_sentence(attr(x, "provenance")))
  list(lead = lead_columns(x, setdiff(names(x), summary_columns)), body = body, notes = notes)
}

comparison_content <- function(x, digits, alpha) {
  s <- attr(x, "settings")
  mark <- ifelse(!is.na(x$p.value) & x$p.value <= alpha, "*", "")
  body <- data.frame(Comparison = paste(x$model_2, "-", x$model_1), n = as.character(x$n_pairs),
                     check.names = FALSE)
  body[[sprintf("Difference [%g%% CI]", 100 * (s$conf_level %||% 0.95))]] <-
    format_interval(x$estimate, x$conf.low, x$conf.high, digits)
  body$d_z <- format_fixed(x$effect_size, digits - 1)
  body$p <- paste0(format_p_journal(x$p.value, trim = FALSE), mark)
  bootstrap <- identical(s$test, "bootstrap_t")
  exact <- x$exact[!is.na(x$exact)]
  p_rule <- if (bootstrap) {
    sprintf("p = (b + 1)/(B + 1) over B = %s resamples", big_number(s$n_boot %||% NA))
  } else if (length(exact) && all(exact)) {
    "all sign patterns of the n differences enumerated (exact p)"
  } else {
    paste0(sprintf("K = %s random sign patterns, p = (b + 1)/(K + 1) (Phipson & Smyth 2010)",
                   big_number(s$n_perm %||% NA)),
           if (any(exact)) "; all sign patterns where they number at most K (exact p)" else "")
  }
  floors <- x$p.floor[!is.na(x$p.floor) & x$p.floor > alpha]
  notes <- c(
    sprintf("%s of the EPGM difference (model 2 - model 1) over the inputs both models saw: %s, seed %s.",
            if (bootstrap) "Symmetric bootstrap-t test" else "Paired sign-flip test of the studentized mean",
            p_rule, seed_label(s$seed)),
    sprintf("CI: %g%% symmetric studentized bootstrap interval; d_z: mean difference / sd of the differences.",
            100 * (s$conf_level %||% 0.95)),
    paste0(sprintf("p: marked * when p <= %g (not adjusted across rows).", alpha),
           if (length(floors)) sprintf(" With so few pairs the smallest p %s reach is %s, above alpha.",
                                       if (length(floors) == nrow(x)) "these tests can" else "some rows can",
                                       format_floor(max(floors))) else ""))
  list(lead = lead_columns(x, setdiff(names(x), comparison_columns)), body = body, notes = notes)
}

flip_prediction_content <- function(x, digits) {
  body <- data.frame(Score = as.character(x$score), n = as.character(x$n),
                     Flipped = as.character(x$n_flipped), Threshold = format_estimate(x$threshold, digits),
                     Accuracy = format_fixed(x$accuracy, digits),
                     `Balanced accuracy` = format_fixed(x$balanced_accuracy, digits),
                     AUROC = format_fixed(x$auroc, digits), check.names = FALSE)
  flips <- attr(x, "settings")$flips %||% "flips"
  notes <- c(
    sprintf("Predicting which series flip (at least one change of the predicted class, column %s) from a score: score >= threshold predicts a flip.", flips),
    "The threshold maximises accuracy on the same series it is evaluated on, so the accuracies are optimistic; the AUROC does not depend on it (ties count 1/2).",
    "Flipped: series with a flip; n: all series.")
  list(lead = lead_columns(x, setdiff(names(x), flip_prediction_columns)), body = body, notes = notes)
}

flip_correlation_content <- function(x, digits) {
  s <- attr(x, "settings")
  body <- data.frame(n = as.character(x$n), check.names = FALSE)
  if (!is.null(s$block) || any(x$n_blocks > 1)) body$Blocks <- as.character(x$n_blocks)
  body$rho <- format_fixed(x$estimate, digits - 1)
  body$p <- format_p_journal(x$p.value, trim = FALSE)
  within <- s$block %||% sub("^Spearman's rho, permutation within ", "", unique(x$method[grepl("within", x$method)]))
  notes <- c(
    sprintf("rho: Spearman's rank correlation of %s with the number of prediction flips (column %s).",
            if (identical(s$score, "estimate")) "the EPGM" else s$score %||% "the score",
            s$flips %||% "flips"),
    sprintf("p: two-sided permutation test, %s, %s; p = (b + 1)/(K + 1) (Phipson & Smyth 2010), not adjusted across rows.",
            if (length(within)) sprintf("flips permuted within each %s", paste(within, collapse = ", "))
            else "flips permuted across all rows",
            if (is.null(s$n_perm)) "K and seed as given to flip_correlation()"
            else sprintf("K = %s permutations, seed %s", big_number(s$n_perm), seed_label(s$seed))),
    if (anyNA(x$estimate)) "NA: fewer than 3 rows, or no variation in the score or the flips.")
  list(lead = lead_columns(x, setdiff(names(x), flip_correlation_columns)), body = body, notes = notes)
}

# The group columns as text, sorted, with a label left blank where it repeats
# the row above within its parent groups. Returns the row order too.
lead_columns <- function(x, groups) {
  df <- as.data.frame(x)
  lead <- as.data.frame(lapply(df[groups], function(v) one_line(ifelse(is.na(v), "NA", as.character(v)))),
                        check.names = FALSE)
  o <- if (length(groups)) do.call(order, unname(as.list(df[groups]))) else seq_len(nrow(df))
  lead <- lead[o, , drop = FALSE]
  if (nrow(lead) > 1 && ncol(lead) > 1) {
    for (j in rev(seq_len(ncol(lead) - 1))) {
      same <- c(FALSE, vapply(2:nrow(lead), function(i) all(lead[i, 1:j] == lead[i - 1, 1:j]), TRUE))
      lead[[j]][same] <- ""
    }
  }
  names(lead) <- one_line(tools::toTitleCase(gsub("_", " ", names(lead))))
  rownames(lead) <- NULL
  structure(lead, order = o)
}

# Estimates: `digits` significant digits. A column (or an estimate with its
# interval) whose magnitudes are alike gets one number of decimals, enough
# for `digits` significant digits in its smallest value, so that trailing
# zeros stay and the decimal points align; values far apart in magnitude
# keep `digits` significant digits each.
format_estimate <- function(x, digits) {
  out <- rep("NA", length(x))
  ok <- is.finite(x)
  out[!ok & !is.na(x)] <- ifelse(x[!ok & !is.na(x)] > 0, "Inf", "-Inf")
  if (!any(ok)) return(out)
  v <- x[ok]
  rounded <- signif(v, digits)
  mag <- ifelse(rounded == 0, NA, floor(log10(abs(rounded))))
  if (any(!is.na(mag) & (mag < -4 | mag >= 6))) {
    out[ok] <- formatC(v, digits = digits - 1, format = "e")
    return(out)
  }
  dec <- pmax(digits - 1 - mag, 0)
  if (all(is.na(dec))) {
    out[ok] <- sprintf("%.*f", as.integer(digits - 1), v)
  } else if (max(dec, na.rm = TRUE) - min(dec, na.rm = TRUE) <= 1) {
    out[ok] <- sprintf("%.*f", as.integer(max(dec, na.rm = TRUE)), v)
  } else {
    dec[is.na(dec)] <- digits - 1
    out[ok] <- sprintf("%.*f", as.integer(dec), v)
  }
  sub("^-(0\\.?0*)$", "\\1", out)
}

# Statistics on a fixed scale (z, d_z, rho, accuracies): fixed decimals.
format_fixed <- function(x, decimals) {
  out <- ifelse(is.na(x), "NA", sprintf("%.*f", as.integer(decimals), x))
  sub("^-(0\\.?0*)$", "\\1", out)
}

# "estimate [low, high]" with one number of decimals for all three.
format_interval <- function(estimate, low, high, digits) {
  n <- length(estimate)
  f <- format_estimate(c(estimate, low, high), digits)
  sprintf("%s [%s, %s]", f[seq_len(n)], f[n + seq_len(n)], f[2 * n + seq_len(n)])
}

# A floor (the smallest p a design can reach) keeps three significant digits:
# rounded to three decimals, 0.0101 would read "0.010", as if at alpha.
format_floor <- function(p) format(signif(p, 3), scientific = FALSE, trim = TRUE)

big_number <- function(n) format(n, big.mark = ",", scientific = FALSE, trim = TRUE)

seed_label <- function(seed) if (is.null(seed)) "not recorded" else format(seed, scientific = FALSE)

alternative_label <- function(alternative) {
  switch(alternative %||% "two.sided", two.sided = "two-sided", less = "one-sided, lower tail",
         greater = "one-sided, upper tail", alternative)
}

shuffles_label <- function(s) {
  if (identical(s$mode, "adaptive")) {
    return(sprintf("K chosen per series by the adaptive rule (at most %s shuffles)",
                   big_number(s$adaptive$max_n_perm %||% NA)))
  }
  paste0(sprintf("K = %s shuffles per series", big_number(s$n_perm)),
         if (isTRUE(s$sequential > 0)) sprintf(", stopped early after h = %g as extreme", s$sequential) else "")
}

# Which rows enumerated all n! orderings: "all", "some", "none".
exact_rows <- function(x, s) {
  if (!identical(s$mode, "fixed") || !all(c("n_steps", "n_perm_used") %in% names(x))) return("none")
  nf <- factorial(x$n_steps)
  exact <- nf <= s$n_perm & x$n_perm_used == nf
  if (all(exact)) "all" else if (any(exact)) "some" else "none"
}

# The p-value rule the tests used, from their settings.
p_definition <- function(s, exact = "none") {
  if (identical(s$p_method, "zollstock")) {
    return("p = b/K, the share of the K shuffles at least as extreme (the reference implementation's rule; not a valid p-value when 0).")
  }
  if (exact == "all") {
    return("p: all n! orderings of each series were enumerated (exact p = b/n!, b orderings at least as extreme, the observed one included).")
  }
  rule <- "p = (b + 1)/(K + 1), b of the K shuffles at least as extreme (Phipson & Smyth 2010)"
  if (identical(s$mode, "adaptive")) {
    rule <- sprintf("%s, K the shuffles the series needed; decisions equal those on the exact permutation p-values with probability >= %g (Gandy & Hahn 2014)",
                    rule, 1 - (s$adaptive$epsilon %||% NA))
  }
  if (isTRUE(s$sequential > 0)) rule <- paste0(rule, ", or h/l after a stop at l shuffles (Besag & Clifford 1991)")
  paste0(rule, switch(exact, some = "; series with n! <= K: all n! orderings enumerated (exact p = b/n!)",
                      unknown = "; b/n! by enumeration for series with n! <= K", ""), ".")
}

direction_label <- function(statistic) {
  switch(statistic %||% "grad",
    grad = "z = (EPGM - mean of the shuffled EPGMs)/their sd; z < 0: the output changes more smoothly along the property than in shuffled order.",
    corr = "z: the correlation standardised by its shuffled values; z > 0: the output rises with the property, z < 0: it falls.",
    mi = "z: the mutual information standardised by its shuffled values; z > 0: more dependence than in shuffled order.",
    NULL)
}

# A footnote sentence when the design could not reach alpha.
floor_note <- function(s) {
  if (is.null(s$adj_p_floor) || !(s$adj_p_floor > s$alpha)) return("")
  sprintf(" The smallest adjusted p this design can reach is %s, above alpha = %g: more shuffles are needed.",
          format_floor(s$adj_p_floor), s$alpha)
}

provenance_sentence <- function(provenance) {
  note <- provenance_note(provenance)
  if (is.null(note)) NULL else paste0("Software:", note)
}

# Cells and labels are one line in every format.
one_line <- function(x) gsub("[\r\n\t]+", " ", x)
