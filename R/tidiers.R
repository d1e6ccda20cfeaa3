# How shuffle tests are shown and tidied: print, format and summary of one
# test (propgrad_test) and of a study (propgrad_tests), broom's tidy() and
# glance(), and subsetting that keeps a study's settings. Column names follow
# broom: estimate, statistic, p.value, adj.p.value; the Monte Carlo interval
# of a p-value is p.conf.low/p.conf.high (conf.low/conf.high are kept for
# intervals of the estimate), with its level named in the object.

statistic_label <- function(stat) {
  c(grad = "EPGM", corr = "Pearson r", mi = "mutual information (KSG)")[[stat]]
}

format_p <- function(p, digits = 3) {
  ifelse(is.na(p), "NA", ifelse(p < 1e-4, format.pval(p, digits = digits, eps = 0),
                                formatC(signif(p, digits), format = "g", digits = digits)))
}

#' @export
format.propgrad_test <- function(x, digits = 4, ...) {
  num <- function(v) format(signif(v, digits), trim = TRUE)
  shuffles <- if (x$exact) sprintf("exact: all %s orderings", format(x$n_perm_used, big.mark = ","))
              else sprintf("%s shuffles%s", format(x$n_perm_used, big.mark = ",", scientific = FALSE),
                           if (isTRUE(x$stopped_early)) sprintf(" (stopped early; %s requested)",
                                                                 format(x$n_perm, big.mark = ",", scientific = FALSE))
                           else "")
  level <- attr(x$p.conf.int, "conf.level")
  c(
    sprintf("Shuffle test of the property dependence (%s)", statistic_label(x$stat)),
    sprintf("  %d steps, %d output%s; %s; seed %s", x$n_steps, x$n_outputs,
            if (x$n_outputs == 1) "" else "s", shuffles, format(x$seed, scientific = FALSE)),
    sprintf("  EPGM = %s", num(x$estimate)),
    if (x$stat != "grad") sprintf("  %s = %s", statistic_label(x$stat), num(x$statistic)),
    sprintf("  null mean = %s (sd %s), z = %s", num(x$null_mean), num(x$null_sd), num(x$z)),
    sprintf("  p-value = %s (%s, %s); %g%% interval of the Monte Carlo p: [%s, %s]",
            format_p(x$p.value), x$alternative, x$p_method, 100 * level,
            format_p(x$p.conf.int[1]), format_p(x$p.conf.int[2])),
    if (isTRUE(x$p.value == 0)) "  Note: b/K = 0 is not a valid p-value; p_method = \"plus_one\" gives (b + 1)/(K + 1)."
  )
}

#' @export
print.propgrad_test <- function(x, ...) {
  cat(format(x, ...), sep = "\n")
  invisible(x)
}

#' @export
summary.propgrad_test <- function(object, ...) {
  structure(list(test = object, table = tidy.propgrad_test(object),
                 direction = direction_note(object$stat, object$z)),
            class = "summary.propgrad_test")
}

#' @export
print.summary.propgrad_test <- function(x, ...) {
  cat(format(x$test), sep = "\n")
  if (!is.null(x$direction)) cat(c("", strwrap(x$direction, prefix = "  ")), sep = "\n")
  invisible(x)
}

direction_note <- function(stat, z) {
  if (stat != "grad" || is.na(z) || z == 0) return(NULL)
  if (z < 0) {
    "The observed EPGM is below the null mean: the output changes more smoothly along the property than in shuffled order, as a real, gradual dependence does."
  } else {
    "The observed EPGM is above the null mean: the output oscillates along the property more than in shuffled order."
  }
}

