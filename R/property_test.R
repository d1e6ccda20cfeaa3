# property_test(): shuffle tests for every series of a long data frame in one
# parallel engine call. A series is one combination of the `by` columns and
# one output column (or all output columns together with joint = TRUE).
# Streams are keyed by each series' data, so a series gets the same
# permutations here as in shuffle_test(), in a split data frame or on any
# backend. Before anything is shuffled the design's Monte Carlo resolution
# is checked against alpha after the multiple-testing adjustment.

#' Shuffle tests for every series of a study
#'
#' @param data A data frame in long form: one row per intervention step.
#' @param output Name(s) of the output column(s), or a formula
#'   `output ~ property | by1 + by2` (several outputs: `p_cat + p_dog ~ ...`).
#' @param property Name of the column with the property values.
#' @param by Names of the columns that identify a series (image, model,
#'   property, class ...). `NULL`: the whole data frame is one series.
#' @param joint With several outputs: test them as one vector output per
#'   series (EPGM of the gradient norm) instead of one series each.
#' @param share_permutations `FALSE` (default): every series draws its
#'   shuffles from its own stream, keyed by its data. `TRUE`: series with
#'   the same number of steps share one stream (keyed by the seed and the
#'   number of steps), so the k-th shuffle reorders all of them the same
#'   way. One draw then serves every model, output and image measured on
#'   the same grid, and the grad statistic is evaluated for eight series
#'   per pass in vector instructions: 2.5 times faster in calls of 10
#'   series, more for many series on one grid (see `bench/README.md`). Each series' p-value stays exactly as valid (its
#'   shuffles are still uniform permutations drawn independently of its
#'   observed order), but the Monte Carlo errors of different series become
#'   dependent. Holm, Bonferroni, BY and Westfall-Young control their error
#'   rates under any dependence; BH assumes independence or positive
#'   dependence, so prefer BY when the claim rests on the FDR of many
#'   borderline series. Series whose orderings are enumerated exactly
#'   (`n! <= n_perm`) are not affected, nor is `p_adjust =
#'   "westfall_young"`'s joint stream. Not available with `n_perm =
#'   "adaptive"`. Results do not depend on threads, chunks or backends.
#' @param probs Optional names of class-probability (or logit) columns; adds
#'   the number of prediction flips along each series.
#' @param n_perm Shuffles per series: a whole number K (at most 1e8),
#'   `"auto"` (default: K chosen from the number of series, `p_adjust` and
#'   `alpha`, see section "Monte Carlo resolution"), or `"adaptive"`
#'   (sequential Monte Carlo multiple testing, see [adaptive_control()]).
#' @param p_adjust Multiple-testing adjustment across all rows, any of
#'   [stats::p.adjust.methods] (default `"holm"`), or `"westfall_young"`:
#'   the step-down max-T adjustment of Westfall and Young (1993), which uses
#'   the dependence between series. It draws one extra joint stream in which
#'   every series is reordered by the same permutation (so all series need
#'   the same number of steps) and standardises each series by the mean and
#'   sd of its K + 1 statistics; the raw `p.value`s come from the series'
#'   own streams and do not change with `p_adjust`.
#' @param alpha Significance level for the adjusted p-values (a series is
#'   significant when `adj.p.value <= alpha`); also the level the design's
#'   resolution is checked against, and the default of [summary()],
#'   [glance()] and [pg_table()] for these tests.
#' @param adaptive Settings of `n_perm = "adaptive"`, from [adaptive_control()].
#' @param backend Where the shuffle tests run. `"local"` (default): one
#'   parallel engine call in this session on `nthreads` threads. `"future"`:
#'   the series are split into chunks, each run as a future on the current
#'   [future::plan()] (see `retries` and `checkpoint`), so a study can use several R sessions,
#'   machines or a Slurm cluster (see section "Scaling out" of
#'   `vignette("synthetic-study", package = "propgrad")`). Random streams are
#'   keyed by each series' data, so both backends give identical results for
#'   the same `seed`. Progress is reported through \pkg{progressr} (wrap the
#'   call in [progressr::with_progress()]). On each worker `nthreads`
#'   defaults to [pg_threads()] there, at most that worker's
#'   [future::availableCores()].
#' @param chunk_size With `backend = "future"` or a `checkpoint`: series per
#'   chunk (default: about four chunks per worker).
#' @param checkpoint `NULL`, or a folder where each finished chunk is saved
#'   (written to a temporary file, then renamed). Rerunning the same call
#'   with the same folder reads the saved chunks and computes only the
#'   missing ones; a folder made for other data or settings is refused
#'   (`propgrad_error_checkpoint`). With `backend = "local"` the chunks run
#'   one after another in this session.
#' @param retries With `backend = "future"`: how often a chunk that failed
#'   (an error, or a worker that died) is resubmitted (default: option
#'   `propgrad.retries`, else 1). Chunks still failing end in an error of
#'   class `propgrad_error_worker` that names them and their series, after
#'   every other chunk has finished; the finished chunks are in its field
#'   `partial` (and in `checkpoint`, when given).
#' @param na_action What to do with series that cannot be tested (non-finite
#'   outputs or property values, fewer than 3 steps, repeated property values,
#'   a smoothing window or period that does not fit). `"fail"` (default):
#'   one error listing every such series by its `by` values and reason,
#'   before anything is shuffled. `"skip"`: test the others and warn
#'   (`propgrad_warning_skipped`); the skipped series and their reasons are
#'   `attr(x, "settings")$skipped`, shown by `print()` and counted in
#'   [glance()]. Skipped series get no p-value and do not count in the
#'   multiple-testing adjustment.
#' @inheritParams shuffle_test
#' @param ... Gradient settings (`spacing`, `rescale`, `period`, `smooth`),
#'   `ties`, `tolerance` and `p_conf_level`, as in [shuffle_test()].
#'
#' @section Monte Carlo resolution:
#' With K shuffles the smallest p-value is 1/(K + 1), and after adjusting
#' for m series (Bonferroni, Holm, Hochberg, Hommel, BH for a lone
#' discovery) the smallest adjusted p is m/(K + 1): nothing can be
#' significant at `alpha` unless K + 1 >= m/alpha. Before shuffling,
#' `property_test()` computes this floor (series short enough to be
#' enumerated count with 1/n!; Westfall-Young's floor is 1/(K + 1)) and
#' warns with class `propgrad_warning_resolution` when it is above
#' `alpha`, naming the `n_perm` needed. The floor is kept as
#' `attr(, "settings")$adj_p_floor` and shown by [glance()], [summary()],
#' [pg_table()] and [pg_report()]. `n_perm = "auto"` takes K + 1 at least 20
#' times m/alpha (at least 10^4; rounded up to 1, 2 or 5 times a power of
#' ten). `n_perm = "adaptive"` spends shuffles only on series whose decision
#' is still open, and reports a `decision` for each.
#'
#' @return A data frame of class `"propgrad_tests"`, one row per series: the
#'   `by` columns, `output`, `n_steps`, `statistic`, `estimate` (EPGM),
#'   `null_mean`, `null_sd`, `z`, `p.value`, `p.conf.low`, `p.conf.high`
#'   (the Monte Carlo interval of p at level `p_conf_level`; in the adaptive
#'   mode the simultaneous bounds at level 1 - epsilon the decision rests
#'   on), `adj.p.value`, `n_perm_used` (shuffles counted: n! when
#'   enumerated, fewer after a sequential stop), `decision` (adaptive mode:
#'   `"significant"`, `"not significant"` or `"undecided"`), and `flips` when
#'   `probs` is given. The settings (with the requested `n_perm`, `alpha`,
#'   `p_conf_level`, the floor `adj_p_floor` and the `software` versions,
#'   which [pg_methods()] reads) are attribute `"settings"`; with `keep_null = TRUE`, attribute `"null"` is an
#'   `n_perm` x rows matrix of shuffled statistics (`NaN` below a row's own
#'   `n_perm_used` when it enumerated all orderings or stopped early).
#' @seealso [shuffle_test()] for the statistics, p-values and direction of
#'   the effect; `vignette("validity", package = "propgrad")` for the
#'   simulations that check them.
#' @references
#' Westfall PH, Young SS (1993). Resampling-Based Multiple Testing. Wiley.
#'
#' Gandy A, Hahn G (2014). MMCTest - a safe algorithm for implementing
#' multiple Monte Carlo tests. Scandinavian Journal of Statistics 41(4),
#' 1083-1101.
#' @export
#' @examples
#' res <- property_test(pg_study, p_cat ~ strength | image + model + property,
#'                      n_perm = 9999, seed = 1, probs = c("p_cat", "p_dog"))
#' head(res)
#' glance(res)
#' # let the engine spend shuffles where decisions are open
#' res <- property_test(pg_study, p_cat ~ strength | image + model + property,
#'                      n_perm = "adaptive", seed = 1)
#' table(res$decision)
property_test <- function(data, output, property, by = NULL,
                          statistic = c("grad", "corr", "mi"),
                          alternative = c("two.sided", "less", "greater"), n_perm = "auto",
                          p_method = c("plus_one", "zollstock"), sequential = NULL, seed = NULL,
                          nthreads = NULL, keep_null = FALSE, joint = FALSE,
                          share_permutations = FALSE, probs = NULL,
                          p_adjust = "holm", alpha = 0.01, adaptive = adaptive_control(),
                          backend = c("local", "future"), chunk_size = NULL, checkpoint = NULL,
                          retries = getOption("propgrad.retries", 1), na_action = c("fail", "skip"),
                          ...) {
  call <- rlang::current_env()
  check_required(c("data", "output"))
  if (!is.data.frame(data)) {
    abort_input("{.arg data} must be a data frame, not {.obj_type_friendly {data}}.",
                "propgrad_error_type", call = call)
  }
  if (nrow(data) == 0) abort_input("{.arg data} has no rows.", "propgrad_error_length", call = call)
  if (missing(output)) abort_input("{.arg output} is missing.", "propgrad_error_missing", call = call)
  if (is.character(output) && length(output) == 1 && grepl("~", output, fixed = TRUE)) {
    abort_input(c("{.arg output} is a formula written as text: {.val {output}}.",
                  i = "Give the formula without quotes, or convert it with {.code stats::as.formula()}."),
                "propgrad_error_formula", call = call)
  }
  na_action <- check_choice(na_action, c("fail", "skip"), arg = "na_action", call = call)
  if (inherits(output, "formula")) {
    if (!missing(property) || !is.null(by)) {
      abort_input("With a formula, give neither {.arg property} nor {.arg by}.", call = call)
    }
    spec <- parse_test_formula(output, call)
  } else {
    if (missing(property)) {
      abort_input(c("{.arg property} is missing.", i = "Name the property column, or give a formula {.code output ~ property | by}."),
                  "propgrad_error_missing", call = call)
    }
    spec <- list(output = output, property = property, by = if (is.character(by)) unique(by) else by)
  }
  check_columns(data, spec, probs, call)
  check_flag(joint, arg = "joint", call = call)
  p_adjust <- check_choice(p_adjust, p_adjust_methods, arg = "p_adjust", call = call)
  settings <- shuffle_settings(statistic, alternative, n_perm, p_method, sequential, seed,
                               nthreads, keep_null, list(...), alpha = alpha,
                               share_permutations = share_permutations, call = call)
  settings <- c(settings, backend_settings(backend, chunk_size, nthreads, call, checkpoint, retries))
  if (!inherits(adaptive, "propgrad_adaptive_control")) {
    abort_input("{.arg adaptive} must come from {.fn adaptive_control}.", "propgrad_error_type", call = call)
  }
  max_t <- p_adjust == "westfall_young"
  if (settings$mode == "adaptive") check_adaptive_settings(settings, p_adjust, settings$backend, call)

  built <- build_series(data, spec, joint, probs, settings, call, na_action)
  series <- built$series
  m <- length(series)
  if (settings$mode == "auto") {
    settings$n_perm <- auto_n_perm(m, settings$alpha, p_adjust)
    settings$mode <- "fixed"
    pg_inform(c(i = "Using {format(settings$n_perm, big.mark = ',', scientific = FALSE)} shuffles per series ({.code n_perm = \"auto\"}: {m} series, {adjust_label(p_adjust)} adjustment, alpha = {settings$alpha})."),
              "propgrad_message_n_perm")
  }
  if (max_t) {
    check_max_t_settings(settings, call)
    check_shared_lengths(series, call)
    check_max_t_memory(series, settings, call)
    settings$westfall_young <- TRUE
  }
  n_steps <- vapply(series, function(s) nrow(s$y), integer(1))
  check_null_memory(m, settings, call, n_steps)
  # The adaptive mode's resolution is that of its per-series budget.
  reach <- settings
  if (settings$mode == "adaptive") {
    settings$adaptive <- c(unclass(adaptive), list(procedure = p_adjust, alpha = settings$alpha))
    reach$n_perm <- adaptive$max_n_perm
  }
  resolution <- resolution_floor(n_steps, reach, p_adjust)
  check_resolution(resolution, reach, p_adjust, m)
  res <- run_shuffle_engine(series, settings, labels = built$label, call = call)

  out <- built$values
  out$output <- built$output
  out$n_steps <- n_steps
  out$statistic <- res$statistic
  out$estimate <- res$estimate
  out$null_mean <- res$null_mean
  out$null_sd <- res$null_sd
  out$z <- res$z
  out$p.value <- res$p.value
  out$p.conf.low <- res$p.conf.low
  out$p.conf.high <- res$p.conf.high
  out$adj.p.value <- adjust_p(res, p_adjust)
  out$n_perm_used <- res$n_perm_used
  if (settings$mode == "adaptive") {
    out$decision <- factor(res$decision, levels = c("significant", "not significant", "undecided"))
    warn_undecided(res, settings)
  }
  if (!is.null(probs)) out$flips <- built$flips
  attr(out, "settings") <- list(
    statistic = settings$statistic, alternative = settings$alternative,
    p_method = settings$p_method, mode = settings$mode, n_perm = settings$n_perm,
    sequential = settings$sequential, seed = settings$seed,
    share_permutations = settings$share_permutations, stream_version = pg_stream_version_cpp(),
    p_adjust = p_adjust, alpha = settings$alpha, adj_p_floor = resolution$floor, raw_p_floor = resolution$raw,
    tolerance = settings$tolerance,
    p_conf_level = if (settings$mode == "adaptive") 1 - adaptive$epsilon else settings$p_conf_level,
    adaptive = if (settings$mode == "adaptive") c(unclass(adaptive), list(
      iterations = res$iterations, total_shuffles = res$total_shuffles,
      budget_spent = res$budget_spent)),
    property = spec$property, by = spec$by, skipped = built$skipped,
    spacing = settings$gradient$spacing,
    period = if (settings$gradient$period > 0) settings$gradient$period,
    # For pg_methods(): the rest of the gradient settings and the software.
    rescale = settings$gradient$rescale, joint = joint,
    smooth = if (settings$gradient$window > 0) list(window = settings$gradient$window,
                                                    degree = settings$gradient$degree),
    software = software_versions(torch = FALSE))
  if (settings$keep_null) attr(out, "null") <- res$null
  class(out) <- c("propgrad_tests", "data.frame")
  out
}

warn_undecided <- function(res, settings) {
  open <- res$decision == "undecided" & res$finite
  if (!any(open)) return(invisible())
  a <- settings$adaptive
  pg_warn(c("{sum(open)} series {?is/are} still undecided after {format(res$total_shuffles, big.mark = ',', scientific = FALSE)} shuffles in all.",
            i = "Their p-values lie too close to the threshold for the budget: raise {.arg max_n_perm} (now {format(a$max_n_perm, big.mark = ',', scientific = FALSE)}) or {.arg max_total} in {.fn adaptive_control}."),
          "propgrad_warning_undecided")
}
