# Runs the testthat suite against the installed package and ends with one
# line "N passed, N failed, N skipped" (expectations, summed over all test
# files), exiting non-zero when anything failed or errored.
Sys.setenv(NOT_CRAN = "true")
library(testthat)
results <- testthat::test_dir("tests/testthat", package = "propgrad", load_package = "installed",
                              reporter = testthat::ProgressReporter$new(show_praise = FALSE),
                              stop_on_failure = FALSE, stop_on_warning = FALSE)
df <- as.data.frame(results)
failed <- sum(df$failed) + sum(df$error)
skipped <- sum(df$skipped)
passed <- sum(df$passed)
# Repeated at the end, where a CI log's tail shows it.
bad <- df[df$failed > 0 | df$error, , drop = FALSE]
for (i in seq_len(nrow(bad))) {
  cat(sprintf("FAILED: %s: %s\n", bad$file[i], bad$test[i]))
  for (r in results[[which(df$file == bad$file[i] & df$test == bad$test[i])[1]]]$results) {
    if (inherits(r, c("expectation_failure", "expectation_error"))) {
      cat("  ", gsub("\n", "\n   ", substr(conditionMessage(r), 1, 600)), "\n", sep = "")
    }
  }
}
cat(sprintf("%d passed, %d failed, %d skipped\n", passed, failed, skipped))
quit(status = if (failed > 0) 1L else 0L)
