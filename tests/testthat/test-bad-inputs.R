# The bad-input battery: every fault a user can make across the API ends in
# a classed propgrad error (class shown in the snapshot) whose message says
# what to do; nothing the user passed in is modified; and the session keeps
# computing correct results afterwards. Each input is kept in a variable
# with a copy made first, so a modifying function would be caught.

# Runs `expr`, which must fail with a propgrad error, and checks that the
# named inputs are still identical to their copies.
expect_refused_unmodified <- function(expr, inputs) {
  copies <- lapply(inputs, function(x) rlang::duplicate(x, shallow = FALSE))
  expect_error(expr, class = "propgrad_error")
  for (i in seq_along(inputs)) expect_identical(inputs[[i]], copies[[i]])
}

series_df <- function() {
  data.frame(id = rep(c("a", "b", "c"), each = 6), t = rep(1:6, 3),
             y = sin(1:18), p_dog = cos(1:18)^2)
}

test_that("non-finite values anywhere are refused", {
  y_na <- c(0.1, NA, 0.3, 0.5)
  y_inf <- c(0.1, Inf, 0.3, -Inf)
  t_nan <- c(1, NaN, 3, 4)
  d <- series_df()
  d$y[8] <- NA
  expect_snapshot(error = TRUE, cnd_class = TRUE, {
    shuffle_test(y_na, seed = 1)
    shuffle_test(y_inf, seed = 1)
    shuffle_test(c(0.1, 0.2, 0.3, 0.5), t = t_nan, seed = 1)
    property_test(d, "y", "t", by = "id", seed = 1)
    epgm(cbind(a = c(1, 2, NaN), b = 1:3))
    intervention("brightness", strengths = c(0.5, NA, 1.5))
  })
  expect_refused_unmodified(shuffle_test(y_na), list(y_na))
  expect_refused_unmodified(property_test(d, "y", "t", by = "id"), list(d))
})

test_that("empty, too short and mismatched data are refused", {
  d <- series_df()
  expect_snapshot(error = TRUE, cnd_class = TRUE, {
    shuffle_test(numeric(0))
    shuffle_test(0.5)
    property_test(d[0, ], "y", "t", by = "id")
    property_test(d[d$id != "a" | d$t == 1, ], "y", "t", by = "id")
    shuffle_test(c(0.1, 0.2, 0.3, 0.5), t = 1:3)
  })
})

test_that("tied and unsorted property values", {
  y <- c(0.1, 0.2, 0.3, 0.5)
  t_tied <- c(1, 2, 2, 3)
  t_unsorted <- c(3, 1, 2, 4)
  d <- series_df()
  expect_snapshot(error = TRUE, cnd_class = TRUE, {
    shuffle_test(y, t = t_tied, seed = 1)
    # Two series stacked without `by`: every property value repeats.
    property_test(d, "y", "t", seed = 1)
  })
  # Unsorted t is sorted (with a message), never silently paired wrongly.
  expect_snapshot(res <- shuffle_test(y, t = t_unsorted, n_perm = 99, seed = 1), cnd_class = TRUE)
  expect_identical(t_unsorted, c(3, 1, 2, 4))
  expect_equal(res$series$t, sort(t_unsorted))
  expect_equal(res$series$y[, 1], y[order(t_unsorted)])
  expect_refused_unmodified(shuffle_test(y, t = t_tied), list(y, t_tied))
})

test_that("factors and characters where numbers belong, and missing columns", {
  d <- series_df()
  d_char <- transform(d, y = as.character(y))
  d_factor <- transform(d, t = factor(t))
  expect_snapshot(error = TRUE, cnd_class = TRUE, {
    shuffle_test(factor(c("a", "b", "c")))
    shuffle_test(c(0.1, 0.2, 0.3), t = c("1", "2", "3"))
    property_test(d_char, "y", "t", by = "id")
    property_test(d_factor, "y", "t", by = "id")
    property_test(d, "y", "strength", by = "id")
    property_test(d, "y", "t", by = "id", probs = c("p_cat", "p_dog"))
    property_test(as.list(d), "y", "t", by = "id")
    property_test(d, y ~ t + id)
    property_test(d, "y", "t", by = c("id", "y"))
  })
  expect_refused_unmodified(property_test(d_factor, "y", "t", by = "id"), list(d_factor))
})

test_that("permutation counts, threads and seeds out of range", {
  y <- sin(1:10)
  expect_snapshot(error = TRUE, cnd_class = TRUE, {
    shuffle_test(y, n_perm = 0)
    shuffle_test(y, n_perm = -5)
    shuffle_test(y, n_perm = 1e12)
    shuffle_test(y, n_perm = 10.5)
    shuffle_test(y, n_perm = "1000")
    shuffle_test(y, nthreads = 0)
    shuffle_test(y, nthreads = 1e6)
    shuffle_test(y, seed = -1)
    shuffle_test(y, seed = 2^60)
    shuffle_test(y, seed = NA)
    shuffle_test(y, sequential = 0)
  })
})

test_that("settings that do not fit the data", {
  y <- sin(1:10)
  d <- series_df()
  expect_snapshot(error = TRUE, cnd_class = TRUE, {
    shuffle_test(y, statistic = "pearson")
    shuffle_test(y, tolerance = -1)
    shuffle_test(y, period = 5)
    shuffle_test(y, smooth = 4)
    shuffle_test(y, smooth = 21)
    shuffle_test(y, spacing = "log")
    shuffle_test(y, nperm = 100)
    shuffle_test(cbind(y, y), statistic = "corr")
    property_test(d, "y", "t", by = "id", p_adjust = "fwer")
    property_test(d[-1, ], "y", "t", by = "id", p_adjust = "westfall_young")
    property_test(d, "y", "t", by = "id", backend = "slurm")
  })
})

