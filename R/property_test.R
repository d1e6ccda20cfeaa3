# property_test(): shuffle tests for every series of a long data frame in one
# parallel engine call. A series is one combination of the `by` columns and
# one output column (or all output columns together with joint = TRUE).
# Streams are keyed by the series' by-values and output name, so splitting a
# data frame across calls gives the same results as one call.

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
#' @param probs Optional names of class-probability (or logit) columns; adds
#'   the number of prediction flips along each series.
#' @param p_adjust Multiple-testing adjustment across all rows, any of
#'   [stats::p.adjust.methods] (default `"holm"`), or `"westfall_young"`:
#'   the step-down max-T adjustment of Westfall and Young (1993), which uses
#'   the dependence between series. For it every series is shuffled with the
#'   same permutations (one shared stream), so all series need the same
#'   number of steps; the per-series p-values then differ from a run with
#'   another adjustment, and memory grows as series x `n_perm`.
#' @param backend Where the shuffle tests run. `"local"` (default): one
#'   parallel engine call in this session on `nthreads` threads. `"future"`:
#'   the series are split into chunks that run with \pkg{future.apply} on
#'   the current [future::plan()], so a study can use several R sessions,
#'   machines or a Slurm cluster (see section "Scaling out" of
#'   `vignette("synthetic-study", package = "propgrad")`). Random streams are keyed by series, so both backends
#'   give identical results for the same `seed`. Progress is reported through
#'   \pkg{progressr} (wrap the call in [progressr::with_progress()]). On each
#'   worker `nthreads` defaults to that worker's [future::availableCores()].
#' @param chunk_size With `backend = "future"`: series per chunk (default:
#'   about four chunks per worker).
#' @inheritParams shuffle_test
#' @param ... Gradient settings (`spacing`, `rescale`, `period`, `smooth`),
#'   `ties` and `tolerance`, as in [shuffle_test()].
#' @return A data frame of class `"propgrad_tests"`, one row per series: the
#'   `by` columns, `output`, `n_steps`, `statistic`, `estimate` (EPGM),
#'   `null_mean`, `null_sd`, `z`, `p.value`, `conf.low`, `conf.high` (99%
#'   interval of the Monte Carlo p), `p.adjusted`, `n_perm` (shuffles used),
#'   and `flips` when `probs` is given. The settings are attribute
#'   `"settings"`; with `keep_null = TRUE`, attribute `"null"` is an
#'   `n_perm` x rows matrix of shuffled statistics (`NaN` below a row's own
#'   `n_perm` when it enumerated all orderings or stopped early).
#' @seealso [shuffle_test()] for the statistics, p-values and direction of
#'   the effect.
#' @export
#' @examples
#' res <- property_test(pg_study, p_cat ~ strength | image + model + property,
#'                      n_perm = 500, seed = 1, probs = c("p_cat", "p_dog"))
#' head(res)
property_test <- function(data, output, property, by = NULL,
                          statistic = c("grad", "corr", "mi"),
                          alternative = c("two.sided", "less", "greater"), n_perm = 10000,
                          p_method = c("plus_one", "zollstock"), sequential = NULL, seed = NULL,
                          nthreads = NULL, keep_null = FALSE, joint = FALSE, probs = NULL,
                          p_adjust = "holm", backend = c("local", "future"), chunk_size = NULL,
                          ...) {
  call <- rlang::current_env()
  if (!is.data.frame(data)) {
    abort_input("{.arg data} must be a data frame, not {.obj_type_friendly {data}}.",
                "propgrad_error_type", call = call)
  }
  if (nrow(data) == 0) abort_input("{.arg data} has no rows.", "propgrad_error_length", call = call)
  if (missing(output)) abort_input("{.arg output} is missing.", call = call)
  if (inherits(output, "formula")) {
    if (!missing(property) || !is.null(by)) {
      abort_input("With a formula, give neither {.arg property} nor {.arg by}.", call = call)
    }
    spec <- parse_test_formula(output, call)
  } else {
    if (missing(property)) abort_input("{.arg property} is missing.", call = call)
    spec <- list(output = output, property = property, by = by)
  }
  check_columns(data, spec, probs, call)
  check_flag(joint, arg = "joint", call = call)
  p_adjust <- check_choice(p_adjust, c(stats::p.adjust.methods, "westfall_young"),
                           arg = "p_adjust", call = call)
  settings <- shuffle_settings(statistic, alternative, n_perm, p_method, sequential, seed,
                               nthreads, keep_null, list(...), call = call)
  settings <- c(settings, backend_settings(backend, chunk_size, nthreads, call))
  max_t <- p_adjust == "westfall_young"
  if (max_t) check_max_t_settings(settings, call)

  groups <- series_groups(data, spec$by)
  outputs <- if (joint) list(spec$output) else as.list(spec$output)
  output_label <- vapply(outputs, paste, character(1), collapse = "+")
  n_rows <- length(groups$rows) * length(outputs)
  series <- vector("list", n_rows)
  flips <- rep(NA_integer_, n_rows)
  row_group <- rep(seq_along(groups$rows), each = length(outputs))
  row_output <- rep(seq_along(outputs), times = length(groups$rows))
  hint <- if (length(spec$by)) "Do the {.arg by} columns identify each series? Each series must have one row per property value." else "Does {.arg data} hold several series? Name the columns that identify them in {.arg by}."
  hint <- cli::format_inline(hint)
  # Whole columns are checked and converted once; series are row subsets.
  outputs_all <- as_data_matrix(data, unique(spec$output), call)
  t_all <- as_data_matrix(data, spec$property, call)[, 1]
  probs_all <- if (!is.null(probs)) as_data_matrix(data, probs, call)
  keys <- paste0(groups$key[row_group], "\u001foutput=", output_label[row_output])
  labels <- paste(" of series", groups$label)
  n_sorted <- n_averaged <- 0L
  for (r in seq_len(n_rows)) {
    rows <- groups$rows[[row_group[r]]]
    t <- t_all[rows]
    s <- prepare_series(outputs_all[rows, outputs[[row_output[r]]], drop = FALSE], t,
                        ties = settings$ties, y_arg = output_label[row_output[r]],
                        t_arg = spec$property, call = call, hint = hint, checked = TRUE)
    check_series_against_settings(s, settings$gradient, call, label = labels[row_group[r]])
    n_sorted <- n_sorted + (s$sorted && row_output[r] == 1)
    n_averaged <- n_averaged + (s$averaged && row_output[r] == 1)
    series[[r]] <- s
    if (!is.null(probs)) {
      flips[r] <- count_flips(probs_all[rows[order(t)], , drop = FALSE])
    }
  }
  inform_sorted(n_sorted, n_averaged, "series")
  if (max_t) {
    check_shared_lengths(series, call)
    # One shared stream: every series sees the same permutations, so the
    # maximum over series of each shuffle is a draw from the joint null.
    keys[] <- "westfall_young"
  }
  res <- run_shuffle_engine(series, keys, utils::modifyList(settings, list(keep_null = settings$keep_null || max_t)),
                            call = call)

  out <- groups$values[row_group, , drop = FALSE]
  rownames(out) <- NULL
  out$output <- output_label[row_output]
  out$n_steps <- vapply(series, function(s) nrow(s$y), integer(1))
  out$statistic <- res$statistic
  out$estimate <- res$estimate
  out$null_mean <- res$null_mean
  out$null_sd <- res$null_sd
  out$z <- res$z
  out$p.value <- res$p.value
  out$conf.low <- res$conf.low
  out$conf.high <- res$conf.high
  out$p.adjusted <- if (max_t) {
    westfall_young(res$null, res$statistic, res$null_mean, res$null_sd, settings$alternative)
  } else {
    stats::p.adjust(res$p.value, method = p_adjust)
  }
  out$n_perm <- res$n_used
  if (!is.null(probs)) out$flips <- flips
  attr(out, "settings") <- list(statistic = settings$statistic, alternative = settings$alternative,
                                p_method = settings$p_method, n_perm = settings$n_perm,
                                sequential = settings$sequential, seed = settings$seed,
                                p_adjust = p_adjust, property = spec$property, by = spec$by,
                                spacing = settings$gradient$spacing,
                                period = if (settings$gradient$period > 0) settings$gradient$period)
  if (settings$keep_null) attr(out, "null") <- res$null
  class(out) <- c("propgrad_tests", "data.frame")
  out
}