#' Tidy and glance methods for shuffle tests
#'
#' `tidy()` gives one row per test with broom's columns: `estimate` is the
#' EPGM, `statistic` the test statistic, `p.value` the raw p-value,
#' `adj.p.value` (studies) the adjusted one, and `p.conf.low`/`p.conf.high`
#' the Monte Carlo interval of the p-value (not an interval of the
#' estimate; its level is `glance()`'s `p.conf.level`). `glance()` gives one
#' row of settings: for a study the number of series significant at `alpha`
#' (`adj.p.value <= alpha`) and `adj.p.floor`, the smallest adjusted p the
#' design could reach.
#'
#' @param x A `"propgrad_test"` or `"propgrad_tests"` object.
#' @param alpha Significance level for counting significant series; default
#'   the `alpha` the tests were run with.
#' @param ... Unused.
#' @return A data frame.
#' @name propgrad_tidiers
#' @examples
#' res <- shuffle_test(sin(1:20 / 3), n_perm = 500, seed = 1)
#' tidy(res)
#' glance(res)
NULL

#' @rdname propgrad_tidiers
#' @method tidy propgrad_test
#' @export
tidy.propgrad_test <- function(x, ...) {
  data.frame(
    estimate = x$estimate, statistic = x$statistic, p.value = x$p.value,
    p.conf.low = x$p.conf.int[1], p.conf.high = x$p.conf.int[2], null_mean = x$null_mean,
    null_sd = x$null_sd, z = x$z, n_perm_used = x$n_perm_used,
    method = paste("shuffle test,", x$stat), alternative = x$alternative
  )
}

#' @rdname propgrad_tidiers
#' @method glance propgrad_test
#' @export
glance.propgrad_test <- function(x, ...) {
  data.frame(
    n_steps = x$n_steps, n_outputs = x$n_outputs, statistic_name = x$stat,
    n_perm = x$n_perm, n_perm_used = x$n_perm_used, exact = x$exact,
    stopped_early = x$stopped_early, p_method = x$p_method, alternative = x$alternative,
    p.conf.level = attr(x$p.conf.int, "conf.level"), seed = x$seed
  )
}

# Which series are significant: the adaptive mode's decision where there is
# one, else adj.p.value <= alpha.
significant <- function(x, alpha) {
  if ("decision" %in% names(x)) return(!is.na(x$decision) & x$decision == "significant")
  !is.na(x$adj.p.value) & x$adj.p.value <= alpha
}

# alpha of a summary, glance or table: the tests' own unless given.
tests_alpha <- function(x, alpha, call = rlang::caller_env()) {
  if (is.null(alpha)) alpha <- attr(x, "settings")$alpha %||% 0.01
  check_probability(alpha, "alpha", call)
  alpha
}

n_perm_label <- function(s) {
  if (identical(s$mode, "adaptive")) return("adaptive")
  format(s$n_perm, big.mark = ",", scientific = FALSE)
}

