# Documentation of the bundled data.

#' Example study: three cat-vs-dog classifiers under two interventions
#'
#' Simulated outputs of three classifiers along gradual interventions, shaped
#' after the synthetic experiment of Penzel and Denzler (2026). Eight images
#' (four cats, four dogs) are edited in 50 steps on two properties: fur
#' colour (dark to light) and background brightness. The `"unbiased"` model
#' barely reacts to fur colour; `"dark_cats_bias"` learnt that dark fur means
#' cat, `"dark_dogs_bias"` the opposite. No model uses the background. Made
#' by `data-raw/make_pg_study.R`.
#'
#' @format A data frame with 2,400 rows (one per intervention step) and 7
#'   columns:
#' \describe{
#'   \item{image}{Image identifier, `"img01"` to `"img08"`.}
#'   \item{species}{True class of the image, `"cat"` or `"dog"`.}
#'   \item{model}{Classifier: a factor with levels `"unbiased"`,
#'     `"dark_cats_bias"`, `"dark_dogs_bias"`.}
#'   \item{property}{Intervened property, `"fur_colour"` or `"background"`.}
#'   \item{strength}{Property value along the intervention, 0 to 1.}
#'   \item{p_cat, p_dog}{Predicted class probabilities.}
#' }
#' @examples
#' head(pg_study)
#' res <- property_test(pg_study, p_cat ~ strength | image + model + property,
#'                      n_perm = 9999, seed = 1)
#' aggregate(estimate ~ model + property, data = res, FUN = mean)
"pg_study"
