# The Westfall-Young step-down max-T adjustment: agreement with a direct R
# computation, its gain over Holm for dependent series, family-wise error
# control under the complete null, and the settings it refuses.

test_that("Westfall-Young matches a direct step-down max-T computation", {
  study <- null_study(6, 30, seed = 3)
  study$y[study$id == 2] <- study$y[study$id == 2] + seq(0, 10, length.out = 30)
  res <- property_test(study, "y", "t", by = "id", n_perm = 999, seed = 4,
                       p_adjust = "westfall_young", keep_null = TRUE)
  null <- attr(res, "null")
  z_null <- abs(sweep(sweep(null, 2, res$null_mean), 2, res$null_sd, "/"))
  z_obs <- abs((res$statistic - res$null_mean) / res$null_sd) * (1 - 1e-9)
  o <- order(z_obs, decreasing = TRUE)
  p <- numeric(6)
  for (r in 1:6) {
    rest <- o[r:6]
    maxima <- apply(z_null[, rest, drop = FALSE], 1, max)
    p[r] <- (sum(maxima >= z_obs[o[r]]) + 1) / 1000
  }
  expected <- numeric(6)
  expected[o] <- pmin(1, cummax(p))
  expect_equal(res$p.adjusted, expected)
  expect_true(all(res$p.adjusted >= res$p.value - 1e-12))
  expect_lt(res$p.adjusted[2], 0.01)
})

test_that("for identical series Westfall-Young keeps the raw p where Holm multiplies it", {
  one <- null_study(1, 25, seed = 9)
  one$y <- one$y + seq(0, 1.2, length.out = 25)
  copies <- do.call(rbind, lapply(1:10, function(k) transform(one, id = k)))
  wy <- property_test(copies, "y", "t", by = "id", n_perm = 999, seed = 2, p_adjust = "westfall_young")
  holm <- property_test(copies, "y", "t", by = "id", n_perm = 999, seed = 2, p_adjust = "holm")
  expect_equal(wy$p.adjusted, wy$p.value)
  expect_true(all(holm$p.adjusted > wy$p.adjusted))
})

test_that("the family-wise error rate is controlled under the complete null", {
  set.seed(11)
  min_p <- vapply(1:150, function(s) {
    study <- null_study(8, 20, seed = s)
    res <- property_test(study, "y", "t", by = "id", n_perm = 199, seed = s,
                         p_adjust = "westfall_young")
    min(res$p.adjusted)
  }, 0)
  expect_lte(mean(min_p <= 0.05), stats::qbinom(0.995, 150, 0.05) / 150)
})

test_that("Westfall-Young refuses settings it cannot honour", {
  d <- data.frame(id = rep(1:2, c(10, 12)), t = c(1:10, 1:12), y = rnorm(22))
  expect_error(property_test(d, "y", "t", by = "id", p_adjust = "westfall_young"),
               class = "propgrad_error_incompatible")
  study <- null_study(3, 10)
  expect_error(property_test(study, "y", "t", by = "id", p_adjust = "westfall_young", sequential = 5),
               class = "propgrad_error_incompatible")
})
