# The bridge between the R verbs and the C++ shuffle engine: validates the
# test settings once into the one named list the C++ side reads by name,
# hands every series to pg_shuffle_cpp() in one parallel call, and turns the
# core's results (p, its Monte Carlo interval, z: all computed in
# src/core/pvalue.cpp) into classed warnings where a result needs one. R
# formats; it never recomputes a p-value rule.

statistics <- c("grad", "corr", "mi")
alternatives <- c("two.sided", "less", "greater")
p_methods <- c("plus_one", "zollstock")

# The largest n_perm accepted: beyond it a single series runs for hours.
n_perm_limit <- 1e8

shuffle_settings <- function(statistic, alternative, n_perm, p_method, sequential, seed,
                             nthreads, keep_null, dots, alpha = 0.01, share_permutations = FALSE,
                             call = rlang::caller_env()) {
  statistic <- check_choice(statistic, statistics, arg = "statistic", call = call)
  alternative_given <- !identical(alternative, alternatives)
  alternative <- check_choice(alternative, alternatives, arg = "alternative", call = call)
  # Mutual information is >= 0 and grows with dependence: only its upper
  # tail means anything, so it defaults to "greater".
  if (statistic == "mi" && !alternative_given) alternative <- "greater"
  if (statistic == "mi" && alternative == "less") {
    abort_input(c("{.code statistic = \"mi\"} cannot test {.code alternative = \"less\"}.",
                  x = "Mutual information is never below 0 and grows with dependence, so a small value is never evidence of an effect.",
                  i = "Use {.code alternative = \"greater\"} (the default for {.val mi})."),
                "propgrad_error_direction", call = call)
  }
  p_method <- check_choice(p_method, p_methods, arg = "p_method", call = call)
  check_probability(alpha, "alpha", call)
  mode <- n_perm_mode(n_perm, call)
  if (mode == "fixed") {
    check_whole(n_perm, 1, n_perm_limit, arg = "n_perm", call = call,
                what = "a whole number of permutations, \"auto\" or \"adaptive\"")
  }
  check_flag(keep_null, arg = "keep_null", call = call)
  if (!is.null(sequential)) {
    check_whole(sequential, 1, if (mode == "fixed") n_perm else n_perm_limit, arg = "sequential",
                call = call, what = "a whole number of exceedances (h)")
    if (p_method == "zollstock") {
      abort_input(c("Sequential stopping is not part of the reference's method.",
                    i = "Use {.code p_method = \"plus_one\"} with {.arg sequential}."),
                  "propgrad_error_incompatible", call = call)
    }
    if (mode == "adaptive") {
      abort_input(c("{.code n_perm = \"adaptive\"} already stops each series when its decision is settled.",
                    i = "Drop {.arg sequential}."), "propgrad_error_incompatible", call = call)
    }
  }
  if (p_method == "zollstock") {
    if (alternative_given && alternative != "two.sided") {
      abort_input(c("{.code p_method = \"zollstock\"} reproduces the reference's fixed tails and ignores {.arg alternative}.",
                    i = "Drop {.arg alternative}, or use {.code p_method = \"plus_one\"}."),
                  "propgrad_error_incompatible", call = call)
    }
    if (mode != "fixed") {
      abort_input("{.code p_method = \"zollstock\"} needs a whole number {.arg n_perm}, as the reference.",
                  "propgrad_error_incompatible", call = call)
    }
    # The reference's own rule: centred two-sided (grad), |r| (corr), upper tail (mi).
    alternative <- if (statistic == "mi") "greater" else "two.sided"
  }
  check_flag(share_permutations, arg = "share_permutations", call = call)
  if (mode == "adaptive" && share_permutations) {
    abort_input(c("{.code n_perm = \"adaptive\"} draws a different number of shuffles for each series, so they cannot share permutations.",
                  i = "Use a whole number {.arg n_perm} with {.arg share_permutations}, or drop it."),
                "propgrad_error_incompatible", call = call)
  }
  if (mode == "adaptive" && keep_null) {
    abort_input("{.arg keep_null} needs a whole number {.arg n_perm}; the adaptive mode keeps no null distributions.",
                "propgrad_error_incompatible", call = call)
  }
  opts <- gradient_dots(dots, allowed = c("spacing", "rescale", "period", "smooth", "ties", "tolerance",
                                          "p_conf_level"),
                        call = call)
  tol <- opts$tolerance
  if (!is.numeric(tol) || length(tol) != 1 || !is.finite(tol) || tol < 0 || tol >= 1e-3) {
    abort_input("{.arg tolerance} must be a small non-negative number (below 1e-3).",
                "propgrad_error_number", call = call)
  }
  check_probability(opts$p_conf_level, "p_conf_level", call)
  gradient <- gradient_settings(opts$spacing, opts$rescale, opts$period, opts$smooth, call = call)
  list(statistic = statistic, alternative = alternative, p_method = p_method, mode = mode,
       n_perm = if (mode == "fixed") as.numeric(n_perm) else NA_real_,
       sequential = if (is.null(sequential)) 0 else as.numeric(sequential),
       pilot = getOption("propgrad.pilot", 1000), seed = check_seed(seed, call),
       nthreads = check_nthreads(nthreads, call), keep_null = keep_null, ties = opts$ties,
       tolerance = tol, p_conf_level = opts$p_conf_level, alpha = alpha, gradient = gradient,
       exact = getOption("propgrad.exact", TRUE),
       null_buffer_max = getOption("propgrad.null_buffer_max", 2^17),
       share_permutations = share_permutations, westfall_young = FALSE, adaptive = list())
}

