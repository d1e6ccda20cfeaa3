# property_test() over long data frames: the formula and argument forms,
# data-keyed streams that make split calls equal one call, joint vector
# outputs, flips, multiple-testing adjustment, the resolution floor,
# n_perm = "auto" and "adaptive", uneven series and bad data.

small <- subset(pg_study, image %in% c("img01", "img05"))

test_that("the formula form equals the argument form", {
  a <- property_test(small, p_cat ~ strength | image + model + property, n_perm = 2999, seed = 1)
  b <- property_test(small, "p_cat", "strength", by = c("image", "model", "property"),
                     n_perm = 2999, seed = 1)
  expect_identical(a, b)
  expect_s3_class(a, "propgrad_tests")
  expect_equal(nrow(a), 2 * 3 * 2)
  expect_named(a, c("image", "model", "property", "output", "n_steps", "statistic", "estimate",
                    "null_mean", "null_sd", "z", "p.value", "p.conf.low", "p.conf.high",
                    "adj.p.value", "n_perm_used"))
  expect_equal(attr(a, "settings")$n_perm, 2999)
  expect_equal(attr(a, "settings")$p_conf_level, 0.99)
  expect_true(is.factor(a$model))
  expect_equal(a$n_steps, rep(50L, 12))
})

test_that("each row equals a shuffle test of that series", {
  res <- property_test(small, p_cat ~ strength | image + model + property, n_perm = 2999, seed = 3)
  for (i in seq_len(nrow(res))) {
    one <- small[small$image == res$image[i] & small$model == res$model[i] &
                   small$property == res$property[i], ]
    st <- shuffle_test(one$p_cat, one$strength, n_perm = 2999, seed = 3)
    expect_equal(res$estimate[i], st$estimate)
    expect_identical(res$p.value[i], st$p.value)
    expect_identical(res$null_mean[i], st$null_mean)
    expect_identical(res$p.conf.low[i], st$p.conf.int[[1]])
  }
})

test_that("a data frame split in two calls gives the same rows as one call", {
  whole <- property_test(pg_study, p_cat ~ strength | image + model + property, n_perm = 9999, seed = 5)
  first <- property_test(pg_study[pg_study$model == "unbiased", ],
                         p_cat ~ strength | image + model + property, n_perm = 9999, seed = 5)
  rest <- property_test(pg_study[pg_study$model != "unbiased", ],
                        p_cat ~ strength | image + model + property, n_perm = 9999, seed = 5)
  cols <- c("estimate", "statistic", "null_mean", "null_sd", "z", "p.value", "p.conf.low", "p.conf.high")
  key <- function(d) paste(d$image, d$model, d$property)
  both <- rbind(tidy(first), tidy(rest))
  both <- both[match(key(whole), key(both)), ]
  expect_equal(both[cols], tidy(whole)[cols], ignore_attr = TRUE)
})

test_that("the biased models' fur colour dependence is found, the background is not", {
  res <- property_test(pg_study, p_cat ~ strength | image + model + property, n_perm = 9999, seed = 1)
  fur <- res[res$property == "fur_colour" & res$model != "unbiased", ]
  bg <- res[res$property == "background", ]
  expect_true(all(fur$adj.p.value <= 0.01))
  expect_true(all(fur$z < 0))
  expect_true(all(bg$adj.p.value > 0.01))
  # the unbiased model's slight fur dependence is smooth, so it is found too
  expect_equal(glance(res)$n_significant, 24)
  unbiased <- res$estimate[res$property == "fur_colour" & res$model == "unbiased"]
  expect_gt(mean(fur$estimate), 2 * mean(unbiased))
})

