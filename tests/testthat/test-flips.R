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

test_that("flip correlation is Spearman's rho with its test, per group", {
  set.seed(2)
  d <- data.frame(arch = rep(c("a", "b"), each = 30), epoch = rep(1:30, 2), epgm = runif(60))
  d$flips <- rpois(60, 5 * d$epgm)
  res <- flip_correlation(d, "epgm", by = "arch")
  expect_equal(res$arch, c("a", "b"))
  ct <- suppressWarnings(cor.test(d$epgm[1:30], d$flips[1:30], method = "spearman", exact = FALSE))
  expect_equal(res$estimate[1], unname(ct$estimate))
  expect_equal(res$p.value[1], ct$p.value)
  expect_equal(flip_correlation(d, "epgm")$n, 60)
})
