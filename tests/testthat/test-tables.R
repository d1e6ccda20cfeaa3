# Publication tables, what goes in them: every result type (tests, summaries,
# comparisons, flip prediction and correlation) as a snapshot, numbers and
# p-values as journals print them, the footnotes each test design needs,
# grouping, and bad input. Rendering, escaping and files: test-table_output.R.

table_tests <- property_test(pg_study, p_cat ~ strength | image + model + property,
                             n_perm = 9999, seed = 1, probs = c("p_cat", "p_dog"))
table_small <- table_tests[table_tests$image %in% c("img01", "img05"), ]
md <- function(x) tinytable::save_tt(x, "markdown")

test_that("tables of every result type", {
  s <- summary(table_tests, seed = 1)
  cmp <- compare_models(table_tests, c("unbiased", "dark_cats_bias"), seed = 1)
  fp <- flip_prediction(table_tests, score = c("estimate", "z"))
  fc <- flip_correlation(table_tests, by = "property", block = "image", seed = 1)
  for (x in list(table_small, s, cmp, fp, fc)) {
    tab <- pg_table(x, caption = "A caption")
    expect_s4_class(tab, "tinytable")
    expect_snapshot(print(tab))
  }
  expect_snapshot(print(pg_table(table_small, "latex")))
  expect_snapshot(print(pg_table(s, "latex", caption = "Study summary")))
})

test_that("p-values print as journals print them, marks follow the adjusted p", {
  # One formatter for tables, printed results, figures and paragraphs.
  expect_equal(propgrad:::format_p_journal(c(0.0001, 0.00099, 0.001, 0.0123, 0.5, 1, NA), trim = FALSE),
               c("< 0.001", "< 0.001", "0.001", "0.012", "0.500", "1.000", "NA"))
  expect_equal(propgrad:::format_p_text(c(0.5)), "= 0.5")
  expect_equal(propgrad:::format_p_text(c(0.0004)), "< 0.001")
  expect_equal(propgrad:::format_floor(c(0.0101)), "0.0101")
  p_column <- md(pg_table(table_small))
  expect_false(grepl("| 0.35 |", p_column, fixed = TRUE))
  tab <- md(pg_table(table_small, alpha = 0.5))
  n_marked <- sum(table_small$adj.p.value <= 0.5)
  expect_equal(lengths(regmatches(tab, gregexpr("[0-9]\\*", tab))), n_marked)
  expect_match(tab, "* adjusted p <= 0.5.", fixed = TRUE)
  cmp <- compare_models(table_tests, c("unbiased", "dark_cats_bias"), seed = 1)
  tab <- md(pg_table(cmp, alpha = 0.01))
  expect_equal(lengths(regmatches(tab, gregexpr("[0-9]\\*", tab))), sum(cmp$p.value <= 0.01))
})

test_that("estimates keep their significant digits with one number of decimals per column", {
  # Issue 14: the summary mixed "0.3" and "0.300".
  f <- propgrad:::format_estimate
  expect_equal(f(c(0.3, 0.412), 3), c("0.300", "0.412"))
  expect_equal(f(c(0.28012, 0.0702), 3), c("0.2801", "0.0702"))
  expect_equal(f(c(0.0036, 0.5), 3), c("0.00360", "0.500"))
  expect_equal(f(c(9.996, 12.3), 3), c("10.0", "12.3"))
  expect_equal(f(c(NA, Inf, -0.0001, 0), 2), c("NA", "Inf", "-0.00010", "0.00000"))
  expect_equal(f(0, 3), "0.00")
  expect_equal(f(2.5e-7, 3), "2.50e-07")
  expect_equal(propgrad:::format_fixed(c(-8.955, -0.001, NA), 2), c("-8.96", "0.00", "NA"))
  # Every number of the summary's estimate column has the same decimals.
  tab <- md(pg_table(summary(table_tests, seed = 1)))
  cells <- regmatches(tab, gregexpr("[0-9.]+ \\[[0-9.]+, [0-9.]+\\]", tab))[[1]]
  expect_length(cells, 6)
  decimals <- nchar(sub(".*\\.", "", unlist(strsplit(gsub("[][,]", "", cells), " "))))
  expect_equal(unique(decimals), 3)
  # digits is honoured
  two <- md(pg_table(table_small, digits = 2))
  row <- table_small$model == "unbiased" & table_small$property == "background" & table_small$image == "img01"
  z <- formatC(signif(table_small$z[row], 2), format = "f", digits = 1)
  expect_match(two, paste0("| 0.280 | ", z, " "), fixed = TRUE)
  expect_match(two, "| 0.070 | -0.5 ", fixed = TRUE)
})

test_that("repeated group labels are left blank, rows sorted by their groups", {
  tab <- pg_table(table_small)
  cells <- tinytable::save_tt(tab, "dataframe")
  expect_equal(cells[[1]], c("Image", "img01", rep("", 5), "img05", rep("", 5)))
  expect_equal(cells[[2]][2:4], c("unbiased", "", "dark_cats_bias"))
  expect_equal(cells[[3]][2:3], c("background", "fur_colour"))
})

