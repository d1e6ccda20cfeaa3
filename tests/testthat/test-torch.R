# LibTorch itself (R/torch.R): torch_info(), loading TorchScript models,
# preprocessing, predict() and devices on the CPU, with TorchScript models
# written by the tests themselves. Without LibTorch only the last two blocks
# run: every torch function must then say what to install. Interventions,
# explain() and images have their own test files.

test_that("torch_info reports the LibTorch version and devices", {
  skip_without_torch()
  info <- torch_info()
  expect_match(info$version, "^[0-9]+\\.[0-9]+")
  expect_type(info$cuda, "logical")
  expect_true("cpu" %in% info$devices)
})

test_that("batch size does not change predictions", {
  skip_without_torch()
  a <- intervene(test_image(), intervention("rotate", seq(0, 350, by = 10)), device = "cpu")
  m <- torch_model(script_model(luma_code), device = "cpu")
  expect_identical(bare(predict(m, a, type = "raw", batch_size = 1)),
                   bare(predict(m, a, type = "raw", batch_size = 36)))
})

test_that("preprocessing matches hand-computed values", {
  skip_without_torch()
  m <- torch_model(script_model("def forward(self, x):\n    return x.flatten(1)"), device = "cpu")
  img <- array(c(0, 0.2, 0.4, 0.6), c(2, 2, 1))  # rows (0, 0.4) and (0.2, 0.6)
  pre <- function(...) propgrad:::pg_torch_preprocess(m$pointer, array(img, c(1, 2, 2, 1)),
                                                      torch_preprocess(...))[1, , , 1]
  # Bilinear 2 -> 4 without corner alignment: weights 1, 3/4 + 1/4, 1/4 + 3/4, 1.
  ramp <- c(0, 0.25, 0.75, 1)
  expected <- outer(0.2 * ramp, rep(1, 4)) + outer(rep(1, 4), 0.4 * ramp)
  expect_equal(pre(size = 4), expected, tolerance = 1e-6)
  expect_equal(pre(scale = 255, mean = 100, sd = 2), (img[, , 1] * 255 - 100) / 2, tolerance = 1e-4)
  rgb <- array(rep(c(0.1, 0.5, 0.9), each = 4), c(1, 2, 2, 3))
  bgr <- propgrad:::pg_torch_preprocess(m$pointer, rgb, torch_preprocess(channels = "bgr"))
  expect_equal(bgr[1, 1, 1, ], c(0.9, 0.5, 0.1), tolerance = 1e-6)
  norm <- propgrad:::pg_torch_preprocess(
    m$pointer, rgb, torch_preprocess(mean = c(0.485, 0.456, 0.406), sd = c(0.229, 0.224, 0.225)))
  expect_equal(norm[1, 2, 2, ], (c(0.1, 0.5, 0.9) - c(0.485, 0.456, 0.406)) / c(0.229, 0.224, 0.225),
               tolerance = 1e-5)
})

test_that("predict reads files and arrays alike, and returns probabilities or logits", {
  skip_without_torch()
  skip_if_not_installed("png")
  w <- matrix(c(1, -1, 0.5, 2, 0, -1), 3, 2)
  m <- torch_model(script_model("def forward(self, x):\n    return x.mean(dim=[2, 3]).matmul(self.w)",
                                buffers = list(w = w)), device = "cpu")
  imgs <- list(test_image(seed = 1), test_image(seed = 2))
  files <- vapply(1:2, function(k) { f <- tempfile(fileext = ".png"); png::writePNG(imgs[[k]], f); f }, "")
  from_files <- predict(m, files, type = "logits")
  from_arrays <- predict(m, imgs, type = "logits")
  # PNG stores 8 bits per channel.
  expect_equal(unname(from_files), unname(from_arrays), tolerance = 2 / 255, ignore_attr = c("provenance", "class"))
  expect_equal(rownames(from_files), basename(files))
  by_hand <- t(vapply(imgs, function(a) apply(a, 3, mean), numeric(3))) %*% w
  expect_equal(unname(from_arrays), by_hand, tolerance = 1e-5, ignore_attr = c("provenance", "class"))
  byte <- predict(m, lapply(imgs, `*`, 255), type = "logits")
  expect_equal(byte, from_arrays, tolerance = 1e-5, ignore_attr = "provenance")
  p <- predict(m, imgs, type = "prob", classes = c("cat", "dog"))
  expect_equal(colnames(p), c("cat", "dog"))
  expect_equal(unname(p[, 1]), unname(plogis(by_hand[, 1] - by_hand[, 2])), tolerance = 1e-5)
  expect_equal(rowSums(p), c(1, 1), tolerance = 1e-12, ignore_attr = TRUE)
})

test_that("type = \"prob\" refuses outputs that are probabilities already, or one column", {
  skip_without_torch()
  imgs <- list(test_image(seed = 1), test_image(seed = 2))
  soft <- torch_model(script_model("def forward(self, x):\n    return torch.softmax(x.mean(dim=[2, 3]) * 5, 1)"),
                      device = "cpu")
  expect_snapshot(predict(soft, imgs), error = TRUE, cnd_class = TRUE)
  raw <- predict(soft, imgs, type = "raw")
  expect_equal(unname(rowSums(raw)), c(1, 1), tolerance = 1e-6)
  # Logits that lie in 0..1 but do not sum to 1 are still logits.
  half <- torch_model(script_model("def forward(self, x):\n    return x.mean(dim=[2, 3]) * 0.2"), device = "cpu")
  p <- predict(half, imgs)
  logits <- bare(predict(half, imgs, type = "logits"))
  expect_equal(unname(bare(p)), unname(exp(logits) / rowSums(exp(logits))), tolerance = 1e-12)
  one <- torch_model(script_model(luma_code), device = "cpu")
  expect_snapshot(predict(one, imgs), error = TRUE, cnd_class = TRUE)
  expect_equal(dim(predict(one, imgs, type = "logits")), c(2L, 1L))
})

