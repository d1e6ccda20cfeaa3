# Every large allocation is estimated first and refused above the limit
# (option propgrad.max_bytes) with propgrad_error_memory. Small limits keep
# the tests cheap; the default sizes must still run.

test_that("the memory error says how much, the limit and the option", {
  withr::local_options(propgrad.max_bytes = 1000)
  expect_snapshot(error = TRUE, cnd_class = TRUE,
                  propgrad:::check_memory(5e9, "Something big", "Ask for less."))
  expect_silent(propgrad:::check_memory(999, "Something small", "Ask for less."))
  withr::local_options(propgrad.max_bytes = "lots")
  expect_error(propgrad:::check_memory(1, "x", "y"), class = "propgrad_error_number")
})

test_that("study summaries refuse bootstraps above the limit", {
  tests <- property_test(pg_study, p_cat ~ strength | image + model + property, n_perm = 99,
                         seed = 1, alpha = 0.5)
  expect_s3_class(summary(tests, seed = 1), "propgrad_summary")
  expect_error(withr::with_options(list(propgrad.max_bytes = 1e5), summary(tests, n_boot = 1e4, seed = 1)),
               "bootstrap resamples", class = "propgrad_error_memory")
  expect_s3_class(compare_models(tests, c("unbiased", "dark_cats_bias"), n_perm = 99, seed = 1),
                  "data.frame")
  expect_error(withr::with_options(list(propgrad.max_bytes = 1e5),
                                   compare_models(tests, c("unbiased", "dark_cats_bias"), n_boot = 1e4,
                                                  seed = 1)),
               class = "propgrad_error_memory")
})

test_that("flip correlations refuse permutation nulls above the limit", {
  tests <- property_test(pg_study, p_cat ~ strength | image + model + property, n_perm = 99,
                         seed = 1, alpha = 0.5, probs = c("p_cat", "p_dog"))
  expect_s3_class(flip_correlation(tests, by = "property", block = "image", n_perm = 999, seed = 1), "data.frame")
  expect_error(withr::with_options(list(propgrad.max_bytes = 1e5),
                                   flip_correlation(tests, by = "property", block = "image", n_perm = 1e5, seed = 1)),
               "permuted correlations", class = "propgrad_error_memory")
})

test_that("keep_null honours both the general and its own limit", {
  d <- data.frame(id = rep(1:3, each = 8), t = rep(1:8, 3), y = sin(1:24))
  expect_error(withr::with_options(list(propgrad.max_bytes = 1000),
                                   property_test(d, "y", "t", by = "id", n_perm = 999, keep_null = TRUE)),
               "propgrad.max_bytes", class = "propgrad_error_memory")
  expect_error(withr::with_options(list(propgrad.max_null_bytes = 1000),
                                   property_test(d, "y", "t", by = "id", n_perm = 999, keep_null = TRUE)),
               "propgrad.max_null_bytes", class = "propgrad_error_memory")
})

test_that("interventions refuse outputs above the limit before running", {
  img <- array(0.5, c(20, 20, 3))
  many <- intervention("brightness", seq(0.5, 1.5, length.out = 360))
  # 360 x 20 x 20 x 3 doubles = 3.5 MB
  expect_error(withr::with_options(list(propgrad.max_bytes = 1e6), intervene(img, many)),
               "360 steps of a 20 x 20 x 3 image", class = "propgrad_error_memory")
  skip_without_torch()
  out <- intervene(img, many, device = "cpu")
  expect_equal(length(out$strengths), 360)
})

test_that("torch preprocessing refuses sizes no batch could hold", {
  expect_error(torch_preprocess(size = 1e5), "1e+05 x 1e+05|100000 x 100000",
               class = "propgrad_error_memory")
  expect_s3_class(torch_preprocess(size = 224), "propgrad_preprocess")
  skip_without_torch()
  model <- torch_model(script_model(luma_code), "cpu")
  imgs <- array(0.5, c(4, 12, 10, 3))
  expect_equal(dim(predict(model, imgs, type = "logits", preprocess = torch_preprocess(size = c(64, 64)))),
               c(4L, 1L))
  expect_error(withr::with_options(list(propgrad.max_bytes = 1e5),
                                   predict(model, imgs, type = "logits",
                                           preprocess = torch_preprocess(size = c(64, 64)))),
               "batch of 4 images at 64 x 64", class = "propgrad_error_memory")
})

test_that("Westfall-Young estimates its joint stream's memory first", {
  study <- null_study(16, 20, seed = 1)
  expect_error(withr::with_options(list(propgrad.max_bytes = 1e4),
                                   property_test(study, "y", "t", by = "id", n_perm = 999, seed = 1,
                                                 p_adjust = "westfall_young", alpha = 0.5)),
               "Westfall-Young joint stream", class = "propgrad_error_memory")
  # The estimate does not grow with K: groups of blocks are streamed.
  small <- withr::with_options(list(propgrad.max_bytes = 2e5),
                               property_test(study, "y", "t", by = "id", n_perm = 19999, seed = 1,
                                             p_adjust = "westfall_young", alpha = 0.5, nthreads = 1))
  expect_equal(nrow(small), 16)
})
