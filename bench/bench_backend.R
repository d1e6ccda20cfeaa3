# Hand-run benchmark of property_test()'s backends (never part of the
# tests): a study of 2,000 series x 50 steps with 20,000 shuffles each, run
# (a) locally on 2 threads, (b) with backend = "future" on
# plan(multisession, workers = 2) (one thread per worker), with the default
# chunking and with 50-series chunks; and (c) the memory the engine needs
# without and with keep_null (peak resident memory of a fresh R process,
# VmHWM). It checks that every run gives identical results and prints
# seconds (best of PG_BENCH_REPS, default 2).
# Usage: Rscript bench/bench_backend.R
suppressPackageStartupMessages({
  library(propgrad)
  library(future)
})
reps <- as.integer(Sys.getenv("PG_BENCH_REPS", "2"))
n_perm <- 20000
n_series <- 2000L
n_steps <- 50L
set.seed(1)
t <- seq(0, 1, length.out = n_steps)
study <- data.frame(series = rep(seq_len(n_series), each = n_steps), t = rep(t, n_series))
study$y <- stats::plogis(10 * (study$t - 0.5)) * (study$series %% 2) + stats::rnorm(nrow(study), sd = 0.05)

best_of <- function(f) {
  times <- vapply(seq_len(reps), function(i) system.time(r <<- f())[["elapsed"]], numeric(1))
  list(seconds = min(times), result = r)
}
run <- function(...) property_test(study, "y", "t", by = "series", n_perm = n_perm, seed = 7, ...)

local <- best_of(function() run(nthreads = 2))
plan(multisession, workers = 2)
invisible(value(future(NULL)))  # start the workers before timing
spread <- best_of(function() run(backend = "future"))
small_chunks <- best_of(function() run(backend = "future", chunk_size = 50))
plan(sequential)

cat(sprintf("%-48s %8s %10s\n", "run", "seconds", "identical"))
cat(sprintf("%-48s %8.2f %10s\n", "local, 2 threads", local$seconds, "-"))
cat(sprintf("%-48s %8.2f %10s\n", "future multisession x 2, default chunks", spread$seconds,
            identical(spread$result, local$result)))
cat(sprintf("%-48s %8.2f %10s\n", "future multisession x 2, 50-series chunks", small_chunks$seconds,
            identical(small_chunks$result, local$result)))

# Engine memory: peak resident set of a fresh R process that runs the study
# (the C++ engine's buffers are invisible to gc()).
peak_mb <- function(keep_null) {
  callr::r(function(study, n_perm, keep_null) {
    suppressPackageStartupMessages(library(propgrad))
    invisible(property_test(study, "y", "t", by = "series", n_perm = n_perm, seed = 7,
                            nthreads = 2, keep_null = keep_null))
    hwm <- grep("^VmHWM", readLines("/proc/self/status"), value = TRUE)
    as.numeric(gsub("[^0-9]", "", hwm)) / 1024
  }, args = list(study = study, n_perm = n_perm, keep_null = keep_null))
}
cat(sprintf("peak RSS (MB): without keep_null %.0f, with keep_null %.0f (null matrix %.0f MB)\n",
            peak_mb(FALSE), peak_mb(TRUE), 8 * n_series * n_perm / 2^20))
