# Study-level inference over many series: the summary of a propgrad_tests
# object (mean EPGM over inputs with a studentized bootstrap interval, the
# share of series significant) and the paired comparison of two models on
# the same inputs. Intervals and tests are computed in src/core
# (intervals.cpp, resampling.cpp); their choice rests on the simulations in
# validation/. Resampling is seeded by `seed` (or by R's RNG through it).

# Below these numbers of inputs the intervals and comparisons are flagged.
min_inputs_summary <- 8
min_pairs_compare <- 8

#' Study-level summary of shuffle tests
#'
#' Aggregates the per-series results of [property_test()] across inputs
#' (images): one row per combination of the other `by` columns and output
#' (e.g. model x property), with the mean EPGM and an interval for it, the
#' median, and how many series are significant after the multiple-testing
#' adjustment.
#'
#' @section Interval:
#' The interval of the mean EPGM is the studentized (bootstrap-t) interval
#' with equal tails: each of `n_boot` resamples of the inputs gives
#' \eqn{t^* = (\bar x^* - \bar x)/\mathrm{se}^*}, and the interval is
#' \eqn{[\bar x - q^*_{1-a/2}\,\mathrm{se},\ \bar x - q^*_{a/2}\,\mathrm{se}]}.
#' In propgrad's simulations (`vignette("validity")`) it covered 0.945 at 8
#' inputs with sigmoid-shaped effects and 0.92 at 20 log-normal
#' (\eqn{\sigma = 1}) EPGMs at nominal 0.95, where the percentile bootstrap
#' covered 0.87 and 0.86 and the t interval 0.92 and 0.87 (Hesterberg 2015
#' explains why). Below 8 inputs any interval of a mean is unreliable for
#' skewed EPGMs: propgrad warns (`propgrad_warning_small_n`).
#' `interval = "t"` gives the Student t interval instead.
#'
#' @param object A `"propgrad_tests"` result.
#' @param over The column(s) that index the inputs averaged over; default
#'   the first `by` column of the tests (e.g. `"image"`).
#' @param alpha Significance level applied to `adj.p.value` (`<= alpha`);
#'   default the `alpha` of the tests. In the adaptive mode the decisions
#'   are counted instead.
#' @param conf_level Level of the interval of the mean.
#' @param n_boot Bootstrap resamples.
#' @param seed Seed of the bootstrap (a whole number), or `NULL` to draw one
#'   from R's random number generator (so [set.seed()] works).
#' @param interval `"bootstrap_t"` (default) or `"t"`.
#' @param ... Unused.
#' Series whose estimate is not finite (outputs beyond double range) are
#' left out of `estimate`, the interval, `median` and `sd`, with a warning
#' (`propgrad_warning_nonfinite`); they still count in `n_series`.
#' @return A data frame of class `"propgrad_summary"`: the grouping columns,
#'   `output`, `n_series`, `estimate` (mean EPGM), `std.error`, `conf.low`,
#'   `conf.high` (the interval of `estimate`), `median`, `sd`,
#'   `n_significant`, `share_significant`, `n_undecided` (adaptive mode),
#'   `flips_total` (prediction flips summed over the group's series)
#'   when the tests have flips, and, for [explain()] results with editor
#'   seeds, `seed_epgm_sd_mean`: the mean over the group's series of the sd
#'   of their per-seed EPGMs (how far one edit sweep strays from another;
#'   the per-series spread is in the tests' `seed_epgm_*` columns). Attribute `"settings"` holds `conf_level`,
#'   `interval`, `alpha`, `seed` and the tests' settings.
#' @references
#' Efron B, Tibshirani RJ (1993). An Introduction to the Bootstrap.
#' Chapman & Hall, chapter 12.
#'
#' Hesterberg TC (2015). What teachers should know about the bootstrap.
#' The American Statistician 69(4), 371-386.
#' @export
#' @examples
#' tests <- property_test(pg_study, p_cat ~ strength | image + model + property,
#'                        n_perm = 9999, seed = 1, probs = c("p_cat", "p_dog"))
#' summary(tests, seed = 1)
summary.propgrad_tests <- function(object, over = NULL, alpha = NULL, conf_level = 0.95,
                                   n_boot = 2000, seed = NULL, interval = c("bootstrap_t", "t"),
                                   ...) {
  call <- rlang::current_env()
  layout <- study_layout(object, over, call)
  alpha <- tests_alpha(object, alpha, call)
  check_probability(conf_level, "conf_level", call)
  check_whole(n_boot, 10, 1e6, arg = "n_boot", call = call)
  interval <- check_choice(interval, c("bootstrap_t", "t"), arg = "interval", call = call)
  seed <- check_seed(seed, call)
  settings <- list(interval = interval, conf_level = conf_level, n_boot = n_boot, seed = seed,
                   tolerance = attr(object, "settings")$tolerance %||% 1e-9)
  usable <- usable_estimates(object, call)
  groups <- split(seq_len(nrow(object)), layout$group_id)
  # The bootstrap keeps two doubles per resample for one group at a time.
  check_memory(16 * n_boot + 8 * max(lengths(groups)), "The bootstrap resamples",
               "Use fewer resamples ({.arg n_boot}).", call = call)
  sig <- significant(object, alpha)
  rows <- lapply(groups, function(i) {
    x <- object$estimate[i][usable[i]]
    ci <- mean_interval(x, settings)
    out <- data.frame(
      n_series = length(i), estimate = if (length(x)) mean(x) else NA_real_,
      std.error = if (length(x) > 1) stats::sd(x) / sqrt(length(x)) else NA_real_,
      conf.low = ci[1], conf.high = ci[2], median = stats::median(x),
      sd = if (length(x) > 1) stats::sd(x) else NA_real_,
      n_significant = sum(sig[i]), share_significant = mean(sig[i]))
    if ("decision" %in% names(object)) out$n_undecided <- sum(object$decision[i] == "undecided")
    out
  })
  out <- cbind(layout$keys[vapply(groups, `[[`, integer(1), 1L), , drop = FALSE],
               do.call(rbind, rows))
  if ("flips" %in% names(object)) out$flips_total <- vapply(groups, function(i) sum(object$flips[i]), 0)
  if ("seed_epgm_sd" %in% names(object)) {
    out$seed_epgm_sd_mean <- vapply(groups, function(i) mean(object$seed_epgm_sd[i], na.rm = TRUE), 0)
  }
  rownames(out) <- NULL
  few <- out$n_series < min_inputs_summary
  if (any(few)) {
    pg_warn(c("{sum(few)} group{?s} average{?s/} fewer than {min_inputs_summary} inputs (smallest: {min(out$n_series)}).",
              i = "An interval of a mean over so few skewed EPGMs can cover less than its level; test more inputs."),
            "propgrad_warning_small_n")
  }
  attr(out, "settings") <- c(list(over = layout$over, alpha = alpha), settings,
                             list(tests = attr(object, "settings")))
  class(out) <- c("propgrad_summary", "data.frame")
  out
}

