# Hand-run benchmark of the propgrad shuffle test (never part of the tests;
# bench/ is in .Rbuildignore). It simulates 200 series of N = 100 steps with
# a fixed seed (half smooth sigmoid trends plus noise, half pure noise) and
# times K = 10,000 shuffles per series for: property_test() on the long data
# frame with statistic "grad" at 1 and 2 threads, with and without
# Besag-Clifford sequential stopping (h = 10), best of 3 repetitions each; a
# pure-R loop of sample() + the EPGM; coin::independence_test() with an
# approximate (Monte Carlo) null of the same size (its linear/correlation
# statistic); and a numpy loop (bench/bench_numpy.py, run with Debian's
# /usr/bin/python3 on a temporary CSV). The slow baselines run on a subset of
# the series and are scaled linearly to 200, which the output says. It then
# prints a table (seconds for 200 series, ms per test, ms per test per core),
# the speed ratios against their targets, and a small breakdown of where
# propgrad's time goes (R-side setup, shuffle-only cost via statistic "corr",
# the gradient statistic). Usage: see bench/README.md.

suppressPackageStartupMessages({
  library(propgrad)
})

# ---- settings ---------------------------------------------------------------
N_STEPS <- 100L
K <- 10000L
N_SERIES <- 200L
SEED <- 20260101L
REPS <- as.integer(Sys.getenv("PG_BENCH_REPS", "3"))  # best of REPS for the propgrad timings
SUB_R <- as.integer(Sys.getenv("PG_BENCH_SUB_R", "10"))      # series for the R loop
SUB_COIN <- as.integer(Sys.getenv("PG_BENCH_SUB_COIN", "20")) # series for coin
SUB_NUMPY <- as.integer(Sys.getenv("PG_BENCH_SUB_NUMPY", "20")) # series for numpy
PYTHON <- "/usr/bin/python3"

targets <- list(ms_per_core = 1.5, vs_r = 150, vs_numpy = 250, vs_coin = 8, threads2 = 1.8)

script_dir <- local({
  f <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
  if (length(f) == 1) dirname(normalizePath(f)) else "bench"
})

elapsed <- function(expr) {
  gc(verbose = FALSE)
  t0 <- proc.time()[["elapsed"]]
  force(expr)
  proc.time()[["elapsed"]] - t0
}

best_of <- function(f, reps = REPS) {
  times <- numeric(reps)
  for (i in seq_len(reps)) {
    gc(verbose = FALSE)
    t0 <- proc.time()[["elapsed"]]
    res <- f()
    times[i] <- proc.time()[["elapsed"]] - t0
  }
  list(best = min(times), all = times, result = res)
}

# ---- machine ----------------------------------------------------------------
nproc <- tryCatch(as.integer(system("nproc", intern = TRUE)), error = function(e) NA_integer_)
cpu <- tryCatch({
  m <- grep("^model name", readLines("/proc/cpuinfo"), value = TRUE)
  if (length(m)) trimws(sub("^model name\\s*:", "", m[1])) else "unknown"
}, error = function(e) "unknown")
load <- tryCatch(readLines("/proc/loadavg"), error = function(e) "unknown")
cat("propgrad shuffle benchmark\n")
cat(sprintf("  machine: nproc = %s, parallel::detectCores() = %s, CPU: %s\n",
            nproc, parallel::detectCores(), cpu))
cat(sprintf("  %s; propgrad %s from %s\n", R.version.string, packageVersion("propgrad"),
            dirname(dirname(system.file(package = "propgrad")))))
cat(sprintf("  load average at start: %s\n", load))
cat(sprintf("  N = %d steps, K = %s shuffles, %d series, seed %d; propgrad: best of %d\n\n",
            N_STEPS, format(K, big.mark = ","), N_SERIES, SEED, REPS))

# ---- data -------------------------------------------------------------------
set.seed(SEED)
t <- seq(0, 1, length.out = N_STEPS)
n_trend <- N_SERIES %/% 2
make_series <- function(i) {
  if (i <= n_trend) {
    slope <- runif(1, 4, 20)
    mid <- runif(1, 0.3, 0.7)
    plogis(slope * (t - mid)) + rnorm(N_STEPS, sd = runif(1, 0.005, 0.05))
  } else {
    rnorm(N_STEPS)
  }
}
ys <- lapply(seq_len(N_SERIES), make_series)
series_id <- sprintf("s%03d", seq_len(N_SERIES))
df <- data.frame(series = rep(series_id, each = N_STEPS), t = rep(t, N_SERIES),
                 y = unlist(ys), stringsAsFactors = FALSE)

