# Study-level inference over many series: the summary of a propgrad_tests
# object (mean EPGM over inputs with a bootstrap interval, share of series
# significant) and the paired comparison of two models on the same inputs.
# Resampling uses R's RNG, so set.seed() or `seed` makes it reproducible.

#' Study-level summary of shuffle tests
#'
#' Aggregates the per-series results of [property_test()] across inputs
#' (images): one row per combination of the other `by` columns and output
#' (e.g. model x property), with the mean EPGM and its percentile bootstrap
#' interval over inputs, the median, and how many series are significant
#' after the multiple-testing adjustment.
#'
#' @param object A `"propgrad_tests"` result.
#' @param over The column(s) that index the inputs averaged over; default
#'   the first `by` column of the tests (e.g. `"image"`).
#' @param alpha Significance level applied to `p.adjusted`.
#' @param conf_level Level of the bootstrap interval.
#' @param n_boot Bootstrap resamples.
#' @param seed Seed for the bootstrap, or `NULL` to use R's current RNG state.
#' @param ... Unused.
#' @return A data frame of class `"propgrad_summary"`: the grouping columns,
#'   `output`, `n_series`, `estimate` (mean EPGM), `conf.low`, `conf.high`,
#'   `median`, `sd`, `n_significant`, `share_significant`, and `flips` (total
#'   prediction flips) when the tests have them.
#' @export
#' @examples
#' tests <- property_test(pg_study, p_cat ~ strength | image + model + property,
#'                        n_perm = 999, seed = 1, probs = c("p_cat", "p_dog"))
#' summary(tests, seed = 1)
summary.propgrad_tests <- function(object, over = NULL, alpha = 0.01, conf_level = 0.95,
                                   n_boot = 2000, seed = NULL, ...) {
  call <- rlang::current_env()
  layout <- study_layout(object, over, call)
  check_probability(alpha, "alpha", call)
  check_probability(conf_level, "conf_level", call)
  check_whole(n_boot, 10, 1e6, arg = "n_boot", call = call)
  groups <- split(seq_len(nrow(object)), layout$group_id)
  rows <- with_seed(seed, lapply(groups, function(i) {
    x <- object$estimate[i]
    ci <- bootstrap_mean_interval(x, n_boot, conf_level)
    data.frame(
      n_series = length(i), estimate = mean(x), conf.low = ci[1], conf.high = ci[2],
      median = stats::median(x), sd = if (length(x) > 1) stats::sd(x) else NA_real_,
      n_significant = sum(object$adj.p.value[i] <= alpha),
      share_significant = mean(object$adj.p.value[i] <= alpha)
    )
  }))
  out <- cbind(layout$keys[vapply(groups, `[[`, integer(1), 1L), , drop = FALSE],
               do.call(rbind, rows))
  if ("flips" %in% names(object)) out$flips <- vapply(groups, function(i) sum(object$flips[i]), 0)
  rownames(out) <- NULL
  attr(out, "settings") <- list(over = layout$over, alpha = alpha, conf_level = conf_level,
                                n_boot = n_boot, tests = attr(object, "settings"))
  class(out) <- c("propgrad_summary", "data.frame")
  out
}

