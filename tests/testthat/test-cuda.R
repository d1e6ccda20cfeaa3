# Every CUDA path against the CPU: models, preprocessing, interventions
# (each kind, masked), editors and explain(). They run where LibTorch sees a
# GPU and skip cleanly elsewhere; results must match the CPU to float
# precision.

skip_without_cuda <- function() {
  skip_without_torch()
  skip_if_not(isTRUE(torch_info()$cuda), "LibTorch sees no CUDA device")
}

cuda_model_file <- function() {
  script_model(paste(
    "def forward(self, x):",
    "    h = torch.relu(torch.conv2d(x, self.w, self.b, [1, 1]))",
    "    return h.mean(dim=[2, 3])", sep = "\n"),
    buffers = list(w = array(seq(-1, 1, length.out = 4 * 3 * 3 * 3), c(4, 3, 3, 3)), b = c(0.1, -0.1, 0, 0.2)))
}

test_that("predict() on CUDA equals the CPU, with resizing and normalisation", {
  skip_without_cuda()
  f <- cuda_model_file()
  imgs <- array(stats::runif(3 * 20 * 18 * 3), c(3, 20, 18, 3))
  prep <- torch_preprocess(size = c(12, 10), mean = c(0.4, 0.5, 0.6), sd = c(0.2, 0.3, 0.25))
  for (type in c("prob", "logits")) {
    cpu <- predict(torch_model(f, "cpu"), imgs, type = type, preprocess = prep)
    gpu <- predict(torch_model(f, "cuda"), imgs, type = type, preprocess = prep)
    expect_equal(gpu, cpu, tolerance = 1e-5, ignore_attr = TRUE)
  }
})

test_that("every built-in intervention on CUDA equals the CPU", {
  skip_without_cuda()
  img <- test_image(16, 14)
  patch <- array(0.9, c(4, 4, 3))
  specs <- list(
    intervention("brightness", c(0.5, 1, 1.5)), intervention("contrast", c(0.5, 1, 1.5)),
    intervention("saturation", c(0, 1, 2)), intervention("hue", c(-90, 0, 90)),
    intervention("gamma", c(0.5, 1, 2)), intervention("blur", c(0, 1, 2)),
    intervention("rotate", c(0, 30, 60)), intervention("translate", c(-2, 0, 2)),
    intervention("zoom", c(0.8, 1, 1.2)), intervention("colour_shift", c(0, 0.5, 1), colour = c(0.2, 0, -0.2)),
    intervention("patch", c(0, 0.5, 1), patch = patch, position = c(3, 3)),
    intervention("interpolate", c(0, 0.5, 1), target = test_image(16, 14, seed = 2)))
  for (iv in specs) {
    cpu <- intervene(img, iv, device = "cpu")$images
    gpu <- intervene(img, iv, device = "cuda")$images
    expect_equal(gpu, cpu, tolerance = 1e-5, label = iv$kind)
  }
})

test_that("explain() runs its models and interventions on CUDA like on the CPU", {
  skip_without_cuda()
  f <- cuda_model_file()
  iv <- intervention("brightness", seq(0.5, 1.5, length.out = 11))
  cpu <- explain(test_image(), iv, torch_model(f, "cpu"), type = "logits", output = 1,
                 n_perm = 199, seed = 3, device = "cpu")
  gpu <- explain(test_image(), iv, torch_model(f, "cuda"), type = "logits", output = 1,
                 n_perm = 199, seed = 3, device = "cuda")
  expect_equal(gpu$estimate, cpu$estimate, tolerance = 1e-4)
  expect_equal(pg_provenance(gpu)$models$device, "cuda")
})

test_that("the fused explain() path runs on CUDA, for cuda and cuda:0 alike, like the old path", {
  skip_without_cuda()
  f <- cuda_model_file()
  iv <- intervention("brightness", seq(0.5, 1.5, length.out = 11), mask = function(img) img[, , 1] > 0.5)
  m <- torch_model(f, "cuda:0")
  expect_true(propgrad:::can_fuse(iv, list(m = m), "cuda", rlang::current_env()))
  fused <- explain(test_image(), iv, m, type = "logits", output = 1, n_perm = 199, seed = 3, device = "cuda")
  old <- withr::with_options(list(propgrad.fused = FALSE),
    explain(test_image(), iv, m, type = "logits", output = 1, n_perm = 199, seed = 3, device = "cuda"))
  expect_equal(attr(fused, "data"), attr(old, "data"), tolerance = 1e-6)
})

test_that("masked interventions and sanity_check() run on CUDA", {
  skip_without_cuda()
  img <- test_image(16, 14)
  iv <- intervention("hue", c(-90, 0, 90), mask = matrix(c(0, 0.5, 1), 16, 14))
  expect_equal(intervene(img, iv, device = "cuda")$images, intervene(img, iv, device = "cpu")$images,
               tolerance = 1e-5)
  sc <- sanity_check(torch_model(cuda_model_file(), "cuda"), img,
                     intervention("brightness", seq(0.5, 1.5, length.out = 9)),
                     type = "logits", output = 1, n_perm = 99, seed = 1, device = "cuda")
  expect_s3_class(sc, "propgrad_sanity")
})

test_that("images intervened on CUDA stay there, and every model reads them as it reads their array", {
  skip_without_cuda()
  f <- cuda_model_file()
  rgba <- array(c(test_image(16, 14), withr::with_seed(6, stats::runif(16 * 14))), c(16, 14, 4))
  x <- intervene(rgba, intervention("hue", c(-90, 0, 45, 90, 180)), device = "cuda", batch_size = 2)
  store <- unclass(x)$images
  expect_s3_class(store, "propgrad_tensor")
  expect_output(print(store), "on cuda:0")
  arr <- x
  arr[["images"]] <- as.array(x)
  # Colour kinds hand the input's alpha back exactly, on CUDA too.
  expect_identical(as.array(x)[2, , , 4], rgba[, , 4])
  prep <- torch_preprocess(size = c(12, 10), mean = c(0.4, 0.5, 0.6), sd = c(0.2, 0.3, 0.25))
  for (device in c("cuda", "cpu")) {
    m <- torch_model(f, device)
    expect_identical(bare(predict(m, x, preprocess = prep, batch_size = 3)),
                     bare(predict(m, arr, preprocess = prep, batch_size = 3)), label = device)
  }
  expect_identical(propgrad:::sha256_images(x), propgrad:::sha256_values(as.array(x)))
  expect_identical(as.array(x[c(5, 1)]), as.array(x)[c(1, 5), , , , drop = FALSE])
})
