# Hand-run benchmark of propgrad's adaptive multiple testing (never part of
# the tests; bench/ is in .Rbuildignore). Run it from the package root with
# the package installed:
#
#   Rscript bench/bench_adaptive.R
#
# What it measures. For each of R seeds (default 3) it simulates a study of
# 200 series of N = 100 evenly spaced steps: 20 with an effect (a sigmoid
# plogis(10 (t - 0.5)) plus Gaussian noise whose sd runs from 0.30 to 0.65,
# so their p-values go from clearly significant to borderline and beyond
# under Benjamini-Hochberg at 0.05) and 180 of pure noise (rnorm). Every
# series is tested with the EPGM and the two-sided rule centred on the exact
# permutation mean, decided with BH at alpha = 0.05, by
#   - propgrad: property_test(n_perm = "adaptive", epsilon = 0.01) at 1 and 2
#     threads (the script checks that both give identical results), and once
#     more at 1 thread with the per-series cap max_n_perm lifted from its
#     default 1e7 to 1e8, since mmctest has no such cap and a series whose
#     p-value lies very close to its BH critical value can need more;
#   - the oracle: property_test(n_perm = 2e5 - 1) at 2 threads, significant
#     where adj.p.value <= 0.05;
#   - CRAN's simctest::mmctest(epsilon = 0.01, threshold = 0.05, r = 1e4,
#     h = hBH), the reference MMCTest implementation, with a pure-R sampler
#     (sample() + the EPGM + the same centred rule with the same exact centre).
# It prints, per seed and method, the number of significant series, the
# agreement with the oracle (decisions that differ, undecided series), the
# shuffles drawn, the elapsed seconds, and for propgrad the ratios of its
# shuffles and time to mmctest's (speed-up = mmctest seconds / propgrad
# seconds). simctest draws its own random numbers, so the shuffle counts of
# the two implementations of the same algorithm differ by chance.
#
# Environment: PG_BENCH_SEEDS (default 3) sets R; PG_BENCH_MMCT_MAX_SEC
# (default 900) stops an mmctest run after that many seconds (its series
# still open are then reported as undecided and the output says so).
# PG_BENCH_REPEATS_PG (default 20) and PG_BENCH_REPEATS_MM (default 4) rerun
# each study with other shuffle seeds to show how much the shuffle counts of
# either implementation move by chance. About 3 minutes on two cores, almost
# all of it the R sampler of mmctest and the oracle.

suppressPackageStartupMessages({
  library(propgrad)
  library(simctest)
})

# ---- settings ---------------------------------------------------------------
N_STEPS <- 100L
M <- 200L
M_EFFECT <- 20L
K_SIGMOID <- 10
NOISE_SD <- seq(0.30, 0.65, length.out = M_EFFECT)  # noise of the effect series
ALPHA <- 0.05
EPSILON <- 0.01
SPENDING <- 1e4
ORACLE_K <- 2e5 - 1
R_SEEDS <- as.integer(Sys.getenv("PG_BENCH_SEEDS", "3"))
MMCT_MAX_SEC <- as.numeric(Sys.getenv("PG_BENCH_MMCT_MAX_SEC", "900"))
SAMPLER_CHUNK <- 20000L  # shuffles per matrix in the R sampler (memory bound)
TOL <- 1e-9              # propgrad's default tie tolerance
MAX_N_PERM_UNCAPPED <- 1e8  # propgrad's largest max_n_perm, for the uncapped row
REPEATS_PG <- as.integer(Sys.getenv("PG_BENCH_REPEATS_PG", "20"))  # extra shuffle seeds, propgrad
REPEATS_MM <- as.integer(Sys.getenv("PG_BENCH_REPEATS_MM", "4"))   # extra RNG seeds, mmctest

elapsed <- function(expr) {
  gc(verbose = FALSE)
  t0 <- proc.time()[["elapsed"]]
  value <- force(expr)
  list(value = value, sec = proc.time()[["elapsed"]] - t0)
}

# ---- machine ----------------------------------------------------------------
nproc <- tryCatch(as.integer(system("nproc", intern = TRUE)), error = function(e) NA_integer_)
cpu <- tryCatch({
  m <- grep("^model name", readLines("/proc/cpuinfo"), value = TRUE)
  if (length(m)) trimws(sub("^model name\\s*:", "", m[1])) else "unknown"
}, error = function(e) "unknown")
loadavg <- function() tryCatch(readLines("/proc/loadavg"), error = function(e) "unknown")
cat("propgrad adaptive multiple-testing benchmark\n")
cat(sprintf("  %s; machine: nproc = %s, CPU: %s\n", format(Sys.time(), "%Y-%m-%d %H:%M"), nproc, cpu))
cat(sprintf("  %s; propgrad %s from %s; simctest %s\n", R.version.string, packageVersion("propgrad"),
            dirname(system.file(package = "propgrad")), packageVersion("simctest")))
