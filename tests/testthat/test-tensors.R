# Images held by LibTorch (R/tensors.R): intervene() keeps its images as a
# propgrad_tensor on the device, with print(), dim() and as.array(); the
# array and every prediction and explanation made from the tensor must be
# identical to those made from the same images as an R array; a handle that
# was serialised is dead and says so; no R array exists until asked for.

tensor_model <- function() {
  code <- paste(
    "def forward(self, x):",
    "    y = torch.conv2d(x, self.w1, None, [1, 1], [1, 1]).relu()",
    "    y = torch.conv2d(y, self.w2, None, [2, 2], [1, 1]).relu()",
    "    return y.mean(dim=[2, 3]).matmul(self.w3)", sep = "\n")
  withr::with_seed(2, torch_model(script_model(code, list(
    w1 = array(stats::rnorm(4 * 3 * 9, sd = 0.5), c(4, 3, 3, 3)),
    w2 = array(stats::rnorm(6 * 4 * 9, sd = 0.5), c(6, 4, 3, 3)),
    w3 = matrix(stats::rnorm(6 * 3), 6, 3))), device = "cpu"))
}

linear_tensor_model <- function() {
  torch_model(script_model("def forward(self, x):\n    return x.mean(dim=[2, 3]).matmul(self.w)",
                           list(w = matrix(c(1, -1, 0.5, 2, 0, -1, 0.3, 0.2, -0.4), 3, 3))),
              device = "cpu")
}

# The same sweep with its images as an R array (the path without tensors).
as_array_images <- function(x) {
  x[["images"]] <- as.array(x)
  x
}

test_that("intervene() keeps its images in a tensor with print(), dim() and as.array()", {
  skip_without_torch()
  img <- test_image()
  x <- intervene(img, intervention("brightness", c(0.5, 0.8, 1, 1.2, 1.5)), device = "cpu")
  store <- unclass(x)$images
  expect_s3_class(store, "propgrad_tensor")
  expect_identical(dim(store), c(5L, 12L, 10L, 3L))
  expect_snapshot(print(store))
  arr <- as.array(store)
  expect_identical(dim(arr), c(5L, 12L, 10L, 3L))
  expect_identical(as.array(x), arr)
  expect_identical(x$images, arr)
  expect_identical(x[["images"]], arr)
  expect_equal(arr[2, , , ], pmin(img * 0.8, 1), tolerance = 1e-6)
  # Floats: every value is a float32 widened to double.
  as_float <- readBin(writeBin(c(arr), raw(), size = 4), "double", size = 4, n = length(arr))
  expect_identical(c(arr), as_float)
  # print() of the images is as for an array.
  expect_snapshot(print(x))
})

test_that("intervene() makes no R array until one is asked for", {
  skip_without_torch()
  img <- test_image(32, 32)
  x <- intervene(img, intervention("hue", seq(-180, 166.5, by = 3.5)), device = "cpu")
  # 100 images of 32 x 32 x 3 as doubles would be 2.4 MB.
  expect_lt(as.numeric(utils::object.size(unclass(x))), 20000)
  expect_s3_class(unclass(x)$images, "propgrad_tensor")
  expect_equal(length(x), 100)
  # print(), length(), `[` and predict() do not convert either.
  suppressMessages(trace("pg_tensor_array", quote(stop("converted to an R array")),
                         where = asNamespace("propgrad"), print = FALSE))
  on.exit(suppressMessages(untrace("pg_tensor_array", where = asNamespace("propgrad"))))
  expect_output(print(x), "100 images of 32 x 32 x 3")
  sub <- x[c(1, 50, 100)]
  expect_s3_class(unclass(sub)$images, "propgrad_tensor")
  expect_identical(dim(unclass(sub)$images), c(3L, 32L, 32L, 3L))
  m <- linear_tensor_model()
  expect_identical(dim(predict(m, x, type = "logits", preprocess = torch_preprocess())), c(100L, 3L))
  expect_error(x$images, "converted to an R array")
})

