# Property gradients and EPGM against hand-computed values: unit (numpy)
# spacing, uneven second-order spacing, periodic wrap, rescaling, local
# polynomial smoothing, vector outputs, sorting and repeated values.

test_that("index spacing equals numpy.gradient", {
  expect_equal(property_gradient(c(1, 2, 4, 7, 11), spacing = "index"), c(1, 1.5, 2.5, 3.5, 4))
  # property values are ignored with index spacing
  expect_equal(property_gradient(c(1, 2, 4, 7, 11), t = c(0, 5, 6, 20, 21), spacing = "index"),
               c(1, 1.5, 2.5, 3.5, 4))
})

test_that("uneven spacing uses the second-order formula and one-sided ends", {
  t <- c(0, 0.1, 0.3, 0.6, 1)
  # exact for a quadratic in the interior: d/dt t^2 = 2t
  expect_equal(property_gradient(t^2, t), c(0.1, 0.2, 0.6, 1.2, 1.6))
  # by hand for the second step: h1 = 0.1, h2 = 0.2
  y <- c(3, 1, 4, 1, 5)
  g2 <- (0.1^2 * 4 + (0.2^2 - 0.1^2) * 1 - 0.2^2 * 3) / (0.1 * 0.2 * 0.3)
  g <- property_gradient(y, t)
  expect_equal(g[2], g2)
  expect_equal(g[1], (1 - 3) / 0.1)
  expect_equal(g[5], (5 - 1) / 0.4)
})

test_that("periodic properties wrap around", {
  y <- c(1, 3, 2, 5)
  expect_equal(property_gradient(y, spacing = "index", period = 360),
               c((3 - 5) / 2, (2 - 1) / 2, (5 - 3) / 2, (1 - 2) / 2))
  angle <- c(0, 90, 180, 270)
  g <- property_gradient(y, angle, period = 360)
  expect_equal(g, c((3 - 5) / 180, (2 - 1) / 180, (5 - 3) / 180, (1 - 2) / 180))
  # uneven angles: the first step's left neighbour is 350 - 360 = -10
  angle <- c(0, 30, 100, 350)
  g <- property_gradient(y, angle, period = 360)
  h1 <- 10; h2 <- 30
  expect_equal(g[1], (h1^2 * 3 + (h2^2 - h1^2) * 1 - h2^2 * 5) / (h1 * h2 * (h1 + h2)))
  # a sine around the circle: central differences give cos(a) sin(h) / h,
  # also across the wrap from 350 to 0 degrees
  a <- seq(0, 350, by = 10)
  expect_equal(property_gradient(sin(a * pi / 180), a, period = 360),
               cos(a * pi / 180) * sin(10 * pi / 180) / 10)
})

test_that("rescaling maps t to [0, 1] or a period to length 1", {
  t <- c(10, 20, 40, 50)
  y <- c(1, 2, 5, 3)
  expect_equal(property_gradient(y, t, rescale = TRUE), property_gradient(y, t) * 40)
  expect_equal(property_gradient(y, c(0, 90, 180, 270), period = 360, rescale = TRUE),
               property_gradient(y, c(0, 90, 180, 270), period = 360) * 360)
  expect_equal(property_gradient(y, spacing = "index", rescale = TRUE),
               property_gradient(y, spacing = "index") * 3)
})

test_that("local polynomial smoothing is exact for polynomials of its degree", {
  t <- c(0, 0.05, 0.2, 0.3, 0.45, 0.5, 0.7, 0.75, 0.9, 1)
  expect_equal(property_gradient(1 + 2 * t - 3 * t^2, t, smooth = 5), 2 - 6 * t)
  expect_equal(property_gradient(t^3, t, smooth = list(window = 7, degree = 3)), 3 * t^2)
  # it smooths: noise on a line gives a flatter gradient than raw differences
  set.seed(1)
  tt <- seq(0, 1, length.out = 60)
  y <- tt + rnorm(60, sd = 0.05)
  expect_lt(sd(property_gradient(y, tt, smooth = 11)), sd(property_gradient(y, tt)) / 3)
})

