# The main job behind the README's first command: shuffle tests over the
# bundled example study, printed and written as CSV to an output folder.

#' Run the shuffle tests of the bundled example study
#'
#' Tests every series of [pg_study] (image x model x property, output
#' `p_cat`), prints the result table and a per model x property overview,
#' and writes both as CSV files to `out_dir`.
#'
#' @param out_dir Folder for the results; created if needed.
#' @param n_perm Shuffles per series.
#' @param seed Seed of the shuffle streams.
#' @param nthreads Threads (default: all cores).
#' @return The `"propgrad_tests"` result, invisibly.
#' @export
#' @examples
#' \donttest{
#' run_example_study(file.path(tempdir(), "propgrad-demo"), n_perm = 1000)
#' }
run_example_study <- function(out_dir = "propgrad-demo", n_perm = 10000, seed = 2026,
                              nthreads = NULL) {
  if (!is.character(out_dir) || length(out_dir) != 1 || is.na(out_dir)) {
    abort_input("{.arg out_dir} must be a single folder path.", "propgrad_error_type")
  }
  dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)
  res <- property_test(propgrad::pg_study, p_cat ~ strength | image + model + property,
                       n_perm = n_perm, seed = seed, nthreads = nthreads,
                       probs = c("p_cat", "p_dog"))
  print(res, n = nrow(res))
  overview <- study_overview(res)
  cli::cat_line()
  cli::cat_line("Per model and property (mean EPGM over images; share significant after Holm at 0.01):")
  print(overview, row.names = FALSE, digits = 4)
  tests_file <- file.path(out_dir, "property_tests.csv")
  overview_file <- file.path(out_dir, "overview.csv")
  utils::write.csv(tidy(res), tests_file, row.names = FALSE)
  utils::write.csv(overview, overview_file, row.names = FALSE)
  cli::cli_inform(c(v = "Wrote {.file {tests_file}} and {.file {overview_file}}."))
  invisible(res)
}

study_overview <- function(res, alpha = 0.01) {
  keys <- list(model = res$model, property = res$property)
  out <- stats::aggregate(data.frame(mean_epgm = res$estimate), keys, mean)
  out$share_significant <- stats::aggregate(res$p.adjusted < alpha, keys, mean)$x
  out$flips <- stats::aggregate(res$flips, keys, sum)$x
  out$n_series <- stats::aggregate(res$estimate, keys, length)$x
  out[order(out$property, out$model), ]
}
