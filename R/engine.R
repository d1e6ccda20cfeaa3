# The bridge between the R verbs and the C++ shuffle engine: validates the
# test settings once, hands every series to pg_shuffle_cpp() in one parallel
# call, and turns counts into p-values with their Monte Carlo intervals.

statistic_codes <- c(grad = 1L, corr = 2L, mi = 3L)
alternative_codes <- c(two.sided = 1L, less = 2L, greater = 3L)
p_method_codes <- c(plus_one = 1L, zollstock = 2L)

# The largest n_perm accepted: beyond it a single series runs for hours.
max_n_perm <- 1e8

shuffle_settings <- function(statistic, alternative, n_perm, p_method, sequential, seed,
                             nthreads, keep_null, dots, call = rlang::caller_env()) {
  statistic <- check_choice(statistic, names(statistic_codes), arg = "statistic", call = call)
  alternative_given <- !identical(alternative, names(alternative_codes))
  alternative <- check_choice(alternative, names(alternative_codes), arg = "alternative", call = call)
  p_method <- check_choice(p_method, names(p_method_codes), arg = "p_method", call = call)
  check_whole(n_perm, 1, max_n_perm, arg = "n_perm", call = call,
              what = "a whole number of permutations")
  check_flag(keep_null, arg = "keep_null", call = call)
  if (!is.null(sequential)) {
    check_whole(sequential, 1, n_perm, arg = "sequential", call = call,
                what = "a whole number of exceedances (h)")
    if (p_method == "zollstock") {
      abort_input(c("Sequential stopping is not part of the reference's method.",
                    i = "Use {.code p_method = \"plus_one\"} with {.arg sequential}."),
                  "propgrad_error_incompatible", call = call)
    }
  }
  if (p_method == "zollstock") {
    if (alternative_given && alternative != "two.sided") {
      abort_input(c("{.code p_method = \"zollstock\"} reproduces the reference's fixed tails and ignores {.arg alternative}.",
                    i = "Drop {.arg alternative}, or use {.code p_method = \"plus_one\"}."),
                  "propgrad_error_incompatible", call = call)
    }
    # The reference's own rule: centred two-sided (grad), |r| (corr), upper tail (mi).
    alternative <- if (statistic == "mi") "greater" else "two.sided"
  }
  opts <- gradient_dots(dots, allowed = c("spacing", "rescale", "period", "smooth", "ties", "tolerance"),
                        call = call)
  tol <- opts$tolerance
  if (!is.numeric(tol) || length(tol) != 1 || !is.finite(tol) || tol < 0 || tol >= 1e-3) {
    abort_input("{.arg tolerance} must be a small non-negative number (below 1e-3).",
                "propgrad_error_number", call = call)
  }
  gradient <- gradient_settings(opts$spacing, opts$rescale, opts$period, opts$smooth, call = call)
  list(statistic = statistic, alternative = alternative, p_method = p_method,
       n_perm = as.numeric(n_perm), sequential = if (is.null(sequential)) 0 else as.numeric(sequential),
       seed = check_seed(seed, call), nthreads = check_nthreads(nthreads, call),
       keep_null = keep_null, ties = opts$ties, tolerance = tol, gradient = gradient)
}

check_null_memory <- function(n_series, settings, call) {
  if (!settings$keep_null) return(invisible())
  bytes <- 8 * n_series * settings$n_perm
  limit <- getOption("propgrad.max_null_bytes", 2e9)
  if (bytes > limit) {
    abort_input(c("Keeping the null distributions would need {format(structure(bytes, class = 'object_size'), units = 'auto')}.",
                  x = "That is above the limit of {format(structure(limit, class = 'object_size'), units = 'auto')} ({.code options(propgrad.max_null_bytes)}).",
                  i = "Use {.code keep_null = FALSE}, fewer permutations, or test fewer series at once."),
                "propgrad_error_memory", call = call)
  }
}

# series: list of prepared series (y matrix, t); keys: stream keys.
run_shuffle_engine <- function(series, keys, settings, call = rlang::caller_env()) {
  if (settings$statistic != "grad") {
    wide <- vapply(series, function(s) ncol(s$y), integer(1)) > 1
    if (any(wide)) {
      abort_input(c("Statistic {.val {settings$statistic}} needs a single output per series.",
                    i = "Use {.code statistic = \"grad\"} for vector outputs, or test each column on its own."),
                  "propgrad_error_incompatible", call = call)
    }
  }
  check_null_memory(length(series), settings, call)
  settings$exact <- getOption("propgrad.exact", TRUE)
  settings$null_buffer_max <- getOption("propgrad.null_buffer_max", 2^17)
  res <- engine_results(series, keys, settings)
  failed <- nzchar(res$error)
  if (any(failed)) {
    cli::cli_abort(c("The shuffle engine refused {sum(failed)} series.",
                     x = "First: {keys[failed][1]}: {res$error[failed][1]}"),
                   class = c("propgrad_error_engine", "propgrad_error"), call = call)
  }
  res$z <- ifelse(res$null_sd > 0, (res$statistic - res$null_mean) / res$null_sd,
                  ifelse(res$statistic == res$null_mean, 0, NA_real_))
  ci <- monte_carlo_interval(res$exceedances, res$n_used, res$p.value, res$exact,
                             res$stopped_early, settings)
  res$conf.low <- ci$low
  res$conf.high <- ci$high
  res
}

# 99% Clopper-Pearson interval for the p-value a Monte Carlo test estimates:
# b exceedances among n permutations. Exact enumeration has no Monte Carlo
# error; a two-sided sequential p doubles the smaller tail, and so does its
# interval.
monte_carlo_interval <- function(b, n, p, exact, stopped, settings, level = 0.99) {
  a <- (1 - level) / 2
  low <- ifelse(b > 0, stats::qbeta(a, b, n - b + 1), 0)
  high <- ifelse(b < n, stats::qbeta(1 - a, b + 1, n - b), 1)
  if (settings$sequential > 0 && settings$alternative == "two.sided") {
    low <- pmin(1, 2 * low)
    high <- pmin(1, 2 * high)
  }
  low[exact] <- p[exact]
  high[exact] <- p[exact]
  list(low = low, high = high)
}