test_that("bad models, files, shapes and devices give classed errors", {
  skip_without_torch()
  dir <- withr::local_tempdir()
  expect_snapshot(torch_model(file.path(dir, "missing.pt"), device = "cpu"), error = TRUE, cnd_class = TRUE,
                  transform = function(x) gsub(dir, "<dir>", x, fixed = TRUE))
  writeLines("not a model", corrupt <- file.path(dir, "corrupt.pt"))
  expect_error(torch_model(corrupt, device = "cpu"), class = "propgrad_error_torch_model_file")
  good <- torch_script_model("def forward(self, x):\n    return x.flatten(1).matmul(self.w)",
                             file.path(dir, "fixed.pt"), buffers = list(w = matrix(1, 2 * 2 * 3, 2)))
  truncated <- file.path(dir, "truncated.pt")
  writeBin(readBin(good, "raw", file.size(good))[1:200], truncated)
  expect_error(torch_model(truncated, device = "cpu"), class = "propgrad_error_torch_model_file")
  m <- torch_model(good, device = "cpu")
  expect_error(predict(m, test_image()), class = "propgrad_error_torch_model_input")
  expect_error(predict(m, array(0.5, c(2, 2, 1)), preprocess = torch_preprocess(to_rgb = FALSE)),
               class = "propgrad_error_torch_model_input")
  expect_snapshot(predict(m, test_image(), preprocess = torch_preprocess(mean = c(0.5, 0.4), sd = 0.2)),
                  error = TRUE, cnd_class = TRUE)
  expect_error(predict(m, array(0.5, c(1, 2, 2, 3)), type = "prob"), NA)
  raw_model <- torch_model(script_model("def forward(self, x):\n    return x"), device = "cpu")
  expect_error(predict(raw_model, array(0.5, c(2, 2, 3)), type = "prob"),
               class = "propgrad_error_torch_model_output")
  if (torch_info()$cuda) {
    expect_error(torch_model(good, device = "cuda:99"), class = "propgrad_error_torch_device")
  } else {
    expect_snapshot(torch_model(good, device = "cuda"), error = TRUE, cnd_class = TRUE,
                    transform = function(x) sub("LibTorch [0-9.]+", "LibTorch <version>", x))
  }
  expect_error(torch_model(good, device = "gpu"), class = "propgrad_error_device")
  stale <- unserialize(serialize(m, NULL))
  expect_snapshot(predict(stale, array(0.5, c(1, 2, 2, 3))), error = TRUE, cnd_class = TRUE)
  writeLines("hello", txt <- file.path(dir, "notes.png"))
  expect_error(predict(m, txt), class = "propgrad_error_file")
  expect_error(predict(m, array(NA_real_, c(2, 2, 3))), class = "propgrad_error_nonfinite")
  expect_error(predict(m, array(300, c(2, 2, 3))), class = "propgrad_error_number")
  expect_error(predict(m, list(array(0, c(2, 2, 3)), array(0, c(3, 2, 3)))),
               class = "propgrad_error_image_size")
  expect_error(torch_script_model("def forward(self, x):\n    return y", file.path(dir, "bad.pt")),
               class = "propgrad_error_torch_script")
  # The session is alive and the model still works.
  expect_equal(dim(predict(m, array(0.5, c(1, 2, 2, 3)), type = "raw")), c(1, 2))
})

test_that("the build has LibTorch exactly when CI says it should", {
  # .ci/run builds twice: with Debian's libtorch-dev (PROPGRAD_EXPECT_TORCH=1)
  # and with PROPGRAD_NO_TORCH=1 (=0); neither may skip its torch tests silently.
  expected <- Sys.getenv("PROPGRAD_EXPECT_TORCH")
  skip_if(expected == "", "PROPGRAD_EXPECT_TORCH not set")
  expect_identical(has_torch(), expected == "1")
})

test_that("without LibTorch, torch functions say what to install", {
  skip_if(has_torch(), "this build has LibTorch")
  image <- array(0.5, c(4, 4, 3))
  expect_snapshot(error = TRUE, cnd_class = TRUE, {
    torch_info()
    torch_model("model.pt")
    intervene(image, intervention("brightness", 1:3))
    torch_script_model("def forward(self, x):\n    return x", "model.pt")
    torch_editor("editor.pt", strengths = 1:3)
  })
  for (f in list(function() torch_model("model.pt"),
                 function() intervene(image, intervention("brightness", 1:3)),
                 function() torch_editor("editor.pt", strengths = 1:3))) {
    expect_error(f(), class = "propgrad_error_torch_unavailable")
  }
  # Everything that does not need LibTorch still works.
  expect_false(has_torch())
  expect_s3_class(intervention("hue", strengths = c(0, 90, 180)), "propgrad_intervention")
})
