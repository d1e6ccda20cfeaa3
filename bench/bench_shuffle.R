# Hand-run benchmark of the propgrad shuffle test against its baselines, all
# in one run (never part of the tests; bench/ is in .Rbuildignore). It
# simulates 200 series of N = 100 steps with a fixed seed (half sigmoid
# trends plus noise, half pure noise) and times K = 10,000 shuffles per
# series for: property_test() with statistic "grad" at 1 and 2 threads, with
# share_permutations = TRUE on 20 groups of 10 series (when the installed
# propgrad has that argument) and, for comparison, the same 20 calls without
# it; a pure-R loop of sample() + the EPGM; coin::independence_test() with an
# approximate null of K draws; and, through bench/bench_numpy.py with
# Debian's /usr/bin/python3, a numpy loop, numpy batched (rng.permuted on
# blocks of copies of y) and scipy.stats.permutation_test (pairings). The
# methods run round-robin for REPS rounds so machine load hits them alike;
# the slow baselines run on a subset of the series (interleaved trends and
# noise), which the output says. It then builds bench/bench_floor.cpp with
# g++ -O2 (and, unless PG_BENCH_CORE=0, propgrad's C++ core beside it) and
# times the floor: a bare Fisher-Yates shuffle, and shuffle_series() without
# R. It prints min and median wall-clock ms per test, the least CPU time,
# ns per shuffled element (time / (K N)), ratios to propgrad at 1 thread,
# the targets of issue 15, and the mean p-value of every method on the same
# series (a loose check that nobody times a wrong computation). With shared
# permutations it also times one call of all 200 series, and builds
# bench/bench_shared.cpp: the shared floor (one bare draw per group of 10
# and the rows' sums, nothing else) beside the core's shared engine in
# groups of 10 and in one group of 200. Usage: see bench/README.md.

suppressPackageStartupMessages(library(propgrad))
options(width = 250)

# ---- settings ---------------------------------------------------------------
N_STEPS <- 100L
K <- 10000L
N_SERIES <- 200L
SEED <- 20260101L
env_int <- function(name, default) as.integer(Sys.getenv(name, as.character(default)))
REPS <- env_int("PG_BENCH_REPS", 5)
SUB <- list(r = env_int("PG_BENCH_SUB_R", 10), coin = env_int("PG_BENCH_SUB_COIN", 20),
            np_loop = env_int("PG_BENCH_SUB_NUMPY", 10),
            np_batched = env_int("PG_BENCH_SUB_BATCHED", 40),
            scipy = env_int("PG_BENCH_SUB_SCIPY", 40))
GROUP <- 10L                                  # series per shared-permutation call
WITH_CORE <- Sys.getenv("PG_BENCH_CORE", "1") != "0"
PYTHON <- "/usr/bin/python3"
targets <- list(ms_indep = 1.0, ms_shared = 0.25, vs_r = 150, vs_batched = 15, floor = 2)

script_dir <- local({
  f <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
  if (length(f) == 1) dirname(normalizePath(f)) else "bench"
})
loadavg <- function() tryCatch(readLines("/proc/loadavg"), error = function(e) "unknown")

# ---- machine ----------------------------------------------------------------
cpu <- tryCatch({
  m <- grep("^model name", readLines("/proc/cpuinfo"), value = TRUE)
  if (length(m)) trimws(sub("^model name\\s*:", "", m[1])) else "unknown"
}, error = function(e) "unknown")
has_share <- "share_permutations" %in% names(formals(propgrad::property_test))
cat("propgrad shuffle benchmark (issue 15)\n")
cat(sprintf("  machine: parallel::detectCores() = %s, CPU: %s\n", parallel::detectCores(), cpu))
rev <- tryCatch(suppressWarnings(system2("git", c("-C", shQuote(script_dir), "log", "-1",
                                                   "--format=%h"), stdout = TRUE, stderr = FALSE)),
                error = function(e) character())
cat(sprintf("  %s; propgrad %s from %s; source tree %s%s\n", R.version.string,
            packageVersion("propgrad"), dirname(system.file(package = "propgrad")),
            normalizePath(file.path(script_dir, "..")),
            if (length(rev) == 1) sprintf(" (git %s)", rev) else ""))
