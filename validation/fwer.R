# Family-wise error rate of every p_adjust under the complete null, with
# independent and with dependent series, and of the adaptive mode; binomial
# 99% bands around alpha = 0.05. A valid procedure stays at or below the
# band's top; "none" shows what happens without adjustment.
# Run from the package root: Rscript validation/fwer.R [n_studies]
source(file.path("validation", "common.R"))
args <- commandArgs(TRUE)
n_studies <- if (length(args)) as.integer(args[1]) else 1000
set.seed(20261124)
m <- 20
n <- 30
alpha <- 0.05

study_data <- function(dependence) {
  z <- stats::rnorm(n)
  draw <- switch(dependence,
    independent = function(k) stats::rnorm(k),
    # every series shares a latent curve: strongly dependent statistics
    dependent = function(k) sqrt(0.7) * z + sqrt(0.3) * stats::rnorm(k))
  null_series(m, n, draw, even = FALSE)
}

one_study <- function(dependence, seed) {
  d <- study_data(dependence)
  raw <- suppressWarnings(property_test(d, "y", "t", by = "id", n_perm = 999, seed = seed,
                                        p_adjust = "westfall_young", alpha = alpha))
  methods <- c("holm", "hochberg", "hommel", "bonferroni", "BH", "BY", "none")
  any_rejected <- vapply(methods, function(mt) any(stats::p.adjust(raw$p.value, mt) <= alpha), TRUE)
  any_rejected["westfall_young"] <- any(raw$adj.p.value <= alpha)
  for (proc in c("holm", "BH")) {
    ad <- suppressWarnings(property_test(d, "y", "t", by = "id", n_perm = "adaptive", seed = seed,
                                         p_adjust = proc, alpha = alpha))
    any_rejected[paste0(proc, " (adaptive)")] <- any(ad$decision == "significant")
  }
  any_rejected
}

run <- timed(do.call(rbind, lapply(c("independent", "dependent"), function(dep) {
  hits <- vapply(seq_len(n_studies), function(s) one_study(dep, s), logical(10))
  data.frame(dependence = dep, p_adjust = rownames(hits), n_sim = n_studies, m = m,
             rate = rowMeans(hits), row.names = NULL)
})))
tab <- run
tab$nominal <- alpha
tab <- with_band(tab)
tab$check <- ifelse(tab$p_adjust == "none", "exceeds without adjustment", "at most")
tab$inside <- ifelse(tab$p_adjust == "none", NA, tab$rate <= tab$band_high)
save_table(tab, "fwer", attr(run, "seconds"), "Rscript validation/fwer.R")