# Which estimates a summary can average: the finite ones. Series without
# one (outputs beyond double range) are named in a warning; with none left
# there is nothing to summarise.
usable_estimates <- function(object, call) {
  usable <- is.finite(object$estimate)
  if (!any(usable)) {
    abort_input(c("No series of the tests has a finite estimate to summarise.",
                  i = "Their outputs overflow the statistic; rescale the outputs and test again."),
                "propgrad_error_nonfinite", call = call)
  }
  if (!all(usable)) {
    label <- by_labels(as.data.frame(object)[which(!usable)[1], attr(object, "settings")$by, drop = FALSE])
    pg_warn(c("{sum(!usable)} series with a non-finite estimate (first: {label}) {?is/are} left out of the means, intervals, medians and sds.",
              i = "They still count in {.field n_series}; as they have no p-value, none of them is significant."),
            "propgrad_warning_nonfinite")
  }
  usable
}

# The interval of the mean of x under the summary's settings.
mean_interval <- function(x, settings) {
  if (length(x) < 2) return(c(NA_real_, NA_real_))
  boot <- pg_bootstrap_t_cpp(as.double(x), settings)
  if (settings$interval == "t") boot$t else boot$equal
}

summary_columns <- c("n_series", "estimate", "std.error", "conf.low", "conf.high", "median", "sd",
                     "n_significant", "share_significant", "n_undecided", "flips_total",
                     "seed_epgm_sd_mean")

interval_label <- function(interval) {
  switch(interval %||% "bootstrap_t", bootstrap_t = "studentized bootstrap interval",
         bootstrap_t_symmetric = "symmetric studentized bootstrap interval",
         t = "t interval")
}