cat(sprintf("  load average at start: %s\n", loadavg()))
cat(sprintf("  N = %d steps, K = %s shuffles, %d series, seed %d; %d round-robin rounds\n\n",
            N_STEPS, format(K, big.mark = ","), N_SERIES, SEED, REPS))

# ---- data -------------------------------------------------------------------
set.seed(SEED)
t <- seq(0, 1, length.out = N_STEPS)
n_trend <- N_SERIES %/% 2
make_series <- function(i) {
  if (i <= n_trend) {
    plogis(runif(1, 4, 20) * (t - runif(1, 0.3, 0.7))) + rnorm(N_STEPS, sd = runif(1, 0.005, 0.05))
  } else {
    rnorm(N_STEPS)
  }
}
ys <- lapply(seq_len(N_SERIES), make_series)
long_df <- function(idx) {
  data.frame(series = rep(sprintf("s%03d", idx), each = N_STEPS), t = rep(t, length(idx)),
             y = unlist(ys[idx]), stringsAsFactors = FALSE)
}
df <- long_df(seq_len(N_SERIES))
# Trends and noise interleaved: subsets (the first m) and the groups of 10
# sharing permutations each hold both kinds alike.
ord <- as.vector(rbind(seq_len(n_trend), n_trend + seq_len(N_SERIES - n_trend)))
groups <- lapply(split(ord, ceiling(seq_along(ord) / GROUP)), long_df)
SUB <- lapply(SUB, function(m) min(m, N_SERIES))
sub_idx <- function(m) ord[seq_len(m)]

# ---- methods ----------------------------------------------------------------
# Each method returns list(sec, cpu, n, p): wall-clock and CPU seconds
# (user + system, all threads of the process) for n series, p-values in the
# order of ord[1:n] (propgrad: of all series in ord order). CPU time is what
# other jobs on a shared machine disturb least.
cpu_time <- function(pt) pt[["user.self"]] + pt[["sys.self"]]
timed <- function(f) {
  gc(verbose = FALSE)
  t0 <- proc.time()
  p <- f()
  t1 <- proc.time()
  list(sec = t1[["elapsed"]] - t0[["elapsed"]], cpu = cpu_time(t1) - cpu_time(t0), p = p)
}
# alpha = 0.05: with Holm over 200 series, K = 10^4 cannot reach 0.01 and
# property_test() would warn so on every call.
pt <- function(data, ...) {
  suppressMessages(property_test(data, y ~ t | series, statistic = "grad", n_perm = K,
                                 seed = 1, alpha = 0.05, ...))
}
p_in_ord <- function(res) res$p.value[match(sprintf("s%03d", ord), res$series)]
pg_all <- function(nthreads) function() {
  r <- timed(function() pt(df, nthreads = nthreads))
  list(sec = r$sec, cpu = r$cpu, n = N_SERIES, p = p_in_ord(r$p))
}
pg_share_all <- function() {
  r <- timed(function() pt(df, nthreads = 1, share_permutations = TRUE))
  list(sec = r$sec, cpu = r$cpu, n = N_SERIES, p = p_in_ord(r$p))
}
pg_groups <- function(share) function() {
  args <- if (share) list(share_permutations = TRUE) else list()
  r <- timed(function() lapply(groups, function(g) do.call(pt, c(list(g, nthreads = 1), args))))
  list(sec = r$sec, cpu = r$cpu, n = N_SERIES, p = p_in_ord(do.call(rbind, r$p)))
}
pg_setup <- function() {
  # One shuffle: the warning that no series can reach alpha is expected.
  r <- timed(function() suppressWarnings(suppressMessages(
    property_test(df, y ~ t | series, n_perm = 1, seed = 1, nthreads = 1))))
  list(sec = r$sec, cpu = r$cpu, n = N_SERIES, p = NULL)
}

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
r_loop_test <- function(y) {
  t0 <- epgm_r(y, t)
  null <- numeric(K)
  for (k in seq_len(K)) null[k] <- epgm_r(sample(y), t)
  centre <- mean(null)
  (sum(abs(null - centre) >= abs(t0 - centre)) + 1) / (K + 1)
}
r_loop <- function() {
  set.seed(SEED + 1)
  r <- timed(function() vapply(ys[sub_idx(SUB$r)], r_loop_test, numeric(1)))
  list(sec = r$sec, cpu = r$cpu, n = SUB$r, p = r$p)
}