test_that("the notes state K, the seed, the p-value rule, the adjustment and the sign of z", {
  tab <- md(pg_table(table_small))
  for (part in c("two-sided", "K = 9,999 shuffles per series", "seed 1",
                 "p = (b + 1)/(K + 1)", "Phipson & Smyth 2010", "Holm adjustment across the 12 series",
                 "z < 0: the output changes more smoothly")) {
    expect_match(tab, part, fixed = TRUE)
  }
  expect_no_match(tab, "smallest adjusted p", fixed = TRUE)
  # the Monte Carlo floor, when it matters
  few <- suppressWarnings(property_test(pg_study, p_cat ~ strength | image + model + property,
                                        n_perm = 99, seed = 2))
  expect_match(md(pg_table(few)), "smallest adjusted p this design can reach is 0.48", fixed = TRUE)
  # the rule each design used
  d <- pg_study[pg_study$image == "img01" & pg_study$strength %in% unique(pg_study$strength)[1:5], ]
  short <- suppressWarnings(property_test(d, p_cat ~ strength | model + property, n_perm = 999, seed = 1))
  expect_match(md(pg_table(short)), "all n! orderings of each series were enumerated (exact p = b/n!", fixed = TRUE)
  zoll <- suppressWarnings(property_test(pg_study[pg_study$image == "img01", ], p_cat ~ strength | model + property,
                                         n_perm = 999, seed = 1, p_method = "zollstock"))
  expect_match(md(pg_table(zoll)), "p = b/K", fixed = TRUE)
  seq_tests <- property_test(pg_study[pg_study$image == "img01", ], p_cat ~ strength | model + property,
                             n_perm = 999, seed = 1, sequential = 10, alpha = 0.5)
  expect_match(md(pg_table(seq_tests)), "Besag & Clifford 1991", fixed = TRUE)
  adaptive <- suppressWarnings(property_test(pg_study[pg_study$image == "img01", ],
                                             p_cat ~ strength | model + property, n_perm = "adaptive",
                                             seed = 1))
  tab <- md(pg_table(adaptive))
  expect_match(tab, "K chosen per series by the adaptive rule", fixed = TRUE)
  expect_match(tab, "* significant by the adaptive decision", fixed = TRUE)
  corr <- property_test(pg_study[pg_study$image == "img01", ], p_cat ~ strength | model + property,
                        n_perm = 999, seed = 1, statistic = "corr", alpha = 0.5)
  expect_match(md(pg_table(corr)), "z > 0: the output rises with the property", fixed = TRUE)
  # the summary names the tests' design, the comparison its own
  s <- md(pg_table(summary(table_tests, seed = 1)))
  expect_match(s, "2,000 resamples, seed 1", fixed = TRUE)
  expect_match(s, "K = 9,999 shuffles per series, seed 1", fixed = TRUE)
  cmp <- md(pg_table(compare_models(table_tests, c("unbiased", "dark_cats_bias"), seed = 5)))
  expect_match(cmp, "Paired sign-flip test", fixed = TRUE)
  expect_match(cmp, "all sign patterns of the n differences enumerated (exact p), seed 5", fixed = TRUE)
  boot <- md(pg_table(compare_models(table_tests, c("unbiased", "dark_cats_bias"), seed = 5,
                                     test = "bootstrap_t")))
  expect_match(boot, "p = (b + 1)/(B + 1) over B = 2,000 resamples", fixed = TRUE)
})

test_that("flip prediction and flip correlation tables", {
  fp <- flip_prediction(table_tests, score = c("estimate", "z"))
  cells <- tinytable::save_tt(pg_table(fp), "dataframe")
  expect_equal(unlist(cells[1, ]), c("Score", "n", "Flipped", "Threshold", "Accuracy", "Balanced accuracy", "AUROC"),
               ignore_attr = TRUE)
  expect_equal(cells[[1]][-1], c("estimate", "z"))
  expect_equal(cells[[7]][-1], sprintf("%.3f", fp$auroc))
  expect_match(md(pg_table(fp)), "accuracies are optimistic", fixed = TRUE)
  fc <- flip_correlation(table_tests, by = "property", block = "image", n_perm = 999, seed = 3)
  tab <- md(pg_table(fc))
  expect_match(tab, "K = 999 permutations, seed 3", fixed = TRUE)
  expect_match(tab, "flips permuted within each image", fixed = TRUE)
  expect_match(tab, "NA: fewer than 3 rows", fixed = TRUE)
  cells <- tinytable::save_tt(pg_table(fc), "dataframe")
  expect_equal(cells[[4]][-1], ifelse(is.na(fc$estimate[order(fc$property)]), "NA",
                                      sprintf("%.2f", fc$estimate[order(fc$property)])))
  # a result without its settings (e.g. read back from a file) still tabulates
  attr(fc, "settings") <- NULL
  expect_match(md(pg_table(fc)), "K and seed as given to flip_correlation()", fixed = TRUE)
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
  expect_error(pg_table(pg_study), class = "propgrad_error_type")
  expect_error(pg_table(table_tests[0, ]), class = "propgrad_error_input")
  expect_error(pg_table(table_tests, format = "pdf"), class = "propgrad_error_choice")
  expect_error(pg_table(table_tests, digits = 0), class = "propgrad_error_number")
  expect_error(pg_table(table_tests, caption = c("a", "b")), class = "propgrad_error_type")
  expect_snapshot(error = TRUE, cnd_class = TRUE, pg_table(list(a = 1)))
})
