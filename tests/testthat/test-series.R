# Turning user input into clean series (R/series.R): outputs as a double
# matrix, steps sorted with their outputs, repeated property values averaged
# on request, the minimum length, gradient settings resolved and checked
# against each series, and the messages that report sorting and averaging.

test_that("outputs become a double matrix; data frames need numeric columns", {
  s <- propgrad:::prepare_series(1:5)
  expect_true(is.matrix(s$y))
  expect_identical(storage.mode(s$y), "double")
  expect_null(s$t)
  s <- propgrad:::prepare_series(data.frame(a = 1:4, b = c(2, 3, 1, 5)))
  expect_equal(dim(s$y), c(4L, 2L))
  expect_error(propgrad:::prepare_series(data.frame(a = 1:4, b = letters[1:4])),
               class = "propgrad_error_type")
})

test_that("unsorted steps are sorted together with their outputs", {
  s <- propgrad:::prepare_series(c(10, 30, 20), t = c(1, 3, 2))
  expect_true(s$sorted)
  expect_equal(s$t, c(1, 2, 3))
  expect_equal(as.vector(s$y), c(10, 20, 30))
  m <- propgrad:::prepare_series(cbind(c(10, 30, 20), c(1, 3, 2)), t = c(1, 3, 2))
  expect_equal(m$y[, 2], c(1, 2, 3))
})

test_that("repeated property values are an error, or averaged on request", {
  expect_error(propgrad:::prepare_series(1:4, t = c(1, 2, 2, 3)), class = "propgrad_error_ties")
  s <- propgrad:::prepare_series(c(1, 2, 4, 3), t = c(1, 2, 2, 3), ties = "mean")
  expect_true(s$averaged)
  expect_equal(s$t, c(1, 2, 3))
  expect_equal(as.vector(s$y), c(1, 3, 3))
})

test_that("series need three steps and matching lengths", {
  expect_error(propgrad:::prepare_series(1:2), class = "propgrad_error_length")
  expect_error(propgrad:::prepare_series(1:4, t = 1:3), class = "propgrad_error_length")
  expect_error(propgrad:::prepare_series(1:4, t = cbind(1:4, 1:4)), class = "propgrad_error_type")
})

test_that("gradient settings resolve to what the core reads", {
  g <- propgrad:::gradient_settings()
  expect_equal(g, list(spacing = "property", rescale = FALSE, period = 0, window = 0L, degree = 2L))
  g <- propgrad:::gradient_settings("index", TRUE, 360, list(window = 7, degree = 3))
  expect_equal(g$window, 7L)
  expect_equal(g$degree, 3L)
  expect_equal(g$period, 360)
  expect_error(propgrad:::gradient_settings(smooth = 4), class = "propgrad_error_smooth")
  expect_error(propgrad:::gradient_settings(period = -1), class = "propgrad_error_number")
})

test_that("settings are checked against each series", {
  s <- propgrad:::prepare_series(1:5, t = c(0, 90, 180, 270, 360))
  expect_error(propgrad:::check_series_against_settings(s, propgrad:::gradient_settings(period = 360),
                                                        rlang::current_env()),
               class = "propgrad_error_period")
  expect_error(propgrad:::check_series_against_settings(s, propgrad:::gradient_settings(smooth = 7),
                                                        rlang::current_env()),
               class = "propgrad_error_smooth")
  expect_equal(propgrad:::series_positions(propgrad:::prepare_series(1:4)), c(1, 2, 3, 4))
})

test_that("sorting and averaging are reported once, with classes", {
  expect_message(propgrad:::inform_sorted(3, 0), class = "propgrad_message_sorted")
  expect_message(propgrad:::inform_sorted(0, 2), class = "propgrad_message_ties")
  expect_silent(propgrad:::inform_sorted(0, 0))
  expect_snapshot(propgrad:::inform_sorted(2, 1, "series"))
})
