# Hand-run load benchmark (never part of the tests): a study of 10^5 series
# x 20 steps with 999 shuffles each on 2 threads, the issue-12 load target
# (5.7 s and 550 MB before the per-series checks were added). Prints the
# seconds of the whole property_test() call and of its series checks alone
# (best of PG_BENCH_REPS, default 2), the peak resident memory of a fresh R
# process running it (VmHWM), and whether the same study run in 10 parts and
# joined with combine_tests() gives identical per-series p-values and the
# study's own Holm adjustment.
# Usage: Rscript bench/bench_load.R
suppressPackageStartupMessages(library(propgrad))
reps <- as.integer(Sys.getenv("PG_BENCH_REPS", "2"))
make_study <- function() {
  set.seed(1)
  n <- 1e5
  data.frame(id = rep(seq_len(n), each = 20), t = rep(1:20, n), y = stats::rnorm(20 * n))
}
study <- make_study()
run <- function(d) {
  suppressWarnings(property_test(d, "y", "t", by = "id", n_perm = 999, seed = 1, nthreads = 2),
                   classes = "propgrad_warning_resolution")
}
best <- function(f) min(vapply(seq_len(reps), function(i) system.time(f())[["elapsed"]], 0))

whole <- best(function() run(study))
settings <- propgrad:::shuffle_settings("grad", "two.sided", 999, "plus_one", NULL, 1, 2, FALSE,
                                        list())
spec <- list(output = "y", property = "t", by = "id")
checks <- best(function() propgrad:::build_series(study, spec, FALSE, NULL, settings, environment()))

peak_mb <- callr::r(function(make_study) {
  suppressPackageStartupMessages(library(propgrad))
  d <- make_study()
  invisible(suppressWarnings(property_test(d, "y", "t", by = "id", n_perm = 999, seed = 1, nthreads = 2)))
  hwm <- grep("^VmHWM", readLines("/proc/self/status"), value = TRUE)
  as.numeric(gsub("[^0-9]", "", hwm)) / 1024
}, args = list(make_study = make_study))

res <- run(study)
parts <- lapply(split(study, (study$id - 1) %/% 1e4), run)
joined <- combine_tests(parts)
cat(sprintf("%-52s %10s\n", "measure", "value"))
cat(sprintf("%-52s %10.2f\n", "property_test(), 10^5 x 20 x 999, 2 threads (s)", whole))
cat(sprintf("%-52s %10.2f\n", "of which the series checks (s)", checks))
cat(sprintf("%-52s %10.0f\n", "peak resident memory (MB)", peak_mb))
cat(sprintf("%-52s %10s\n", "10 parts + combine_tests(): same p-values",
            identical(joined$p.value, res$p.value)))
cat(sprintf("%-52s %10s\n", "10 parts + combine_tests(): same Holm adjustment",
            isTRUE(all.equal(joined$adj.p.value, res$adj.p.value))))