test_that("subsets of tensor images hold the array's rows", {
  skip_without_torch()
  x <- intervene(test_image(), intervention("rotate", seq(0, 90, by = 10)), device = "cpu")
  arr <- as.array(x)
  expect_identical(as.array(x[c(2, 5, 9)]), arr[c(2, 5, 9), , , , drop = FALSE])
  expect_identical(as.array(x[-1]), arr[-1, , , , drop = FALSE])
  expect_identical(x[c(9, 2)]$strengths, c(10, 80))
  expect_identical(as.array(x[c(9, 2)]), arr[c(2, 9), , , , drop = FALSE])
  # The shuffled order of sanity_check() moves the images, not the strengths.
  perm <- c(3, 1, 2, 10, 9, 8, 7, 6, 5, 4)
  shuffled <- propgrad:::reorder_images(x, perm)
  expect_identical(shuffled$strengths, x$strengths)
  expect_identical(as.array(shuffled), arr[perm, , , , drop = FALSE])
  expect_s3_class(unclass(shuffled)$images, "propgrad_tensor")
  expect_snapshot(x[c(1, 20)], error = TRUE)
})

test_that("a saved tensor handle is dead and says so", {
  skip_without_torch()
  x <- intervene(test_image(), intervention("brightness", c(0.5, 1, 1.5)), device = "cpu", name = "cat")
  file <- withr::local_tempfile(fileext = ".rds")
  saveRDS(x, file)
  loaded <- readRDS(file)
  expect_identical(loaded$strengths, x$strengths)
  expect_snapshot(print(loaded))
  expect_snapshot(print(unclass(loaded)$images))
  expect_snapshot(as.array(loaded), error = TRUE)
  expect_error(loaded$images, class = "propgrad_error_tensor_dead")
  expect_error(dim(unclass(loaded)$images), class = "propgrad_error_tensor_dead")
  expect_error(loaded[1:2], class = "propgrad_error_tensor_dead")
  expect_error(predict(linear_tensor_model(), loaded), class = "propgrad_error_tensor_dead")
  expect_error(explain(loaded, models = linear_tensor_model(), n_perm = 99, device = "cpu"),
               class = "propgrad_error_tensor_dead")
  sent <- unserialize(serialize(unclass(x)$images, NULL))
  expect_error(as.array(sent), class = "propgrad_error_tensor_dead")
  # Saved as an array, the images survive.
  saveRDS(as.array(x), file)
  expect_identical(readRDS(file), as.array(x))
})

test_that("LibTorch memory is freed with the handle", {
  skip_without_torch()
  gc()
  before <- propgrad:::pg_tensor_bytes()
  x <- intervene(test_image(), intervention("brightness", c(0.5, 1, 1.5, 2)), device = "cpu")
  expect_equal(propgrad:::pg_tensor_bytes() - before, 4 * 12 * 10 * 3 * 4)
  rm(x)
  gc()
  expect_equal(propgrad:::pg_tensor_bytes(), before)
  # intervene() collects garbage once unreferenced tensors may hold a GiB:
  # here the threshold is lowered so that the next intervene() collects.
  state <- propgrad:::tensor_gc
  old <- state$next_bytes
  withr::defer(state$next_bytes <- old)
  lost <- intervene(test_image(), intervention("brightness", c(0.5, 1, 1.5, 2)), device = "cpu")
  rm(lost)
  state$next_bytes <- 1
  kept <- intervene(test_image(), intervention("brightness", c(0.5, 1, 1.5)), device = "cpu")
  expect_equal(propgrad:::pg_tensor_bytes(), before + 3 * 12 * 10 * 3 * 4)
  expect_equal(state$next_bytes, before + 2^30)
})

