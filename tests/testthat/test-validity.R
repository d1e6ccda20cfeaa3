# A fast, seeded subset of validation/ (the full tables are in the Validity
# vignette): each rate must fall inside its binomial 99% band, so the tests
# fail when a p-value, interval or adjustment loses its level. They reproduce
# the failures the centring and interval changes removed: at K = 19 the old
# two-sided centre rejected 0.062 at 0.05, the percentile bootstrap covered
# 0.87 at eight inputs.

rate_band <- function(p, n) stats::qbinom(c(0.005, 0.995), n, p) / n

test_that("the two-sided test keeps its level at K = 19 and K = 9", {
  set.seed(101)
  for (even in c(TRUE, FALSE)) {
    t <- if (even) seq(0, 1, length.out = 30) else cumsum(c(0, 1 + (1:29 %% 3)))
    d <- data.frame(id = rep(1:10000, each = 30), t = rep(t, 10000), y = rnorm(3e5))
    res <- property_test(d, "y", "t", by = "id", n_perm = 19, seed = 1, p_adjust = "none", alpha = 0.5)
    band <- rate_band(0.05, 10000)
    rate <- mean(res$p.value <= 0.05)
    expect_gte(rate, band[1])
    expect_lte(rate, band[2])
    small <- d[d$id <= 5000, ]
    res <- property_test(small, "y", "t", by = "id", n_perm = 9, seed = 2, p_adjust = "none", alpha = 0.5)
    band <- rate_band(0.1, 5000)
    expect_gte(mean(res$p.value <= 0.1), band[1])
    expect_lte(mean(res$p.value <= 0.1), band[2])
  }
})

test_that("sequential, corr and mi tests keep their levels", {
  set.seed(102)
  uneven <- cumsum(c(0, 1 + (1:29 %% 3)))
  d <- data.frame(id = rep(1:2000, each = 30), t = rep(uneven, 2000), y = rnorm(6e4))
  band <- rate_band(0.05, 2000)
  seq <- property_test(d, "y", "t", by = "id", n_perm = 9999, sequential = 10, seed = 3,
                       p_adjust = "none")
  expect_gte(mean(seq$p.value <= 0.05), band[1])
  expect_lte(mean(seq$p.value <= 0.05), band[2])
  corr <- property_test(d, "y", "t", by = "id", n_perm = 999, statistic = "corr", seed = 4,
                        p_adjust = "none")
  expect_gte(mean(corr$p.value <= 0.05), band[1])
  expect_lte(mean(corr$p.value <= 0.05), band[2])
  mi <- property_test(d[d$id <= 600, ], "y", "t", by = "id", n_perm = 199, statistic = "mi",
                      seed = 5, p_adjust = "none", alpha = 0.05)
  band600 <- rate_band(0.05, 600)
  expect_gte(mean(mi$p.value <= 0.05), band600[1])
  expect_lte(mean(mi$p.value <= 0.05), band600[2])
})

test_that("Holm and Westfall-Young control the family-wise error", {
  set.seed(103)
  hits <- vapply(1:300, function(s) {
    d <- data.frame(id = rep(1:10, each = 20), t = rep(1:20, 10), y = rnorm(200))
    res <- property_test(d, "y", "t", by = "id", n_perm = 499, seed = s,
                         p_adjust = "westfall_young", alpha = 0.05)
    c(wy = any(res$adj.p.value <= 0.05), holm = any(p.adjust(res$p.value, "holm") <= 0.05))
  }, logical(2))
  top <- rate_band(0.05, 300)[2]
  expect_lte(mean(hits["wy", ]), top)
  expect_lte(mean(hits["holm", ]), top)
})

test_that("the summary interval covers a mean of eight sigmoid-shaped EPGMs", {
  set.seed(104)
  t <- seq(0, 1, length.out = 50)
  draw <- function(k) vapply(seq_len(k), function(i) {
    epgm(plogis(runif(1, 4, 16) * (t - runif(1, 0.3, 0.7))) + rnorm(50, sd = 0.01), t)
  }, 0)
  truth <- mean(draw(20000))
  covered <- vapply(1:500, function(i) {
    ci <- propgrad:::mean_interval(draw(8), list(interval = "bootstrap_t", conf_level = 0.95,
                                                 n_boot = 999, seed = i, tolerance = 1e-9))
    ci[1] <= truth && truth <= ci[2]
  }, TRUE)
  band <- rate_band(0.95, 500)
  expect_gte(mean(covered), band[1])
  expect_lte(mean(covered), band[2])
})

test_that("the sign-flip test is exact for symmetric differences", {
  set.seed(105)
  settings <- list(test = "sign_flip", n_perm = 10000, n_boot = 200, conf_level = 0.95,
                   tolerance = 1e-9, p_conf_level = 0.99)
  p <- vapply(1:2000, function(i) {
    settings$seed <- i
    propgrad:::paired_test(rnorm(10), settings)$p.value
  }, 0)
  band <- rate_band(0.05, 2000)
  expect_gte(mean(p <= 0.05), band[1])
  expect_lte(mean(p <= 0.05), band[2])
})

test_that("the Monte Carlo interval of p covers the permutation p", {
  set.seed(106)
  t <- seq(0, 1, length.out = 40)
  y <- rnorm(40) + 0.8 * t
  truth <- shuffle_test(y, t, n_perm = 1e6, seed = 1)$p.value
  covered <- vapply(1:500, function(i) {
    ci <- shuffle_test(y, t, n_perm = 999, seed = i + 1)$p.conf.int
    ci[1] <= truth && truth <= ci[2]
  }, TRUE)
  expect_gte(mean(covered), rate_band(0.99, 500)[1])
})

test_that("shared permutations keep each series' level and the family's FWER", {
  # Over independent calls (each with its own seed, so its own set of shared
  # permutations): the first series' rejection rate at K = 19, where the
  # two-sided centre matters most, and Holm's FWER over the call's 4 series.
  set.seed(104)
  calls <- 1500
  t <- seq(0, 1, length.out = 30)
  out <- vapply(seq_len(calls), function(i) {
    d <- data.frame(id = rep(1:4, each = 30), t = rep(t, 4), y = rnorm(120))
    res <- property_test(d, "y", "t", by = "id", n_perm = 19, seed = i, p_adjust = "none",
                         alpha = 0.5, share_permutations = TRUE)
    c(res$p.value[1] <= 0.05, any(stats::p.adjust(res$p.value, "holm") <= 0.2))
  }, numeric(2))
  band <- rate_band(0.05, calls)
  expect_gte(mean(out[1, ]), band[1])
  expect_lte(mean(out[1, ]), band[2])
  expect_lte(mean(out[2, ]), rate_band(0.2, calls)[2])
})
