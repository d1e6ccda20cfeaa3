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