have_coin <- requireNamespace("coin", quietly = TRUE)
if (have_coin) {
  # coin >= 1.1 calls it nresample; older versions used B.
  approx_arg <- if ("nresample" %in% names(formals(coin::approximate))) "nresample" else "B"
  approx_dist <- do.call(coin::approximate, stats::setNames(list(K), approx_arg))
  coin_data <- lapply(sub_idx(SUB$coin), function(i) data.frame(y = ys[[i]], t = t))
}
coin_run <- function() {
  set.seed(SEED + 2)
  r <- timed(function() vapply(coin_data, function(d) {
    as.numeric(coin::pvalue(coin::independence_test(y ~ t, data = d, distribution = approx_dist)))
  }, numeric(1)))
  list(sec = r$sec, cpu = r$cpu, n = SUB$coin, p = r$p)
}

# Python: one process per round runs its three methods; it times them itself.
np_max <- max(SUB$np_loop, SUB$np_batched, SUB$scipy)
csv <- tempfile(fileext = ".csv")
utils::write.csv(long_df(sub_idx(np_max)), csv, row.names = FALSE)
py_specs <- c(sprintf("loop:%d", SUB$np_loop), sprintf("batched:%d", SUB$np_batched),
              sprintf("scipy:%d", SUB$scipy))
py_names <- c(loop = "np_loop", batched = "np_batched", scipy = "scipy")
python_round <- function() {
  out <- tryCatch(suppressWarnings(system2(PYTHON, c(shQuote(file.path(script_dir, "bench_numpy.py")),
                                                     shQuote(csv), K, SEED, py_specs),
                                           stdout = TRUE, stderr = TRUE)),
                  error = function(e) conditionMessage(e))
  res <- list()
  for (line in grep("^method=.* seconds=", out, value = TRUE)) {
    kv <- regmatches(line, regexpr("^method=\\S+", line))
    name <- py_names[[sub("method=", "", kv)]]
    field <- function(key) sub(sprintf(".*\\b%s=(\\S+).*", key), "\\1", line)
    res[[name]] <- list(sec = as.numeric(field("seconds")), cpu = as.numeric(field("cpu_seconds")),
                        n = as.integer(field("series")),
                        p = as.numeric(strsplit(field("p"), ";", fixed = TRUE)[[1]]))
  }
  attr(res, "log") <- out
  res
}

# ---- round-robin rounds -------------------------------------------------------
methods <- list(pg1 = pg_all(1), pg2 = pg_all(2), pg_calls = pg_groups(FALSE),
                setup = pg_setup, r_loop = r_loop)
if (has_share) {
  methods$pg_share <- pg_groups(TRUE)
  methods$pg_share_all <- pg_share_all
}
if (have_coin) methods$coin <- coin_run
methods$python <- python_round
runs <- list()
record <- function(name, r) runs[[name]] <<- c(runs[[name]], list(r))
py_log <- NULL
round_load <- character(REPS)
for (rep in seq_len(REPS)) {
  # Rotate the order each round so no method always runs first or last.
  order_now <- names(methods)[(seq_along(methods) + rep - 2) %% length(methods) + 1]
  for (m in order_now) {
    r <- methods[[m]]()
    if (m == "python") {
      py_log <- attr(r, "log")
      for (nm in names(r)) record(nm, r[[nm]])
    } else {
      record(m, r)
    }
  }
  round_load[rep] <- strsplit(loadavg(), " ")[[1]][1]
}
unlink(csv)

