# Multiple testing across a study: Westfall-Young max-T from the core's
# joint stream (its gain over Holm for dependent series, family-wise error
# control under the complete null, raw p-values untouched), the resolution
# floor of every adjustment, and the settings Westfall-Young refuses. The
# step-down computation itself is checked against a direct one in
# tests/cpp/test_joint.cpp.

test_that("for identical series Westfall-Young keeps one p where Holm multiplies it", {
  one <- null_study(1, 25, seed = 9)
  one$y <- one$y + seq(0, 1.2, length.out = 25)
  copies <- do.call(rbind, lapply(1:10, function(k) transform(one, id = k)))
  wy <- property_test(copies, "y", "t", by = "id", n_perm = 999, seed = 2, p_adjust = "westfall_young")
  holm <- property_test(copies, "y", "t", by = "id", n_perm = 999, seed = 2, p_adjust = "holm")
  expect_equal(length(unique(wy$adj.p.value)), 1)
  expect_equal(wy$p.value, holm$p.value)
  # identical copies share their data, so they share their stream and p
  expect_equal(length(unique(wy$p.value)), 1)
  expect_true(all(holm$adj.p.value > wy$adj.p.value))
})

test_that("Westfall-Young is identical at any thread count and on the future backend", {
  study <- null_study(6, 30, seed = 3)
  study$y[study$id == 2] <- study$y[study$id == 2] + seq(0, 10, length.out = 30)
  a <- property_test(study, "y", "t", by = "id", n_perm = 999, seed = 4, p_adjust = "westfall_young",
                     nthreads = 1)
  b <- property_test(study, "y", "t", by = "id", n_perm = 999, seed = 4, p_adjust = "westfall_young",
                     nthreads = 2)
  expect_identical(a$adj.p.value, b$adj.p.value)
  expect_lt(a$adj.p.value[2], 0.01)
  skip_if_not_installed("future.apply")
  future::plan(future::sequential)
  f <- property_test(study, "y", "t", by = "id", n_perm = 999, seed = 4, p_adjust = "westfall_young",
                     backend = "future", chunk_size = 2)
  expect_identical(f$adj.p.value, a$adj.p.value)
  expect_identical(f$p.value, a$p.value)
})

test_that("the family-wise error rate is controlled under the complete null", {
  set.seed(11)
  min_p <- vapply(1:150, function(s) {
    study <- null_study(8, 20, seed = s)
    res <- property_test(study, "y", "t", by = "id", n_perm = 199, seed = s,
                         p_adjust = "westfall_young", alpha = 0.05)
    min(res$adj.p.value)
  }, 0)
  expect_lte(mean(min_p <= 0.05), stats::qbinom(0.995, 150, 0.05) / 150)
})

test_that("each adjustment has its resolution floor", {
  s <- list(n_perm = 999, p_method = "plus_one", exact = TRUE, statistic = "grad",
            alternative = "two.sided", gradient = propgrad:::gradient_settings(), sequential = 0,
            pilot = 1000, seed = 1, tolerance = 1e-9, p_conf_level = 0.99, null_buffer_max = 1e5,
            share_permutations = FALSE)
  floor <- function(adj, m = 10, n = 30) propgrad:::resolution_floor(rep(n, m), s, adj)$floor
  expect_equal(floor("holm"), 10 / 1000)
  expect_equal(floor("bonferroni"), 10 / 1000)
  expect_equal(floor("BH"), 10 / 1000)
  expect_equal(floor("hommel"), 10 / 1000)
  expect_equal(floor("BY"), 10 * sum(1 / 1:10) / 1000)
  expect_equal(floor("none"), 1 / 1000)
  expect_equal(floor("westfall_young"), 1 / 1000)
  expect_equal(floor("holm", m = 2, n = 5), 2 / 120)  # 5! = 120 <= 999: enumerated
  expect_equal(floor("holm", m = 2000), 1)
})

test_that("Westfall-Young refuses settings it cannot honour", {
  d <- data.frame(id = rep(1:2, c(10, 12)), t = c(1:10, 1:12), y = rnorm(22))
  expect_error(property_test(d, "y", "t", by = "id", p_adjust = "westfall_young"),
               class = "propgrad_error_incompatible")
  study <- null_study(3, 10)
  expect_error(property_test(study, "y", "t", by = "id", p_adjust = "westfall_young", sequential = 5),
               class = "propgrad_error_incompatible")
})

test_that("a series with a non-finite statistic takes no part in Westfall-Young", {
  set.seed(1)
  d <- data.frame(image = rep(1:8, each = 12), t = rep(1:12, 8), y = rnorm(96))
  d$y[d$image == 5] <- d$t[d$image == 5]  # a clear effect
  bad <- d$image == 3
  d$y[bad] <- rep(c(1e308, -1e308), 6)  # differences beyond double range
  expect_warning(res <- property_test(d, y ~ t | image, n_perm = 999, seed = 1,
                                      p_adjust = "westfall_young"),
                 class = "propgrad_warning_nonfinite")
  expect_true(is.na(res$adj.p.value[res$image == 3]))
  expect_true(is.na(res$p.value[res$image == 3]))
  # The joint permutations do not depend on the data: the other series get
  # exactly the adjusted p of the study without the bad one.
  without <- property_test(d[!bad, ], y ~ t | image, n_perm = 999, seed = 1, p_adjust = "westfall_young")
  expect_equal(res$adj.p.value[res$image != 3], without$adj.p.value)
  expect_lt(res$adj.p.value[res$image == 5], 0.01)
})