test_that("several outputs are separate series, or one vector output with joint = TRUE", {
  sep <- property_test(small, p_cat + p_dog ~ strength | image + model + property, n_perm = 200,
                       seed = 1, p_adjust = "none")
  expect_equal(nrow(sep), 24)
  expect_setequal(sep$output, c("p_cat", "p_dog"))
  # p_dog = 1 - p_cat has the same EPGM
  expect_equal(sep$estimate[sep$output == "p_cat"], sep$estimate[sep$output == "p_dog"])
  joint <- property_test(small, p_cat + p_dog ~ strength | image + model + property,
                         n_perm = 200, seed = 1, joint = TRUE, p_adjust = "none")
  expect_equal(nrow(joint), 12)
  expect_equal(joint$output[1], "p_cat+p_dog")
  expect_equal(joint$estimate, sqrt(2) * sep$estimate[sep$output == "p_cat"])
})

test_that("flips are counted from class probabilities", {
  res <- property_test(pg_study, p_cat ~ strength | image + model + property, n_perm = 100,
                       seed = 1, probs = c("p_cat", "p_dog"), p_adjust = "none")
  one <- pg_study[pg_study$image == "img01" & pg_study$model == "dark_cats_bias" &
                    pg_study$property == "fur_colour", ]
  expect_equal(res$flips[res$image == "img01" & res$model == "dark_cats_bias" & res$property == "fur_colour"],
               prediction_flips(one[c("p_cat", "p_dog")]))
  expect_true(all(res$flips[res$property == "background"] == 0))
  expect_gt(sum(res$flips), 0)
})

test_that("p-values are adjusted across all rows", {
  res <- property_test(small, p_cat ~ strength | image + model + property, n_perm = 2000,
                       seed = 1, p_adjust = "BH")
  expect_equal(res$adj.p.value, p.adjust(res$p.value, "BH"))
  holm <- property_test(small, p_cat ~ strength | image + model + property, n_perm = 2000, seed = 1)
  expect_equal(holm$adj.p.value, p.adjust(holm$p.value, "holm"))
  # the raw p does not depend on the adjustment
  expect_identical(holm$p.value, res$p.value)
  expect_error(property_test(small, p_cat ~ strength | image + model + property, p_adjust = "foo"),
               class = "propgrad_error_choice")
})

test_that("series of different lengths, unsorted steps and no by columns work", {
  d <- data.frame(id = rep(c("a", "b"), c(10, 25)), t = c(1:10, 1:25),
                  y = c(sin(1:10), cos(1:25 / 3)))
  res <- property_test(d, "y", "t", by = "id", n_perm = 200, seed = 1, p_adjust = "none")
  expect_equal(res$n_steps, c(10L, 25L))
  shuffled <- d[sample(nrow(d)), ]
  expect_message(res2 <- property_test(shuffled, "y", "t", by = "id", n_perm = 200, seed = 1,
                                       p_adjust = "none"),
                 class = "propgrad_message_sorted")
  res2 <- res2[match(res$id, res2$id), ]
  expect_equal(res2$estimate, res$estimate)
  expect_equal(res2$p.value, res$p.value)
  whole <- property_test(d[d$id == "a", ], "y", "t", n_perm = 200, seed = 1)
  expect_equal(nrow(whole), 1)
  expect_equal(whole$estimate, res$estimate[1])
})

test_that("a property column in any units gives the p-values of unit steps", {
  # 7 steps per series: every ordering is enumerated, so p does not depend
  # on the data-keyed stream.
  d <- data.frame(id = rep(c("a", "b", "c"), each = 7), t = rep(c(0, 1, 2.5, 3, 4, 6, 7), 3),
                  y = c(sin(1:7), cos(1:7), (1:7)^2))
  unit <- property_test(d, y ~ t | id, seed = 1, p_adjust = "holm")
  for (f in c(1e-200, 1e200)) {
    tiny <- transform(d, t = t * f)
    expect_no_warning(res <- property_test(tiny, y ~ t | id, seed = 1, p_adjust = "holm"))
    expect_equal(res$p.value, unit$p.value)
    expect_equal(res$adj.p.value, unit$adj.p.value)
    expect_equal(res$estimate * f, unit$estimate, tolerance = 1e-12)
  }
})