#' @export
print.propgrad_summary <- function(x, digits = 3, ...) {
  s <- attr(x, "settings")
  cli::cat_line(sprintf(
    "Mean EPGM over %s with %g%% %ss; significant: adjusted p <= %g (%s)",
    paste(s$over, collapse = " x "), 100 * s$conf_level, interval_label(s$interval), s$alpha,
    s$tests$p_adjust))
  df <- x
  class(df) <- "data.frame"
  attr(df, "settings") <- NULL
  df <- format_columns(df, numbers = c("estimate", "std.error", "conf.low", "conf.high", "median", "sd",
                                       "seed_epgm_sd_mean"),
                       counts = c("n_series", "n_significant", "n_undecided", "flips_total"),
                       shares = "share_significant", digits = digits)
  print(df, row.names = FALSE, right = TRUE)
  if ("flips_total" %in% names(x)) {
    cli::cat_line("# flips_total: prediction flips summed over the group's series (each series' own: flips in the tests)")
  }
  if ("seed_epgm_sd_mean" %in% names(x)) {
    cli::cat_line("# Curves were averaged over editor seeds; seed_epgm_sd_mean: the sd of each series' per-seed EPGMs, averaged")
  }
  if (!is.null(s$tests$adj_p_floor) && s$tests$adj_p_floor > s$alpha) {
    cli::cat_line(sprintf("# The smallest adjusted p these tests could reach is %s, above alpha: no series could be significant.",
                          format_p(s$tests$adj_p_floor)))
  }
  invisible(x)
}

#' @rdname propgrad_tidiers
#' @method tidy propgrad_summary
#' @export
tidy.propgrad_summary <- function(x, ...) {
  class(x) <- "data.frame"
  attr(x, "settings") <- NULL
  x
}

