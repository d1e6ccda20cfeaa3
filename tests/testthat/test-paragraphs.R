# pg_methods() and pg_results() (R/paragraphs.R): snapshots of the
# paragraphs of a fixed seeded study; every number in the results paragraph
# is the object's, parsed back; `by`; wrong input is a classed error. The
# methods sentences are tested in test-paragraph_methods.R, the writer and
# number formats in test-paragraph_text.R.

test_that("the paragraphs of a seeded study read as expected (text and Markdown)", {
  tests <- paragraph_study(n_perm = 9999, probs = c("p_cat", "p_dog"))
  study <- summary(tests, seed = 1)
  expect_snapshot(print(pg_methods(tests, summary = study)), transform = no_versions)
  expect_snapshot(print(pg_results(tests, seed = 1)))
  expect_snapshot(cat(pg_methods(tests, "markdown"), "\n"), transform = no_versions)
  expect_snapshot(cat(pg_results(study, "markdown"), "\n"))
  expect_s3_class(pg_methods(tests), c("propgrad_paragraph", "character"))
  expect_identical(attr(pg_results(study, "markdown"), "format"), "markdown")
})

test_that("the numbers of the results paragraph are the summary's and the tests'", {
  tests <- paragraph_study(n_perm = 4999)
  study <- summary(tests, seed = 3, conf_level = 0.9)
  text <- unclass(pg_results(tests, seed = 3, conf_level = 0.9))
  sig <- !is.na(tests$adj.p.value) & tests$adj.p.value <= 0.01
  expect_true(grepl(sprintf("Of the %d series, %d were significant after Holm adjustment (alpha = 0.01).",
                            nrow(tests), sum(sig)), text, fixed = TRUE))
  pattern <- "([0-9]+) of ([0-9]+) series were significant for property ([a-z_]+) \\(mean EPGM ([0-9.]+), 90% CI \\[([0-9.]+), ([0-9.]+)\\]; (largest|smallest) adjusted p = ([0-9.]+)"
  hits <- regmatches(text, gregexpr(pattern, text))[[1]]
  expect_length(hits, nrow(study))
  parts <- do.call(rbind, regmatches(hits, regexec(pattern, hits)))
  # Sentences follow the summary's rows (model, then property).
  expect_equal(as.integer(parts[, 2]), study$n_significant)
  expect_equal(as.integer(parts[, 3]), study$n_series)
  expect_equal(parts[, 4], as.character(study$property))
  # Each printed number is the object's, to the last digit it shows.
  close <- function(printed, value) {
    decimals <- nchar(sub("^[0-9]*\\.?", "", printed))
    all(abs(as.numeric(printed) - value) <= 0.5 * 10^-decimals + 1e-12)
  }
  expect_true(close(parts[, 5], study$estimate))
  expect_true(close(parts[, 6], study$conf.low))
  expect_true(close(parts[, 7], study$conf.high))
  # The estimate and its interval show the same decimals, three significant digits.
  expect_equal(nchar(sub(".*\\.", "", parts[, 5])), nchar(sub(".*\\.", "", parts[, 6])))
  expect_true(all(nchar(gsub("^0\\.0*|\\.", "", parts[, 5])) == 3))
  p_of <- vapply(seq_len(nrow(study)), function(r) {
    rows <- tests$model == study$model[r] & tests$property == study$property[r]
    if (any(sig[rows])) max(tests$adj.p.value[rows & sig]) else min(tests$adj.p.value[rows])
  }, 0)
  expect_equal(parts[, 8], ifelse(study$n_significant > 0, "largest", "smallest"))
  expect_true(close(parts[, 9], p_of))
  # p as in the tables and figures: three decimals, trailing zeros dropped in text.
  expect_equal(parts[, 9], propgrad:::format_p_journal(p_of))
  expect_true(all(nchar(sub("^[^.]*\\.?", "", parts[, 9])) <= 3))
})

test_that("a design whose floor is above alpha says so in both paragraphs", {
  tests <- suppressWarnings(paragraph_study(n_perm = 99))
  floor <- attr(tests, "settings")$adj_p_floor
  expect_gt(floor, 0.01)
  printed <- formatC(floor, format = "f", digits = 2 - floor(log10(floor)))
  expect_match(pg_methods(tests), sprintf("the smallest adjusted p-value any series could reach (the Monte Carlo floor) was %s, above alpha: no series could be significant with K = 99 shuffles.", printed), fixed = TRUE)
  res <- pg_results(tests, seed = 1)
  expect_match(res, "None of the 48 series was significant after Holm adjustment (alpha = 0.01).", fixed = TRUE)
  expect_match(res, sprintf("the smallest adjusted p-value the design allowed was %s.", printed), fixed = TRUE)
  expect_false(grepl("Monte Carlo floor", pg_methods(paragraph_study(n_perm = 9999)), fixed = TRUE))
})

test_that("by chooses the sentences' groups", {
  tests <- paragraph_study(n_perm = 4999)
  by_property <- pg_results(tests, seed = 1, by = "property")
  expect_match(by_property, "For property fur_colour, 8 of 8 series were significant for model unbiased", fixed = TRUE)
  by_model <- pg_results(tests, seed = 1)
  expect_match(by_model, "For model unbiased, 8 of 8 series were significant for property fur_colour", fixed = TRUE)
})

test_that("wrong input is a classed error that says what to do", {
  tests <- paragraph_study(n_perm = 999, alpha = 0.05)
  study <- summary(tests, seed = 1)
  expect_snapshot(error = TRUE, cnd_class = TRUE, {
    pg_methods(pg_study)
    pg_methods(tests, format = "latex")
    pg_methods(study, summary = study)
    pg_methods(tests, summary = tests)
    pg_methods(tests, summary = summary(paragraph_study(n_perm = 999, alpha = 0.1), seed = 1))
    pg_results(study, seed = 1)
    pg_results(tests, by = "image", seed = 1)
    pg_results(tests[0, ])
  })
  expect_error(pg_methods(), class = "propgrad_error_missing")
})