test_that("keep_null returns one column per row", {
  res <- property_test(small, p_cat ~ strength | image + model + property, n_perm = 150,
                       seed = 1, keep_null = TRUE, p_adjust = "none")
  null <- attr(res, "null")
  expect_equal(dim(null), c(150L, 12L))
  expect_equal(colMeans(null), res$null_mean)
})

test_that("tidy and glance give plain data frames", {
  res <- property_test(small, p_cat ~ strength | image + model + property, n_perm = 2000, seed = 1)
  td <- tidy(res)
  expect_false(inherits(td, "propgrad_tests"))
  expect_null(attr(td, "settings"))
  gl <- glance(res)
  expect_equal(gl$n_series, 12)
  expect_equal(gl$n_significant, sum(res$adj.p.value <= 0.01))
  expect_equal(gl$adj.p.floor, 12 / 2001)
  expect_equal(glance(res, alpha = 0.5)$n_significant, sum(res$adj.p.value <= 0.5))
  expect_output(print(res), "Shuffle tests of 12 series")
})

test_that("bad data gives classed errors", {
  expect_error(property_test(list(a = 1), "a", "b"), class = "propgrad_error_type")
  expect_error(property_test(small[0, ], "p_cat", "strength"), class = "propgrad_error_length")
  expect_error(property_test(small, "p_kat", "strength", by = "image"), class = "propgrad_error_column")
  expect_error(property_test(small, "p_cat", "strenght", by = "image"), class = "propgrad_error_column")
  expect_error(property_test(small, "p_cat", "strength", by = "imag"), class = "propgrad_error_column")
  expect_error(property_test(small, "species", "strength", by = "image"), class = "propgrad_error_type")
  expect_error(property_test(small, p_cat ~ strength + species | image), class = "propgrad_error_formula")
  expect_error(property_test(small, p_cat ~ strength | image, property = "x"), class = "propgrad_error_input")
  # forgetting a by column leaves repeated property values in a series
  expect_error(property_test(small, "p_cat", "strength", by = "image"), class = "propgrad_error_ties")
  bad <- small
  bad$p_cat[3] <- NA
  expect_error(property_test(bad, p_cat ~ strength | image + model + property),
               class = "propgrad_error_nonfinite")
  bad <- small
  bad$image[2] <- NA
  expect_error(property_test(bad, p_cat ~ strength | image + model + property),
               class = "propgrad_error_nonfinite")
  short <- data.frame(id = c(1, 1, 2, 2, 2), t = c(1, 2, 1, 2, 3), y = c(1, 2, 3, 1, 2))
  expect_error(property_test(short, "y", "t", by = "id"), class = "propgrad_error_length")
  expect_error(property_test(small, p_cat + p_dog ~ strength | image + model + property,
                             statistic = "corr", joint = TRUE), class = "propgrad_error_incompatible")
  expect_snapshot(error = TRUE, cnd_class = TRUE, {
    property_test(small, "p_kat", "strength", by = "image")
    property_test(small, "p_cat", "strength", by = "image")
    property_test(small, "species", "strength", by = "image")
  })
})

test_that("the input data is not modified", {
  copy <- small
  invisible(property_test(small[sample(nrow(small)), ], p_cat ~ strength | image + model + property,
                          n_perm = 50, seed = 1, p_adjust = "none", alpha = 0.05))
  expect_identical(small, copy)
})