#' Compare two models on the same inputs
#'
#' A paired test of the difference in EPGM between two models (or training
#' regimes) tested on the same inputs, for each combination of the other
#' `by` columns and output (e.g. per property). Differences are
#' `d = model_2 - model_1`, one per input present for both.
#'
#' @section Tests:
#' `test = "sign_flip"` (default) is the paired permutation test that flips
#' the signs of the differences, with the studentized mean as its statistic
#' (all \eqn{2^n} sign patterns when \eqn{2^n \le} `n_perm`, else `n_perm`
#' random ones). It is exact for the hypothesis that the two models' EPGMs
#' are exchangeable within each input (so d is symmetric about 0), and
#' asymptotically valid for the hypothesis of equal mean EPGMs (Janssen
#' 1997; Chung and Romano 2013). Under sign flips the sum of squares is
#' fixed, so studentizing orders the patterns exactly as the mean does: the
#' p-value is that of the plain sign-flip test. For the mean hypothesis with
#' strongly skewed differences its size exceeds the level at small n (in
#' `vignette("validity")`: about 0.09 at n = 10 for log-normal against gamma
#' EPGMs at 0.05, as for the t-test).
#'
#' `test = "bootstrap_t"` is the symmetric studentized bootstrap test of
#' mean d = 0, (b + 1)/(B + 1) over `n_boot` resamples: the smallest
#' worst-case size for the mean hypothesis under skewed differences in the
#' same simulations (0.08 at n = 10), conservative when d is symmetric.
#' No test of a mean keeps its level for every shape at n <= 30.
#'
#' With n pairs the sign-flip p cannot be below \eqn{2^{1-n}} (the observed
#' pattern and its mirror image): at n = 5, 0.0625. Every row reports this
#' floor (`p.floor`), and propgrad warns (`propgrad_warning_resolution`)
#' when it is above `alpha`, and (`propgrad_warning_small_n`) below 8 pairs.
#'
#' The interval of the mean difference is the symmetric studentized
#' bootstrap interval, \eqn{\bar d \mp q_{|t^*|} \mathrm{se}}, which covered
#' at least 0.92 at n = 10 and 20 in every scenario of the simulations (the
#' percentile bootstrap: 0.84-0.89).
#'
#' @param tests A `"propgrad_tests"` result.
#' @param models Two values of the `model` column: `c(model_1, model_2)`.
#' @param model Name of the column that holds the model.
#' @param test `"sign_flip"` or `"bootstrap_t"`, see section Tests.
#' @param n_perm Random sign flips when not all patterns are enumerated.
#' @param alpha Level the smallest attainable p is checked against.
#' @inheritParams summary.propgrad_tests
#' @return A data frame: the grouping columns, `output`, `model_1`,
#'   `model_2`, `n_pairs`, `estimate` (mean difference), `std.error`,
#'   `statistic` (studentized mean), `p.value`, `p.floor` (smallest p the
#'   test can reach), `conf.low`, `conf.high` (interval of `estimate` at
#'   `conf_level`), `effect_size` (Cohen's \eqn{d_z = \bar d / s_d}),
#'   `exact` (all sign patterns enumerated), `method`. Attribute
#'   `"settings"` names the test, level and seed.
#' @references
#' Janssen A (1997). Studentized permutation tests for non-i.i.d. hypotheses
#' and the generalized Behrens-Fisher problem. Statistics & Probability
#' Letters 36(1), 9-21.
#'
#' Chung E, Romano JP (2013). Exact and asymptotically robust permutation
#' tests. The Annals of Statistics 41(2), 484-507.
#' @export
#' @examples
#' tests <- property_test(pg_study, p_cat ~ strength | image + model + property,
#'                        n_perm = 9999, seed = 1)
#' compare_models(tests, c("unbiased", "dark_cats_bias"), seed = 1)
compare_models <- function(tests, models, model = "model", over = NULL,
                           test = c("sign_flip", "bootstrap_t"), n_perm = 10000, alpha = 0.01,
                           conf_level = 0.95, n_boot = 2000, seed = NULL) {
  call <- rlang::current_env()
  check_required(c("tests", "models"))
  layout <- study_layout(tests, over, call, exclude = model)
  if (is.factor(models)) models <- as.character(models)
  if (!is.character(models) || length(models) != 2 || anyNA(models) || models[1] == models[2]) {
    abort_input("{.arg models} must be two different model names.", "propgrad_error_input", call = call)
  }
  unknown <- setdiff(models, as.character(tests[[model]]))
  if (length(unknown)) {
    abort_input(c("Unknown model{?s} {.val {unknown}}.",
                  i = "Models in column {.val {model}}: {.val {unique(as.character(tests[[model]]))}}."),
                "propgrad_error_model", call = call)
  }
  test <- check_choice(test, c("sign_flip", "bootstrap_t"), arg = "test", call = call)
  check_whole(n_perm, 1, 1e7, arg = "n_perm", call = call)
  check_probability(alpha, "alpha", call)
  check_probability(conf_level, "conf_level", call)
  check_whole(n_boot, 10, 1e6, arg = "n_boot", call = call)
  settings <- list(test = test, n_perm = as.numeric(n_perm), n_boot = as.numeric(n_boot),
                   conf_level = conf_level, seed = check_seed(seed, call), alpha = alpha,
                   tolerance = attr(tests, "settings")$tolerance %||% 1e-9, p_conf_level = 0.99)
  check_memory(16 * n_boot + 8 * nrow(tests), "The bootstrap resamples of the comparison",
               "Use fewer resamples ({.arg n_boot}).", call = call)
  input <- group_ids(unclass(tests)[layout$over])
  groups <- split(seq_len(nrow(tests)), layout$group_id)
  dropped <- 0
  rows <- lapply(groups, function(i) {
    m <- as.character(tests[[model]][i])
    a <- i[m == models[1]]
    b <- i[m == models[2]]
    if (anyDuplicated(input[a]) || anyDuplicated(input[b])) {
      abort_input(c("Some input appears twice for one model.",
                    i = "Does {.arg over} name every column that identifies an input?"),
                  "propgrad_error_input", call = call)
    }
    shared <- intersect(input[a], input[b])
    d <- tests$estimate[b[match(shared, input[b])]] - tests$estimate[a[match(shared, input[a])]]
    # A pair with a non-finite EPGM (no p-value either) has no difference.
    dropped <<- dropped + sum(!is.finite(d))
    d <- d[is.finite(d)]
    data.frame(model_1 = models[1], model_2 = models[2], n_pairs = length(d),
               paired_test(d, settings))
  })
  if (dropped > 0) {
    pg_warn(c("Left out {dropped} pair{?s} whose EPGM is not finite.",
              i = "Those series have no statistic (see the warning of {.fn property_test}); the comparison uses the other pairs."),
            "propgrad_warning_nonfinite")
  }
  out <- cbind(layout$keys[vapply(groups, `[[`, integer(1), 1L), , drop = FALSE],
               do.call(rbind, rows))
  rownames(out) <- NULL
  if (all(out$n_pairs == 0)) {
    abort_input(c("The two models share no input.",
                  i = "Compare models that were tested on the same inputs."),
                "propgrad_error_input", call = call)
  }
  warn_about_pairs(out, settings)
  attr(out, "settings") <- settings
  out
}

