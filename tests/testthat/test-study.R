# Study-level inference: the summary over inputs (means, studentized
# bootstrap intervals and their coverage, significance counts) and the
# paired comparison of two models (sign-flip and bootstrap-t tests, their
# floors, intervals and warnings).

study_tests <- property_test(pg_study, p_cat ~ strength | image + model + property,
                             n_perm = 9999, seed = 1, probs = c("p_cat", "p_dog"))

test_that("the summary aggregates over inputs per model x property x output", {
  s <- summary(study_tests, seed = 1)
  expect_s3_class(s, "propgrad_summary")
  expect_equal(nrow(s), 6)
  expect_named(s, c("model", "property", "output", "n_series", "estimate", "std.error", "conf.low",
                    "conf.high", "median", "sd", "n_significant", "share_significant", "flips_total"))
  ref <- aggregate(estimate ~ model + property, data = study_tests, FUN = mean)
  m <- merge(s, ref, by = c("model", "property"))
  expect_equal(m$estimate.x, m$estimate.y)
  one <- study_tests[study_tests$model == "dark_cats_bias" & study_tests$property == "fur_colour", ]
  row <- s[s$model == "dark_cats_bias" & s$property == "fur_colour", ]
  expect_equal(row$median, median(one$estimate))
  expect_equal(row$std.error, sd(one$estimate) / sqrt(8))
  expect_equal(row$n_significant, sum(one$adj.p.value <= 0.01))
  expect_equal(row$flips_total, sum(one$flips))
  expect_true(all(s$conf.low <= s$estimate & s$estimate <= s$conf.high))
  expect_identical(summary(study_tests, seed = 1), s)
  expect_output(print(s), "studentized bootstrap interval")
  expect_false(inherits(tidy(s), "propgrad_summary"))
  expect_equal(attr(s, "settings")$conf_level, 0.95)
  expect_equal(attr(s, "settings")$interval, "bootstrap_t")
  # alpha defaults to the tests' own
  expect_equal(attr(s, "settings")$alpha, 0.01)
  s5 <- summary(study_tests, alpha = 0.5, seed = 1)
  for (i in seq_len(nrow(s5))) {
    rows <- study_tests$model == s5$model[i] & study_tests$property == s5$property[i]
    expect_equal(s5$n_significant[i], sum(study_tests$adj.p.value[rows] <= 0.5))
  }
})

# Issue 14: the printed summary mixed numbers of decimals and could turn
# scientific for small EPGMs; flips_total was not explained.
test_that("the printed summary has one number of decimals per column, never scientific", {
  tiny <- study_tests
  tiny$estimate <- tiny$estimate * 1e-4
  s <- summary(tiny, seed = 1)
  withr::local_options(width = 400)
  out <- capture.output(print(s))
  expect_false(any(grepl("[0-9]e[-+]", out)))
  printed <- utils::read.table(text = out[-1], header = TRUE, comment.char = "#", colClasses = "character")
  expect_equal(nrow(printed), nrow(s))
  decimals <- function(x) nchar(sub("^[^.]*\\.?", "", x))
  for (col in intersect(names(printed), summary_columns)) {
    expect_length(unique(decimals(printed[[col]])), 1)
    expect_equal(as.numeric(printed[[col]]), s[[col]], tolerance = 0.05)
  }
  expect_equal(unique(decimals(printed$n_series)), 0)
  expect_equal(unique(decimals(printed$flips_total)), 0)
  expect_true(any(grepl("^# flips_total: prediction flips summed over the group's series", out)))
})

test_that("the interval is the studentized bootstrap; t on request; set.seed reproduces", {
  x <- study_tests$estimate[study_tests$model == "unbiased" & study_tests$property == "fur_colour"]
  s <- summary(study_tests, seed = 3)
  row <- s[s$model == "unbiased" & s$property == "fur_colour", ]
  boot <- propgrad:::pg_bootstrap_t_cpp(x, list(conf_level = 0.95, n_boot = 2000, seed = 3,
                                                tolerance = 1e-9))
  expect_equal(c(row$conf.low, row$conf.high), boot$equal)
  st <- summary(study_tests, seed = 3, interval = "t")
  row <- st[st$model == "unbiased" & st$property == "fur_colour", ]
  expect_equal(c(row$conf.low, row$conf.high), as.vector(t.test(x)$conf.int))
  set.seed(5)
  a <- summary(study_tests)
  set.seed(5)
  b <- summary(study_tests)
  expect_identical(a, b)
})


