# The writer of the paragraphs (R/paragraph_text.R): Markdown italics and
# escaped names, the wrapping print method, and the number formats.

test_that("Markdown italicises symbols and escapes names; print() wraps", {
  d <- pg_study[pg_study$image %in% c("img01", "img02"), ]
  d$model <- sub("dark_dogs_bias", "<img src=x>*bold*", as.character(d$model))
  tests <- property_test(d, paragraph_formula, n_perm = 999, seed = 1, alpha = 0.5)
  md <- unclass(suppressWarnings(pg_results(tests, "markdown", seed = 1)))
  expect_match(md, "model \\<img src=x\\>\\*bold\\*", fixed = TRUE)
  expect_false(grepl("(?<!\\\\)<img", md, perl = TRUE))
  expect_match(md, "adjusted *p* = ", fixed = TRUE)
  expect_match(md, "(*\u03b1* = 0.5)", fixed = TRUE)
  methods <- unclass(pg_methods(tests, "markdown"))
  expect_match(methods, "*K* = 999", fixed = TRUE)
  expect_match(methods, "**References**\n\n- ", fixed = TRUE)
  expect_match(methods, "the output p\\_cat", fixed = TRUE)
  lines <- format(pg_methods(tests), width = 50)
  expect_true(all(nchar(lines) <= 50))
  expect_true(length(lines) > 10)
  expect_output(print(pg_methods(tests)), "References")
})


test_that("numbers read as journal text", {
  expect_equal(propgrad:::format_count(c(9999, 1e6)), c("9,999", "1,000,000"))
  expect_equal(propgrad:::format_p_text(c(0.0004)), "< 0.001")
  expect_equal(propgrad:::format_p_text(0.0048), "= 0.005")
  expect_equal(propgrad:::format_p_text(1), "= 1")
  expect_equal(propgrad:::and_list(c("a", "b", "c")), "a, b, and c")
  expect_equal(propgrad:::and_list("a"), "a")
})
