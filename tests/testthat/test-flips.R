# prediction_flips(): argmax changes along a series.

test_that("flips count changes of the predicted class", {
  p <- c(0.9, 0.7, 0.4, 0.45, 0.6)
  expect_equal(prediction_flips(cbind(p, 1 - p)), 2)
  expect_equal(prediction_flips(cbind(rep(0.9, 5), 0.1)), 0)
  three <- rbind(c(0.5, 0.3, 0.2), c(0.2, 0.5, 0.3), c(0.1, 0.2, 0.7), c(0.1, 0.2, 0.7))
  expect_equal(prediction_flips(three), 2)
  expect_equal(prediction_flips(data.frame(a = c(1, 3), b = c(2, 1))), 1)
})

test_that("bad probabilities give classed errors", {
  expect_error(prediction_flips(c(0.1, 0.9)), class = "propgrad_error_type")
  expect_error(prediction_flips(cbind(c(0.1, NA), c(0.9, 0.5))), class = "propgrad_error_nonfinite")
  expect_error(prediction_flips(data.frame(a = 1:2, b = c("x", "y"))), class = "propgrad_error_type")
})

test_that("flip prediction finds the accuracy-maximising threshold", {
  d <- data.frame(epgm = c(0.1, 0.2, 0.3, 0.8, 0.9, 1.0), saliency = c(0.5, 0.1, 0.9, 0.2, 0.7, 0.3),
                  flips = c(0, 0, 0, 1, 2, 1))
  res <- flip_prediction(d, score = c("epgm", "saliency"))
  expect_equal(res$score, c("epgm", "saliency"))
  expect_equal(res$threshold[1], 0.55)
  expect_equal(res$accuracy[1], 1)
  expect_equal(res$auroc[1], 1)
  # saliency: flips have scores 0.2, 0.7, 0.3 against 0.5, 0.1, 0.9
  expect_equal(res$auroc[2], mean(outer(c(0.2, 0.7, 0.3), c(0.5, 0.1, 0.9), ">")))
  expect_equal(res$auroc[2], 4 / 9)
  pred <- d$saliency >= res$threshold[2]
  expect_equal(res$accuracy[2], mean(pred == (d$flips > 0)))
  expect_equal(res$balanced_accuracy[2], (mean(pred[d$flips > 0]) + mean(!pred[d$flips == 0])) / 2)
  expect_equal(flip_prediction(transform(d, flips = flips > 0), "epgm")$accuracy, 1)
})

test_that("flip prediction and correlation refuse bad input", {
  d <- data.frame(s = 1:4, flips = c(0, 0, 1, 1))
  expect_error(flip_prediction(d, "x"), class = "propgrad_error_column")
  expect_error(flip_prediction(d, "s", "f"), class = "propgrad_error_column")
  expect_error(flip_prediction(transform(d, flips = 0), "s"), class = "propgrad_error_input")
  expect_error(flip_prediction(transform(d, s = c(1, NA, 2, 3)), "s"), class = "propgrad_error_nonfinite")
  expect_error(flip_prediction(d[0, ], "s"), class = "propgrad_error_length")
  expect_error(flip_correlation(d, c("s", "flips")), class = "propgrad_error_input")
  expect_error(flip_correlation(d, "s", by = "arch"), class = "propgrad_error_column")
})

test_that("flip correlation is Spearman's rho with a permutation test, per group", {
  set.seed(2)
  d <- data.frame(arch = rep(c("a", "b"), each = 30), epoch = rep(1:30, 2), epgm = runif(60))
  d$flips <- rpois(60, 5 * d$epgm)
  res <- flip_correlation(d, "epgm", by = "arch", seed = 1)
  expect_equal(res$arch, c("a", "b"))
  expect_named(res, c("arch", "n", "n_blocks", "estimate", "p.value", "p.conf.low", "p.conf.high", "method"))
  ct <- suppressWarnings(cor.test(d$epgm[1:30], d$flips[1:30], method = "spearman", exact = FALSE))
  expect_equal(res$estimate[1], unname(ct$estimate))
  # the permutation p agrees with the asymptotic one to Monte Carlo error
  expect_gte(ct$p.value, res$p.conf.low[1] * 0.5)
  expect_lte(ct$p.value, res$p.conf.high[1] * 2)
  expect_gte(res$p.value[1], 1 / 10000)
  expect_equal(flip_correlation(d, "epgm", seed = 1)$n, 60)
  expect_identical(flip_correlation(d, "epgm", seed = 4), flip_correlation(d, "epgm", seed = 4))
})

test_that("repeated measures: permutations stay within blocks, and their absence is flagged", {
  # 12 images x 10 epochs: images differ a lot in both EPGM and flips, but
  # within an image flips do not follow the EPGM.
  set.seed(8)
  d <- expand.grid(epoch = 1:10, image = paste0("img", 1:12))
  level <- rep(rnorm(12, sd = 2), each = 10)
  d$epgm <- level + rnorm(120)
  d$flips <- rpois(120, exp(1 + 0.5 * level))
  pooled <- flip_correlation(d, "epgm", seed = 1)
  blocked <- flip_correlation(d, "epgm", block = "image", seed = 1)
  expect_lt(pooled$p.value, 0.001)
  expect_gt(blocked$p.value, 0.05)
  expect_equal(blocked$n_blocks, 12)
  expect_match(blocked$method, "within image")
  # a study's by columns that repeat within a group draw a warning
  tests <- property_test(pg_study, p_cat ~ strength | image + model + property,
                         n_perm = 9999, seed = 1, probs = c("p_cat", "p_dog"))
  expect_warning(flip_correlation(tests, by = "property", seed = 1),
                 class = "propgrad_warning_repeated")
  expect_no_warning(flip_correlation(tests, by = "property", block = "image", seed = 1))
  expect_error(flip_correlation(tests, by = "property", block = "property"),
               class = "propgrad_error_column")
  expect_error(flip_correlation(tests, block = "species"), class = "propgrad_error_column")
})
