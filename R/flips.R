# Prediction flips: how often the predicted class (the argmax over class
# scores) changes along a series.

#' Number of prediction flips along a series
#'
#' @param probs Class probabilities (or logits, or any scores) along the
#'   intervention: a matrix or data frame with one row per step and one
#'   column per class, in the order of the steps.
#' @return The number of steps at which the predicted class (the column with
#'   the largest score; the first on ties) differs from the previous step.
#' @export
#' @examples
#' p_cat <- c(0.9, 0.7, 0.4, 0.45, 0.6)
#' prediction_flips(cbind(cat = p_cat, dog = 1 - p_cat))   # 2
prediction_flips <- function(probs) {
  call <- rlang::current_env()
  check_required("probs", call)
  probs <- as_output_matrix(probs, "probs", call)
  if (ncol(probs) < 2) {
    abort_input(c("{.arg probs} needs one column per class (at least 2).",
                  i = "For a single probability p, use {.code cbind(p, 1 - p)}."),
                "propgrad_error_type", call = call)
  }
  count_flips(probs)
}

count_flips <- function(probs) {
  predicted <- max.col(probs, ties.method = "first")
  sum(predicted[-1L] != predicted[-length(predicted)])
}

#' Predict prediction flips from a score
#'
#' The paper's downstream check: does a score (the EPGM, or a baseline such
#' as the change of a saliency map) tell which interventions flip the
#' model's prediction? For each score column, the threshold that maximises
#' the accuracy of "score >= threshold means the prediction flips" is chosen,
#' and its accuracy and balanced accuracy are reported with the
#' threshold-free AUROC, so scores can be compared side by side.
#'
#' The threshold is chosen on the same data it is evaluated on, as in the
#' paper, so the accuracies are optimistic; the AUROC is not affected.
#'
#' @param data A data frame with one row per series, e.g. a
#'   [property_test()] result with `flips`.
#' @param score Names of the score columns to compare; higher scores should
#'   mean a flip is more likely.
#' @param flips Name of the column with the number of flips (or a logical
#'   column: flipped or not).
#' @return A data frame with one row per score: `score`, `n`, `n_flipped`,
#'   `threshold`, `accuracy`, `balanced_accuracy`, `auroc`; attribute
#'   `"settings"` names the `score` and `flips` columns. [pg_table()] makes
#'   a publication table of it.
#' @export
#' @examples
#' tests <- property_test(pg_study, p_cat ~ strength | image + model + property,
#'                        n_perm = 9999, seed = 1, probs = c("p_cat", "p_dog"))
#' flip_prediction(tests, score = c("estimate", "z"))
flip_prediction <- function(data, score = "estimate", flips = "flips") {
  call <- rlang::current_env()
  check_required("data", call)
  flipped <- flip_outcome(data, score, flips, call)
  if (all(flipped) || !any(flipped)) {
    abort_input(c("Flip prediction needs series with and without flips.",
                  x = "{if (any(flipped)) 'All' else 'None'} of the {length(flipped)} series flip."),
                "propgrad_error_input", call = call)
  }
  rows <- lapply(score, function(s) {
    x <- data[[s]]
    best <- best_threshold(x, flipped)
    data.frame(score = s, n = length(x), n_flipped = sum(flipped), threshold = best$threshold,
               accuracy = best$accuracy, balanced_accuracy = best$balanced_accuracy,
               auroc = auroc(x, flipped))
  })
  # pg_table() names the flips column in its notes.
  structure(do.call(rbind, rows), settings = list(score = score, flips = flips))
}