# ---- floor (C++) --------------------------------------------------------------
floor_res <- NULL
floor_note <- ""
local({
  src <- file.path(script_dir, "bench_floor.cpp")
  core_dir <- normalizePath(file.path(script_dir, "..", "src", "core"), mustWork = FALSE)
  dir <- tempfile("pg-floor-")
  dir.create(dir)
  on.exit(unlink(dir, recursive = TRUE))
  data_file <- file.path(dir, "series.txt")
  writeLines(vapply(ord, function(i) paste(sprintf("%.17g", c(t, ys[[i]])), collapse = " "), ""),
             data_file)
  flags <- c("-O2", "-std=gnu++17", "-DNDEBUG")
  # The package's own compiler flags for the core (PKG_CXXFLAGS in
  # src/Makevars.in), OpenMP made explicit.
  pkg_flags <- tryCatch({
    mk <- grep("^PKG_CXXFLAGS *=", readLines(file.path(core_dir, "..", "Makevars.in")), value = TRUE)
    if (!length(mk)) stop("no PKG_CXXFLAGS")
    f <- strsplit(trimws(sub("^PKG_CXXFLAGS *=", "", mk[1])), "[[:space:]]+")[[1]]
    f <- sub("^\\$\\(SHLIB_OPENMP_CXXFLAGS\\)$", "-fopenmp", f)
    unique(c("-fopenmp", f[nzchar(f) & !grepl("[$@]", f)]))
  }, error = function(e) "-fopenmp")
  log_file <- file.path(dir, "build.log")
  with_core <- WITH_CORE && dir.exists(core_dir)
  cmd <- c(flags, "-o", file.path(dir, "floor"), shQuote(src))
  if (with_core) {
    core <- list.files(core_dir, pattern = "\\.cpp$", full.names = TRUE)
    # Boost from BH or the system (Debian's BH has none: libboost-dev), Eigen
    # from RcppEigen, as R's build of the package uses.
    inc <- c(core_dir, system.file("include", package = "BH"),
             system.file("include", package = "RcppEigen"))
    inc <- inc[nzchar(inc)]
    # One object per core file, two compilers at a time.
    objs <- file.path(dir, sub("\\.cpp$", ".o", basename(core)))
    ok <- unlist(parallel::mclapply(seq_along(core), function(i) {
      system2("g++", c(flags, pkg_flags, "-w", paste0("-I", shQuote(inc)), "-c", shQuote(core[i]),
                       "-o", shQuote(objs[i])), stdout = FALSE, stderr = paste0(objs[i], ".log")) == 0
    }, mc.cores = 2))
    if (all(ok)) {
      cmd <- c(flags, pkg_flags, "-DPG_WITH_CORE", paste0("-I", shQuote(inc)), "-o",
               file.path(dir, "floor"), shQuote(src), shQuote(objs))
    } else {
      with_core <- FALSE
      floor_note <<- paste(c("core build failed; floor only:", utils::head(readLines(paste0(objs[!ok][1], ".log")), 5)),
                           collapse = "\n    ")
    }
  }
  built <- system2("g++", cmd, stdout = FALSE, stderr = log_file) == 0
  if (!built) {
    floor_note <<- paste(c("g++ build of bench_floor.cpp failed:", utils::head(readLines(log_file), 5)),
                         collapse = "\n    ")
    return()
  }
  out <- system2(file.path(dir, "floor"), c(N_SERIES, REPS, K, N_STEPS, 1, shQuote(data_file)),
                 stdout = TRUE)
  # The shared floor (bench_shared.cpp): the same build with its own main().
  shared_cmd <- sub("bench_floor.cpp", "bench_shared.cpp", sub("/floor$", "/shared", cmd), fixed = TRUE)
  if (system2("g++", shared_cmd, stdout = FALSE, stderr = log_file) == 0) {
    out <- c(out, system2(file.path(dir, "shared"), c(N_SERIES, REPS, K, N_STEPS, 1, GROUP,
                                                     shQuote(data_file)), stdout = TRUE))
  } else {
    floor_note <<- paste(c("g++ build of bench_shared.cpp failed:", utils::head(readLines(log_file), 5)),
                         collapse = "\n    ")
  }
  lines <- grep("^method=", out, value = TRUE)
  field <- function(line, key) sub(sprintf(".*\\b%s=(\\S+).*", key), "\\1", line)
  floor_res <<- lapply(stats::setNames(lines, sub("^method=(\\S+).*", "\\1", lines)), function(l) {
    list(min_ms = as.numeric(field(l, "min_ms_per_test")),
         med_ms = as.numeric(field(l, "median_ms_per_test")),
         cpu_ms = as.numeric(field(l, "min_cpu_ms_per_test")),
         p = if (grepl(" p=", l)) as.numeric(strsplit(field(l, "p"), ";", fixed = TRUE)[[1]]))
  })
  if (with_core) floor_note <<- sprintf("core built from %s with g++ %s", core_dir,
                                       paste(c(flags, pkg_flags), collapse = " "))
})