# EPGMs differ in their last bits between compilers and optimisation levels
# (18 of 48 between -O0 and -O2 builds of the same source); the same seed
# must still give the same intervals and comparisons, not another stream.
test_that("last-bit differences in the EPGMs do not change the resampling stream", {
  jitter <- function(x) {
    x$estimate <- x$estimate * (1 + rep_len(c(-1, 0, 1), nrow(x)) * .Machine$double.eps)
    x
  }
  a <- summary(study_tests, seed = 3)
  b <- summary(jitter(study_tests), seed = 3)
  expect_false(identical(a$estimate, b$estimate))
  expect_equal(b$conf.low, a$conf.low, tolerance = 1e-12)
  expect_equal(b$conf.high, a$conf.high, tolerance = 1e-12)
  d <- study_tests[study_tests$property == "fur_colour", ]
  for (test in c("sign_flip", "bootstrap_t")) {
    ca <- suppressWarnings(compare_models(d, c("unbiased", "dark_cats_bias"), seed = 3, test = test))
    cb <- suppressWarnings(compare_models(jitter(d), c("unbiased", "dark_cats_bias"), seed = 3, test = test))
    expect_equal(cb$conf.low, ca$conf.low, tolerance = 1e-12)
    expect_equal(cb$p.value, ca$p.value)
  }
})
test_that("the summary can average over other columns, and warns below 8 inputs", {
  s <- summary(study_tests, over = c("image", "model"), seed = 2)
  expect_equal(nrow(s), 2)
  expect_equal(s$n_series, c(24, 24))
  few <- study_tests[study_tests$image %in% c("img01", "img02", "img03"), ]
  expect_warning(summary(few, seed = 1), class = "propgrad_warning_small_n")
})

test_that("the summary counts adaptive decisions and shows an unreachable floor", {
  expect_warning(low <- property_test(pg_study, p_cat ~ strength | image + model + property,
                                      n_perm = 999, seed = 1),
                 class = "propgrad_warning_resolution")
  expect_output(print(summary(low, seed = 1)), "could reach is 0.048, above alpha")
})

test_that("the summary refuses bad input", {
  expect_error(summary(study_tests, over = "species"), class = "propgrad_error_column")
  expect_error(summary(study_tests, alpha = 2), class = "propgrad_error_number")
  expect_error(summary(study_tests, n_boot = 1), class = "propgrad_error_number")
  expect_error(summary(study_tests, interval = "percentile"), class = "propgrad_error_choice")
  expect_error(summary(study_tests[0, ]), class = "propgrad_error_length")
})

test_that("a paired sign-flip test compares two models, exact for 8 pairs", {
  cmp <- compare_models(study_tests, c("unbiased", "dark_dogs_bias"), seed = 1)
  expect_equal(nrow(cmp), 2)
  expect_named(cmp, c("property", "output", propgrad:::comparison_columns))
  fur <- cmp[cmp$property == "fur_colour", ]
  a <- study_tests[study_tests$model == "unbiased" & study_tests$property == "fur_colour", ]
  b <- study_tests[study_tests$model == "dark_dogs_bias" & study_tests$property == "fur_colour", ]
  d <- b$estimate[match(a$image, b$image)] - a$estimate
  expect_equal(fur$n_pairs, 8)
  expect_equal(fur$estimate, mean(d))
  expect_equal(fur$std.error, sd(d) / sqrt(8))
  expect_equal(fur$statistic, mean(d) / (sd(d) / sqrt(8)))
  expect_equal(fur$effect_size, mean(d) / sd(d))
  # 2^8 <= n_perm: exact, equal to a full enumeration of sign patterns
  expect_true(fur$exact)
  signs <- as.matrix(expand.grid(rep(list(c(-1, 1)), 8)))
  expect_equal(fur$p.value, mean(abs(signs %*% d / 8) >= abs(mean(d)) * (1 - 1e-9)))
  expect_equal(fur$p.floor, 2^(1 - 8))
  expect_lt(fur$p.value, 0.01)
  expect_true(fur$conf.low <= fur$estimate && fur$estimate <= fur$conf.high)
  expect_equal(fur$method, "paired sign-flip test")
  # the symmetric bootstrap-t test, and the same interval
  bt <- compare_models(study_tests, c("unbiased", "dark_dogs_bias"), test = "bootstrap_t", seed = 1)
  expect_equal(bt$conf.low, cmp$conf.low)
  expect_equal(bt$p.floor, rep(1 / 2001, 2))
  expect_equal(bt$method[1], "symmetric bootstrap-t test")
})

