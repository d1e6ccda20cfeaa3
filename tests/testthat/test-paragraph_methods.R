# The sentences of pg_methods() (R/paragraph_methods.R): each setting
# changes its own sentence and no other, the numbers are the settings', and
# a setting the object lacks leaves its sentence out.

test_that("the numbers of the methods paragraph are the settings'", {
  tests <- paragraph_study(n_perm = 4999)
  study <- summary(tests, seed = 7, n_boot = 1500)
  text <- unclass(pg_methods(tests, summary = study))
  s <- attr(tests, "settings")
  expect_true(grepl(sprintf("We tested %d series", nrow(tests)), text, fixed = TRUE))
  expect_true(grepl(sprintf("each with N = %d steps", unique(tests$n_steps)), text, fixed = TRUE))
  expect_true(grepl(sprintf("K = %s random shuffles", format(s$n_perm, big.mark = ",")), text, fixed = TRUE))
  expect_true(grepl(sprintf("at most alpha = %s.", s$alpha), text, fixed = TRUE))
  expect_true(grepl(sprintf("keyed by seed %s and", s$seed), text, fixed = TRUE))
  expect_true(grepl(sprintf("stream version %d)", s$stream_version), text, fixed = TRUE))
  # Shared permutations change the stream's sentence only.
  shared <- paragraph_study(n_perm = 4999, share_permutations = TRUE)
  new <- changed(pg_methods(shared), pg_methods(tests))
  expect_length(new, 1)
  expect_match(new, "shared one random stream of permutations", fixed = TRUE)
  expect_true(grepl(sprintf("from %s resamples (seed 7;", format(1500, big.mark = ",")), text, fixed = TRUE))
  expect_true(grepl(sprintf("Analyses used the R package propgrad %s (R %s).", packageVersion("propgrad"),
                            paste(R.version$major, R.version$minor, sep = ".")), text, fixed = TRUE))
  # Steps that differ between series give their range.
  d <- pg_study[!(pg_study$image == "img01" & pg_study$strength > 0.5), ]
  uneven <- property_test(d, paragraph_formula, n_perm = 4999, seed = 1)
  expect_true(grepl(sprintf("with N = %d to %d steps", min(uneven$n_steps), max(uneven$n_steps)),
                    pg_methods(uneven), fixed = TRUE))
})

test_that("fixed K, sequential stopping and the adaptive rule each change the test's sentences", {
  fixed <- pg_methods(paragraph_study(n_perm = 9999))
  sequential <- pg_methods(paragraph_study(n_perm = 9999, sequential = 10))
  adaptive <- pg_methods(suppressMessages(paragraph_study(n_perm = "adaptive")))
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
  other_seed <- pg_methods(property_test(pg_study, paragraph_formula, n_perm = 9999, seed = 2))
  expect_equal(changed(other_seed, fixed),
               "Each series drew its shuffles from its own random stream (propgrad's stream version 2), keyed by seed 2 and the series' data, so every p-value can be reproduced.")
})

test_that("Holm, BH, Westfall-Young and no adjustment change the adjustment's sentence only", {
  holm <- pg_methods(paragraph_study(n_perm = 9999))
  bh <- pg_methods(paragraph_study(n_perm = 9999, p_adjust = "BH"))
  none <- pg_methods(paragraph_study(n_perm = 9999, p_adjust = "none"))
  wy <- pg_methods(paragraph_study(n_perm = 999, p_adjust = "westfall_young", alpha = 0.05))
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
  all_exact <- suppressWarnings(property_test(short, paragraph_formula, n_perm = 9999, seed = 1))
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
  mixed <- suppressWarnings(property_test(mixed_data, paragraph_formula, n_perm = 9999, seed = 1))
  text <- pg_methods(mixed)
  n_short <- sum(mixed$n_steps == 6)
  expect_match(text, sprintf("The %d series with at most 6 steps (N! at most K) were tested exactly", n_short), fixed = TRUE)
  expect_match(text, "For the other series, each p-value was (b + 1)/(K + 1)", fixed = TRUE)
  expect_match(text, "K = 9,999 random shuffles per series", fixed = TRUE)
})

test_that("a summary's level, interval and seed change the interval's sentence", {
  tests <- paragraph_study(n_perm = 999, alpha = 0.05)
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
  base <- pg_methods(paragraph_study(n_perm = 999, alpha = 0.05))
  index <- pg_methods(paragraph_study(n_perm = 999, alpha = 0.05, spacing = "index"))
  expect_length(changed(index, base), 1)
  expect_match(changed(index, base), "with unit spacing between consecutive steps", fixed = TRUE)
  mi <- pg_methods(paragraph_study(n_perm = 999, alpha = 0.05, statistic = "mi", smooth = 5))
  expect_match(mi, "mutual information of output and property (k = 5; Kraskov et al. 2004)", fixed = TRUE)
  expect_match(mi, "local polynomial fit of degree 2 in a window of 5 steps (Savitzky and Golay 1964)", fixed = TRUE)
  expect_match(mi, "one-sided in the upper tail", fixed = TRUE)
  less <- pg_methods(paragraph_study(n_perm = 999, alpha = 0.05, alternative = "less"))
  expect_match(changed(less, base), "one-sided in the lower tail", fixed = TRUE)
  zollstock <- suppressWarnings(pg_methods(paragraph_study(n_perm = 999, alpha = 0.05, p_method = "zollstock")))
  expect_match(zollstock, "Each p-value was b/K", fixed = TRUE)
  expect_false(grepl("(b + 1)", zollstock, fixed = TRUE))
  joint <- pg_methods(property_test(pg_study, p_cat + p_dog ~ strength | image + model + property,
                                    n_perm = 999, seed = 1, joint = TRUE, alpha = 0.5))
  expect_match(joint, "the outputs p_cat and p_dog (tested together as one vector output)", fixed = TRUE)
  expect_match(joint, "the mean Euclidean norm of the gradient vector", fixed = TRUE)
})

test_that("a setting the object lacks leaves its sentence out", {
  tests <- paragraph_study(n_perm = 999, alpha = 0.05)
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
  tests <- paragraph_study(n_perm = 999, alpha = 0.05)
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

