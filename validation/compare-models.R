# Size and power of compare_models()' paired tests (sign flip, symmetric
# bootstrap-t) for the hypothesis of equal mean EPGMs, under differences
# that are symmetric, heavy-tailed or skewed, at n = 5 ... 30 pairs; size
# with binomial 99% bands around 0.05, power at a shift of half an sd.
# Run from the package root: Rscript validation/compare-models.R [n_sim]
source(file.path("validation", "common.R"))
args <- commandArgs(TRUE)
n_sim <- if (length(args)) as.integer(args[1]) else 4000
set.seed(20261126)

# Differences d = B - A with E(d) = 0, and their sd (for the power shift).
differences <- list(
  `lognormal - gamma` = list(draw = function(k) stats::rgamma(k, 4, 4) - exp(stats::rnorm(k)) / exp(0.5),
                             sd = sqrt(exp(1) - 1 + 0.25)),
  `paired, heavy tails` = list(draw = function(k) {
    a <- exp(stats::rnorm(k, 0, 0.75)) / exp(0.75^2 / 2)
    a * stats::runif(k, 0.5, 1.5) - a
  }, sd = sqrt(exp(0.75^2) / 12)),
  `exponential - 1` = list(draw = function(k) stats::rexp(k) - 1, sd = 1),
  normal = list(draw = function(k) stats::rnorm(k), sd = 1))

cell <- function(name, n, test, shift) {
  sc <- differences[[name]]
  settings <- list(test = test, n_perm = 10000, n_boot = 2000, conf_level = 0.95, tolerance = 1e-9,
                   p_conf_level = 0.99)
  sims <- if (shift == 0) n_sim else n_sim %/% 2
  p <- vapply(seq_len(sims), function(i) {
    settings$seed <- i
    propgrad:::paired_test(sc$draw(n) + shift * sc$sd, settings)$p.value
  }, 0)
  data.frame(differences = name, n = n, test = test, what = if (shift == 0) "size" else "power",
             n_sim = sims, rate = mean(p <= 0.05))
}
cells <- expand.grid(name = names(differences), n = c(5, 8, 10, 15, 20, 30),
                     test = c("sign_flip", "bootstrap_t"), shift = c(0, 0.5), stringsAsFactors = FALSE)
run <- timed(do.call(rbind, Map(cell, cells$name, cells$n, cells$test, cells$shift)))
tab <- run
tab$nominal <- ifelse(tab$what == "size", 0.05, NA)
size <- tab$what == "size"
b <- band(rep(0.05, nrow(tab)), tab$n_sim)
tab$band_low <- ifelse(size, b[, 1], NA)
tab$band_high <- ifelse(size, b[, 2], NA)
# A valid test stays at or below the band's top; below its bottom it is
# conservative (at n = 5 the sign flip cannot reach 0.05 at all).
tab$check <- ifelse(size, "at most", "")
tab$inside <- ifelse(size, tab$rate <= tab$band_high, NA)
tab$conservative <- ifelse(size, tab$rate < tab$band_low, NA)
save_table(tab, "compare_models", attr(run, "seconds"), "Rscript validation/compare-models.R")
