# The theme and scales of R/theme.R check their arguments before ggplot2
# sees them (issue 12: these came back from ggplot2 unclassed, e.g.
# "formal argument values matched by multiple actual arguments").

test_that("the theme and scales check their arguments", {
  expect_snapshot(theme_propgrad(base_size = "big"), error = TRUE, cnd_class = TRUE)
  expect_error(theme_propgrad(base_size = -1), class = "propgrad_error_number")
  expect_error(theme_propgrad(base_size = c(10, 12)), class = "propgrad_error_number")
  expect_error(theme_propgrad(base_size = NA), class = "propgrad_error_number")
  expect_snapshot(scale_colour_propgrad(values = c("red", "blue")), error = TRUE, cnd_class = TRUE)
  expect_error(scale_fill_propgrad(values = "red"), class = "propgrad_error_dots")
  expect_s3_class(theme_propgrad(base_size = 14), "theme")
  expect_equal(theme_propgrad(base_size = 14)$text$size, 14)
  expect_equal(scale_colour_propgrad(name = "model")$name, "model")
})

test_that("unknown scale arguments are refused, ggplot2's own ones pass through", {
  expect_error(scale_colour_propgrad(colours = "red"), "colours", class = "propgrad_error_dots")
  expect_equal(scale_fill_propgrad(breaks = "a")$breaks, "a")
})