# Subsets for the slow baselines: half trends, half noise, so the scaled time
# reflects the mix.
subset_idx <- function(m) {
  m <- min(m, N_SERIES)
  sort(unique(c(seq_len(ceiling(m / 2)), n_trend + seq_len(floor(m / 2)))))
}

# ---- 1. propgrad ------------------------------------------------------------
run_pt <- function(nthreads, sequential = NULL, statistic = "grad", n_perm = K) {
  function() suppressMessages(
    property_test(df, y ~ t | series, statistic = statistic, n_perm = n_perm, seed = 1,
                  nthreads = nthreads, sequential = sequential)
  )
}
pg1 <- best_of(run_pt(1))
pg2 <- best_of(run_pt(2))
pgs1 <- best_of(run_pt(1, sequential = 10))
pgs2 <- best_of(run_pt(2, sequential = 10))
same_threads <- isTRUE(all.equal(pg1$result$p.value, pg2$result$p.value, tolerance = 0)) &&
  isTRUE(all.equal(pgs1$result$p.value, pgs2$result$p.value, tolerance = 0))
seq_used <- sum(pgs1$result$n_perm)

# ---- 2. pure-R loop ---------------------------------------------------------
# The EPGM as a user would write it: numpy.gradient's second-order formula on
# the property spacing (one-sided differences at the ends), mean absolute value.
epgm_r <- function(y, t) {
  n <- length(y)
  h <- diff(t)
  h1 <- h[-length(h)]
  h2 <- h[-1]
  i <- 2:(n - 1)
  g_mid <- (-h2^2 * y[i - 1] + (h2^2 - h1^2) * y[i] + h1^2 * y[i + 1]) / (h1 * h2 * (h1 + h2))
  g <- c((y[2] - y[1]) / h[1], g_mid, (y[n] - y[n - 1]) / h[n - 1])
  mean(abs(g))
}
epgm_check <- max(vapply(ys[1:5], function(y) abs(epgm_r(y, t) - epgm(y, t)), numeric(1)))

r_loop_test <- function(y, t, K) {
  t0 <- epgm_r(y, t)
  null <- numeric(K)
  for (k in seq_len(K)) null[k] <- epgm_r(sample(y), t)
  centre <- mean(null)
  (sum(abs(null - centre) >= abs(t0 - centre)) + 1) / (K + 1)
}
idx_r <- subset_idx(SUB_R)
set.seed(SEED + 1)
r_sec <- elapsed(r_p <- vapply(ys[idx_r], r_loop_test, numeric(1), t = t, K = K))

# ---- 3. coin ----------------------------------------------------------------
have_coin <- requireNamespace("coin", quietly = TRUE)
if (have_coin) {
  approx_args <- names(formals(coin::approximate))
  # coin >= 1.1 calls it nresample; older versions used B.
  approx_arg <- if ("nresample" %in% approx_args) "nresample" else "B"
  approx_dist <- do.call(coin::approximate, stats::setNames(list(K), approx_arg))
  idx_coin <- subset_idx(SUB_COIN)
  set.seed(SEED + 2)
  coin_sec <- elapsed(coin_p <- vapply(idx_coin, function(i) {
    d <- data.frame(y = ys[[i]], t = t)
    it <- coin::independence_test(y ~ t, data = d, distribution = approx_dist)
    as.numeric(coin::pvalue(it))
  }, numeric(1)))
}

# ---- 4. numpy ---------------------------------------------------------------
idx_np <- subset_idx(SUB_NUMPY)
np_script <- file.path(script_dir, "bench_numpy.py")
csv <- tempfile(fileext = ".csv")
utils::write.csv(data.frame(series = rep(idx_np, each = N_STEPS), t = rep(t, length(idx_np)),
                            y = unlist(ys[idx_np])),
                 csv, row.names = FALSE)
np_out <- tryCatch(
  system2(PYTHON, c(shQuote(np_script), shQuote(csv), K, length(idx_np), SEED), stdout = TRUE,
          stderr = TRUE),
  error = function(e) conditionMessage(e))