test_that("a design that cannot reach alpha after adjustment warns before shuffling", {
  # The issue's example: 48 series, 2000 shuffles, Holm: floor 48/2001 = 0.024.
  expect_warning(res <- property_test(pg_study, p_cat ~ strength | image + model + property,
                                      n_perm = 2000, seed = 1),
                 class = "propgrad_warning_resolution")
  expect_equal(attr(res, "settings")$adj_p_floor, 48 / 2001)
  expect_equal(glance(res)$adj.p.floor, 48 / 2001)
  expect_equal(glance(res)$n_significant, 0)
  expect_output(print(res), "smallest reachable adj.p.value 0.024 > alpha")
  expect_snapshot(invisible(property_test(pg_study, p_cat ~ strength | image + model + property,
                                          n_perm = 2000, seed = 1)), cnd_class = TRUE)
  # Westfall-Young's floor is 1/(K + 1), so the same design can reach alpha.
  expect_no_warning(wy <- property_test(pg_study, p_cat ~ strength | image + model + property,
                                        n_perm = 2000, seed = 1, p_adjust = "westfall_young"))
  expect_equal(attr(wy, "settings")$adj_p_floor, 1 / 2001)
  # BY multiplies by the harmonic number too; alpha is the user's.
  expect_no_warning(property_test(pg_study, p_cat ~ strength | image + model + property,
                                  n_perm = 2000, seed = 1, alpha = 0.05))
  # Short series are enumerated: more shuffles cannot help, and the warning says so.
  short <- data.frame(id = rep(1:30, each = 4), t = rep(1:4, 30), y = rnorm(120))
  expect_warning(property_test(short, "y", "t", by = "id", n_perm = 1000, seed = 1),
                 "so short", class = "propgrad_warning_resolution")
})

test_that("n_perm = 'auto' chooses K from the number of series, alpha and p_adjust", {
  expect_message(res <- property_test(pg_study, p_cat ~ strength | image + model + property, seed = 1),
                 class = "propgrad_message_n_perm")
  # 20 x 48 / 0.01 = 96,000 -> 99,999
  expect_equal(attr(res, "settings")$n_perm, 99999)
  expect_equal(unique(res$n_perm_used), 99999)
  expect_equal(sum(res$adj.p.value <= 0.01), 24)
  # 20 x 144 / 0.01 = 288,000 -> 499,999
  expect_equal(propgrad:::auto_n_perm(144, 0.01, "holm"), 499999)
  expect_equal(propgrad:::auto_n_perm(5, 0.05, "BH"), 9999)
  expect_equal(propgrad:::auto_n_perm(200, 0.05, "westfall_young"), 9999)
})

test_that("the adaptive mode decides like a large fixed K, with fewer shuffles", {
  res <- property_test(pg_study, p_cat ~ strength | image + model + property,
                       n_perm = "adaptive", seed = 1, p_adjust = "BH", alpha = 0.05,
                       adaptive = adaptive_control(epsilon = 0.01))
  expect_s3_class(res$decision, "factor")
  fixed <- property_test(pg_study, p_cat ~ strength | image + model + property,
                         n_perm = 99999, seed = 1, p_adjust = "BH", alpha = 0.05)
  expect_equal(as.character(res$decision) == "significant", fixed$adj.p.value <= 0.05)
  s <- attr(res, "settings")
  expect_equal(s$mode, "adaptive")
  expect_equal(s$p_conf_level, 0.99)  # 1 - epsilon: simultaneous bounds
  expect_lt(s$adaptive$total_shuffles, 48 * 99999 / 2)
  expect_true(all(res$p.conf.low <= res$p.conf.high))
  gl <- glance(res)
  expect_equal(gl$n_undecided, 0)
  expect_equal(gl$n_significant, sum(res$decision == "significant"))
  # identical at any thread count
  again <- property_test(pg_study, p_cat ~ strength | image + model + property,
                         n_perm = "adaptive", seed = 1, p_adjust = "BH", alpha = 0.05,
                         adaptive = adaptive_control(epsilon = 0.01), nthreads = 1)
  expect_identical(again$decision, res$decision)
  expect_identical(again$n_perm_used, res$n_perm_used)
  # a tiny budget leaves series undecided, with a warning
  expect_warning(expect_warning(
    capped <- property_test(pg_study, p_cat ~ strength | image + model + property,
                            n_perm = "adaptive", seed = 1, adaptive = adaptive_control(max_n_perm = 200)),
    class = "propgrad_warning_undecided"), class = "propgrad_warning_resolution")
  expect_true(any(capped$decision == "undecided"))
})

