# Study-level inference: the summary over inputs (means, bootstrap interval
# coverage, significance shares) and the paired comparison of two models.

study_tests <- property_test(pg_study, p_cat ~ strength | image + model + property,
                             n_perm = 4999, seed = 1, probs = c("p_cat", "p_dog"))

test_that("the summary aggregates over inputs per model x property x output", {
  s <- summary(study_tests, seed = 1)
  expect_s3_class(s, "propgrad_summary")
  expect_equal(nrow(s), 6)
  expect_named(s, c("model", "property", "output", "n_series", "estimate", "conf.low",
                    "conf.high", "median", "sd", "n_significant", "share_significant", "flips"))
  ref <- aggregate(estimate ~ model + property, data = study_tests, FUN = mean)
  m <- merge(s, ref, by = c("model", "property"))
  expect_equal(m$estimate.x, m$estimate.y)
  one <- study_tests[study_tests$model == "dark_cats_bias" & study_tests$property == "fur_colour", ]
  row <- s[s$model == "dark_cats_bias" & s$property == "fur_colour", ]
  expect_equal(row$median, median(one$estimate))
  expect_equal(row$n_significant, sum(one$p.adjusted < 0.01))
  expect_equal(row$flips, sum(one$flips))
  expect_true(all(s$conf.low <= s$estimate & s$estimate <= s$conf.high))
  expect_identical(summary(study_tests, seed = 1), s)
  expect_output(print(s), "Mean EPGM over image")
  expect_false(inherits(tidy(s), "propgrad_summary"))
})

test_that("the summary can average over other columns", {
  s <- summary(study_tests, over = c("image", "model"), seed = 2)
  expect_equal(nrow(s), 2)
  expect_equal(s$n_series, c(24, 24))
})

test_that("bootstrap intervals cover a known mean in 90-99% of simulations", {
  set.seed(123)
  covered <- vapply(1:200, function(i) {
    ci <- propgrad:::bootstrap_mean_interval(rnorm(30, mean = 2), 1000, 0.95)
    ci[1] <= 2 && 2 <= ci[2]
  }, logical(1))
  expect_gte(mean(covered), 0.90)
  expect_lte(mean(covered), 0.99)
})

test_that("the summary refuses bad input", {
  expect_error(summary(study_tests, over = "species"), class = "propgrad_error_column")
  expect_error(summary(study_tests, alpha = 2), class = "propgrad_error_number")
  expect_error(summary(study_tests, n_boot = 1), class = "propgrad_error_number")
  expect_error(summary(study_tests[0, ]), class = "propgrad_error_length")
})

test_that("a paired sign-flip test compares two models", {
  cmp <- compare_models(study_tests, c("unbiased", "dark_dogs_bias"), seed = 1)
  expect_equal(nrow(cmp), 2)
  fur <- cmp[cmp$property == "fur_colour", ]
  a <- study_tests[study_tests$model == "unbiased" & study_tests$property == "fur_colour", ]
  b <- study_tests[study_tests$model == "dark_dogs_bias" & study_tests$property == "fur_colour", ]
  d <- b$estimate[match(a$image, b$image)] - a$estimate
  expect_equal(fur$n_pairs, 8)
  expect_equal(fur$estimate, mean(d))
  expect_equal(fur$effect_size, mean(d) / sd(d))
  # 2^8 <= n_perm: exact, equal to a full enumeration of sign patterns
  expect_true(fur$exact)
  signs <- as.matrix(expand.grid(rep(list(c(-1, 1)), 8)))
  expect_equal(fur$p.value, mean(abs(signs %*% d / 8) >= abs(mean(d)) * (1 - 1e-9)))
  expect_lt(fur$p.value, 0.01)
  expect_true(fur$conf.low <= fur$estimate && fur$estimate <= fur$conf.high)
})

test_that("the Monte Carlo sign-flip test has a valid p-value under the null", {
  set.seed(5)
  p <- vapply(1:300, function(i) propgrad:::paired_sign_test(rnorm(20), 199, 50, 0.95)$p.value, 0)
  expect_gte(min(p), 1 / 200)
  band <- qbinom(c(0.005, 0.995), 300, 0.1) / 300
  expect_gte(mean(p <= 0.1), band[1])
  expect_lte(mean(p <= 0.1), band[2])
})

test_that("model comparison refuses bad input", {
  expect_error(compare_models(study_tests, c("unbiased", "resnet")), class = "propgrad_error_model")
  expect_error(compare_models(study_tests, "unbiased"), class = "propgrad_error_input")
  expect_error(compare_models(study_tests, c("unbiased", "unbiased")), class = "propgrad_error_input")
  expect_error(compare_models(study_tests, c("unbiased", "dark_cats_bias"), model = "species"),
               class = "propgrad_error_column")
  expect_error(compare_models(pg_study, c("unbiased", "dark_cats_bias")), class = "propgrad_error_type")
  expect_snapshot(error = TRUE, compare_models(study_tests, c("unbiased", "resnet")))
})