# ---- table --------------------------------------------------------------------
summ <- function(name) {
  r <- runs[[name]]
  if (is.null(r)) return(NULL)
  ms <- vapply(r, function(x) 1000 * x$sec / x$n, numeric(1))
  cpu <- vapply(r, function(x) 1000 * x$cpu / x$n, numeric(1))
  list(min = min(ms), med = stats::median(ms), cpu = min(cpu), n = r[[1]]$n, all = ms,
       p = r[[1]]$p)
}
S <- lapply(stats::setNames(nm = names(runs)), summ)
labels <- c(pg1 = "propgrad, 1 thread (independent)", pg2 = "propgrad, 2 threads",
            pg_calls = "propgrad, 1 thread, 20 calls of 10 series",
            pg_share = "propgrad, 1 thread, share_permutations, 20 x 10",
            pg_share_all = "propgrad, 1 thread, share_permutations, 1 call of 200",
            setup = "propgrad setup only (n_perm = 1), 1 thread",
            r_loop = "R loop sample() + EPGM",
            np_loop = "numpy loop permutation + gradient",
            np_batched = "numpy batched rng.permuted K x N",
            scipy = "scipy.stats.permutation_test pairings",
            coin = "coin independence_test approximate(K)")
ns_el <- function(ms) 1e6 * ms / (K * N_STEPS)
base <- S$pg1
rows <- list()
for (m in names(labels)) {
  s <- S[[m]]
  if (is.null(s)) {
    why <- if (m %in% c("pg_share", "pg_share_all")) "n/a: no share_permutations argument"
           else if (m == "coin") "n/a: coin not installed"
           else "n/a: Python run failed"
    rows[[m]] <- data.frame(method = labels[[m]], series = "-", min = "-", median = "-",
                            ns_el = "-", ratio_min = "-", ratio_med = "-", cpu = "-",
                            ratio_cpu = "-", note = why)
    next
  }
  rows[[m]] <- data.frame(
    method = labels[[m]], series = if (s$n < N_SERIES) sprintf("%d of %d", s$n, N_SERIES) else
      as.character(s$n),
    min = sprintf("%.3f", s$min), median = sprintf("%.3f", s$med),
    ns_el = sprintf("%.2f", ns_el(s$min)),
    ratio_min = sprintf("%.2f", s$min / base$min), ratio_med = sprintf("%.2f", s$med / base$med),
    cpu = sprintf("%.3f", s$cpu), ratio_cpu = sprintf("%.2f", s$cpu / base$cpu),
    note = if (s$n < N_SERIES) "subset" else if (m == "pg2") "CPU: both threads" else "")
}
if (!is.null(floor_res)) {
  fl <- c(core_shuffle_series = "C++ shuffle_series(), no R, 1 thread",
          fy32 = "floor: bare Fisher-Yates, 32-bit Lemire",
          fy_pair = "floor: bare Fisher-Yates, paired draws",
          fy16 = "floor: bare Fisher-Yates, 16-bit draws",
          fy32_x4 = "floor: bare Fisher-Yates, 4 interleaved",
          swap_only = "swaps alone (indices drawn beforehand)",
          core_shared_groups = sprintf("C++ shuffle_many(), shared, groups of %d", GROUP),
          core_shared_all = sprintf("C++ shuffle_many(), shared, one group of %d", N_SERIES),
          shared_floor = sprintf("shared floor: one 16-bit draw per %d + bare rows", GROUP))
  for (m in intersect(names(fl), names(floor_res))) {
    f <- floor_res[[m]]
    rows[[m]] <- data.frame(method = fl[[m]], series = as.character(N_SERIES),
                            min = sprintf("%.3f", f$min_ms), median = sprintf("%.3f", f$med_ms),
                            ns_el = sprintf("%.2f", ns_el(f$min_ms)),
                            ratio_min = sprintf("%.2f", f$min_ms / base$min),
                            ratio_med = sprintf("%.2f", f$med_ms / base$med),
                            cpu = sprintf("%.3f", f$cpu_ms), ratio_cpu = sprintf("%.2f", f$cpu_ms / base$cpu),
                            note = "C++")
  }
}
tab <- do.call(rbind, rows)
names(tab) <- c("method", "series", "min ms/test", "median ms/test", "ns/el (min)",
                "x pg1 (min)", "x pg1 (median)", "CPU ms/test (min)", "x pg1 CPU", "note")
