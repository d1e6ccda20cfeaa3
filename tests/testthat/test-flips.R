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
