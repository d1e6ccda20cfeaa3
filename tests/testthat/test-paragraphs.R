# pg_methods() and pg_results() (R/paragraphs.R, R/paragraph_methods.R,
# R/paragraph_text.R): snapshots of the paragraphs of a fixed seeded study;
# each setting changes its own sentence and no other; every number in the
# paragraph is the object's, parsed back; Markdown escapes names; wrong
# input is a classed error.

f <- p_cat ~ strength | image + model + property
study_tests <- function(...) property_test(pg_study, f, seed = 1, ...)
# Versions differ between machines; the snapshots keep the sentence.
no_versions <- function(x) gsub("propgrad [0-9.]+ \\(R [0-9.]+", "propgrad <version> (R <version>", x)
# The paragraph without its references, as sentences.
sentences <- function(x) {
  text <- strsplit(unclass(x), "\n\n", fixed = TRUE)[[1]][1]
  strsplit(text, "(?<=[.]) (?=[A-Z])", perl = TRUE)[[1]]
}
changed <- function(a, b) setdiff(sentences(a), sentences(b))
references <- function(x) sub(".*References\\**\n+", "", unclass(x))

test_that("the paragraphs of a seeded study read as expected (text and Markdown)", {
  tests <- study_tests(n_perm = 9999, probs = c("p_cat", "p_dog"))
  study <- summary(tests, seed = 1)
  expect_snapshot(print(pg_methods(tests, summary = study)), transform = no_versions)
  expect_snapshot(print(pg_results(tests, seed = 1)))
  expect_snapshot(cat(pg_methods(tests, "markdown"), "\n"), transform = no_versions)
  expect_snapshot(cat(pg_results(study, "markdown"), "\n"))
  expect_s3_class(pg_methods(tests), c("propgrad_paragraph", "character"))
  expect_identical(attr(pg_results(study, "markdown"), "format"), "markdown")
})