cat(sprintf("Timings over %d rounds: wall-clock ms per test (time / series), min and median;\n", REPS))
cat("ns per shuffled element (min time / (K N)); x pg1 = time relative to propgrad at 1 thread\n")
cat("(150 = 150 times slower); CPU = the least user + system time, less disturbed by other jobs.\n")
cat("subset: a slow baseline timed on the first m series, its per-test time standing for all.\n")
print(tab, right = FALSE, row.names = FALSE)
if (nzchar(floor_note)) cat(sprintf("  (%s)\n", floor_note))

# ---- targets --------------------------------------------------------------------
verdict <- function(ok) if (isTRUE(ok)) "met" else "MISSED"
target_line <- function(label, v, target, higher_better, unit) {
  ok <- if (higher_better) v[1] >= target else v[1] <= target
  cat(sprintf("  %-36s min %8.2f%s  median %8.2f%s  CPU %8.2f%s   target %s %g%s   %s\n", label,
              v[1], unit, v[2], unit, v[3], unit, if (higher_better) ">=" else "<=", target, unit,
              verdict(ok)))
}
ratio_of <- function(m) {
  if (!is.null(S[[m]])) c(S[[m]]$min / base$min, S[[m]]$med / base$med, S[[m]]$cpu / base$cpu)
}
cat("\nTargets of issue 15 (verdict on the wall-clock min; median and CPU shown)\n")
target_line("ms per independent test, 1 thread", c(base$min, base$med, base$cpu), targets$ms_indep,
            FALSE, " ms")
if (!is.null(S$pg_share)) {
  target_line("ms per test, 10 series sharing", c(S$pg_share$min, S$pg_share$med, S$pg_share$cpu),
              targets$ms_shared, FALSE, " ms")
} else {
  cat("  ms per test, 10 series sharing      not available (property_test() has no share_permutations)\n")
}
if (!is.null(r <- ratio_of("r_loop"))) target_line("speed-up vs pure-R loop", r, targets$vs_r, TRUE, "x")
if (!is.null(r <- ratio_of("np_batched")))
  target_line("speed-up vs numpy batched", r, targets$vs_batched, TRUE, "x")
floor_min <- floor_med <- NA
if (!is.null(floor_res)) {
  drawn <- intersect(c("fy32", "fy_pair", "fy16", "fy32_x4"), names(floor_res))
  floor_min <- min(vapply(floor_res[drawn], `[[`, 0, "min_ms"))
  floor_med <- min(vapply(floor_res[drawn], `[[`, 0, "med_ms"))
  floor_cpu <- min(vapply(floor_res[drawn], `[[`, 0, "cpu_ms"))
  target_line("propgrad / floor (ns per element)",
              c(base$min / floor_min, base$med / floor_med, base$cpu / floor_cpu), targets$floor,
              FALSE, "x")
}
cat("For information\n")
for (m in c("np_loop", "scipy", "coin")) {
  if (!is.null(r <- ratio_of(m))) {
    cat(sprintf("  speed-up vs %-40s min %7.2fx  median %7.2fx  CPU %7.2fx\n", labels[[m]], r[1], r[2], r[3]))
  }
}
if (!is.null(r <- ratio_of("pg2"))) cat(sprintf("  2 threads vs 1 thread: %.2fx (min), %.2fx (median)\n",
                                                1 / r[1], 1 / r[2]))
if (!is.null(S$pg_share)) cat(sprintf("  sharing vs the same 20 calls without: %.2fx (min), %.2fx (median)\n",
                                      S$pg_calls$min / S$pg_share$min, S$pg_calls$med / S$pg_share$med))
