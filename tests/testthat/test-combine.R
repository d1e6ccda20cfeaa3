# combine_tests(): a study run in parts, adjusted once over all series,
# equals the study run in one call.

study_formula <- p_cat ~ strength | image + model + property

test_that("Holm over combined parts equals Holm over the whole study", {
  whole <- property_test(pg_study, study_formula, n_perm = 999, seed = 4, alpha = 0.1,
                         keep_null = TRUE)
  parts <- lapply(split(pg_study, pg_study$image), property_test, output = study_formula,
                  n_perm = 999, seed = 4, alpha = 0.1, keep_null = TRUE)
  both <- combine_tests(parts)
  key <- function(x) paste(x$image, x$model, x$property)
  i <- match(key(whole), key(both))
  expect_false(anyNA(i))
  expect_identical(both$p.value[i], whole$p.value)
  expect_identical(both$estimate[i], whole$estimate)
  expect_equal(both$adj.p.value[i], whole$adj.p.value)
  # Adjusting each part alone differs: that is what combining repairs.
  separate <- do.call(rbind, lapply(parts, as.data.frame))
  expect_false(isTRUE(all.equal(separate$adj.p.value, both$adj.p.value)))
  expect_equal(attr(both, "settings")$adj_p_floor, attr(whole, "settings")$adj_p_floor)
  expect_identical(attr(both, "null")[, i], attr(whole, "null"))
  expect_s3_class(both, "propgrad_tests")
  expect_identical(combine_tests(parts[[1]], parts[[2]]), combine_tests(parts[1:2]))
})

test_that("parts that do not form one study are refused", {
  d <- split(pg_study, pg_study$image)
  a <- property_test(d[[1]], study_formula, n_perm = 99, seed = 1, alpha = 0.5)
  b <- property_test(d[[2]], study_formula, n_perm = 99, seed = 1, alpha = 0.5)
  other_seed <- property_test(d[[2]], study_formula, n_perm = 99, seed = 2, alpha = 0.5)
  other_k <- property_test(d[[2]], study_formula, n_perm = 199, seed = 1, alpha = 0.5)
  expect_error(combine_tests(a, other_seed), class = "propgrad_error_combine")
  expect_error(combine_tests(a, other_k), "n_perm", class = "propgrad_error_combine")
  expect_error(combine_tests(a, a), "share series", class = "propgrad_error_combine")
  expect_error(combine_tests(a, data.frame(x = 1)), class = "propgrad_error_type")
  expect_error(combine_tests(), class = "propgrad_error_missing")
  wy_a <- property_test(d[[1]], study_formula, n_perm = 99, seed = 1, alpha = 0.5,
                        p_adjust = "westfall_young")
  wy_b <- property_test(d[[2]], study_formula, n_perm = 99, seed = 1, alpha = 0.5,
                        p_adjust = "westfall_young")
  expect_error(combine_tests(wy_a, wy_b), "Westfall-Young", class = "propgrad_error_combine")
  expect_snapshot(error = TRUE, cnd_class = TRUE, combine_tests(wy_a, wy_b))
})

test_that("the combined floor counts all series", {
  d <- split(pg_study, pg_study$image)
  # Each part of 6 series reaches alpha; the 48 together cannot.
  parts <- lapply(d, property_test, output = study_formula, n_perm = 99, seed = 1, alpha = 0.1,
                  p_adjust = "bonferroni")
  m <- sum(vapply(parts, nrow, 0L))
  expect_warning(both <- combine_tests(parts), class = "propgrad_warning_resolution")
  expect_equal(attr(both, "settings")$adj_p_floor, min(1, m / 100))
})

test_that("series skipped in the parts stay listed in the combined result", {
  d <- split(null_study(8, 9, seed = 4), rep(1:2, each = 36))
  d[[2]]$y[d[[2]]$id == 7] <- NA
  a <- property_test(d[[1]], "y", "t", by = "id", n_perm = 199, seed = 2, alpha = 0.2)
  b <- suppressWarnings(property_test(d[[2]], "y", "t", by = "id", n_perm = 199, seed = 2, alpha = 0.2,
                                      na_action = "skip"), classes = "propgrad_warning_skipped")
  both <- combine_tests(a, b)
  expect_equal(nrow(both), 7)
  expect_equal(attr(both, "settings")$skipped$id, 7)
  expect_equal(glance(both)$n_skipped, 1)
  expect_equal(both$adj.p.value, stats::p.adjust(both$p.value, "holm"))
})