# Numeric columns of data as a double matrix, refusing non-finite values
# with the column and row where they are.
as_data_matrix <- function(data, cols, call) {
  for (col in cols) {
    bad <- !is.finite(data[[col]])
    if (any(bad)) {
      x <- data[[col]]
      kinds <- nonfinite_kinds(x)
      abort_input(c("Column {.val {col}} must not contain {.or {kinds}}.",
                    x = "Found {sum(bad)} non-finite value{?s}, first in row {which(bad)[1]}.",
                    i = "Remove or impute those steps before testing."),
                  "propgrad_error_nonfinite", call = call)
    }
  }
  m <- as.matrix(data[cols])
  storage.mode(m) <- "double"
  rownames(m) <- NULL
  m
}

parse_test_formula <- function(f, call) {
  if (length(f) != 3) abort_input("The formula needs an output on the left: {.code output ~ property | by}.",
                                  "propgrad_error_formula", call = call)
  rhs <- f[[3]]
  by <- NULL
  if (is.call(rhs) && identical(rhs[[1]], as.name("|"))) {
    by <- all.vars(rhs[[3]])
    rhs <- rhs[[2]]
  }
  property <- all.vars(rhs)
  if (length(property) != 1) {
    abort_input(c("The formula must name exactly one property before {.code |}.",
                  x = "Found {length(property)}: {.val {property}}."),
                "propgrad_error_formula", call = call)
  }
  list(output = all.vars(f[[2]]), property = property, by = by)
}

