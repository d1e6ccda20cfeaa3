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
cat(sprintf("%d passed, %d failed, %d skipped\n", passed, failed, skipped))
quit(status = if (failed > 0) 1L else 0L)