test_that("too few pairs: the floor is reported and warned about", {
  few <- study_tests[study_tests$image %in% c("img01", "img02", "img03", "img04", "img05"), ]
  expect_warning(expect_warning(cmp <- compare_models(few, c("unbiased", "dark_cats_bias"), seed = 1),
                                class = "propgrad_warning_resolution"),
                 class = "propgrad_warning_small_n")
  expect_equal(cmp$p.floor, rep(2^(1 - 5), 2))
  expect_true(all(cmp$p.value >= 2^(1 - 5)))
  expect_snapshot(invisible(compare_models(few, c("unbiased", "dark_cats_bias"), seed = 1)), cnd_class = TRUE)
})

test_that("model comparison refuses bad input", {
  expect_error(compare_models(study_tests, c("unbiased", "resnet")), class = "propgrad_error_model")
  expect_error(compare_models(study_tests, "unbiased"), class = "propgrad_error_input")
  expect_error(compare_models(study_tests, c("unbiased", "unbiased")), class = "propgrad_error_input")
  expect_error(compare_models(study_tests, c("unbiased", "dark_cats_bias"), model = "species"),
               class = "propgrad_error_column")
  expect_error(compare_models(study_tests, c("unbiased", "dark_cats_bias"), test = "t"),
               class = "propgrad_error_choice")
  expect_error(compare_models(pg_study, c("unbiased", "dark_cats_bias")), class = "propgrad_error_type")
  expect_snapshot(error = TRUE, cnd_class = TRUE, compare_models(study_tests, c("unbiased", "resnet")))
})

test_that("models as a factor, inputs whose names hold separators, lost columns and NA EPGMs", {
  models <- factor(c("unbiased", "dark_cats_bias"))
  a <- compare_models(study_tests, models, seed = 1)
  b <- compare_models(study_tests, as.character(models), seed = 1)
  expect_identical(a$p.value, b$p.value)
  # Inputs are told apart by value, not by a pasted key: "a\r" + "b" and
  # "a" + "\rb" are two inputs.
  t2 <- study_tests
  img <- as.character(t2$image)
  prop <- as.character(t2$property)
  t2$image <- ifelse(img == "img01", "x\r", ifelse(img == "img02", "x", img))
  t2$property <- ifelse(img == "img02" & prop == "background", "\rbackground", prop)
  ref <- compare_models(study_tests, c("unbiased", "dark_cats_bias"), over = c("image", "property"),
                        seed = 1)
  got <- compare_models(t2, c("unbiased", "dark_cats_bias"), over = c("image", "property"), seed = 1)
  expect_identical(got$n_pairs, ref$n_pairs)
  expect_identical(got$p.value, ref$p.value)
  # A by column the tests lost is named, not silently ignored.
  lost <- study_tests
  lost$model <- NULL
  expect_error(summary(lost, over = "image"), class = "propgrad_error_column")
  # A pair with a non-finite EPGM is left out with a warning.
  na <- study_tests
  na$estimate[na$model == "dark_cats_bias"][1] <- NA
  quiet <- c("propgrad_warning_resolution", "propgrad_warning_small_n")
  expect_warning(cmp <- suppressWarnings(compare_models(na, c("unbiased", "dark_cats_bias"), seed = 1),
                                         classes = quiet),
                 class = "propgrad_warning_nonfinite")
  full <- compare_models(study_tests, c("unbiased", "dark_cats_bias"), seed = 1)
  expect_equal(sum(cmp$n_pairs), sum(full$n_pairs) - 1)
})

test_that("the summary leaves non-finite estimates out with a warning, or refuses when none is left", {
  set.seed(2)
  d <- data.frame(image = rep(1:9, each = 10), t = rep(1:10, 9), y = rnorm(90))
  d$y[d$image == 4] <- rep(c(1e308, -1e308), 5)
  tests <- suppressWarnings(property_test(d, y ~ t | image, n_perm = 99, seed = 1, p_adjust = "westfall_young"))
  expect_true(is.na(tests$p.value[4]) && is.infinite(tests$estimate[4]))
  expect_warning(s <- summary(tests, seed = 1), class = "propgrad_warning_nonfinite")
  expect_equal(s$n_series, 9)
  expect_equal(s$estimate, mean(tests$estimate[-4]))
  expect_equal(s$median, median(tests$estimate[-4]))
  expect_true(is.finite(s$conf.low) && is.finite(s$conf.high))
  tests$estimate[-4] <- NA
  expect_error(summary(tests, seed = 1), class = "propgrad_error_nonfinite")
})