cat(sprintf("  floor: %.3f ns per element (min), %.3f (median), best of the drawn variants\n",
            ns_el(floor_min), ns_el(floor_med)))
if (!is.null(sf <- floor_res$shared_floor) && !is.null(sg <- floor_res$core_shared_groups)) {
  cat(sprintf("  shared, groups of %d, C++ vs the shared floor: %.2fx (min), %.2fx (median); C++ %.3f ms/test, floor %.3f\n",
              GROUP, sg$min_ms / sf$min_ms, sg$med_ms / sf$med_ms, sg$min_ms, sf$min_ms))
}
if (!is.null(S$pg_share_all)) {
  cat(sprintf("  shared, one call of %d series: %.3f ms/test (min)%s\n", N_SERIES, S$pg_share_all$min,
              if (!is.null(floor_res$core_shared_all)) sprintf(", C++ %.3f", floor_res$core_shared_all$min_ms) else ""))
}
if (!is.null(floor_res$core_shuffle_series)) {
  cat(sprintf("  R and result overhead: property_test %.3f ms/test vs shuffle_series %.3f (min)\n",
              base$min, floor_res$core_shuffle_series$min_ms))
}
cat(sprintf("  setup alone (n_perm = 1): %.3f ms per series, %.0f%% of the 1-thread run\n",
            S$setup$min, 100 * S$setup$min / base$min))

# ---- sanity ---------------------------------------------------------------------
# Loose check only: the methods use other generators and (coin, scipy) other
# statistics or two-sided rules, so mean p agree roughly, not exactly.
cat("\nSanity: mean p-value on the same series\n")
m0 <- min(unlist(lapply(S[c("r_loop", "np_loop", "np_batched", "scipy", "coin")],
                        function(s) s$n)))
for (m in c("pg1", "pg_share", "r_loop", "np_loop", "np_batched", "scipy", "coin")) {
  s <- S[[m]]
  if (is.null(s) || is.null(s$p)) next
  p <- s$p[seq_len(m0)]
  cat(sprintf("  %-48s mean p %.4f on the first %d series (%d trends); p < 0.01: %d\n",
              labels[[m]], mean(p), m0, sum(ord[seq_len(m0)] <= n_trend), sum(p < 0.01)))
}
if (!is.null(floor_res$core_shuffle_series$p)) {
  cat(sprintf("  mean p on all %d series: property_test %.4f, C++ shuffle_series %.4f%s\n",
              N_SERIES, mean(base$p), mean(floor_res$core_shuffle_series$p),
              if (!is.null(S$pg_share)) sprintf(", shared %.4f", mean(S$pg_share$p)) else ""))
}
cat(sprintf("  1 and 2 threads identical p-values: %s\n", identical(base$p, S$pg2$p)))
cat(sprintf("  one call and 20 calls identical p-values: %s\n", identical(base$p, S$pg_calls$p)))
if (!is.null(S$pg_share_all)) {
  # Every group of one length draws the same permutations (the stream is
  # keyed by seed and n), so how series are split into calls changes nothing.
  cat(sprintf("  shared: 20 calls of 10 and one call of 200 identical p-values: %s\n",
              identical(S$pg_share$p, S$pg_share_all$p)))
}
cat(sprintf("  R EPGM vs propgrad::epgm(), max abs difference on 5 series: %.2e\n",
            max(vapply(ys[1:5], function(y) abs(epgm_r(y, t) - epgm(y, t)), numeric(1)))))
ver <- grep("^versions ", py_log, value = TRUE)
if (length(ver)) cat(sprintf("  Python: %s\n", sub("^versions ", "", ver)))
errs <- grep("error=|Error|Traceback", py_log, value = TRUE)
if (length(errs)) cat("  Python problems:", errs, sep = "\n    ")
if (have_coin) cat(sprintf("  coin %s (its linear statistic, not the EPGM)\n", utils::packageVersion("coin")))
cat(sprintf("  load average after each round: %s\n", paste(round_load, collapse = ", ")))
cat(sprintf("  load average at end: %s\n", loadavg()))