test_that("the adaptive mode refuses what it cannot do", {
  f <- p_cat ~ strength | image + model + property
  expect_error(property_test(pg_study, f, n_perm = "adaptive", p_adjust = "hommel"),
               class = "propgrad_error_incompatible")
  expect_error(property_test(pg_study, f, n_perm = "adaptive", p_adjust = "westfall_young"),
               class = "propgrad_error_incompatible")
  expect_error(property_test(pg_study, f, n_perm = "adaptive", keep_null = TRUE),
               class = "propgrad_error_incompatible")
  expect_error(property_test(pg_study, f, n_perm = "adaptive", sequential = 5),
               class = "propgrad_error_incompatible")
  expect_error(property_test(pg_study, f, n_perm = "adaptive", adaptive = list(epsilon = 0.1)),
               class = "propgrad_error_type")
  expect_error(adaptive_control(epsilon = 2), class = "propgrad_error_number")
  expect_error(adaptive_control(growth = 1), class = "propgrad_error_number")
})

test_that("share_permutations: one stream per series length, the same on any thread count", {
  set.seed(11)
  t <- seq(0, 1, length.out = 40)
  base <- rnorm(40)
  d <- data.frame(id = rep(c("a", "b", "c", "d"), each = 40), t = rep(t, 4),
                  y = c(base, 2 * base, rnorm(40), rnorm(40)))
  shared <- property_test(d, "y", "t", by = "id", n_perm = 999, seed = 5, p_adjust = "none",
                          share_permutations = TRUE, keep_null = TRUE, nthreads = 1)
  null <- attr(shared, "null")
  # The k-th shuffle reorders every series the same way: a doubled copy has
  # exactly twice the null values, and the same p-value.
  expect_identical(null[, 2], 2 * null[, 1])
  expect_identical(shared$p.value[2], shared$p.value[1])
  again <- property_test(d, "y", "t", by = "id", n_perm = 999, seed = 5, p_adjust = "none",
                         share_permutations = TRUE, keep_null = TRUE, nthreads = 2)
  expect_identical(untimed(again), untimed(shared))
  # A series alone, or split from the others, gets the same shuffles.
  alone <- property_test(d[d$id == "c", ], "y", "t", by = "id", n_perm = 999, seed = 5,
                         p_adjust = "none", share_permutations = TRUE, keep_null = TRUE)
  expect_identical(attr(alone, "null")[, 1], null[, 3])
  # Without sharing the streams are the series' own.
  own <- property_test(d, "y", "t", by = "id", n_perm = 999, seed = 5, p_adjust = "none",
                       keep_null = TRUE)
  expect_false(identical(attr(own, "null")[, 2], 2 * attr(own, "null")[, 1]))
  expect_identical(own$statistic, shared$statistic)
  expect_false(attr(own, "settings")$share_permutations)
  expect_true(attr(shared, "settings")$share_permutations)
})

test_that("share_permutations is refused where it cannot work", {
  f <- p_cat ~ strength | image + model + property
  expect_error(property_test(pg_study, f, n_perm = 99, share_permutations = NA),
               class = "propgrad_error_input")
  expect_snapshot(error = TRUE, cnd_class = TRUE,
                  property_test(pg_study, f, n_perm = "adaptive", share_permutations = TRUE))
})

test_that("core procedure decisions equal p.adjust(p) <= alpha", {
  set.seed(3)
  for (rep in 1:50) {
    p <- c(runif(20)^3, round(runif(5), 2))
    for (method in c("none", "bonferroni", "holm", "hochberg", "BH", "BY")) {
      alpha <- sample(c(0.01, 0.05, 0.1), 1)
      expect_equal(propgrad:::pg_procedure_rejects_cpp(p, method, alpha),
                   p.adjust(p, method) <= alpha, info = paste(method, rep))
    }
  }
})

test_that("shared permutations check the memory of a group's null values first", {
  f <- p_cat ~ strength | image + model + property
  withr::local_options(propgrad.max_bytes = 1e5)
  expect_error(property_test(pg_study, f, n_perm = 99999, share_permutations = TRUE, p_adjust = "none"),
               class = "propgrad_error_memory")
  expect_no_error(suppressWarnings(property_test(pg_study, f, n_perm = 999, p_adjust = "none")))
})
