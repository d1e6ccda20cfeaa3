# Shared permutations (property_test(share_permutations = TRUE)): each
# series' p-value must keep its level, and adjusted p-values their
# family-wise error rate, although the series of a call now reuse one set
# of permutations. Within one call the series are dependent (they share the
# Monte Carlo draws), so every rate is estimated over independent calls,
# each with its own seed, with binomial 99% bands over the calls:
#   shared_level: the rejection rate of the first series of each call
#     (marginal level) for grad and corr, two-sided and one-sided, evenly
#     and unevenly spaced steps, K = 19 (where the two-sided centre matters
#     most) and K = 999;
#   shared_fwer: the probability that any of the call's 10 null series is
#     rejected after Holm, Bonferroni, BY and BH at alpha = 0.05, with and
#     without sharing.
# Run from the package root: Rscript validation/shared-permutations.R [n_calls]
source(file.path("validation", "common.R"))
args <- commandArgs(TRUE)
n_calls <- if (length(args)) as.integer(args[1]) else 2000
set.seed(20261207)
group_size <- 10

one_call <- function(n, even, K, statistic, alternative, share, p_adjust = "none") {
  d <- null_series(group_size, n, stats::rnorm, even)
  suppressMessages(suppressWarnings(
    property_test(d, "y", "t", by = "id", statistic = statistic, alternative = alternative,
                  n_perm = K, seed = sample.int(1e6, 1), p_adjust = p_adjust, alpha = 0.05,
                  share_permutations = share)))
}

level_cell <- function(statistic, alternative, n, even, K) {
  p1 <- vapply(seq_len(n_calls), function(i) one_call(n, even, K, statistic, alternative, TRUE)$p.value[1], 0)
  data.frame(statistic = statistic, alternative = alternative, n_steps = n,
             spacing = if (even) "even" else "uneven", K = K, n_sim = n_calls,
             rate_05 = mean(p1 <= 0.05), rate_01 = mean(p1 <= 0.01))
}

cells <- list()
for (K in c(19, 999)) {
  for (statistic in c("grad", "corr")) {
    for (alternative in c("two.sided", "less")) {
      for (even in if (statistic == "grad") c(TRUE, FALSE) else TRUE) {
        cells[[length(cells) + 1]] <- list(statistic, alternative, 30, even, K)
      }
    }
  }
}
level <- timed(do.call(rbind, lapply(cells, function(cl) {
  out <- do.call(level_cell, cl)
  cat(sprintf("  %s %s %s K=%d: %.4f\n", out$statistic, out$alternative, out$spacing, out$K, out$rate_05))
  out
})))
tab <- level
tab$nominal <- 0.05
tab <- with_band(tab, rate = "rate_05")
# p <= 0.01 needs K = 999; at K = 19 the smallest p is 0.05.
b01 <- band(rep(0.01, nrow(tab)), tab$n_sim)
tab$inside <- tab$inside & (tab$K < 99 | (tab$rate_01 >= b01[, 1] & tab$rate_01 <= b01[, 2]))
save_table(tab, "shared_level", attr(level, "seconds"), "Rscript validation/shared-permutations.R")

# FWER of the 10 series of a call, with and without sharing.
fwer <- timed(do.call(rbind, lapply(c(TRUE, FALSE), function(share) {
  rejected <- vapply(seq_len(n_calls), function(i) {
    res <- one_call(30, TRUE, 999, "grad", "two.sided", share)
    vapply(c("holm", "bonferroni", "BY", "BH"), function(m) any(stats::p.adjust(res$p.value, m) <= 0.05), TRUE)
  }, logical(4))
  data.frame(share_permutations = share, p_adjust = rownames(rejected), n_series = group_size,
             n_sim = n_calls, fwer = rowMeans(rejected))
})))
ftab <- fwer
ftab$nominal <- 0.05
ftab <- with_band(ftab, rate = "fwer")
# Holm, Bonferroni and BY are conservative under dependence: "at most".
ftab$inside <- ftab$fwer <= ftab$band_high
save_table(ftab, "shared_fwer", attr(fwer, "seconds"), "Rscript validation/shared-permutations.R")
