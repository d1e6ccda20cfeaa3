# The bridge to the C++ engine: settings are validated once into the named
# list C++ reads by name (a missing name is an internal error, not a silent
# default), statistics pick their direction, refused series are named, and
# the results carry p, its interval and z from the core.

test_that("settings are one named list with the choices users type", {
  s <- propgrad:::shuffle_settings("grad", c("two.sided", "less", "greater"), 999, "plus_one",
                                   NULL, 1, 1, FALSE, list())
  expect_equal(s$statistic, "grad")
  expect_equal(s$alternative, "two.sided")
  expect_equal(s$mode, "fixed")
  expect_equal(s$p_conf_level, 0.99)
  expect_equal(s$tolerance, 1e-9)
  expect_named(s$gradient, c("spacing", "rescale", "period", "window", "degree"))
  mi <- propgrad:::shuffle_settings("mi", c("two.sided", "less", "greater"), 99, "plus_one",
                                    NULL, 1, 1, FALSE, list())
  expect_equal(mi$alternative, "greater")
  zs <- propgrad:::shuffle_settings("corr", c("two.sided", "less", "greater"), 99, "zollstock",
                                    NULL, 1, 1, FALSE, list())
  expect_equal(zs$alternative, "two.sided")
  expect_equal(propgrad:::shuffle_settings("grad", "less", "auto", "plus_one", NULL, 1, 1, FALSE,
                                           list())$mode, "auto")
})

test_that("C++ reads settings by name and refuses a missing one", {
  s <- propgrad:::shuffle_settings("grad", "less", 99, "plus_one", NULL, 1, 1, FALSE, list())
  s$joint_only <- FALSE
  y <- list(c(1, 3, 2, 5, 4, 6, 8, 7))
  t <- list(as.double(1:8))
  res <- propgrad:::pg_shuffle_cpp(y, t, s)
  expect_equal(res$n_perm_used, 99)
  expect_error(propgrad:::pg_shuffle_cpp(y, t, s[setdiff(names(s), "tolerance")]),
               "setting 'tolerance' was not passed")
  bad <- s
  bad$alternative <- "both"
  expect_error(propgrad:::pg_shuffle_cpp(y, t, bad), "alternative 'both'")
  expect_error(propgrad:::pg_floor_factor_cpp("hommel", 3), "no fixed critical values")
})

test_that("results come with p, its interval and z from the core", {
  s <- propgrad:::shuffle_settings("grad", "two.sided", 999, "plus_one", NULL, 1, 1, FALSE, list())
  s$joint_only <- FALSE
  set.seed(2)
  y <- rnorm(30)
  res <- propgrad:::engine_results(list(list(y = matrix(y), t = NULL)), s)
  expect_named(res, c("statistic", "estimate", "null_mean", "null_sd", "z", "centre", "centre_kind",
                      "p.value", "p.conf.low", "p.conf.high", "exceedances", "n_perm_used",
                      "n_pilot", "exact", "stopped_early", "finite", "error", "total_shuffles",
                      "null"))
  expect_equal(res$z, (res$statistic - res$null_mean) / res$null_sd)
  expect_equal(res$p.value, (res$exceedances + 1) / 1000)
  expect_equal(res$centre_kind, "exact permutation mean")
})

test_that("a series the engine refuses is named", {
  # steps of 1e-320 and 1e300 in one series: more orders of magnitude than a double holds
  d <- data.frame(id = rep(c("a", "b"), each = 4), t = c(1:4, c(0, 1e-320, 1, 1e300)),
                  y = c(1, 3, 2, 4, 2, 1, 4, 3))
  expect_snapshot(error = TRUE, cnd_class = TRUE,
                  property_test(d, "y", "t", by = "id", statistic = "corr", n_perm = 99, seed = 1,
                                alpha = 0.5))
})

test_that("keep_null asks for memory before anything runs", {
  expect_error(withr::with_options(list(propgrad.max_null_bytes = 100),
                                   property_test(pg_study, p_cat ~ strength | image + model + property,
                                                 n_perm = 9999, keep_null = TRUE)),
               class = "propgrad_error_memory")
})