cat(sprintf("  load average at start: %s\n", loadavg()))
cat(sprintf("  %d series x %d steps (%d sigmoid k = %g, noise sd %.2f-%.2f; %d rnorm), BH at %g,\n",
            M, N_STEPS, M_EFFECT, K_SIGMOID, min(NOISE_SD), max(NOISE_SD), M - M_EFFECT, ALPHA))
cat(sprintf("  epsilon = %g, r = %g; oracle K = %s; %d seeds; mmctest time limit %g s\n\n",
            EPSILON, SPENDING, format(ORACLE_K, big.mark = ",", scientific = FALSE), R_SEEDS,
            MMCT_MAX_SEC))

# ---- data -------------------------------------------------------------------
t <- seq(0, 1, length.out = N_STEPS)
h <- t[2] - t[1]

simulate_study <- function(seed) {
  set.seed(seed)
  ys <- c(lapply(NOISE_SD, function(s) plogis(K_SIGMOID * (t - 0.5)) + rnorm(N_STEPS, sd = s)),
          lapply(seq_len(M - M_EFFECT), function(i) rnorm(N_STEPS)))
  df <- data.frame(series = rep(sprintf("s%03d", seq_len(M)), each = N_STEPS),
                   t = rep(t, M), y = unlist(ys), stringsAsFactors = FALSE)
  list(ys = ys, df = df)
}

# ---- the R side of mmctest --------------------------------------------------
# EPGM of every column of Y (one ordering of y per column): central
# differences inside, one-sided at the ends, mean absolute value.
epgm_cols <- function(Y) {
  n <- nrow(Y)
  (colSums(abs(Y[3:n, , drop = FALSE] - Y[1:(n - 2), , drop = FALSE])) / (2 * h) +
     abs(Y[2, ] - Y[1, ]) / h + abs(Y[n, ] - Y[n - 1, ]) / h) / n
}
# Exact mean of the EPGM over all orderings of y: mean(w) * GMD(y), w the
# stencil weights (1/(2h) inside, 1/h at the two ends), GMD the mean of
# |y_j - y_k| over ordered pairs j != k (from the sorted values).
gmd <- function(y) {
  v <- sort(y)
  n <- length(v)
  2 * sum((2 * seq_len(n) - n - 1) * v) / (n * (n - 1))
}
w_mean <- mean(c(1 / h, rep(1 / (2 * h), N_STEPS - 2), 1 / h))
exact_centre <- function(y) w_mean * gmd(y)

# simctest's sampler keeps its data in a numeric slot, so the series travel
# packed in one vector: M centres, M bounds, then the M series of N values.
sampler_data <- function(ys) {
  t0 <- vapply(ys, function(y) epgm_cols(matrix(y)), numeric(1))
  centre <- vapply(ys, exact_centre, numeric(1))
  # extreme: |T_k - c| >= |T_0 - c| - 1e-9 max(|T_0|, |c|)
  bound <- abs(t0 - centre) - TOL * pmax(abs(t0), abs(centre))
  list(packed = c(centre, bound, unlist(ys)), t0 = t0, centre = centre)
}

# f(ind, n, data) for mmctSampler: for each hypothesis ind[j], the number of
# extreme statistics among n[j] fresh shuffles of that series.
count_extreme <- function(ind, n, data) {
  vapply(seq_along(ind), function(j) {
    i <- ind[j]
    centre <- data[i]
    bound <- data[M + i]
    y <- data[2 * M + (i - 1) * N_STEPS + seq_len(N_STEPS)]
    left <- n[j]
    b <- 0
    while (left > 0) {
      k <- min(left, SAMPLER_CHUNK)
      Y <- matrix(y[replicate(k, sample.int(N_STEPS))], N_STEPS, k)
      b <- b + sum(abs(epgm_cols(Y) - centre) >= bound)
      left <- left - k
    }
    b
  }, numeric(1))
}

decisions_from_sets <- function(rejected, undecided) {
  d <- rep("not significant", M)
  d[rejected] <- "significant"
  d[undecided] <- "undecided"
  d
}

