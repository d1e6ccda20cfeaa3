# Argument checks shared by every verb (R/checks.R): each failure is a
# classed error that names the argument and the value; seeds drawn from R's
# RNG make set.seed() reproduce a run; thread counts follow the option.

test_that("choices, flags and whole numbers are checked with classed errors", {
  expect_equal(propgrad:::check_choice(c("a", "b"), c("a", "b")), "a")
  expect_equal(propgrad:::check_choice("b", c("a", "b")), "b")
  expect_error(propgrad:::check_choice("c", c("a", "b")), class = "propgrad_error_choice")
  expect_error(propgrad:::check_choice(NA_character_, c("a", "b")), class = "propgrad_error_choice")
  expect_error(propgrad:::check_flag(NA), class = "propgrad_error_input")
  expect_error(propgrad:::check_flag(c(TRUE, FALSE)), class = "propgrad_error_input")
  expect_error(propgrad:::check_whole(2.5), class = "propgrad_error_number")
  expect_error(propgrad:::check_whole(Inf), class = "propgrad_error_number")
  expect_error(propgrad:::check_whole(5, 1, 3), class = "propgrad_error_number")
  expect_error(propgrad:::check_probability(1, "alpha", NULL), class = "propgrad_error_number")
  expect_error(propgrad:::check_probability(0, "alpha", NULL), class = "propgrad_error_number")
  expect_error(propgrad:::check_probability(c(0.1, 0.2), "alpha", NULL), class = "propgrad_error_number")
  expect_snapshot(error = TRUE, cnd_class = TRUE, {
    propgrad:::check_whole(5, 1, 3, arg = "n")
    propgrad:::check_choice("c", c("a", "b"), arg = "how")
  })
})

test_that("numbers must be finite, and the message names the kinds", {
  expect_error(propgrad:::check_finite_numbers(c(1, NA, Inf), "y"), class = "propgrad_error_nonfinite")
  expect_equal(propgrad:::nonfinite_kinds(c(1, NA, NaN, -Inf)), c("NA", "NaN", "Inf"))
  expect_error(propgrad:::check_finite_numbers(factor(1:3), "y"), class = "propgrad_error_type")
  expect_snapshot(error = TRUE, cnd_class = TRUE, propgrad:::check_finite_numbers(c(1, NaN, 2, Inf), "y"))
})

test_that("seeds: NULL draws from R's RNG, so set.seed() reproduces", {
  set.seed(42)
  a <- propgrad:::check_seed(NULL)
  set.seed(42)
  expect_equal(propgrad:::check_seed(NULL), a)
  expect_equal(propgrad:::check_seed(7), 7)
  expect_error(propgrad:::check_seed(-1), class = "propgrad_error_number")
  expect_error(propgrad:::check_seed(2^54), class = "propgrad_error_number")
})

test_that("threads default to the option, then to every core", {
  withr::local_options(propgrad.nthreads = 1)
  expect_equal(propgrad:::check_nthreads(NULL), 1L)
  withr::local_options(propgrad.nthreads = NULL)
  expect_equal(propgrad:::check_nthreads(NULL), pg_threads())
  expect_error(propgrad:::check_nthreads(0), class = "propgrad_error_number")
})
