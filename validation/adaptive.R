# The adaptive mode against a large-K oracle: in many simulated studies
# (100 series, 10 with effects of several sizes), how often any decision
# differs from the decisions of K = 2 x 10^5 shuffles per series (BH and
# Holm), how many series stay undecided, and how many shuffles it spends.
# Run from the package root: Rscript validation/adaptive.R [n_studies]
source(file.path("validation", "common.R"))
args <- commandArgs(TRUE)
n_studies <- if (length(args)) as.integer(args[1]) else 40
set.seed(20261127)
alpha <- 0.05
epsilon <- 0.01

make_study <- function() {
  n <- 50
  t <- seq(0, 1, length.out = n)
  slopes <- c(stats::runif(10, 0.5, 3), rep(0, 90))
  data.frame(id = rep(seq_along(slopes), each = n), t = rep(t, length(slopes)),
             y = unlist(lapply(slopes, function(k) k * stats::plogis(8 * (t - 0.5)) + stats::rnorm(n))))
}

one_study <- function(s, procedure) {
  d <- make_study()
  oracle <- suppressWarnings(property_test(d, "y", "t", by = "id", n_perm = 2e5 - 1, seed = s,
                                           p_adjust = procedure, alpha = alpha))
  ad <- suppressWarnings(property_test(d, "y", "t", by = "id", n_perm = "adaptive", seed = s + 1e6,
                                       p_adjust = procedure, alpha = alpha,
                                       adaptive = adaptive_control(epsilon = epsilon)))
  decided <- ad$decision != "undecided"
  truth <- oracle$adj.p.value <= alpha
  c(differ = any(decided & (ad$decision == "significant") != truth),
    n_differ = sum(decided & (ad$decision == "significant") != truth),
    undecided = sum(!decided), significant = sum(truth),
    shuffles = attr(ad, "settings")$adaptive$total_shuffles, oracle_shuffles = sum(oracle$n_perm_used))
}

run <- timed(do.call(rbind, lapply(c("BH", "holm"), function(proc) {
  res <- vapply(seq_len(n_studies), function(s) one_study(s, proc), numeric(6))
  data.frame(p_adjust = proc, epsilon = epsilon, n_studies = n_studies, series = 100,
             studies_with_a_difference = sum(res["differ", ]), decisions_differing = sum(res["n_differ", ]),
             mean_undecided = mean(res["undecided", ]), mean_significant = mean(res["significant", ]),
             mean_shuffles = mean(res["shuffles", ]), oracle_shuffles = mean(res["oracle_shuffles", ]))
})))
tab <- run
# The bound: P(any decision differs from the exact permutation p's) <= epsilon;
# the oracle itself has Monte Carlo error, so differences near the threshold
# can be the oracle's.
tab$rate <- tab$studies_with_a_difference / tab$n_studies
tab$band_high <- stats::qbinom(0.995, tab$n_studies, epsilon) / tab$n_studies
tab$inside <- tab$rate <= tab$band_high
save_table(tab, "adaptive", attr(run, "seconds"), "Rscript validation/adaptive.R")