# ---- one seed ---------------------------------------------------------------
run_seed <- function(s) {
  study <- simulate_study(1000L + s)
  df <- study$df
  pt_seed <- 100L + s  # the oracle uses its own seed, so it shares no shuffles with propgrad

  adaptive <- function(nthreads, max_n_perm = adaptive_control()$max_n_perm, seed = pt_seed) elapsed(suppressMessages(suppressWarnings(
    property_test(df, y ~ t | series, n_perm = "adaptive", p_adjust = "BH", alpha = ALPHA,
                  adaptive = adaptive_control(epsilon = EPSILON, max_n_perm = max_n_perm),
                  seed = seed, nthreads = nthreads))))
  pg1 <- adaptive(1)
  pg2 <- adaptive(2)
  # mmctest has no cap per series; propgrad's default (max_n_perm = 1e7)
  # could leave a series undecided. Lifted to the limit, like for like:
  pgu <- adaptive(1, max_n_perm = MAX_N_PERM_UNCAPPED)
  same_threads <- identical(as.character(pg1$value$decision), as.character(pg2$value$decision)) &&
    identical(pg1$value$n_perm_used, pg2$value$n_perm_used) &&
    identical(pg1$value$p.value, pg2$value$p.value) &&
    identical(pg1$value$p.conf.low, pg2$value$p.conf.low) &&
    identical(pg1$value$p.conf.high, pg2$value$p.conf.high)

  oracle <- elapsed(suppressMessages(
    property_test(df, y ~ t | series, n_perm = ORACLE_K, p_adjust = "BH", alpha = ALPHA,
                  seed = 900L + s, nthreads = 2)))
  oracle_dec <- ifelse(oracle$value$adj.p.value <= ALPHA, "significant", "not significant")

  sdata <- sampler_data(study$ys)
  # The R sampler's exact centre is propgrad's (shuffle_test reports it).
  centre_check <- max(vapply(1:3, function(i) {
    st <- shuffle_test(study$ys[[i]], t, n_perm = 99, seed = 1)
    abs(st$centre - sdata$centre[i]) / st$centre + abs(st$statistic - sdata$t0[i]) / st$statistic
  }, numeric(1)))
  sampler <- mmctSampler(count_extreme, num = M, data = sdata$packed)
  run_mmctest <- function(rng_seed) {
    set.seed(rng_seed)
    elapsed(run(mmctest(epsilon = EPSILON, threshold = ALPHA, r = SPENDING, h = hBH), sampler,
                maxsteps = list(undecided = 0, elapsedsec = MMCT_MAX_SEC)))
  }
  mm <- run_mmctest(2000L + s)
  # simctest keeps its state in an environment that later runs overwrite:
  # read what is needed from it now.
  mm_iterations <- mm$value@internal$it
  mres <- testResult(mm$value)
  mm_dec <- decisions_from_sets(mres$rejected, mres$undecided)
  mm_stopped <- length(mres$undecided) > 0

  # How much the shuffle counts move by chance: the same study again with
  # other shuffle seeds (propgrad uncapped) and other RNG seeds (mmctest).
  rep_pg <- vapply(seq_len(REPEATS_PG), function(r) {
    x <- adaptive(1, max_n_perm = MAX_N_PERM_UNCAPPED, seed = pt_seed + 1000L * r)$value
    attr(x, "settings")$adaptive$total_shuffles
  }, numeric(1))
  rep_mm <- vapply(seq_len(REPEATS_MM), function(r) {
    x <- run_mmctest(2000L + s + 1000L * r)$value
    if (length(testResult(x)$undecided)) NA_real_ else sum(x@num)
  }, numeric(1))

  row <- function(method, dec, shuffles, sec) {
    data.frame(seed = s, method = method, significant = sum(dec == "significant"),
               undecided = sum(dec == "undecided"),
               differ = sum(dec != "undecided" & dec != oracle_dec),
               identical = all(dec == oracle_dec), shuffles = shuffles, seconds = sec,
               stringsAsFactors = FALSE)
  }
  pg_dec <- as.character(pg1$value$decision)
  pg_shuffles <- attr(pg1$value, "settings")$adaptive$total_shuffles
  tab <- rbind(
    row("propgrad adaptive, 1 thread", pg_dec, pg_shuffles, pg1$sec),
    row("propgrad adaptive, 2 threads", as.character(pg2$value$decision),
        attr(pg2$value, "settings")$adaptive$total_shuffles, pg2$sec),
    row("propgrad, max_n_perm 1e8, 1 thread", as.character(pgu$value$decision),
        attr(pgu$value, "settings")$adaptive$total_shuffles, pgu$sec),
    row("simctest::mmctest (R sampler)", mm_dec, sum(mm$value@num), mm$sec),
    row("oracle K = 2e5 - 1, 2 threads", oracle_dec, M * ORACLE_K, oracle$sec))

  # Diagnostics: where the decisions sit relative to BH's critical values.
  p_or <- oracle$value$p.value
  k_or <- sum(oracle_dec == "significant")
  crit_last <- k_or * ALPHA / M          # the largest rejected p must be below this
  crit_next <- (k_or + 1) * ALPHA / M    # the next p must be above this
  p_sorted <- sort(p_or)
  info <- list(
    same_threads = same_threads, centre_check = centre_check, mm_stopped = mm_stopped,
    sum_n_perm_used = sum(pg1$value$n_perm_used),
    effect_sig = sum(oracle_dec[seq_len(M_EFFECT)] == "significant"),
    noise_sig = sum(oracle_dec[-seq_len(M_EFFECT)] == "significant"),
    p_effect = signif(sort(p_or[seq_len(M_EFFECT)]), 2),
    gap = c(last = if (k_or > 0) p_sorted[k_or] / crit_last else NA,
            next_ = if (k_or < M) p_sorted[k_or + 1] / crit_next else NA),
    pg_max_n = max(pg1$value$n_perm_used), pgu_max_n = max(pgu$value$n_perm_used),
    pgu_vs_mm = sum(as.character(pgu$value$decision) != mm_dec), mm_max_n = max(mm$value@num),
    pg_vs_mm = sum(pg_dec != mm_dec), mm_iterations = mm_iterations,
    pg_iterations = attr(pg1$value, "settings")$adaptive$iterations,
    rep_pg = c(attr(pgu$value, "settings")$adaptive$total_shuffles, rep_pg),
    rep_mm = c(sum(mm$value@num), rep_mm),
    pg_n = pg1$value$n_perm_used, pgu_n = pgu$value$n_perm_used, mm_n = mm$value@num)
  list(tab = tab, info = info)
}

