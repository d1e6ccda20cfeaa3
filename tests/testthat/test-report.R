# The HTML report renders without pandoc errors, is self-contained (figures
# embedded) and carries the study's tables; bad input is refused.

test_that("the report renders a self-contained HTML file with tables and figures", {
  skip_if_not_installed("rmarkdown")
  skip_if_not(rmarkdown::pandoc_available("1.12.3"), "pandoc is not available to render the report")
  tests <- property_test(pg_study, p_cat ~ strength | image + model + property,
                         n_perm = 9999, seed = 1, probs = c("p_cat", "p_dog"))
  file <- file.path(withr::local_tempdir(), "sub", "report.html")
  expect_equal(pg_report(tests, file, data = pg_study), normalizePath(file))
  html <- paste(readLines(file, warn = FALSE), collapse = "\n")
  # grepl() rather than expect_match(): a failure would print the whole page
  expect_true(grepl("propgrad study report", html, fixed = TRUE))
  expect_true(grepl("Mean EPGM [CI]", html, fixed = TRUE))
  expect_true(grepl("class=\"table table-condensed\"", html, fixed = TRUE))
  # summary plot, heatmap and the two curves of the first image, embedded
  expect_gte(lengths(regmatches(html, gregexpr("data:image/png;base64", html))), 4)
  expect_false(grepl("<img src=\"http", html, fixed = TRUE))
  # nothing is fetched from the network when the report is opened
  expect_false(grepl("<script[^>]+src=\"http", html, perl = TRUE))
  expect_false(grepl("mathjax", html, ignore.case = TRUE))
})

test_that("the report refuses bad input", {
  expect_error(pg_report(pg_study, tempfile()), class = "propgrad_error_input")
  tests <- property_test(pg_study[pg_study$image == "img01", ],
                         p_cat ~ strength | image + model + property, n_perm = 19, seed = 1,
                         alpha = 0.5)
  expect_error(pg_report(tests, NA_character_), class = "propgrad_error_type")
})