#' @export
print.propgrad_tests <- function(x, digits = 3, n = 20, ...) {
  s <- attr(x, "settings")
  cli::cat_line(sprintf(
    "Shuffle tests of %d series of %s along %s (%s, %s, %s; %s shuffles, seed %s; p adjusted: %s)",
    nrow(x), paste(unique(x$output), collapse = ", "), s$property, s$statistic, s$alternative,
    s$p_method, n_perm_label(s), format(s$seed, scientific = FALSE), s$p_adjust))
  # The columns a reader scans; tidy() has them all.
  varies <- function(col) length(unique(x[[col]])) > 1
  shown <- c(s$by, if (varies("output")) "output", if (varies("n_steps")) "n_steps", "estimate",
             "null_mean", "z", "p.value", "adj.p.value", if ("decision" %in% names(x)) "decision",
             if ("flips" %in% names(x)) "flips", if ("seed_epgm_sd" %in% names(x)) "seed_epgm_sd")
  df <- tidy.propgrad_tests(x)[shown]
  df <- format_columns(df, numbers = c("estimate", "null_mean", "z", "seed_epgm_sd"), counts = "flips",
                       p = c("p.value", "adj.p.value"), digits = digits)
  print(utils::head(df, n), digits = digits, row.names = FALSE, right = TRUE)
  if (nrow(df) > n) cli::cat_line(sprintf("# ... %d more rows", nrow(df) - n))
  alpha <- s$alpha %||% 0.01
  cli::cat_line(sprintf("# %d of %d significant at alpha = %g (%s)%s", sum(significant(x, alpha)), nrow(x),
                        alpha, if ("decision" %in% names(x)) "adaptive decisions" else "adj.p.value <= alpha",
                        if (!is.null(s$adj_p_floor) && s$adj_p_floor > alpha)
                          sprintf("; smallest reachable adj.p.value %s > alpha", format_p(s$adj_p_floor)) else ""))
  skipped <- s$skipped
  if (!is.null(skipped) && nrow(skipped)) {
    what <- by_labels(skipped[setdiff(names(skipped), c("output", "reason"))])
    if (length(unique(skipped$output)) > 1) what <- paste0(what, ", output=", skipped$output)
    cli::cat_line(sprintf("# %d series skipped (not tested, not adjusted):", nrow(skipped)))
    shown <- utils::head(seq_len(nrow(skipped)), n)
    cli::cat_line(sprintf("#   %s: %s", what[shown], skipped$reason[shown]))
    if (nrow(skipped) > n) cli::cat_line(sprintf("#   ... %d more: attr(x, \"settings\")$skipped", nrow(skipped) - n))
  }
  seeds <- seed_line(x)
  if (!is.null(seeds)) cli::cat_line(seeds)
  cli::cat_line(sprintf("# estimate = EPGM; %sall columns (null sd, Monte Carlo interval of p, ...): tidy()",
                        if ("flips" %in% names(x)) "flips = prediction flips of each series; " else ""))
  line <- provenance_line(attr(x, "provenance"))
  if (!is.null(line)) cli::cat_line(line)
  invisible(x)
}

# Subsetting keeps the settings (and the kept null distributions of the rows
# kept), so summaries, plots and tables work on a subset too. Rows are
# renumbered so that subsets of subsets stay aligned with the null matrix.
#' @export
`[.propgrad_tests` <- function(x, ...) {
  out <- NextMethod()
  if (!is.data.frame(out)) return(out)
  s <- attr(x, "settings")
  if (!all(c(s$by, "output", "estimate", "p.value", "adj.p.value") %in% names(out))) {
    return(as.data.frame(unclass(out)))
  }
  null <- attr(x, "null")
  rows <- suppressWarnings(as.integer(rownames(out)))
  rownames(out) <- NULL
  attr(out, "settings") <- s
  attr(out, "provenance") <- attr(x, "provenance")
  attr(out, "null") <- if (!is.null(null) && !anyNA(rows) && all(rows <= ncol(null))) {
    null[, rows, drop = FALSE]
  }
  out
}

#' @rdname propgrad_tidiers
#' @method tidy propgrad_tests
#' @export
tidy.propgrad_tests <- function(x, ...) {
  out <- as.data.frame(unclass(x), stringsAsFactors = FALSE)
  attr(out, "settings") <- attr(out, "null") <- NULL
  out
}

#' @rdname propgrad_tidiers
#' @method glance propgrad_tests
#' @export
glance.propgrad_tests <- function(x, alpha = NULL, ...) {
  s <- attr(x, "settings")
  alpha <- tests_alpha(x, alpha)
  out <- data.frame(
    n_series = nrow(x), n_significant = sum(significant(x, alpha)), alpha = alpha,
    adj.p.floor = s$adj_p_floor %||% NA_real_, statistic_name = s$statistic,
    alternative = s$alternative, p_method = s$p_method, p_adjust = s$p_adjust,
    n_perm = if (identical(s$mode, "adaptive")) NA_real_ else s$n_perm,
    p.conf.level = s$p_conf_level %||% NA_real_, seed = s$seed,
    n_skipped = if (is.null(s$skipped)) 0L else nrow(s$skipped)
  )
  if ("decision" %in% names(x)) {
    out$n_undecided <- sum(x$decision == "undecided", na.rm = TRUE)
    out$epsilon <- s$adaptive$epsilon
    out$total_shuffles <- s$adaptive$total_shuffles
  }
  out
}
