# Publication tables: snapshot of each format for tests, summaries and model
# comparisons; p-value formatting; grouping; bad input.

table_tests <- property_test(pg_study, p_cat ~ strength | image + model + property,
                             n_perm = 9999, seed = 1, probs = c("p_cat", "p_dog"))
table_small <- table_tests[table_tests$image %in% c("img01", "img05"), ]

test_that("tables of tests, summaries and comparisons in every format", {
  s <- summary(table_tests, seed = 1)
  cmp <- compare_models(table_tests, c("unbiased", "dark_cats_bias"), seed = 1)
  for (format in c("markdown", "latex", "html")) {
    expect_snapshot(cat(pg_table(table_small, format = format)))
    expect_snapshot(cat(pg_table(s, format = format, caption = "Study summary")))
    expect_snapshot(cat(pg_table(cmp, format = format)))
  }
})

test_that("p-values print as journals print them, marks follow the adjusted p", {
  expect_equal(propgrad:::format_p_table(c(0.0001, 0.00099, 0.001, 0.0123, 0.5)),
               c("< 0.001", "< 0.001", "0.001", "0.0123", "0.5"))
  tab <- pg_table(table_small, alpha = 0.5)
  n_marked <- sum(table_small$adj.p.value <= 0.5)
  expect_equal(lengths(regmatches(tab, gregexpr("[0-9]\\*", tab))), n_marked)
  expect_match(tab, "* adjusted p <= 0.5 (holm)", fixed = TRUE)
})

test_that("LaTeX tables use booktabs and escape underscores", {
  tab <- pg_table(summary(table_tests, seed = 1), format = "latex")
  expect_match(tab, "\\toprule", fixed = TRUE)
  expect_match(tab, "dark\\_cats\\_bias", fixed = TRUE)
  expect_no_match(tab, "addlinespace", fixed = TRUE)
  expect_equal(propgrad:::latex_escape("a_b < 0.01 & 5% $x$"), "a\\_b $<$ 0.01 \\& 5\\% \\$x\\$")
  tab <- pg_table(table_small, format = "latex")
  expect_match(tab, "$<$ 0.001", fixed = TRUE)
  expect_match(tab, "adjusted p $\\leq$ 0.01", fixed = TRUE)
  expect_no_match(tab, " < ", fixed = TRUE)
})

test_that("LaTeX tables compile with pdflatex", {
  pdflatex <- Sys.which("pdflatex")
  skip_if(!nzchar(pdflatex), "pdflatex is not installed (tools/setup.sh installs it)")
  dir <- withr::local_tempdir()
  tables <- c(pg_table(table_small, format = "latex", caption = "Tests: p_cat"),
              pg_table(summary(table_tests, seed = 1), format = "latex"),
              pg_table(compare_models(table_tests, c("unbiased", "dark_cats_bias"), seed = 1),
                       format = "latex"))
  writeLines(c("\\documentclass{article}", "\\usepackage{booktabs}", "\\begin{document}",
               tables, "\\end{document}"), file.path(dir, "tables.tex"))
  log <- withr::with_dir(dir, system2(pdflatex, c("-interaction=nonstopmode", "-halt-on-error",
                                                  "tables.tex"), stdout = TRUE, stderr = TRUE))
  expect_null(attr(log, "status"))
  expect_true(file.exists(file.path(dir, "tables.pdf")))
  expect_false(any(grepl("^! ", log)), label = paste(grep("^! ", log, value = TRUE), collapse = "\n"))
})

test_that("subsetting tests keeps settings and the matching null columns", {
  kept <- property_test(pg_study, p_cat ~ strength | image + model + property,
                        n_perm = 50, seed = 1, keep_null = TRUE, alpha = 0.5, p_adjust = "none")
  sub <- kept[kept$model == "unbiased", ]
  expect_s3_class(sub, "propgrad_tests")
  expect_identical(attr(sub, "settings"), attr(kept, "settings"))
  expect_equal(attr(sub, "null"), attr(kept, "null")[, kept$model == "unbiased"])
  subsub <- sub[3:4, ]
  expect_equal(attr(subsub, "null"), attr(kept, "null")[, which(kept$model == "unbiased")[3:4]])
  expect_false(inherits(kept[, c("image", "estimate")], "propgrad_tests"))
})

test_that("pg_table refuses what it cannot tabulate", {
  expect_error(pg_table(pg_study), class = "propgrad_error_input")
  expect_error(pg_table(table_tests[0, ]), class = "propgrad_error_input")
  expect_error(pg_table(table_tests, format = "docx"), class = "propgrad_error_choice")
})

test_that("LaTeX escapes braces, carets, tildes and backslashes; HTML captions are text", {
  # Issue 14: a series named x^2 stopped pdflatex; a~b printed as "a b".
  expect_equal(propgrad:::latex_escape("x^2 {a} a~b \\ 5%"),
               "x\\textasciicircum{}2 \\{a\\} a\\textasciitilde{}b \\textbackslash{} 5\\%")
  tests <- suppressWarnings(property_test(pg_study, p_cat ~ strength | image + model + property,
                                          n_perm = 99, seed = 1))
  html <- pg_table(tests, "html", caption = "<script>alert(1)</script>")
  expect_false(grepl("<script>", html, fixed = TRUE))
  expect_true(grepl("&lt;script&gt;alert(1)&lt;/script&gt;", html, fixed = TRUE))
  latex <- pg_table(tests, "latex", caption = "EPGM of x^2 {b}")
  expect_true(grepl("x\\textasciicircum{}2 \\{b\\}", latex, fixed = TRUE))
})