n_perm_mode <- function(n_perm, call) {
  if (is.character(n_perm)) {
    if (length(n_perm) == 1 && n_perm %in% c("auto", "adaptive")) return(n_perm)
    abort_input(c("{.arg n_perm} must be a whole number of permutations, {.val auto} or {.val adaptive}.",
                  x = "You supplied {.val {n_perm}}."), "propgrad_error_number", call = call)
  }
  "fixed"
}

check_null_memory <- function(n_series, settings, call, n_steps = NULL) {
  if (isTRUE(settings$share_permutations) && length(n_steps) && settings$mode == "fixed") {
    # The shared null values of a group of series are held until each is counted.
    check_memory(pg_shared_bytes_cpp(max(table(n_steps)), settings), "Shared permutations' null values",
                 "Use fewer permutations, or {.code share_permutations = FALSE}.", call = call)
  }
  if (!settings$keep_null) return(invisible())
  check_memory(8 * n_series * settings$n_perm, "Keeping the null distributions",
               "Use {.code keep_null = FALSE}, fewer permutations, or test fewer series at once.",
               call = call, option = "propgrad.max_null_bytes")
}

# series: list of prepared series (y matrix, t); labels: how to name a
# series in messages.
run_shuffle_engine <- function(series, settings, labels = NULL, call = rlang::caller_env()) {
  if (settings$statistic != "grad") {
    wide <- vapply(series, function(s) ncol(s$y), integer(1)) > 1
    if (any(wide)) {
      abort_input(c("Statistic {.val {settings$statistic}} needs a single output per series.",
                    i = "Use {.code statistic = \"grad\"} for vector outputs, or test each column on its own."),
                  "propgrad_error_incompatible", call = call)
    }
  }
  check_null_memory(length(series), settings, call)
  res <- engine_results(series, settings, labels, call)
  failed <- nzchar(res$error)
  if (any(failed)) {
    where <- if (is.null(labels)) which(failed) else labels[failed]
    pg_abort(c("The shuffle engine refused {sum(failed)} series.",
               x = "{utils::head(paste0(where, ': ', res$error[failed]), 5)}"),
             "propgrad_error_engine", call = call)
  }
  warn_about_results(res, series, settings, labels)
  # No p-value of any kind for a non-finite statistic: NA, not the core's NaN.
  for (col in intersect(c("p.value", "p.conf.low", "p.conf.high", "adj.p.value"), names(res))) {
    res[[col]][!res$finite] <- NA_real_
  }
  res
}

# One classed warning per kind of result that needs a reader's attention.
warn_about_results <- function(res, series, settings, labels) {
  n_steps <- vapply(series, function(s) nrow(s$y), integer(1))
  name <- function(i) if (is.null(labels)) "" else paste0(" (first: ", labels[which(i)[1]], ")")
  nonfinite <- !res$finite
  if (any(nonfinite)) {
    n_bad <- sum(nonfinite)
    pg_warn(c("{n_bad} series ha{?s/ve} a non-finite statistic{name(nonfinite)} and {cli::qty(n_bad)}get{?s/} no p-value (NA).",
              i = "Outputs that differ by more than double precision holds (about 1.8e308) overflow the statistic: rescale the outputs."),
            "propgrad_warning_nonfinite")
  }
  if (settings$statistic == "mi" && any(n_steps <= 6)) {
    short <- n_steps <= 6
    pg_warn(c("Mutual information (k = 5 neighbours) cannot vary with {sum(short)} series of 6 steps or fewer{name(short)}.",
              i = "Use {.code statistic = \"grad\"} or {.val corr} for short series."),
            "propgrad_warning_degenerate")
  }
  flat <- res$finite & res$n_perm_used > 1 & res$null_sd == 0
  if (any(flat)) {
    pg_warn(c("{sum(flat)} series ha{?s/ve} shuffled statistics without spread{name(flat)}: every ordering gives the same value, so p = 1.",
              i = "Constant outputs, or a statistic that cannot see the ordering, do this."),
            "propgrad_warning_degenerate")
  }
  zero <- res$finite & res$p.value == 0
  if (any(zero, na.rm = TRUE)) {
    n_zero <- sum(zero, na.rm = TRUE)
    pg_warn(c("{n_zero} p-value{?s} {?is/are} 0: with {.code p_method = \"zollstock\"}, p = b/K is 0 when no shuffle is as extreme, which is not a valid p-value.",
              i = "Use {.code p_method = \"plus_one\"}: (b + 1)/(K + 1) is never 0."),
            "propgrad_warning_zero_p")
  }
  # Far in the lower tail: beyond what chance gives a study of null series
  # (z < -4 anywhere, or z < -3 in more than 1% of the series).
  looks_greater <- settings$statistic == "grad" && settings$alternative == "greater"
  low <- res$finite & !is.na(res$z)
  against <- looks_greater & low & res$z < -3
  if (any(against) && (any(low & res$z < -4) || mean(against) > 0.01)) {
    pg_warn(c("{sum(against)} series ha{?s/ve} an EPGM far below the null (z < -3), where {.code alternative = \"greater\"} cannot find it.",
              i = "A smooth or step-like dependence makes the EPGM smaller than the shuffles': use {.val two.sided} or {.val less}."),
            "propgrad_warning_direction")
  }
}