check_columns <- function(data, spec, probs, call) {
  for (arg in c("output", "property", "by")) {
    v <- spec[[arg]]
    if (arg != "by" && length(v) == 0) abort_input("{.arg {arg}} names no column.", call = call)
    if (!is.null(v) && !is.character(v)) {
      abort_input("{.arg {arg}} must be column names (a character vector).", "propgrad_error_type", call = call)
    }
  }
  if (length(spec$property) != 1) abort_input("{.arg property} must name one column.", call = call)
  needed <- unique(c(spec$output, spec$property, spec$by, probs))
  missing_cols <- setdiff(needed, names(data))
  if (length(missing_cols)) {
    abort_input(c("Unknown column{?s} {.val {missing_cols}} in {.arg data}.",
                  i = "Columns available: {.val {names(data)}}."),
                "propgrad_error_column", call = call)
  }
  overlap <- intersect(spec$by, c(spec$output, spec$property))
  if (length(overlap)) {
    abort_input("Column{?s} {.val {overlap}} cannot be both a {.arg by} column and an output or the property.",
                "propgrad_error_column", call = call)
  }
  for (col in c(spec$output, spec$property, probs)) {
    if (!is.numeric(data[[col]])) {
      abort_input(c("Column {.val {col}} must be numeric, not {.obj_type_friendly {data[[col]]}}.",
                    i = "Convert it with {.fn as.numeric} if its values are numbers."),
                  "propgrad_error_type", call = call)
    }
  }
  for (col in spec$by) {
    if (anyNA(data[[col]])) {
      abort_input("The {.arg by} column {.val {col}} has missing values; every row must belong to a series.",
                  "propgrad_error_nonfinite", call = call)
    }
  }
  if (!is.null(probs) && length(probs) < 2) {
    abort_input("{.arg probs} must name at least two class columns.", "propgrad_error_type", call = call)
  }
}

# Row indices of each series, in order of first appearance, with its key
# (for the random stream), a readable label and its by-values.
series_groups <- function(data, by) {
  if (length(by) == 0) {
    return(list(rows = list(seq_len(nrow(data))), key = "", label = "1",
                values = data.frame(row.names = 1L)))
  }
  # Integer codes per column, combined pairwise and renumbered so they stay
  # small; pasting strings for every row would dominate large studies.
  id <- rep(1, nrow(data))
  for (b in by) {
    x <- data[[b]]
    code <- match(x, unique(x))
    id <- (id - 1) * max(code) + code
    id <- match(id, unique(id))
  }
  # id numbers series 1..G in order of first appearance: a factor as it is.
  groups <- structure(id, levels = as.character(seq_len(max(id))), class = "factor")
  rows <- unname(split(seq_len(nrow(data)), groups))
  first <- vapply(rows, `[[`, integer(1), 1L)
  values <- data[first, by, drop = FALSE]
  rownames(values) <- NULL
  parts <- lapply(by, function(b) paste0(b, "=", as.character(values[[b]])))
  key <- do.call(paste, c(parts, sep = "\u001f"))
  list(rows = rows, key = key, label = gsub("\u001f", ", ", key),
       values = as.data.frame(values))
}

#' @export
print.propgrad_tests <- function(x, digits = 3, n = 20, ...) {
  s <- attr(x, "settings")
  cli::cat_line(sprintf(
    "Shuffle tests of %d series of %s along %s (%s, %s, %s; %s shuffles, seed %s; p adjusted: %s)",
    nrow(x), paste(unique(x$output), collapse = ", "), s$property, s$statistic, s$alternative,
    s$p_method, format(s$n_perm, big.mark = ","), format(s$seed, scientific = FALSE), s$p_adjust))
  # The columns a reader scans; tidy() has them all.
  varies <- function(col) length(unique(x[[col]])) > 1
  shown <- c(s$by, if (varies("output")) "output", if (varies("n_steps")) "n_steps", "estimate",
             "null_mean", "z", "p.value", "p.adjusted", if ("flips" %in% names(x)) "flips")
  df <- tidy.propgrad_tests(x)[shown]
  for (col in c("p.value", "p.adjusted")) df[[col]] <- format_p(df[[col]])
  print(utils::head(df, n), digits = digits, row.names = FALSE)
  if (nrow(df) > n) cli::cat_line(sprintf("# ... %d more rows", nrow(df) - n))
  cli::cat_line("# estimate = EPGM; all columns (null sd, Monte Carlo interval of p, ...): tidy()")
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
  if (!all(c(s$by, "output", "estimate", "p.value", "p.adjusted") %in% names(out))) {
    return(as.data.frame(unclass(out)))
  }
  null <- attr(x, "null")
  rows <- suppressWarnings(as.integer(rownames(out)))
  rownames(out) <- NULL
  attr(out, "settings") <- s
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
glance.propgrad_tests <- function(x, alpha = 0.01, ...) {
  s <- attr(x, "settings")
  data.frame(
    n_series = nrow(x), n_significant = sum(x$p.adjusted < alpha), alpha = alpha,
    statistic_name = s$statistic, alternative = s$alternative, p_method = s$p_method,
    p_adjust = s$p_adjust, n_perm = s$n_perm, seed = s$seed
  )
}