unlink(csv)
np_line <- grep("^seconds=", np_out, value = TRUE)
have_numpy <- length(np_line) == 1
if (have_numpy) {
  np_sec <- as.numeric(sub("^seconds=([0-9.]+).*", "\\1", np_line))
  np_n <- as.integer(sub(".*series=([0-9]+).*", "\\1", np_line))
  np_ver <- tryCatch(system2(PYTHON, c("-c", shQuote("import numpy, sys; print(numpy.__version__, sys.version.split()[0])")),
                             stdout = TRUE), error = function(e) "?")
} else {
  cat("numpy run failed:\n", paste(np_out, collapse = "\n"), "\n\n")
}

# ---- table ------------------------------------------------------------------
rows <- list()
add_row <- function(method, sec200, cores, note) {
  ms <- 1000 * sec200 / N_SERIES
  rows[[length(rows) + 1]] <<- data.frame(method = method, sec_200 = sec200, ms_per_test = ms,
                                          ms_per_test_core = ms * cores, note = note,
                                          stringsAsFactors = FALSE)
}
fmt_all <- function(v) paste(sprintf("%.3f", v), collapse = "/")
add_row("propgrad grad, 1 thread", pg1$best, 1, sprintf("best of %d (%s s)", REPS, fmt_all(pg1$all)))
add_row("propgrad grad, 2 threads", pg2$best, 2, sprintf("best of %d (%s s)", REPS, fmt_all(pg2$all)))
add_row("propgrad grad seq h=10, 1 thread", pgs1$best, 1,
        sprintf("best of %d; %s of %s shuffles run", REPS, format(seq_used, big.mark = ","),
                format(K * N_SERIES, big.mark = ",")))
add_row("propgrad grad seq h=10, 2 threads", pgs2$best, 2, sprintf("best of %d", REPS))
r_sec200 <- r_sec * N_SERIES / length(idx_r)
add_row("R loop sample()+EPGM", r_sec200, 1,
        sprintf("measured %.2f s on %d series, scaled x%.0f", r_sec, length(idx_r),
                N_SERIES / length(idx_r)))
if (have_coin) {
  coin_sec200 <- coin_sec * N_SERIES / length(idx_coin)
  add_row(sprintf("coin independence_test (%s=%d)", approx_arg, K), coin_sec200, 1,
          sprintf("measured %.2f s on %d series, scaled x%.0f; corr statistic", coin_sec,
                  length(idx_coin), N_SERIES / length(idx_coin)))
}
if (have_numpy) {
  np_sec200 <- np_sec * N_SERIES / np_n
  add_row("numpy loop permutation+gradient", np_sec200, 1,
          sprintf("measured %.2f s on %d series, scaled x%.0f", np_sec, np_n, N_SERIES / np_n))
}
tab <- do.call(rbind, rows)
cat("Timings (seconds for 200 series; scaled rows are linear extrapolations from the subset)\n")
print(data.frame(method = tab$method, `s/200 series` = sprintf("%.3f", tab$sec_200),
                 `ms/test` = sprintf("%.3f", tab$ms_per_test),
                 `ms/test/core` = sprintf("%.3f", tab$ms_per_test_core),
                 note = tab$note, check.names = FALSE), right = FALSE, row.names = FALSE)

# ---- ratios vs targets ------------------------------------------------------
verdict <- function(ok) if (isTRUE(ok)) "met" else "MISSED"
ratio_line <- function(label, value, target, higher_better = TRUE, unit = "x") {
  ok <- if (higher_better) value >= target else value <= target
  cat(sprintf("  %-44s %10.2f%s   target %s %g%s   %s\n", label, value, unit,
              if (higher_better) ">=" else "<=", target, unit, verdict(ok)))
}
cat("\nTargets (propgrad grad, fixed K, no sequential stopping)\n")
ratio_line("ms per test per core, 1 thread", tab$ms_per_test_core[1], targets$ms_per_core, FALSE, " ms")
ratio_line("ms per test per core, 2 threads", tab$ms_per_test_core[2], targets$ms_per_core, FALSE, " ms")
ratio_line("speed-up 1 thread vs R loop", r_sec200 / pg1$best, targets$vs_r)
if (have_numpy) ratio_line("speed-up 1 thread vs numpy", np_sec200 / pg1$best, targets$vs_numpy)
if (have_coin) ratio_line("speed-up 1 thread vs coin", coin_sec200 / pg1$best, targets$vs_coin)
ratio_line("speed-up 2 threads vs 1 thread", pg1$best / pg2$best, targets$threads2)
cat("With sequential stopping (h = 10), for information\n")
ratio_line("seq 1 thread vs R loop", r_sec200 / pgs1$best, targets$vs_r)
if (have_numpy) ratio_line("seq 1 thread vs numpy", np_sec200 / pgs1$best, targets$vs_numpy)
if (have_coin) ratio_line("seq 1 thread vs coin", coin_sec200 / pgs1$best, targets$vs_coin)
ratio_line("seq 2 threads vs 1 thread", pgs1$best / pgs2$best, targets$threads2)

