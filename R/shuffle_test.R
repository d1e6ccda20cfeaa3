# shuffle_test(): the permutation test of one series. The heavy lifting is
# shared with property_test() through run_shuffle_engine(); its print,
# summary, tidy and glance methods live in tidiers.R.

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
#' oscillating dependence sits in the upper tail. A `"greater"` test of
#' `"grad"` therefore has almost no power against smooth or step-like
#' effects; propgrad warns (`propgrad_warning_direction`) when such a run
#' sees series far in the lower tail (z < -3). The EPGM (`estimate`) is the
#' effect size; `z` tells the side. Mutual information only grows with
#' dependence: `"mi"` defaults to `"greater"` and refuses `"less"`.
#'
#' @section p-values:
#' One rule decides "at least as extreme" in every mode (src/core/pvalue.cpp):
#' for `"greater"` a shuffled statistic \eqn{T_k \ge T_0 - s}, for `"less"`
#' \eqn{T_k \le T_0 + s}, for `"two.sided"` \eqn{|T_k - c| \ge |T_0 - c| - s},
#' with the tie slack \eqn{s} = `tolerance` (default 1e-9) times
#' \eqn{\max(|T_0|, |c|)}, so values equal up to rounding count as extreme and
#' a constant output gives p = 1. A non-finite statistic never counts, and
#' a series whose own statistic is not finite gets no p-value (`NA`, with a
#' warning).
#'
#' `p_method = "plus_one"` (default) reports \eqn{(b + 1) / (K + 1)}, where
#' \eqn{b} of the \eqn{K} shuffles are at least as extreme (Phipson and Smyth
#' 2010): never 0, and valid.
#'
#' The centre \eqn{c} of the two-sided test is the mean of the statistic over
#' all orderings of the outputs where that has a closed form (0 for
#' `"corr"`; for `"grad"` on evenly spaced steps without smoothing, the mean
#' gradient weight times the mean distance between two outputs), else the
#' mean of all \eqn{K + 1} statistics, the observed one included. Centring
#' on a symmetric function of all \eqn{K + 1} keeps them exchangeable, which
#' is what makes \eqn{(b + 1)/(K + 1)} valid (Hemerik and Goeman 2018);
#' centring on the shuffles alone does not, and over-rejects at small K.
#'
#' When \eqn{n! \le K} the test enumerates all \eqn{n!} orderings instead
#' (exact test: p = b / n!, identity included, no Monte Carlo error).
#'
#' `sequential = h` stops a series as soon as `h` shuffles are at least as
#' extreme (Besag and Clifford 1991): p = h / l after l shuffles, or
#' \eqn{(b + 1) / (K + 1)} when fewer than `h` occur. Clearly
#' non-significant series stop after a few dozen shuffles. The rule is the
#' same as without stopping; a two-sided test without a closed-form centre
#' is centred on the mean of 1000 shuffles (`options(propgrad.pilot)`) of an
#' independent pilot stream, which keeps the counted shuffles exchangeable
#' with \eqn{T_0} although their number is not fixed.
#'
#' `p_method = "zollstock"` reproduces the reference implementation exactly:
#' \eqn{b / K} (which can be 0, not a valid p-value; propgrad warns), centred
#' two-sided on the mean of the K shuffles for `"grad"`, \eqn{|r|} for
#' `"corr"`, strictly greater for `"mi"`, no tolerance; `alternative` is then
#' fixed by the statistic. For the reference's gradients also use
#' `spacing = "index"`.
#'
#' `p.conf.int` is the Clopper-Pearson interval, at level `p_conf_level`
#' (default 0.99, pass it in `...`), of the permutation p-value the Monte
#' Carlo test estimates: how far more shuffles could move p. It is not an
#' interval of the estimate. When the two-sided centre is itself estimated
#' (the mean of all K + 1 statistics, or a pilot's), the interval also
#' covers the centre's error: it is the union of the intervals of the counts
#' at the centre -/+ z sd / sqrt(K + 1), half of the level's error going to
#' each part (reaching 1 when the observed statistic lies that close to the
#' centre). Without this, the interval covered the permutation p of a series
#' near p = 0.3 only 94% of the time at 99% (`vignette("validity")`).
#'
#' @section Reproducibility:
#' Each series draws its permutations from its own xoshiro256++ stream,
#' keyed by `seed` and a hash of the series' data (outputs and property
#' values after sorting). The same series with the same seed therefore gets
#' the same permutations, and the same p, from `shuffle_test()`, from any row
#' of [property_test()] (with or without `by`, split across calls or
#' backends), for any `nthreads`; different series get different streams.
#' With `seed = NULL` the seed is drawn from R's random number generator, so
#' [set.seed()] makes runs reproducible; the seed used is returned.
#'
#' @inheritParams property_gradient
#' @param statistic `"grad"` (EPGM, default), `"corr"` or `"mi"`.
#' @param alternative `"two.sided"` (default for `"grad"` and `"corr"`;
#'   centred, see section p-values), `"less"` or `"greater"` (default for
#'   `"mi"`).
#' @param n_perm Number of shuffles K (at most 1e8), or `"auto"` (default:
#'   9,999 for one test at `alpha` = 0.01, more for smaller `alpha`).
#' @param p_method `"plus_one"` (default) or `"zollstock"` (reference parity).
#' @param sequential `NULL`, or h for Besag-Clifford sequential stopping.
#' @param seed Seed (a whole number in \[0, 2^53\]), or `NULL`. Each
#'   shuffle is an inside-out Fisher-Yates permutation (Durstenfeld 1964)
#'   whose positions come from eight interleaved xoshiro256++ streams
#'   (Blackman and Vigna 2021) keyed by the seed and the series' data,
#'   bounded without bias by Lemire's (2019) method: propgrad's shuffle
#'   stream version 2 (recorded in the result, its settings and
#'   [pg_methods()]). Results are identical on every thread count and x86-64
#'   machine (the sums inside "grad" and "corr" run in one fixed eight-way
#'   order on every instruction set); builds before December 2026 used
#'   stream version 1 and give other, equally valid, Monte Carlo p-values
#'   for the same seed, and summed "corr" in sequence, which differs from
#'   the fixed order in the last bits of the statistic.
#' @param nthreads Threads; default [pg_threads()] (the option
#'   `propgrad.nthreads`, else all cores, within the limits documented
#'   there). A single series runs on one thread.
#' @param keep_null Return the shuffled statistics as `null`?
#' @param alpha Significance level the resolution of `n_perm = "auto"` is
#'   chosen for.
#' @param ... Gradient settings (`spacing`, `rescale`, `period`, `smooth`,
#'   see [property_gradient()]), `ties`, `tolerance` (tie slack, default
#'   1e-9) and `p_conf_level` (level of the Monte Carlo interval of p,
#'   default 0.99).
#' @return An object of class `"propgrad_test"`: a list with `estimate`
#'   (EPGM), `statistic`, `p.value`, `p.conf.int` (Monte Carlo interval of p,
#'   its level as attribute `conf.level`), `null_mean`, `null_sd`, `z`,
#'   `centre` and `centre_kind` (of a two-sided test), `n_perm` (requested),
#'   `n_perm_used` (counted: n! when enumerated, fewer after a sequential
#'   stop), `n_pilot`, `exceedances`, `exact`, `stopped_early`, `alternative`,
#'   `p_method`, `stat` (statistic name), `seed`, `n_steps`, `n_outputs`,
#'   `series` (the sorted outputs and property values, for plots), and
#'   `null` when `keep_null = TRUE`.
#' @references
#' Penzel N, Denzler J (2026). Locally Explaining Prediction Behavior via
#' Gradual Interventions and Measuring Property Gradients. WACV.
#'
#' Phipson B, Smyth GK (2010). Permutation p-values should never be zero.
#' Statistical Applications in Genetics and Molecular Biology 9(1).
#'
#' Besag J, Clifford P (1991). Sequential Monte Carlo p-values.
#' Biometrika 78(2), 301-304.
#'
#' Durstenfeld R (1964). Algorithm 235: Random permutation. Communications
#' of the ACM 7(7), 420.
#'
#' Blackman D, Vigna S (2021). Scrambled linear pseudorandom number
#' generators. ACM Transactions on Mathematical Software 47(4), 36.
#'
#' Lemire D (2019). Fast random integer generation in an interval. ACM
#' Transactions on Modeling and Computer Simulation 29(1), 3.
#'
#' Hemerik J, Goeman JJ (2018). Exact testing with random permutations.
#' TEST 27(4), 811-825.
#' @seealso [property_test()] for many series at once.
#' @export
#' @examples
#' t <- seq(0, 1, length.out = 40)
#' y <- plogis(8 * (t - 0.5)) + rnorm(40, sd = 0.01)
#' res <- shuffle_test(y, t, n_perm = 2000, seed = 1)
#' res
#' tidy(res)
#' # the reference implementation's p-value (b/K: 0 here, not a valid p)
#' suppressWarnings(shuffle_test(y, t, n_perm = 2000, seed = 1, p_method = "zollstock",
#'                               spacing = "index"))
shuffle_test <- function(y, t = NULL, statistic = c("grad", "corr", "mi"),
                         alternative = c("two.sided", "less", "greater"), n_perm = "auto",
                         p_method = c("plus_one", "zollstock"), sequential = NULL, seed = NULL,
                         nthreads = NULL, keep_null = FALSE, alpha = 0.01, ...) {
  call <- rlang::current_env()
  check_required("y", call)
  settings <- shuffle_settings(statistic, alternative, n_perm, p_method, sequential, seed,
                               nthreads, keep_null, list(...), alpha = alpha, call = call)
  if (settings$mode == "adaptive") {
    abort_input(c("{.code n_perm = \"adaptive\"} decides many series together.",
                  i = "Use it in {.fn property_test}; for one series give {.arg sequential}."),
                "propgrad_error_incompatible", call = call)
  }
  if (settings$mode == "auto") {
    settings$n_perm <- auto_n_perm(1, settings$alpha, "none")
    settings$mode <- "fixed"
  }
  series <- prepare_series(y, t, ties = settings$ties, call = call)
  check_series_against_settings(series, settings$gradient, call)
  inform_sorted(series$sorted, series$averaged, "series")
  check_resolution(resolution_floor(nrow(series$y), settings, "none"), settings, "none", 1)
  res <- run_shuffle_engine(list(series), settings, call = call)
  out <- list(
    estimate = res$estimate, statistic = res$statistic, p.value = res$p.value,
    p.conf.int = structure(c(res$p.conf.low, res$p.conf.high), conf.level = settings$p_conf_level),
    null_mean = res$null_mean, null_sd = res$null_sd, z = res$z, centre = res$centre,
    centre_kind = res$centre_kind, n_perm = settings$n_perm, n_perm_used = res$n_perm_used,
    n_pilot = res$n_pilot, exceedances = res$exceedances, exact = res$exact,
    stopped_early = res$stopped_early, alternative = settings$alternative,
    p_method = settings$p_method, stat = settings$statistic, seed = settings$seed,
    stream_version = pg_stream_version_cpp(),
    n_steps = nrow(series$y), n_outputs = ncol(series$y),
    sequential = if (settings$sequential > 0) settings$sequential,
    spacing = settings$gradient$spacing, tolerance = settings$tolerance,
    series = list(y = series$y, t = series_positions(series))
  )
  if (settings$keep_null) out$null <- as.vector(res$null[seq_len(res$n_perm_used), 1])
  structure(out, class = "propgrad_test")
}