runs <- lapply(seq_len(R_SEEDS), function(s) {
  cat(sprintf("seed %d ... ", s))
  t0 <- proc.time()[["elapsed"]]
  r <- run_seed(s)
  cat(sprintf("%.0f s\n", proc.time()[["elapsed"]] - t0))
  r
})

# ---- table ------------------------------------------------------------------
tab <- do.call(rbind, lapply(runs, `[[`, "tab"))
mm_rows <- tab[grepl("mmctest", tab$method), ]
ref <- match(tab$seed, mm_rows$seed)
is_pg <- grepl("^propgrad", tab$method)
tab$shuffle_ratio <- ifelse(is_pg, tab$shuffles / mm_rows$shuffles[ref], NA)
tab$time_ratio <- ifelse(is_pg, tab$seconds / mm_rows$seconds[ref], NA)
tab$speedup <- ifelse(is_pg, mm_rows$seconds[ref] / tab$seconds, NA)

fmt_num <- function(x, digits) ifelse(is.na(x), "-", formatC(x, format = "f", digits = digits))
cat("\nDecisions (BH at 0.05) against the oracle, shuffles and elapsed seconds\n")
cat("(differ: decided series whose decision differs from the oracle's; ratios: propgrad / mmctest of the same seed)\n")
print(data.frame(seed = tab$seed, method = tab$method, sig = tab$significant,
                 undec = tab$undecided, differ = tab$differ,
                 identical = ifelse(tab$identical, "yes", "no"),
                 shuffles = format(tab$shuffles, big.mark = ",", scientific = FALSE),
                 seconds = fmt_num(tab$seconds, 2),
                 `shuffles pg/mm` = fmt_num(tab$shuffle_ratio, 3),
                 `time pg/mm` = fmt_num(tab$time_ratio, 4),
                 speedup = ifelse(is.na(tab$speedup), "-", sprintf("%.0fx", tab$speedup)),
                 check.names = FALSE), right = FALSE, row.names = FALSE)