test_that("EPGM is the mean |gradient|, or the mean gradient norm for vector outputs", {
  t <- c(0, 0.1, 0.3, 0.6, 1)
  y <- c(3, 1, 4, 1, 5)
  expect_equal(epgm(y, t), mean(abs(property_gradient(y, t))))
  m <- cbind(a = y, b = rev(y), c = y^2)
  g <- property_gradient(m, t)
  expect_equal(colnames(g), c("a", "b", "c"))
  expect_equal(epgm(m, t), mean(sqrt(rowSums(g^2))))
  expect_equal(epgm(as.data.frame(m), t), epgm(m, t))
  expect_equal(epgm(rep(2, 7)), 0)
  expect_equal(epgm(y, t, spacing = "index"), mean(abs(c(-2, 0.5, 0, 0.5, 4))))
})

test_that("unsorted t is sorted together with y, with a message", {
  t <- c(0.3, 0, 1, 0.1, 0.6)
  y <- t^2
  expect_message(g <- property_gradient(y, t), class = "propgrad_message_sorted")
  expect_equal(g, c(0.1, 0.2, 0.6, 1.2, 1.6))
  expect_message(e <- epgm(y, t), class = "propgrad_message_sorted")
  expect_equal(e, epgm(sort(t)^2, sort(t)))
})

test_that("repeated t is an error, or averaged with ties = 'mean'", {
  t <- c(0, 0.5, 0.5, 1, 1.5)
  y <- c(1, 2, 4, 5, 6)
  expect_error(epgm(y, t), class = "propgrad_error_ties")
  expect_message(e <- epgm(y, t, ties = "mean"), class = "propgrad_message_ties")
  expect_equal(e, epgm(c(1, 3, 5, 6), c(0, 0.5, 1, 1.5)))
})

test_that("bad inputs give classed errors", {
  expect_error(epgm(c(1, NA, 3, 4)), class = "propgrad_error_nonfinite")
  expect_error(epgm(c(1, NaN, 3, 4)), class = "propgrad_error_nonfinite")
  expect_error(epgm(c(1, 2, 3, 4), c(0, Inf, 2, 3)), class = "propgrad_error_nonfinite")
  expect_error(epgm(c(1, 2)), class = "propgrad_error_length")
  expect_error(epgm(1:5, 1:4), class = "propgrad_error_length")
  expect_error(epgm(letters[1:5]), class = "propgrad_error_type")
  expect_error(epgm(factor(1:5)), class = "propgrad_error_type")
  expect_error(epgm(data.frame(a = 1:5, b = letters[1:5])), class = "propgrad_error_type")
  expect_error(epgm(1:5, spacing = "log"), class = "propgrad_error_choice")
  expect_error(epgm(1:5, period = -1), class = "propgrad_error_number")
  expect_error(epgm(1:5, 1:5, period = 4), class = "propgrad_error_period")
  expect_error(epgm(1:5, smooth = 4), class = "propgrad_error_smooth")
  expect_error(epgm(1:5, smooth = 7), class = "propgrad_error_smooth")
  expect_error(epgm(1:5, smooth = list(window = 5, degree = 9)), class = "propgrad_error_number")
  expect_error(epgm(1:5, rescale = NA), class = "propgrad_error_input")
  expect_error(epgm(1:5, foo = 1), class = "propgrad_error_dots")
  expect_error(epgm(1:5, NULL, 1), class = "propgrad_error_dots")
})

test_that("error messages read well", {
  expect_snapshot(error = TRUE, cnd_class = TRUE, {
    epgm(c(1, NA, 3, 4))
    epgm(1:5, 1:4)
    epgm(c(1, 2, 4, 5), c(0, 1, 1, 2))
    epgm(1:5, 1:5, period = 4)
    epgm(1:5, spacing = "log")
  })
})

test_that("gradients and EPGM scale with the units of t, however extreme", {
  t <- c(0, 0.1, 0.3, 0.6, 1)
  y <- c(3, 1, 4, 1, 5)
  for (f in c(1e-200, 1e200)) {
    expect_equal(property_gradient(y, t * f) * f, property_gradient(y, t), tolerance = 1e-12)
    expect_equal(epgm(y, t * f) * f, epgm(y, t), tolerance = 1e-12)
    expect_equal(property_gradient(y, t * f, period = 2 * f) * f, property_gradient(y, t, period = 2),
                 tolerance = 1e-12)
    expect_equal(property_gradient(y, t * f, rescale = TRUE), property_gradient(y, t, rescale = TRUE),
                 tolerance = 1e-12)
  }
  # a range beyond double precision (2e308), each step within it
  wide <- c(-1e308, -5e307, 0, 5e307, 1e308)
  expect_equal(property_gradient(y, wide) * 5e307, property_gradient(y, 0:4), tolerance = 1e-12)
})