#' Correlation of a score with the number of prediction flips
#'
#' Spearman's rank correlation between a score such as the EPGM and the
#' number of prediction flips, overall or per group (e.g. per architecture
#' across training epochs), with a permutation test.
#'
#' @section Repeated measures:
#' Rows that share an input (the same image at every epoch, or under every
#' model) are not independent: a pooled correlation mixes differences
#' between inputs with the association within them, and an ordinary test
#' treats every row as a separate observation. Name the column that
#' identifies the repeated unit in `block`: the flips are then permuted only
#' among rows of the same block, which tests the association within blocks
#' and is valid however the blocks differ (the two-sided test is centred on
#' the mean of all K + 1 statistics). Without `block`, rows are permuted
#' freely (exact for exchangeable rows, centred on 0); when the tests' own
#' `by` columns repeat within a group, propgrad warns
#' (`propgrad_warning_repeated`) and names the column to use.
#'
#' @inheritParams flip_prediction
#' @param score Name of the score column.
#' @param by Optional names of grouping columns.
#' @param block Optional name of the column whose rows are repeated
#'   measures of one unit (e.g. `"image"`).
#' @param n_perm Permutations of the test.
#' @param seed Seed (a whole number), or `NULL` to draw one from R's random
#'   number generator.
#' @return A data frame: the `by` columns, `n`, `n_blocks`, `estimate`
#'   (Spearman's rho), `p.value` (two-sided permutation p, (b + 1)/(K + 1)),
#'   `p.conf.low`, `p.conf.high` (99% Monte Carlo interval of p), `method`;
#'   attribute `"settings"` holds the columns, `n_perm` and the seed used.
#'   [pg_table()] makes a publication table of it.
#' @export
#' @examples
#' tests <- property_test(pg_study, p_cat ~ strength | image + model + property,
#'                        n_perm = 9999, seed = 1, probs = c("p_cat", "p_dog"))
#' flip_correlation(tests, by = "property", block = "image", seed = 1)
flip_correlation <- function(data, score = "estimate", flips = "flips", by = NULL, block = NULL,
                             n_perm = 9999, seed = NULL) {
  call <- rlang::current_env()
  check_required("data", call)
  if (length(score) != 1) abort_input("{.arg score} must name one column.", call = call)
  flip_outcome(data, score, flips, call, require_counts = TRUE)
  missing_by <- setdiff(c(by, block), names(data))
  if (length(missing_by)) {
    abort_input("Unknown column{?s} {.val {missing_by}} in {.arg data}.", "propgrad_error_column", call = call)
  }
  if (!is.null(block) && (length(block) != 1 || block %in% by)) {
    abort_input("{.arg block} must name one column that is not a {.arg by} column.",
                "propgrad_error_column", call = call)
  }
  check_whole(n_perm, 1, 1e7, arg = "n_perm", call = call)
  # The test keeps its K permuted correlations (one group at a time).
  check_memory(8 * n_perm + 40 * nrow(data), "The permuted correlations",
               "Use fewer permutations ({.arg n_perm}).", call = call)
  settings <- list(n_perm = as.numeric(n_perm), seed = check_seed(seed, call), tolerance = 1e-9,
                   p_conf_level = 0.99)
  id <- group_ids(unclass(data)[by], nrow(data))
  groups <- unname(split(seq_len(nrow(data)), factor(id, levels = unique(id))))
  if (is.null(block)) warn_repeated(data, groups, by)
  rows <- lapply(groups, function(i) {
    x <- data[[score]][i]
    y <- data[[flips]][i]
    blocks <- if (is.null(block)) rep(1L, length(i)) else as.integer(factor(data[[block]][i]))
    res <- if (length(i) >= 3 && stats::sd(x) > 0 && stats::sd(y) > 0) {
      pg_rank_correlation_cpp(as.double(x), as.double(y), blocks, settings)
    }
    data.frame(n = length(i), n_blocks = length(unique(blocks)),
               estimate = res$estimate %||% NA_real_, p.value = res$p.value %||% NA_real_,
               p.conf.low = res$p.conf.low %||% NA_real_, p.conf.high = res$p.conf.high %||% NA_real_,
               method = if (is.null(block)) "Spearman's rho, permutation test" else
                 sprintf("Spearman's rho, permutation within %s", block))
  })
  out <- do.call(rbind, rows)
  if (length(by)) out <- cbind(as.data.frame(data)[vapply(groups, `[[`, integer(1), 1L), by, drop = FALSE], out)
  rownames(out) <- NULL
  # pg_table() states K, the seed and the permutation scheme in its notes.
  attr(out, "settings") <- list(score = score, flips = flips, by = by, block = block,
                                n_perm = settings$n_perm, seed = settings$seed)
  out
}

# Warns when a by column of the tests repeats within a group: its rows are
# repeated measures that a free permutation treats as independent.
warn_repeated <- function(data, groups, by) {
  candidates <- setdiff(attr(data, "settings")$by, by)
  repeated <- Filter(function(col) {
    any(vapply(groups, function(i) anyDuplicated(data[[col]][i]) > 0, logical(1)))
  }, candidates)
  if (length(repeated)) {
    pg_warn(c("Rows share values of {.or {.val {repeated}}} within a group: they look like repeated measures, but the test treats every row as independent.",
              i = "Name the unit measured repeatedly (e.g. the image) in {.arg block} to permute only within it."),
            "propgrad_warning_repeated")
  }
}

# Checks the score and flips columns; returns whether each series flipped.
flip_outcome <- function(data, score, flips, call, require_counts = FALSE) {
  if (!is.data.frame(data)) {
    abort_input("{.arg data} must be a data frame, not {.obj_type_friendly {data}}.",
                "propgrad_error_type", call = call)
  }
  if (nrow(data) == 0) abort_input("{.arg data} has no rows.", "propgrad_error_length", call = call)
  missing_cols <- setdiff(c(score, flips), names(data))
  if (length(missing_cols)) {
    abort_input(c("Unknown column{?s} {.val {missing_cols}} in {.arg data}.",
                  i = if (flips %in% missing_cols) "Flips come from {.fn property_test} with {.arg probs}."),
                "propgrad_error_column", call = call)
  }
  finite_data_matrix(data, score, call)
  f <- data[[flips]]
  if (is.logical(f) && !require_counts) {
    if (anyNA(f)) abort_input("Column {.val {flips}} has missing values.", "propgrad_error_nonfinite", call = call)
    return(f)
  }
  finite_data_matrix(data, flips, call)
  f > 0
}

# Threshold maximising accuracy of "x >= threshold"; candidates are the
# midpoints between distinct scores plus "never" and "always".
best_threshold <- function(x, y) {
  u <- sort(unique(x))
  cand <- c(-Inf, (u[-1] + u[-length(u)]) / 2, Inf)
  acc <- vapply(cand, function(th) mean((x >= th) == y), 0)
  th <- cand[which.max(acc)]
  pred <- x >= th
  list(threshold = th, accuracy = max(acc),
       balanced_accuracy = (mean(pred[y]) + mean(!pred[!y])) / 2)
}

# Area under the ROC curve: P(score of a flip > score of a non-flip), ties 1/2.
auroc <- function(x, y) {
  r <- rank(x)
  n1 <- sum(y)
  n0 <- sum(!y)
  (sum(r[y]) - n1 * (n1 + 1) / 2) / (n1 * n0)
}