# ---- breakdown --------------------------------------------------------------
# R-side setup (series split, validation, result frame) is what property_test
# costs with a single shuffle. "corr" keeps the shuffle but replaces the
# gradient by a 100-term dot product, so corr net of setup bounds the shuffle
# cost from above, and grad minus corr is the gradient's extra arithmetic (both
# statistics are O(N) sums, so it is not the gradient's whole cost).
setup <- best_of(run_pt(1, n_perm = 1))
corr1 <- best_of(run_pt(1, statistic = "corr"))
loop_st <- best_of(function() {
  for (i in seq_len(N_SERIES)) shuffle_test(ys[[i]], t, n_perm = K, seed = 1, nthreads = 1)
})
per_perm_ns <- function(sec) 1e9 * sec / (N_SERIES * K)
cat("\nBreakdown, 1 thread, best of", REPS, "\n")
cat(sprintf("  property_test setup only (n_perm = 1):   %.3f s  (%.2f ms per series, %.0f%% of grad run)\n",
            setup$best, 1000 * setup$best / N_SERIES, 100 * setup$best / pg1$best))
cat(sprintf("  statistic corr (shuffle + dot product):  %.3f s  (%.0f ns per shuffle net of setup)\n",
            corr1$best, per_perm_ns(corr1$best - setup$best)))
cat(sprintf("  statistic grad (shuffle + gradient):     %.3f s  (%.0f ns per shuffle net of setup)\n",
            pg1$best, per_perm_ns(pg1$best - setup$best)))
cat(sprintf("  grad minus corr:                         %+.0f ns per shuffle\n",
            per_perm_ns(pg1$best - corr1$best)))
cat(sprintf("  target 1.5 ms per test = %.0f ns per shuffle (N = %d, incl. setup)\n",
            1e6 * targets$ms_per_core / K, N_STEPS))
cat(sprintf("  shuffle_test() in an R loop, grad:       %.3f s  (vs property_test %.3f s)\n",
            loop_st$best, pg1$best))

# ---- sanity -----------------------------------------------------------------
cat("\nSanity checks\n")
cat(sprintf("  1 and 2 threads give identical p-values: %s\n", same_threads))
cat(sprintf("  R EPGM vs propgrad::epgm(), max abs difference on 5 series: %.2e\n", epgm_check))
cat(sprintf("  mean p-value on the R-loop subset: R loop %.4f, propgrad %.4f\n", mean(r_p),
            mean(pg1$result$p.value[idx_r])))
if (have_coin) cat(sprintf("  coin %s on this subset: mean p %.4f (corr statistic)\n",
                           as.character(utils::packageVersion("coin")), mean(coin_p)))
if (have_numpy) cat(sprintf("  numpy %s (Python %s): %s\n", strsplit(np_ver, " ")[[1]][1],
                            strsplit(np_ver, " ")[[1]][2], np_line))
tr <- seq_len(n_trend)
cat(sprintf("  p < 0.01 (unadjusted / holm): trends %d / %d of %d, noise %d / %d of %d\n",
            sum(pg1$result$p.value[tr] < 0.01), sum(pg1$result$p.adjusted[tr] < 0.01), n_trend,
            sum(pg1$result$p.value[-tr] < 0.01), sum(pg1$result$p.adjusted[-tr] < 0.01),
            N_SERIES - n_trend))
cat(sprintf("  load average at end: %s\n", tryCatch(readLines("/proc/loadavg"), error = function(e) "?")))