comparison_columns <- c("model_1", "model_2", "n_pairs", "estimate", "std.error", "statistic",
                        "p.value", "p.floor", "conf.low", "conf.high", "effect_size", "exact",
                        "method")

# The paired test and interval of one group's differences d.
paired_test <- function(d, settings) {
  n <- length(d)
  empty <- data.frame(estimate = NA_real_, std.error = NA_real_, statistic = NA_real_,
                      p.value = NA_real_, p.floor = NA_real_, conf.low = NA_real_,
                      conf.high = NA_real_, effect_size = NA_real_, exact = NA,
                      method = NA_character_)
  if (n < 2) return(empty)
  boot <- pg_bootstrap_t_cpp(as.double(d), list(conf_level = settings$conf_level,
                                                n_boot = settings$n_boot, seed = settings$seed,
                                                tolerance = settings$tolerance))
  if (settings$test == "sign_flip") {
    flip <- pg_sign_flip_cpp(as.double(d), settings)
    p <- flip$p.value
    floor <- flip$p.floor
    exact <- flip$exact
    method <- "paired sign-flip test"
  } else {
    p <- boot$p.value
    floor <- 1 / (settings$n_boot + 1)
    exact <- FALSE
    method <- "symmetric bootstrap-t test"
  }
  sd_d <- stats::sd(d)
  data.frame(estimate = mean(d), std.error = sd_d / sqrt(n), statistic = boot$statistic,
             p.value = p, p.floor = floor, conf.low = boot$symmetric[1],
             conf.high = boot$symmetric[2], effect_size = if (sd_d > 0) mean(d) / sd_d else NA_real_,
             exact = exact, method = method)
}

warn_about_pairs <- function(out, settings) {
  unreachable <- !is.na(out$p.floor) & out$p.floor > settings$alpha
  if (any(unreachable)) {
    pg_warn(c("In {sum(unreachable)} comparison{?s} the smallest p the test can reach is above alpha = {settings$alpha} (with {min(out$n_pairs[unreachable])} pairs: {format_p(max(out$p.floor[unreachable]))}).",
              i = "A sign-flip test of n pairs cannot go below 2^(1 - n); compare models on more inputs."),
            "propgrad_warning_resolution")
  }
  few <- out$n_pairs > 0 & out$n_pairs < min_pairs_compare
  if (any(few)) {
    pg_warn(c("{sum(few)} comparison{?s} rest{?s/} on fewer than {min_pairs_compare} pairs (smallest: {min(out$n_pairs[few])}).",
              i = "With so few pairs, skewed differences can make a test of the mean reject more often than its level."),
            "propgrad_warning_small_n")
  }
}

# Rows grouped by every by column except the inputs (`over`) and `exclude`,
# plus the output.
study_layout <- function(tests, over, call, exclude = NULL) {
  check_tests(tests, call)
  if (nrow(tests) == 0) abort_input("The tests have no rows.", "propgrad_error_length", call = call)
  by <- attr(tests, "settings")$by
  if (is.null(over)) over <- by[1]
  over <- unique(over)
  if (!is.character(over) || length(over) == 0 || !all(over %in% by)) {
    abort_input(c("{.arg over} must name {.arg by} columns of the tests (the inputs to average over).",
                  i = "The tests were grouped by {.val {by}}."),
                "propgrad_error_column", call = call)
  }
  if (!is.null(exclude) && !exclude %in% by) {
    abort_input("Column {.val {exclude}} is not a {.arg by} column of the tests.",
                "propgrad_error_column", call = call)
  }
  keys <- c(setdiff(by, c(over, exclude)), "output")
  gone <- setdiff(c(by, "output", "estimate"), names(tests))
  if (length(gone)) {
    abort_input(c("The tests lack column{?s} {.val {gone}}, which {?it was/they were} tested by.",
                  i = "Keep the columns {.fn property_test} returned, or run it again."),
                "propgrad_error_column", call = call)
  }
  id <- group_ids(unclass(tests)[keys])
  list(over = over, group_id = factor(id, levels = unique(id)),
       keys = as.data.frame(tests)[keys])
}