test_that("predict() gives the same numbers from a tensor as from the array", {
  skip_without_torch()
  m <- tensor_model()
  rgb <- test_image()
  rgba <- array(c(rgb, withr::with_seed(4, stats::runif(120))), c(12, 10, 4))
  grey <- test_image()[, , 1, drop = FALSE]
  mask <- withr::with_seed(5, matrix(stats::runif(120), 12, 10))
  ivs <- list(intervention("brightness", seq(0.2, 1.8, length.out = 11), mask = mask),
              intervention("rotate", seq(0, 350, by = 25)),
              intervention("gamma", c(0.5, 0.8, 1, 1.5, 2)))
  pres <- list(torch_preprocess(),
               torch_preprocess(size = 9, crop = 8, mean = c(0.4, 0.5, 0.6), sd = 0.3),
               torch_preprocess(size = c(16, 14), interpolation = "bicubic", channels = "bgr"))
  for (iv in ivs) for (img in list(rgb, rgba, grey)) {
    x <- intervene(img, iv, device = "cpu", batch_size = 4)
    y <- as_array_images(x)
    expect_true(is.array(unclass(y)$images))
    for (pre in pres) for (type in c("prob", "logits", "raw")) for (bs in c(3, 32)) {
      a <- suppressMessages(predict(m, x, type = type, preprocess = pre, batch_size = bs))
      b <- suppressMessages(predict(m, y, type = type, preprocess = pre, batch_size = bs))
      expect_identical(bare(a), bare(b))
      expect_identical(attr(a, "provenance")$images, attr(b, "provenance")$images)
    }
  }
  # One message each, as for arrays.
  x <- intervene(rgba, ivs[[3]], device = "cpu")
  expect_message(predict(m, x), class = "propgrad_message_channels")
})

test_that("explain() gives the same results from tensor and array sweeps", {
  skip_without_torch()
  m <- list(cnn = tensor_model(), lin = linear_tensor_model())
  iv <- intervention("hue", seq(-180, 170, by = 20))
  sweeps <- list(a = intervene(test_image(), iv, device = "cpu"),
                 b = intervene(test_image(seed = 2), iv, device = "cpu"))
  run <- function(images) {
    suppressWarnings(explain(images, models = m, type = "logits", n_perm = 99, seed = 1,
                             device = "cpu", batch_size = 5))
  }
  tensors <- run(sweeps)
  arrays <- run(lapply(sweeps, as_array_images))
  expect_identical(attr(tensors, "data"), attr(arrays, "data"))
  expect_identical(untimed(tensors), untimed(arrays))
  # A model function is given the array.
  f <- function(x) {
    stopifnot(is.array(x))
    apply(x, 1, mean)
  }
  with_f <- suppressWarnings(explain(sweeps$a, models = list(f = f), n_perm = 99, seed = 1))
  expect_equal(attr(with_f, "data")$output1, apply(sweeps$a$images, 1, mean))
})

test_that("TorchScript editors keep their images in a tensor of the editor's type", {
  skip_without_torch()
  img <- test_image(6, 5)
  s <- c(0.5, 1, 2)
  float <- torch_editor(script_model("def forward(self, x, s):\n    return (x * s.view(-1, 1, 1, 1)).clamp(0, 1)"),
                        s, device = "cpu")
  x <- intervene(img, float, batch_size = 2)
  expect_s3_class(unclass(x)$images, "propgrad_tensor")
  expect_output(print(unclass(x)$images), "float32 \\[3, 3, 6, 5\\]")
  expect_equal(x$images[3, , , ], pmin(img * 2, 1), tolerance = 1e-6)
  # An editor that returns doubles keeps them: the array holds them exactly.
  double <- torch_editor(script_model("def forward(self, x, s):\n    return x.double() * 0 + 0.1"),
                         s, device = "cpu")
  y <- intervene(img, double, batch_size = 2)
  expect_output(print(unclass(y)$images), "float64")
  expect_identical(y$images, array(0.1, c(3, 6, 5, 3)))
})
