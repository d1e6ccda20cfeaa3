# shuffle_test(): the permutation test of one series, and its S3 methods
# (print, format, summary, tidy, glance). The heavy lifting is shared with
# property_test() through run_shuffle_engine().

#' Shuffle (permutation) test of a property dependence
#'
#' Keeps the property values `t` fixed, permutes the outputs `y` `n_perm`
#' times, and compares the observed statistic with its shuffled (null)
#' distribution. The question answered is whether the *ordering* of the
#' outputs along the intervention matters.
#'
#' @section Statistics:
#' * `"grad"`: the EPGM ([epgm()]); works for vector outputs too.
#' * `"corr"`: Pearson's r of `y` with `t` (single output).
#' * `"mi"`: Kraskov-Stoegbauer-Grassberger mutual information of `y` and
#'   `t` (algorithm 1, k = 5 or n - 1 if smaller, maximum norm, both scaled to
#'   unit variance as in the reference; no jitter is added, so ties stay ties).
#'
#' @section Direction of the effect:
#' A smooth dependence of the output on the property gives a *smaller* mean
#' absolute gradient than the jagged shuffled series, so a real effect
#' usually sits in the **lower** tail of the null distribution of `"grad"`
#' (use `alternative = "less"` for a one-sided test of that); a rapidly
#' oscillating dependence sits in the upper tail. The default
#' `"two.sided"` counts shuffles at least as far from the null mean as the
#' observed statistic. The EPGM (`estimate`) is the effect size; `z` tells
#' the side.
#'
#' @section p-values:
#' `p_method = "plus_one"` (default) reports \eqn{(b + 1) / (K + 1)}, where
#' \eqn{b} of the \eqn{K} shuffles are at least as extreme as the observed
#' statistic (Phipson and Smyth 2010): never 0, and valid. Ties are counted
#' as extreme within a relative `tolerance` (default 1e-9, pass it in
#' `...`), so a constant output gives p = 1.
#' `p_method = "zollstock"` reproduces the reference implementation exactly:
#' \eqn{b / K} (which can be 0, not a valid p-value), centred two-sided for
#' `"grad"`, \eqn{|r|} for `"corr"`, strictly greater for `"mi"`, no tolerance;
#' `alternative` is then fixed by the statistic. For the reference's
#' gradients also use `spacing = "index"`.
#'
#' When \eqn{n! \le K} the test enumerates all \eqn{n!} orderings instead
#' (exact test: p = b / n!, identity included).
#'
#' `sequential = h` stops a series as soon as `h` shuffles are as extreme as
#' the observed statistic (Besag and Clifford 1991): p = h / l after l
#' shuffles, or \eqn{(b + 1) / (K + 1)} when fewer than `h` exceedances occur.
#' Clearly non-significant series stop after a few dozen shuffles. For
#' `"two.sided"` it counts both tails, stops once each holds `h`, and doubles
#' the smaller tail's p-value.
#'
#' `conf.int` is a 99% Clopper-Pearson interval for the p-value that the
#' Monte Carlo test estimates (how far more shuffles could move it).
#'
#' @section Reproducibility:
#' Each series draws its permutations from its own xoshiro256++ stream
#' derived from `seed`, so results are identical for any `nthreads`. With
#' `seed = NULL` the seed is drawn from R's random number generator, so
#' [set.seed()] makes runs reproducible; the seed used is returned.
#'
#' @inheritParams property_gradient
#' @param statistic `"grad"` (EPGM, default), `"corr"` or `"mi"`.
#' @param alternative `"two.sided"` (default; centred on the null mean),
#'   `"less"` or `"greater"`.
#' @param n_perm Number of shuffles K (at most 1e8).
#' @param p_method `"plus_one"` (default) or `"zollstock"` (reference parity).
#' @param sequential `NULL`, or h for Besag-Clifford sequential stopping.
#' @param seed Seed (a whole number in \[0, 2^53\]), or `NULL`.
#' @param nthreads Threads; default `getOption("propgrad.nthreads")`, else
#'   all cores. A single series runs on one thread.
#' @param keep_null Return the shuffled statistics as `null`?
#' @param ... Gradient settings (`spacing`, `rescale`, `period`, `smooth`,
#'   see [property_gradient()]), `ties` and `tolerance`.
#' @return An object of class `"propgrad_test"`: a list with `estimate`
#'   (EPGM), `statistic`, `p.value`, `conf.int`, `null_mean`, `null_sd`, `z`,
#'   `n_perm` (shuffles used), `n_perm_requested`, `exceedances`, `exact`,
#'   `stopped_early`, `alternative`, `p_method`, `stat` (statistic name),
#'   `seed`, `n_steps`, `n_outputs`, `series` (the sorted outputs and property
#'   values, for plots), and `null` when `keep_null = TRUE`.
#' @references
#' Penzel N, Denzler J (2026). Locally Explaining Prediction Behavior via
#' Gradual Interventions and Measuring Property Gradients. WACV.
#'
#' Phipson B, Smyth GK (2010). Permutation p-values should never be zero.
#' Statistical Applications in Genetics and Molecular Biology 9(1).
#'
#' Besag J, Clifford P (1991). Sequential Monte Carlo p-values.
#' Biometrika 78(2), 301-304.
#' @seealso [property_test()] for many series at once.
#' @export
#' @examples
#' t <- seq(0, 1, length.out = 40)
#' y <- plogis(8 * (t - 0.5)) + rnorm(40, sd = 0.01)
#' res <- shuffle_test(y, t, n_perm = 2000, seed = 1)
#' res
#' tidy(res)
#' # the reference implementation's p-value
#' shuffle_test(y, t, n_perm = 2000, seed = 1, p_method = "zollstock", spacing = "index")
shuffle_test <- function(y, t = NULL, statistic = c("grad", "corr", "mi"),
                         alternative = c("two.sided", "less", "greater"), n_perm = 10000,
                         p_method = c("plus_one", "zollstock"), sequential = NULL, seed = NULL,
                         nthreads = NULL, keep_null = FALSE, ...) {
  call <- rlang::current_env()
  settings <- shuffle_settings(statistic, alternative, n_perm, p_method, sequential, seed,
                               nthreads, keep_null, list(...), call = call)
  series <- prepare_series(y, t, ties = settings$ties, call = call)
  check_series_against_settings(series, settings$gradient, call)
  inform_sorted(series$sorted, series$averaged, "series")
  res <- run_shuffle_engine(list(series), keys = "", settings, call = call)
  out <- list(
    estimate = res$estimate, statistic = res$statistic, p.value = res$p.value,
    conf.int = structure(c(res$conf.low, res$conf.high), conf.level = 0.99),
    null_mean = res$null_mean, null_sd = res$null_sd, z = res$z,
    n_perm = res$n_used, n_perm_requested = settings$n_perm, exceedances = res$exceedances,
    exact = res$exact, stopped_early = res$stopped_early,
    alternative = settings$alternative, p_method = settings$p_method,
    stat = settings$statistic, seed = settings$seed, n_steps = nrow(series$y),
    n_outputs = ncol(series$y), sequential = if (settings$sequential > 0) settings$sequential,
    spacing = settings$gradient$spacing,
    series = list(y = series$y, t = series_positions(series))
  )
  if (settings$keep_null) out$null <- as.vector(res$null[seq_len(res$n_used), 1])
  structure(out, class = "propgrad_test")
}

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
  shuffles <- if (x$exact) sprintf("exact: all %s orderings", format(x$n_perm, big.mark = ","))
              else sprintf("%s shuffles%s", format(x$n_perm, big.mark = ","),
                           if (isTRUE(x$stopped_early)) " (stopped early)" else "")
  c(
    sprintf("Shuffle test of the property dependence (%s)", statistic_label(x$stat)),
    sprintf("  %d steps, %d output%s; %s; seed %s", x$n_steps, x$n_outputs,
            if (x$n_outputs == 1) "" else "s", shuffles, format(x$seed, scientific = FALSE)),
    sprintf("  EPGM = %s", num(x$estimate)),
    if (x$stat != "grad") sprintf("  %s = %s", statistic_label(x$stat), num(x$statistic)),
    sprintf("  null mean = %s (sd %s), z = %s", num(x$null_mean), num(x$null_sd), num(x$z)),
    sprintf("  p-value = %s (%s, %s); 99%% interval of the Monte Carlo p: [%s, %s]",
            format_p(x$p.value), x$alternative, x$p_method, format_p(x$conf.int[1]),
            format_p(x$conf.int[2])),
    if (x$p.value == 0) "  Note: b/K = 0 is not a valid p-value; p_method = \"plus_one\" gives (b + 1)/(K + 1)."
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
#' `tidy()` gives one row per test with broom-style columns (`estimate` is the
#' EPGM, `statistic` the test statistic, `conf.low`/`conf.high` the 99%
#' interval of the Monte Carlo p-value); `glance()` one row of settings.
#'
#' @param x A `"propgrad_test"` or `"propgrad_tests"` object.
#' @param alpha Significance level for counting significant series.
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
    conf.low = x$conf.int[1], conf.high = x$conf.int[2], null_mean = x$null_mean,
    null_sd = x$null_sd, z = x$z, n_perm = x$n_perm,
    method = paste("shuffle test,", x$stat), alternative = x$alternative
  )
}

#' @rdname propgrad_tidiers
#' @method glance propgrad_test
#' @export
glance.propgrad_test <- function(x, ...) {
  data.frame(
    n_steps = x$n_steps, n_outputs = x$n_outputs, statistic_name = x$stat,
    n_perm = x$n_perm, n_perm_requested = x$n_perm_requested, exact = x$exact,
    stopped_early = x$stopped_early, p_method = x$p_method, alternative = x$alternative,
    seed = x$seed
  )
}