# ---- summary over seeds -----------------------------------------------------
cat("\nOver all seeds\n")
for (meth in unique(tab$method[is_pg])) {
  r <- tab[tab$method == meth, ]
  mm_r <- mm_rows[match(r$seed, mm_rows$seed), ]
  cat(sprintf("  %-30s shuffles %s vs mmctest %s (ratio %.3f); seconds %.2f vs %.2f (speed-up %.0fx)\n",
              meth, format(sum(r$shuffles), big.mark = ","), format(sum(mm_r$shuffles), big.mark = ","),
              sum(r$shuffles) / sum(mm_r$shuffles), sum(r$seconds), sum(mm_r$seconds),
              sum(mm_r$seconds) / sum(r$seconds)))
}
pg_rate <- sum(tab$shuffles[tab$method == "propgrad adaptive, 1 thread"]) /
  sum(tab$seconds[tab$method == "propgrad adaptive, 1 thread"])
mm_rate <- sum(mm_rows$shuffles) / sum(mm_rows$seconds)
cat(sprintf("  throughput: propgrad 1 thread %.2f M shuffles/s, mmctest with the R sampler %.3f M shuffles/s\n",
            pg_rate / 1e6, mm_rate / 1e6))

cat(sprintf("\nShuffle counts by chance: each study rerun with %d more shuffle seeds (propgrad, uncapped) and %d more RNG seeds (mmctest)\n",
            REPEATS_PG, REPEATS_MM))
rep_tab <- do.call(rbind, lapply(seq_along(runs), function(i) {
  inf <- runs[[i]]$info
  q <- function(x) sprintf("%s [%s, %s]", format(round(mean(x, na.rm = TRUE)), big.mark = ","),
                           format(min(x, na.rm = TRUE), big.mark = ","),
                           format(max(x, na.rm = TRUE), big.mark = ","))
  data.frame(seed = i, `propgrad mean [min, max]` = q(inf$rep_pg), `propgrad runs` = length(inf$rep_pg),
             `mmctest mean [min, max]` = q(inf$rep_mm), `mmctest runs` = sum(!is.na(inf$rep_mm)),
             `ratio of means` = sprintf("%.3f", mean(inf$rep_pg) / mean(inf$rep_mm, na.rm = TRUE)),
             check.names = FALSE)
}))
print(rep_tab, right = FALSE, row.names = FALSE)
all_pg <- unlist(lapply(runs, function(r) mean(r$info$rep_pg)))
all_mm <- unlist(lapply(runs, function(r) mean(r$info$rep_mm, na.rm = TRUE)))
cat(sprintf("  sum over studies of the mean shuffles: propgrad %s, mmctest %s, ratio %.3f\n",
            format(round(sum(all_pg)), big.mark = ","), format(round(sum(all_mm)), big.mark = ","),
            sum(all_pg) / sum(all_mm)))

# ---- checks and diagnostics -------------------------------------------------
cat("\nChecks and diagnostics per seed\n")
for (i in seq_along(runs)) {
  inf <- runs[[i]]$info
  cat(sprintf("  seed %d: propgrad 1 and 2 threads identical: %s; R centre/statistic vs propgrad (rel.): %.1e\n",
              i, inf$same_threads, inf$centre_check))
  cat(sprintf("    oracle significant: %d of %d effects, %d of %d noise; largest rejected p / its BH value = %.3f, next p / its BH value = %.3f\n",
              inf$effect_sig, M_EFFECT, inf$noise_sig, M - M_EFFECT, inf$gap[[1]], inf$gap[[2]]))
  cat(sprintf("    oracle p of the effect series: %s\n", paste(inf$p_effect, collapse = " ")))
  cat(sprintf("    decisions differing from mmctest's: propgrad %d, uncapped %d; iterations %d vs %d; most shuffles for one series %s (uncapped %s) vs %s\n",
              inf$pg_vs_mm, inf$pgu_vs_mm, inf$pg_iterations, inf$mm_iterations,
              format(inf$pg_max_n, big.mark = ","), format(inf$pgu_max_n, big.mark = ","),
              format(inf$mm_max_n, big.mark = ",")))
  big <- order(-pmax(inf$pgu_n, inf$mm_n))[1:3]
  cat(sprintf("    series with the most shuffles (propgrad / uncapped / mmctest): %s\n",
              paste(sprintf("s%03d %s/%s/%s", big, format(inf$pg_n[big], big.mark = ",", trim = TRUE),
                            format(inf$pgu_n[big], big.mark = ",", trim = TRUE),
                            format(inf$mm_n[big], big.mark = ",", trim = TRUE)), collapse = ", ")))
  if (inf$mm_stopped) cat(sprintf("    mmctest hit the %g s limit: its open series are undecided\n", MMCT_MAX_SEC))
}
cat(sprintf("  load average at end: %s\n", loadavg()))
