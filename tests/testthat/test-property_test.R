# property_test() over long data frames: the formula and argument forms,
# stream keys that make split calls equal one call, joint vector outputs,
# flips, multiple-testing adjustment, uneven series and bad data.

small <- subset(pg_study, image %in% c("img01", "img05"))

test_that("the formula form equals the argument form", {
  a <- property_test(small, p_cat ~ strength | image + model + property, n_perm = 300, seed = 1)
  b <- property_test(small, "p_cat", "strength", by = c("image", "model", "property"),
                     n_perm = 300, seed = 1)
  expect_identical(a, b)
  expect_s3_class(a, "propgrad_tests")
  expect_equal(nrow(a), 2 * 3 * 2)
  expect_named(a, c("image", "model", "property", "output", "n_steps", "statistic", "estimate",
                    "null_mean", "null_sd", "z", "p.value", "conf.low", "conf.high",
                    "p.adjusted", "n_perm"))
  expect_true(is.factor(a$model))
  expect_equal(a$n_steps, rep(50L, 12))
})

test_that("each row equals a shuffle test of that series", {
  res <- property_test(small, p_cat ~ strength | image + model + property, n_perm = 400, seed = 3)
  one <- small[small$image == "img05" & small$model == "dark_cats_bias" & small$property == "fur_colour", ]
  row <- res[res$image == "img05" & res$model == "dark_cats_bias" & res$property == "fur_colour", ]
  st <- shuffle_test(one$p_cat, one$strength, n_perm = 400, seed = 3)
  expect_equal(row$estimate, st$estimate)
  expect_equal(row$null_mean, st$null_mean, tolerance = 0.05)
})

test_that("a data frame split in two calls gives the same rows as one call", {
  whole <- property_test(pg_study, p_cat ~ strength | image + model + property, n_perm = 300, seed = 5)
  first <- property_test(pg_study[pg_study$model == "unbiased", ],
                         p_cat ~ strength | image + model + property, n_perm = 300, seed = 5)
  rest <- property_test(pg_study[pg_study$model != "unbiased", ],
                        p_cat ~ strength | image + model + property, n_perm = 300, seed = 5)
  cols <- c("estimate", "statistic", "null_mean", "null_sd", "z", "p.value", "conf.low", "conf.high")
  key <- function(d) paste(d$image, d$model, d$property)
  both <- rbind(tidy(first), tidy(rest))
  both <- both[match(key(whole), key(both)), ]
  expect_equal(both[cols], tidy(whole)[cols], ignore_attr = TRUE)
})

test_that("the biased models' fur colour dependence is found, the background is not", {
  res <- property_test(pg_study, p_cat ~ strength | image + model + property, n_perm = 9999, seed = 1)
  fur <- res[res$property == "fur_colour" & res$model != "unbiased", ]
  bg <- res[res$property == "background", ]
  expect_true(all(fur$p.adjusted < 0.01))
  expect_true(all(fur$z < 0))
  expect_true(all(bg$p.adjusted > 0.01))
  unbiased <- res$estimate[res$property == "fur_colour" & res$model == "unbiased"]
  expect_gt(mean(fur$estimate), 2 * mean(unbiased))
})

test_that("several outputs are separate series, or one vector output with joint = TRUE", {
  sep <- property_test(small, p_cat + p_dog ~ strength | image + model + property, n_perm = 200, seed = 1)
  expect_equal(nrow(sep), 24)
  expect_setequal(sep$output, c("p_cat", "p_dog"))
  # p_dog = 1 - p_cat has the same EPGM
  expect_equal(sep$estimate[sep$output == "p_cat"], sep$estimate[sep$output == "p_dog"])
  joint <- property_test(small, p_cat + p_dog ~ strength | image + model + property,
                         n_perm = 200, seed = 1, joint = TRUE)
  expect_equal(nrow(joint), 12)
  expect_equal(joint$output[1], "p_cat+p_dog")
  expect_equal(joint$estimate, sqrt(2) * sep$estimate[sep$output == "p_cat"])
})

test_that("flips are counted from class probabilities", {
  res <- property_test(pg_study, p_cat ~ strength | image + model + property, n_perm = 100,
                       seed = 1, probs = c("p_cat", "p_dog"))
  one <- pg_study[pg_study$image == "img01" & pg_study$model == "dark_cats_bias" &
                    pg_study$property == "fur_colour", ]
  expect_equal(res$flips[res$image == "img01" & res$model == "dark_cats_bias" & res$property == "fur_colour"],
               prediction_flips(one[c("p_cat", "p_dog")]))
  expect_true(all(res$flips[res$property == "background"] == 0))
  expect_gt(sum(res$flips), 0)
})

test_that("p-values are adjusted across all rows", {
  res <- property_test(small, p_cat ~ strength | image + model + property, n_perm = 200,
                       seed = 1, p_adjust = "BH")
  expect_equal(res$p.adjusted, p.adjust(res$p.value, "BH"))
  res <- property_test(small, p_cat ~ strength | image + model + property, n_perm = 200, seed = 1)
  expect_equal(res$p.adjusted, p.adjust(res$p.value, "holm"))
  expect_error(property_test(small, p_cat ~ strength | image + model + property, p_adjust = "foo"),
               class = "propgrad_error_choice")
})

test_that("series of different lengths, unsorted steps and no by columns work", {
  d <- data.frame(id = rep(c("a", "b"), c(10, 25)), t = c(1:10, 1:25),
                  y = c(sin(1:10), cos(1:25 / 3)))
  res <- property_test(d, "y", "t", by = "id", n_perm = 200, seed = 1)
  expect_equal(res$n_steps, c(10L, 25L))
  shuffled <- d[sample(nrow(d)), ]
  expect_message(res2 <- property_test(shuffled, "y", "t", by = "id", n_perm = 200, seed = 1),
                 class = "propgrad_message_sorted")
  res2 <- res2[match(res$id, res2$id), ]
  expect_equal(res2$estimate, res$estimate)
  expect_equal(res2$p.value, res$p.value)
  whole <- property_test(d[d$id == "a", ], "y", "t", n_perm = 200, seed = 1)
  expect_equal(nrow(whole), 1)
  expect_equal(whole$estimate, res$estimate[1])
})

test_that("keep_null returns one column per row", {
  res <- property_test(small, p_cat ~ strength | image + model + property, n_perm = 150,
                       seed = 1, keep_null = TRUE)
  null <- attr(res, "null")
  expect_equal(dim(null), c(150L, 12L))
  expect_equal(colMeans(null), res$null_mean)
})

test_that("tidy and glance give plain data frames", {
  res <- property_test(small, p_cat ~ strength | image + model + property, n_perm = 200, seed = 1)
  td <- tidy(res)
  expect_false(inherits(td, "propgrad_tests"))
  expect_null(attr(td, "settings"))
  gl <- glance(res)
  expect_equal(gl$n_series, 12)
  expect_equal(gl$n_significant, sum(res$p.adjusted < 0.01))
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
  expect_snapshot(error = TRUE, {
    property_test(small, "p_kat", "strength", by = "image")
    property_test(small, "p_cat", "strength", by = "image")
    property_test(small, "species", "strength", by = "image")
  })
})

test_that("the input data is not modified", {
  copy <- small
  invisible(property_test(small[sample(nrow(small)), ], p_cat ~ strength | image + model + property,
                          n_perm = 50, seed = 1))
  expect_identical(small, copy)
})
