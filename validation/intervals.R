# Coverage of every interval propgrad reports, with binomial 99% bands:
#   interval_mean: the interval of a mean EPGM (summary(): studentized
#     bootstrap, equal tails; and the t interval) on sigmoid-shaped EPGMs,
#     log-normal and normal values, n = 5, 8, 20;
#   interval_difference: the interval of a mean difference
#     (compare_models(): symmetric studentized bootstrap) under equal means
#     with different shapes;
#   interval_p: the Monte Carlo interval of p (p.conf.int, 99%) against the
#     permutation p of 10^6 shuffles.
# Run from the package root: Rscript validation/intervals.R [n_sim]
source(file.path("validation", "common.R"))
args <- commandArgs(TRUE)
n_sim <- if (length(args)) as.integer(args[1]) else 4000
set.seed(20261125)

# EPGMs of sigmoid-shaped output curves (slopes and centres vary by input).
sigmoid_epgm <- function(k) {
  t <- seq(0, 1, length.out = 50)
  vapply(seq_len(k), function(i) {
    y <- stats::plogis(stats::runif(1, 4, 16) * (t - stats::runif(1, 0.3, 0.7))) +
      stats::rnorm(50, sd = 0.01)
    epgm(y, t)
  }, 0)
}
sigmoid_mean <- mean(sigmoid_epgm(50000))

scenarios <- list(
  sigmoid = list(draw = sigmoid_epgm, mean = sigmoid_mean),
  `lognormal 0.5` = list(draw = function(k) exp(stats::rnorm(k, 0, 0.5)), mean = exp(0.125)),
  `lognormal 1` = list(draw = function(k) exp(stats::rnorm(k, 0, 1)), mean = exp(0.5)),
  normal = list(draw = function(k) stats::rnorm(k, 1), mean = 1))

interval_cell <- function(name, n, method) {
  sc <- scenarios[[name]]
  covered <- vapply(seq_len(n_sim), function(i) {
    ci <- propgrad:::mean_interval(sc$draw(n), list(interval = method, conf_level = 0.95, n_boot = 2000,
                                                   seed = i, tolerance = 1e-9))
    ci[1] <= sc$mean && sc$mean <= ci[2]
  }, TRUE)
  data.frame(scenario = name, n = n, interval = method, n_sim = n_sim, rate = mean(covered))
}
cells <- expand.grid(name = names(scenarios), n = c(5, 8, 20), method = c("bootstrap_t", "t"),
                     stringsAsFactors = FALSE)
mean_tab <- timed(do.call(rbind, Map(interval_cell, cells$name, cells$n, cells$method)))
tab <- mean_tab
tab$nominal <- 0.95
tab <- with_band(tab)
# The targets the method was chosen for (issue 11): [0.93, 0.97] at 8
# sigmoid-shaped EPGMs, at least 0.90 at 20 log-normal (sigma = 1) ones.
tab$target <- ifelse(tab$scenario == "sigmoid" & tab$n == 8, "0.93 to 0.97",
                     ifelse(tab$scenario == "lognormal 1" & tab$n == 20, "at least 0.90", ""))
tab$target_met <- ifelse(tab$target == "0.93 to 0.97", tab$rate >= 0.93 & tab$rate <= 0.97,
                         ifelse(tab$target == "at least 0.90", tab$rate >= 0.90, NA))
save_table(tab, "interval_mean", attr(mean_tab, "seconds"), "Rscript validation/intervals.R")

# Differences d = B - A of two models on the same inputs, equal means.
differences <- list(
  `lognormal - gamma` = function(k) stats::rgamma(k, 4, 4) - exp(stats::rnorm(k)) / exp(0.5),
  `paired, heavy tails` = function(k) {
    a <- exp(stats::rnorm(k, 0, 0.75)) / exp(0.75^2 / 2)
    a * stats::runif(k, 0.5, 1.5) - a
  },
  `exponential - 1` = function(k) stats::rexp(k) - 1,
  normal = function(k) stats::rnorm(k))
diff_cell <- function(name, n) {
  covered <- vapply(seq_len(n_sim), function(i) {
    r <- propgrad:::paired_test(differences[[name]](n), list(
      test = "bootstrap_t", n_perm = 1, n_boot = 2000, conf_level = 0.95, seed = i,
      tolerance = 1e-9, p_conf_level = 0.99))
    r$conf.low <= 0 && 0 <= r$conf.high
  }, TRUE)
  data.frame(scenario = name, n = n, interval = "symmetric bootstrap-t", n_sim = n_sim, rate = mean(covered))
}
cells <- expand.grid(name = names(differences), n = c(10, 20), stringsAsFactors = FALSE)
diff_tab <- timed(do.call(rbind, Map(diff_cell, cells$name, cells$n)))
tab <- diff_tab
tab$nominal <- 0.95
tab <- with_band(tab)
save_table(tab, "interval_difference", attr(diff_tab, "seconds"), "Rscript validation/intervals.R")

# The Monte Carlo interval of p: series with permutation p near 0.01, 0.05
# and 0.3, on even steps (closed-form centre) and uneven ones (K + 1 mean).
p_cell <- function(target, even) {
  n <- 40
  t <- if (even) seq(0, 1, length.out = n) else cumsum(c(0, 1 + (seq_len(n - 1) %% 3)))
  # find a series whose p is near the target (screened with 10^4 shuffles)
  for (attempt in 1:2000) {
    y <- stats::rnorm(n) + seq(0, 1, length.out = n) * stats::runif(1, 0, 2)
    rough <- suppressWarnings(shuffle_test(y, t, n_perm = 1e4, seed = 1))$p.value
    if (abs(rough - target) / target < 0.2) break
  }
  truth <- suppressWarnings(shuffle_test(y, t, n_perm = 1e6, seed = 2))$p.value
  covered <- vapply(seq_len(n_sim), function(i) {
    ci <- suppressWarnings(shuffle_test(y, t, n_perm = 999, seed = i + 1))$p.conf.int
    ci[1] <= truth && truth <= ci[2]
  }, TRUE)
  data.frame(p_permutation = signif(truth, 3), spacing = if (even) "even" else "uneven",
             n_perm = 999, level = 0.99, n_sim = n_sim, rate = mean(covered))
}
cells <- expand.grid(target = c(0.01, 0.05, 0.3), even = c(TRUE, FALSE))
p_tab <- timed(do.call(rbind, Map(p_cell, cells$target, cells$even)))
tab <- p_tab
tab$nominal <- 0.99
tab <- with_band(tab)
# Clopper-Pearson intervals are conservative by construction: at least the level.
tab$check <- "at least"
tab$inside <- tab$rate >= tab$band_low
save_table(tab, "interval_p", attr(p_tab, "seconds"), "Rscript validation/intervals.R")