#' @export
print.propgrad_summary <- function(x, digits = 3, ...) {
  s <- attr(x, "settings")
  cli::cat_line(sprintf(
    "Mean EPGM over %s with %g%% bootstrap intervals; significant: adjusted p < %g (%s)",
    paste(s$over, collapse = " x "), 100 * s$conf_level, s$alpha, s$tests$p_adjust))
  df <- x
  class(df) <- "data.frame"
  attr(df, "settings") <- NULL
  print(df, digits = digits, row.names = FALSE)
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
#' Paired permutation (sign-flip) test of the difference in mean EPGM between
#' two models (or training regimes) tested on the same inputs, for each
#' combination of the other `by` columns and output (e.g. per property).
#' Differences are `model_2 - model_1`, one per input present for both.
#' With \eqn{2^n \le} `n_perm` all sign patterns are enumerated (exact test).
#'
#' @param tests A `"propgrad_tests"` result.
#' @param models Two values of the `model` column: `c(model_1, model_2)`.
#' @param model Name of the column that holds the model.
#' @param n_perm Random sign flips (when not exact).
#' @inheritParams summary.propgrad_tests
#' @return A data frame: the grouping columns, `output`, `model_1`,
#'   `model_2`, `n_pairs`, `estimate` (mean difference), `conf.low`,
#'   `conf.high` (percentile bootstrap), `effect_size` (Cohen's
#'   \eqn{d_z = \bar d / s_d}), `p.value` (two-sided, \eqn{(b+1)/(K+1)} or
#'   exact), `exact`.
#' @export
#' @examples
#' tests <- property_test(pg_study, p_cat ~ strength | image + model + property,
#'                        n_perm = 999, seed = 1)
#' compare_models(tests, c("unbiased", "dark_cats_bias"), seed = 1)
compare_models <- function(tests, models, model = "model", over = NULL, n_perm = 10000,
                           conf_level = 0.95, n_boot = 2000, seed = NULL) {
  call <- rlang::current_env()
  layout <- study_layout(tests, over, call, exclude = model)
  if (!is.character(models) || length(models) != 2 || anyNA(models) || models[1] == models[2]) {
    abort_input("{.arg models} must be two different model names.", "propgrad_error_input", call = call)
  }
  unknown <- setdiff(models, as.character(tests[[model]]))
  if (length(unknown)) {
    abort_input(c("Unknown model{?s} {.val {unknown}}.",
                  i = "Models in column {.val {model}}: {.val {unique(as.character(tests[[model]]))}}."),
                "propgrad_error_model", call = call)
  }
  check_whole(n_perm, 1, 1e7, arg = "n_perm", call = call)
  check_probability(conf_level, "conf_level", call)
  check_whole(n_boot, 10, 1e6, arg = "n_boot", call = call)
  input <- do.call(paste, c(lapply(layout$over, function(o) as.character(tests[[o]])), sep = "\r"))
  groups <- split(seq_len(nrow(tests)), layout$group_id)
  rows <- with_seed(seed, lapply(groups, function(i) {
    m <- as.character(tests[[model]][i])
    a <- i[m == models[1]]
    b <- i[m == models[2]]
    shared <- intersect(input[a], input[b])
    if (anyDuplicated(input[a]) || anyDuplicated(input[b])) {
      abort_input(c("Some input appears twice for one model.",
                    i = "Does {.arg over} name every column that identifies an input?"),
                  "propgrad_error_input", call = call)
    }
    d <- tests$estimate[b[match(shared, input[b])]] - tests$estimate[a[match(shared, input[a])]]
    data.frame(model_1 = models[1], model_2 = models[2], n_pairs = length(d),
               paired_sign_test(d, n_perm, n_boot, conf_level))
  }))
  out <- cbind(layout$keys[vapply(groups, `[[`, integer(1), 1L), , drop = FALSE],
               do.call(rbind, rows))
  rownames(out) <- NULL
  if (all(out$n_pairs == 0)) {
    abort_input(c("The two models share no input.",
                  i = "Compare models that were tested on the same inputs."),
                "propgrad_error_input", call = call)
  }
  out
}

# Rows grouped by every by column except the inputs (`over`) and `exclude`,
# plus the output.
study_layout <- function(tests, over, call, exclude = NULL) {
  check_tests(tests, call)
  if (nrow(tests) == 0) abort_input("The tests have no rows.", "propgrad_error_length", call = call)
  by <- attr(tests, "settings")$by
  if (is.null(over)) over <- by[1]
  if (length(over) == 0 || !all(over %in% by)) {
    abort_input(c("{.arg over} must name {.arg by} columns of the tests (the inputs to average over).",
                  i = "The tests were grouped by {.val {by}}."),
                "propgrad_error_column", call = call)
  }
  if (!is.null(exclude) && !exclude %in% by) {
    abort_input("Column {.val {exclude}} is not a {.arg by} column of the tests.",
                "propgrad_error_column", call = call)
  }
  keys <- c(setdiff(by, c(over, exclude)), "output")
  id <- do.call(paste, c(lapply(keys, function(k) as.character(tests[[k]])), sep = "\r"))
  list(over = over, group_id = factor(id, levels = unique(id)),
       keys = as.data.frame(tests)[keys])
}

bootstrap_mean_interval <- function(x, n_boot, conf_level) {
  n <- length(x)
  if (n < 2) return(c(NA_real_, NA_real_))
  means <- colMeans(matrix(x[sample.int(n, n * n_boot, replace = TRUE)], n, n_boot))
  a <- (1 - conf_level) / 2
  unname(stats::quantile(means, c(a, 1 - a)))
}

# Two-sided sign-flip test of mean(d) = 0, with a bootstrap interval and dz.
paired_sign_test <- function(d, n_perm, n_boot, conf_level) {
  n <- length(d)
  if (n == 0) {
    return(data.frame(estimate = NA_real_, conf.low = NA_real_, conf.high = NA_real_,
                      effect_size = NA_real_, p.value = NA_real_, exact = NA))
  }
  t0 <- abs(mean(d))
  tol <- 1e-9 * max(t0, 1e-300)
  exact <- n <= 30 && 2^n <= n_perm
  if (exact) {
    signs <- as.matrix(expand.grid(rep(list(c(-1, 1)), n)))
    p <- mean(abs(signs %*% d / n) >= t0 - tol)
  } else {
    signs <- matrix(sample(c(-1, 1), n * n_perm, replace = TRUE), n_perm, n)
    p <- (sum(abs(signs %*% d / n) >= t0 - tol) + 1) / (n_perm + 1)
  }
  ci <- bootstrap_mean_interval(d, n_boot, conf_level)
  data.frame(estimate = mean(d), conf.low = ci[1], conf.high = ci[2],
             effect_size = if (n > 1 && stats::sd(d) > 0) mean(d) / stats::sd(d) else NA_real_,
             p.value = p, exact = exact)
}

# Evaluates expr with R's RNG seeded, restoring the caller's RNG state; with
# seed = NULL it just uses (and advances) the current state.
with_seed <- function(seed, expr) {
  if (is.null(seed)) return(expr)
  check_whole(seed, -.Machine$integer.max, .Machine$integer.max, arg = "seed",
              call = rlang::caller_env())
  old <- if (exists(".Random.seed", globalenv(), inherits = FALSE)) get(".Random.seed", globalenv())
  on.exit(if (is.null(old)) rm(".Random.seed", envir = globalenv())
          else assign(".Random.seed", old, envir = globalenv()))
  set.seed(seed)
  expr
}