test_that("keep_null on a study that would not fit in memory is refused before allocating", {
  d <- data.frame(id = rep(seq_len(3000), each = 4), t = rep(1:4, 3000), y = 0)
  d$y <- sin(seq_len(nrow(d)))
  expect_snapshot(error = TRUE, cnd_class = TRUE, {
    property_test(d, "y", "t", by = "id", n_perm = 1e6, keep_null = TRUE)
  })
  # The limit is an option: a tiny one refuses a small study too.
  withr::local_options(propgrad.max_null_bytes = 1000)
  expect_error(property_test(d[1:40, ], "y", "t", by = "id", n_perm = 100, keep_null = TRUE),
               class = "propgrad_error_memory")
})

test_that("results, tables and plots given the wrong objects", {
  d <- series_df()
  expect_snapshot(error = TRUE, cnd_class = TRUE, {
    pg_table(d)
    plot_curves(d)
    compare_models(d, c("a", "b"))
    flip_prediction(d)
  })
})

test_that("corrupt or truncated image files", {
  png_file <- tempfile(fileext = ".png")
  writeBin(as.raw(c(0x89, 0x50, 0x4e, 0x47, 1:20)), png_file)
  text_file <- tempfile(fileext = ".jpg")
  writeLines("not an image", text_file)
  transform_paths <- function(x) gsub("'[^']*(\\.png|\\.jpg)'", "'<file>\\1'", x)
  expect_snapshot(error = TRUE, cnd_class = TRUE, transform = transform_paths, {
    propgrad:::read_image(png_file)
    propgrad:::read_image(text_file)
    propgrad:::read_image(file.path(tempdir(), "no-such-image.png"))
  })
})

test_that("LibTorch: corrupt models, wrong tensor shapes, CUDA that is absent", {
  skip_without_torch()
  corrupt <- tempfile(fileext = ".pt")
  writeBin(as.raw(seq_len(200) %% 256), corrupt)
  good <- script_model(luma_code)
  truncated <- tempfile(fileext = ".pt")
  writeBin(readBin(good, "raw", file.size(good))[1:300], truncated)
  model <- torch_model(good, device = "cpu")
  wrong_channels <- array(0.5, c(1, 8, 8, 5))
  image <- test_image()
  image_copy <- image
  clean <- function(x) {
    x <- gsub("(/[^ ']*)?/file[0-9a-f]+\\.pt", "<model.pt>", x)
    gsub("LibTorch [0-9.]+", "LibTorch <version>", x)
  }
  expect_snapshot(error = TRUE, cnd_class = TRUE, transform = clean, {
    torch_model(corrupt)
    torch_model(truncated)
    predict(model, wrong_channels)
    predict(model, image, batch_size = 0)
    intervene(image, intervention("blur", strengths = c(-1, 0, 2)))
  })
  if (!torch_info()$cuda) {
    expect_snapshot(error = TRUE, cnd_class = TRUE, transform = clean, {
      torch_model(good, device = "cuda")
    })
  }
  expect_identical(image, image_copy)
})

test_that("LibTorch: preprocessing, model and TorchScript arguments", {
  skip_without_torch()
  good <- script_model(luma_code)
  model <- torch_model(good, device = "cpu")
  image <- test_image()
  clean <- function(x) gsub("file[0-9a-f]+\\.pt", "<model>.pt", x)
  expect_snapshot(error = TRUE, cnd_class = TRUE, transform = clean, {
    torch_model(c(good, good))
    torch_preprocess(size = 0.5)
    torch_preprocess(scale = c(1, 2))
    torch_preprocess(mean = c(0.5, 0.5, 0.5), sd = c(0.2, 0.2))
    predict(model, image, preprocess = list(size = 4))
    predict(model, image, type = "logits", classes = c("cat", "dog"))
    torch_script_model(1, tempfile())
    torch_script_model(luma_code, c("a.pt", "b.pt"))
    torch_script_model(luma_code, tempfile(), buffers = list(1))
  })
  expect_snapshot(print(model), transform = clean)
})

test_that("explain(): models, images and outputs it cannot use", {
  skip_without_torch()
  image <- test_image()
  iv <- intervention("brightness", strengths = c(0.5, 1, 1.5))
  luma <- function(x) apply(x, 1, mean)
  expect_snapshot(error = TRUE, cnd_class = TRUE, {
    explain(image, iv, models = "resnet18")
    explain(image, iv, models = list(a = luma, a = luma))
    explain(image, models = luma)
    explain(TRUE, iv, models = luma)
    explain(image, iv, models = function(x) stop("out of memory"))
    explain(image, iv, models = function(x) 1:2)
    explain(image, iv, models = luma, output = 5)
    explain(image, iv, models = luma, output = "dog")
    explain(image, iv, models = function(x) matrix(0.1, dim(x)[1], 11))
  })
  # The progress bar path gives the same result as the silent one.
  quiet <- explain(image, iv, models = luma, n_perm = 50, seed = 1, progress = FALSE, alpha = 0.5)
  shown <- explain(image, iv, models = luma, n_perm = 50, seed = 1, progress = TRUE, alpha = 0.5)
  expect_identical(untimed(shown), untimed(quiet))
})

test_that("the session still computes correct results after the battery", {
  # A monotone 5-step series: of its 5! = 120 orderings only it and its
  # reversal reach |r| = 1, so the exact p of the correlation test is 2/120.
  res <- shuffle_test(c(1, 2, 3, 4, 5) / 5, statistic = "corr", n_perm = 1000, seed = 1)
  expect_true(res$exact)
  expect_equal(res$p.value, 2 / 120)
})