test_that("the numbers of the results paragraph are the summary's and the tests'", {
  tests <- study_tests(n_perm = 4999)
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

test_that("the numbers of the methods paragraph are the settings'", {
  tests <- study_tests(n_perm = 4999)
  study <- summary(tests, seed = 7, n_boot = 1500)
  text <- unclass(pg_methods(tests, summary = study))
  s <- attr(tests, "settings")
  expect_true(grepl(sprintf("We tested %d series", nrow(tests)), text, fixed = TRUE))
  expect_true(grepl(sprintf("each with N = %d steps", unique(tests$n_steps)), text, fixed = TRUE))
  expect_true(grepl(sprintf("K = %s random shuffles", format(s$n_perm, big.mark = ",")), text, fixed = TRUE))
  expect_true(grepl(sprintf("at most alpha = %s.", s$alpha), text, fixed = TRUE))
  expect_true(grepl(sprintf("keyed by seed %s and", s$seed), text, fixed = TRUE))
  expect_true(grepl(sprintf("from %s resamples (seed 7;", format(1500, big.mark = ",")), text, fixed = TRUE))
  expect_true(grepl(sprintf("Analyses used the R package propgrad %s (R %s).", packageVersion("propgrad"),
                            paste(R.version$major, R.version$minor, sep = ".")), text, fixed = TRUE))
  # Steps that differ between series give their range.
  d <- pg_study[!(pg_study$image == "img01" & pg_study$strength > 0.5), ]
  uneven <- property_test(d, f, n_perm = 4999, seed = 1)
  expect_true(grepl(sprintf("with N = %d to %d steps", min(uneven$n_steps), max(uneven$n_steps)),
                    pg_methods(uneven), fixed = TRUE))
})

test_that("fixed K, sequential stopping and the adaptive rule each change the test's sentences", {
  fixed <- pg_methods(study_tests(n_perm = 9999))
  sequential <- pg_methods(study_tests(n_perm = 9999, sequential = 10))
  adaptive <- pg_methods(suppressMessages(study_tests(n_perm = "adaptive")))
  # The shuffles' sentence, and the two-sided centre: a pilot's mean.
  s_seq <- changed(sequential, fixed)
  expect_length(s_seq, 2)
  expect_match(s_seq[1], "at most K = 9,999 random shuffles per series, stopping a series once h = 10", fixed = TRUE)
  expect_match(s_seq[1], "Besag and Clifford (1991)", fixed = TRUE)
  expect_match(s_seq[2], "otherwise the mean of an independent pilot of shuffles", fixed = TRUE)
  expect_match(references(sequential), "Besag J, Clifford P (1991)", fixed = TRUE)
  expect_false(grepl("Besag", fixed, fixed = TRUE))
  s_ad <- changed(adaptive, fixed)
  expect_true(any(grepl("chosen adaptively by sequential Monte Carlo multiple testing (MMCTest; Gandy and Hahn 2014)", s_ad, fixed = TRUE)))
  expect_true(any(grepl("With probability at least 0.999 every decision", s_ad, fixed = TRUE)))
  expect_true(any(grepl("Decisions were those of Holm's step-down procedure", s_ad, fixed = TRUE)))
  # The design, gradient, seed and software sentences are the same.
  expect_true(all(sentences(fixed)[c(1, 2)] %in% sentences(adaptive)))
  expect_false(any(grepl("K = 9,999", sentences(adaptive), fixed = TRUE)))
  # A different seed changes the seed's sentence only.
  other_seed <- pg_methods(property_test(pg_study, f, n_perm = 9999, seed = 2))
  expect_equal(changed(other_seed, fixed),
               "Each series drew its shuffles from its own random stream, keyed by seed 2 and the series' data, so every p-value can be reproduced.")
})

test_that("Holm, BH, Westfall-Young and no adjustment change the adjustment's sentence only", {
  holm <- pg_methods(study_tests(n_perm = 9999))
  bh <- pg_methods(study_tests(n_perm = 9999, p_adjust = "BH"))
  none <- pg_methods(study_tests(n_perm = 9999, p_adjust = "none"))
  wy <- pg_methods(study_tests(n_perm = 999, p_adjust = "westfall_young", alpha = 0.05))
  expect_equal(changed(bh, holm), "The p-values were adjusted across all 48 series with the false discovery rate procedure of Benjamini and Hochberg (1995), and a series was called significant when its adjusted p-value was at most alpha = 0.01.")
  expect_equal(changed(holm, bh), "The p-values were adjusted across all 48 series with Holm's step-down procedure (Holm 1979), and a series was called significant when its adjusted p-value was at most alpha = 0.01.")
  expect_equal(changed(none, holm), "The p-values were not adjusted for multiple testing; a series was called significant when its p-value was at most alpha = 0.01.")
  expect_match(references(holm), "Holm S (1979)", fixed = TRUE)
  expect_match(references(bh), "Benjamini Y, Hochberg Y (1995)", fixed = TRUE)
  expect_false(grepl("Holm", references(bh), fixed = TRUE))
  expect_false(grepl("Holm", none, fixed = TRUE))
  expect_true(any(grepl("max-T procedure of Westfall and Young (1993)", changed(wy, holm), fixed = TRUE)))
})

test_that("exact enumeration replaces the shuffles and the p-value's definition", {
  steps <- sort(unique(pg_study$strength))
  short <- pg_study[pg_study$strength %in% steps[c(1, 10, 20, 30, 40, 50)], ]
  all_exact <- suppressWarnings(property_test(short, f, n_perm = 9999, seed = 1))
  text <- pg_methods(all_exact)
  expect_match(text, "every series was short enough for all its N! orderings to be enumerated, so the tests are exact (p = b/N!)", fixed = TRUE)
  expect_false(grepl("(b + 1)/(K + 1)", text, fixed = TRUE))
  expect_false(grepl("random shuffles", text, fixed = TRUE))
  expect_false(grepl("seed", text, fixed = TRUE))
  # 48 series of 6 steps under Holm: the floor is 48/6!, above alpha.
  floor <- attr(all_exact, "settings")$adj_p_floor
  expect_equal(floor, 48 / factorial(6))
  expect_match(text, sprintf("The series were too short for any to be significant: the smallest adjusted p-value they could reach was %s, above alpha.",
                             formatC(floor, format = "f", digits = 2 - floor(log10(floor)))), fixed = TRUE)
  # Some series short, the others shuffled.
  mixed_data <- rbind(short[short$image == "img01", ], pg_study[pg_study$image != "img01", ])
  mixed <- suppressWarnings(property_test(mixed_data, f, n_perm = 9999, seed = 1))
  text <- pg_methods(mixed)
  n_short <- sum(mixed$n_steps == 6)
  expect_match(text, sprintf("The %d series with at most 6 steps (N! at most K) were tested exactly", n_short), fixed = TRUE)
  expect_match(text, "For the other series, each p-value was (b + 1)/(K + 1)", fixed = TRUE)
  expect_match(text, "K = 9,999 random shuffles per series", fixed = TRUE)
})

test_that("a design whose floor is above alpha says so in both paragraphs", {
  tests <- suppressWarnings(study_tests(n_perm = 99))
  floor <- attr(tests, "settings")$adj_p_floor
  expect_gt(floor, 0.01)
  printed <- formatC(floor, format = "f", digits = 2 - floor(log10(floor)))
  expect_match(pg_methods(tests), sprintf("the smallest adjusted p-value any series could reach (the Monte Carlo floor) was %s, above alpha: no series could be significant with K = 99 shuffles.", printed), fixed = TRUE)
  res <- pg_results(tests, seed = 1)
  expect_match(res, "None of the 48 series was significant after Holm adjustment (alpha = 0.01).", fixed = TRUE)
  expect_match(res, sprintf("the smallest adjusted p-value the design allowed was %s.", printed), fixed = TRUE)
  expect_false(grepl("Monte Carlo floor", pg_methods(study_tests(n_perm = 9999)), fixed = TRUE))
})

test_that("a summary's level, interval and seed change the interval's sentence", {
  tests <- study_tests(n_perm = 999, alpha = 0.05)
  boot95 <- pg_methods(tests, summary = summary(tests, seed = 1))
  boot90 <- pg_methods(tests, summary = summary(tests, seed = 1, conf_level = 0.9))
  t90 <- pg_methods(summary(tests, seed = 1, conf_level = 0.9, interval = "t"))
  expect_equal(changed(boot90, boot95), "Mean EPGMs over the inputs (image; n = 8 per group) are reported with 90% studentized bootstrap (bootstrap-t) intervals from 2,000 resamples (seed 1; Efron and Tibshirani 1993; Hesterberg 2015).")
  expect_true("Mean EPGMs over the inputs (image; n = 8 per group) are reported with 90% Student t intervals." %in% sentences(t90))
  expect_false(grepl("Efron", t90, fixed = TRUE))
  expect_false(grepl("Mean EPGMs", pg_methods(tests), fixed = TRUE))
  expect_match(pg_results(tests, seed = 1, conf_level = 0.9), "90% CI [", fixed = TRUE)
  # From the summary alone the steps are unknown: that sentence part is left out.
  expect_false(grepl("steps.", t90, fixed = TRUE))
})

test_that("statistics and gradient settings change their sentences", {
  base <- pg_methods(study_tests(n_perm = 999, alpha = 0.05))
  index <- pg_methods(study_tests(n_perm = 999, alpha = 0.05, spacing = "index"))
  expect_length(changed(index, base), 1)
  expect_match(changed(index, base), "with unit spacing between consecutive steps", fixed = TRUE)
  mi <- pg_methods(study_tests(n_perm = 999, alpha = 0.05, statistic = "mi", smooth = 5))
  expect_match(mi, "mutual information of output and property (k = 5; Kraskov et al. 2004)", fixed = TRUE)
  expect_match(mi, "local polynomial fit of degree 2 in a window of 5 steps (Savitzky and Golay 1964)", fixed = TRUE)
  expect_match(mi, "one-sided in the upper tail", fixed = TRUE)
  less <- pg_methods(study_tests(n_perm = 999, alpha = 0.05, alternative = "less"))
  expect_match(changed(less, base), "one-sided in the lower tail", fixed = TRUE)
  zollstock <- suppressWarnings(pg_methods(study_tests(n_perm = 999, alpha = 0.05, p_method = "zollstock")))
  expect_match(zollstock, "Each p-value was b/K", fixed = TRUE)
  expect_false(grepl("(b + 1)", zollstock, fixed = TRUE))
  joint <- pg_methods(property_test(pg_study, p_cat + p_dog ~ strength | image + model + property,
                                    n_perm = 999, seed = 1, joint = TRUE, alpha = 0.5))
  expect_match(joint, "the outputs p_cat and p_dog (tested together as one vector output)", fixed = TRUE)
  expect_match(joint, "the mean Euclidean norm of the gradient vector", fixed = TRUE)
})

test_that("a setting the object lacks leaves its sentence out", {
  tests <- study_tests(n_perm = 999, alpha = 0.05)
  bare <- tests
  attr(bare, "settings")[c("software", "seed", "spacing", "p_adjust")] <- NULL
  text <- pg_methods(bare)
  expect_false(grepl("Analyses used", text, fixed = TRUE))
  expect_false(grepl("seed", text, fixed = TRUE))
  expect_false(grepl("finite differences", text, fixed = TRUE))
  expect_false(grepl("adjusted", text, fixed = TRUE))
  expect_true(all(setdiff(sentences(text), sentences(pg_methods(tests))) == character()))
})

test_that("explain()'s provenance adds the intervention and LibTorch, never hashes", {
  tests <- study_tests(n_perm = 999, alpha = 0.05)
  prov <- propgrad:::new_provenance(
    models = data.frame(model = "m", file = "/models/m.pt", sha256 = strrep("ab", 32), device = "cpu",
                        dtype = "float32"),
    intervention = list(kind = "hue", property = "hue", strengths = seq(0, 350, by = 10), text = "hue"),
    seed = 1)
  prov$software <- c(propgrad = "9.9.9", R = "4.9.0", LibTorch = "2.1.0")
  attr(tests, "provenance") <- prov
  text <- pg_methods(tests)
  expect_match(text, "along a gradual hue intervention in 36 steps from 0 to 350.", fixed = TRUE)
  expect_match(text, "Analyses used the R package propgrad 9.9.9 (R 4.9.0, with models run in LibTorch 2.1.0).", fixed = TRUE)
  expect_false(grepl("abab", text, fixed = TRUE))
})

test_that("Markdown italicises symbols and escapes names; print() wraps", {
  d <- pg_study[pg_study$image %in% c("img01", "img02"), ]
  d$model <- sub("dark_dogs_bias", "<img src=x>*bold*", as.character(d$model))
  tests <- property_test(d, f, n_perm = 999, seed = 1, alpha = 0.5)
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

test_that("by chooses the sentences' groups", {
  tests <- study_tests(n_perm = 4999)
  by_property <- pg_results(tests, seed = 1, by = "property")
  expect_match(by_property, "For property fur_colour, 8 of 8 series were significant for model unbiased", fixed = TRUE)
  by_model <- pg_results(tests, seed = 1)
  expect_match(by_model, "For model unbiased, 8 of 8 series were significant for property fur_colour", fixed = TRUE)
})

test_that("wrong input is a classed error that says what to do", {
  tests <- study_tests(n_perm = 999, alpha = 0.05)
  study <- summary(tests, seed = 1)
  expect_snapshot(error = TRUE, cnd_class = TRUE, {
    pg_methods(pg_study)
    pg_methods(tests, format = "latex")
    pg_methods(study, summary = study)
    pg_methods(tests, summary = tests)
    pg_methods(tests, summary = summary(study_tests(n_perm = 999, alpha = 0.1), seed = 1))
    pg_results(study, seed = 1)
    pg_results(tests, by = "image", seed = 1)
    pg_results(tests[0, ])
  })
  expect_error(pg_methods(), class = "propgrad_error_missing")
})
