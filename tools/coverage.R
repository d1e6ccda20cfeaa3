# Line coverage of R/ and src/ (C++ through gcov) with covr, run by hand:
#   Rscript tools/coverage.R [output-dir]
# Runs the whole testthat suite (NOT_CRAN=true) against an instrumented
# build, prints the totals for R/, src/core, src/torch and the Rcpp glue, the
# least covered files, and writes the per-line table to output-dir
# (default coverage/) as coverage.csv. Tests run in child processes (the
# interrupt test, future workers) do not count.
args <- commandArgs(TRUE)
out_dir <- if (length(args)) args[[1]] else "coverage"
Sys.setenv(NOT_CRAN = "true")
cov <- covr::package_coverage(".", type = "tests", quiet = TRUE, clean = TRUE,
                              line_exclusions = list("src/RcppExports.cpp", "R/RcppExports.R"))
df <- covr::tally_coverage(cov, by = "line")
df$part <- ifelse(grepl("^R/", df$filename), "R/",
           ifelse(grepl("^src/core/", df$filename), "src/core",
           ifelse(grepl("^src/torch/", df$filename), "src/torch", "src/rcpp_*")))
pct <- function(x) sprintf("%.1f%%", 100 * mean(x > 0))
cat(sprintf("%-12s %7s %7s\n", "part", "lines", "covered"))
for (part in unique(df$part)) {
  v <- df$value[df$part == part]
  cat(sprintf("%-12s %7d %7s\n", part, length(v), pct(v)))
}
cat(sprintf("%-12s %7d %7s\n", "src/", sum(df$part != "R/"), pct(df$value[df$part != "R/"])))
cat(sprintf("%-12s %7d %7s\n", "all", nrow(df), pct(df$value)))
by_file <- aggregate(value ~ filename, df, function(v) mean(v > 0))
by_file <- by_file[order(by_file$value), ]
cat("\nLeast covered files:\n")
print(utils::head(transform(by_file, value = sprintf("%.1f%%", 100 * value)), 12), row.names = FALSE)
dir.create(out_dir, showWarnings = FALSE)
utils::write.csv(df, file.path(out_dir, "coverage.csv"), row.names = FALSE)
