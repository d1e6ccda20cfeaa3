# LibTorch models, preprocessing, interventions and explain() on the CPU,
# with TorchScript models written by the tests themselves. Without LibTorch
# only the last block runs: every torch function must then say what to install.

test_that("torch_info reports the LibTorch version and devices", {
  skip_without_torch()
  info <- torch_info()
  expect_match(info$version, "^[0-9]+\\.[0-9]+")
  expect_type(info$cuda, "logical")
  expect_true("cpu" %in% info$devices)
})

test_that("identity strengths return the image", {
  skip_without_torch()
  img <- test_image()
  one <- function(kind, s, ...) intervene(img, intervention(kind, s, ...), device = "cpu")$images
  expect_equal(one("brightness", c(0.5, 1, 1.5))[2, , , ], img, tolerance = 1e-6)
  expect_equal(one("contrast", c(0.5, 1, 1.5))[2, , , ], img, tolerance = 1e-6)
  expect_equal(one("saturation", c(0.5, 1, 1.5))[2, , , ], img, tolerance = 1e-6)
  expect_equal(one("gamma", c(0.5, 1, 1.5))[2, , , ], img, tolerance = 1e-6)
  expect_equal(one("blur", c(0, 1, 2))[1, , , ], img, tolerance = 1e-6)
  expect_equal(one("zoom", c(0.5, 1, 2))[2, , , ], img, tolerance = 1e-5)
  expect_equal(one("translate", c(-2, 0, 2))[2, , , ], img, tolerance = 1e-5)
  hue <- one("hue", c(0, 120, 360))
  expect_equal(hue[1, , , ], img, tolerance = 1e-5)
  expect_equal(hue[3, , , ], img, tolerance = 1e-5)
  rot <- one("rotate", c(0, 90, 360))
  expect_equal(rot[1, , , ], img, tolerance = 1e-5)
  expect_equal(rot[3, , , ], img, tolerance = 1e-5)
})

test_that("interventions match hand-computed results", {
  skip_without_torch()
  img <- test_image()
  b <- intervene(img, intervention("brightness", c(0.5, 2, 3)), device = "cpu")
  expect_equal(b$images[1, , , ], img * 0.5, tolerance = 1e-6)
  expect_equal(b$images[2, , , ], pmin(img * 2, 1), tolerance = 1e-6)
  expect_equal(b$strengths, c(0.5, 2, 3))
  g <- intervene(img, intervention("gamma", c(0.5, 1, 2)), device = "cpu")$images
  expect_equal(g[3, , , ], img^2, tolerance = 1e-6)
  gray <- 0.299 * img[, , 1] + 0.587 * img[, , 2] + 0.114 * img[, , 3]
  sat <- intervene(img, intervention("saturation", c(0, 0.5, 1)), device = "cpu")$images
  for (ch in 1:3) expect_equal(sat[1, , , ch], gray, tolerance = 1e-6)
  con <- intervene(img, intervention("contrast", c(0, 0.5, 1)), device = "cpu")$images
  expect_equal(con[2, , , ], (img - mean(gray)) * 0.5 + mean(gray), tolerance = 1e-6)
  # Hue rotation keeps luma (the Y of YIQ) wherever nothing clips.
  hue <- intervene(img, intervention("hue", c(0, 60, 200)), device = "cpu")$images
  luma <- function(a) 0.299 * a[, , 1] + 0.587 * a[, , 2] + 0.114 * a[, , 3]
  clipped <- apply(hue[3, , , ], 1:2, function(v) any(v <= 0 | v >= 1))
  expect_equal(luma(hue[3, , , ])[!clipped], gray[!clipped], tolerance = 1e-5)
  expect_gt(max(abs(hue[3, , , ] - img)), 0.05)
  # Translation by one pixel to the right; rotation by 90 degrees counter-clockwise.
  tr <- intervene(img, intervention("translate", c(0, 1, 2), direction = c(1, 0)), device = "cpu")$images
  expect_equal(tr[2, , 2:10, ], img[, 1:9, ], tolerance = 1e-5)
  expect_equal(tr[2, , 1, ], array(0, c(12, 3)))
  sq <- array(0, c(4, 4, 1))
  sq[1, 4, 1] <- 1
  rot <- intervene(sq, intervention("rotate", c(0, 90, 180)), device = "cpu")$images
  expect_equal(which(rot[2, , , 1] > 0.99, arr.ind = TRUE), cbind(row = 1, col = 1))
  expect_equal(which(rot[3, , , 1] > 0.99, arr.ind = TRUE), cbind(row = 4, col = 1))
})

test_that("blur is a normalised Gaussian with replicated edges", {
  skip_without_torch()
  delta <- array(0, c(15, 15, 1))
  delta[8, 8, 1] <- 1
  out <- intervene(delta, intervention("blur", c(0, 1, 2)), device = "cpu")$images
  k <- exp(-0.5 * (-3:3)^2)
  k <- k / sum(k)
  expect_equal(out[2, 5:11, 5:11, 1], outer(k, k), tolerance = 1e-6)
  expect_equal(sum(out[3, , , 1]), 1, tolerance = 1e-5)
  flat <- array(0.3, c(6, 6, 3))
  expect_equal(intervene(flat, intervention("blur", c(0, 2, 5)), device = "cpu")$images[3, , , ],
               flat, tolerance = 1e-6)
})

test_that("patches blend by opacity, colour shifts stay in their mask, interpolation ends at both images", {
  skip_without_torch()
  img <- test_image()
  patch <- array(c(1, 0, 0), c(3, 4, 3))[, , c(1, 2, 3)]
  patch[, , 1] <- 1
  patch[, , 2:3] <- 0
  p <- intervene(img, intervention("patch", c(0, 0.5, 1), patch = patch, position = c(2, 3)),
                 device = "cpu")$images
  expect_equal(p[1, , , ], img, tolerance = 1e-6)
  expect_equal(p[3, 2:4, 3:6, ], patch, tolerance = 1e-6)
  expect_equal(p[3, -(2:4), , ], img[-(2:4), , ], tolerance = 1e-6)
  expect_equal(p[2, 2:4, 3:6, ], 0.5 * img[2:4, 3:6, ] + 0.5 * patch, tolerance = 1e-6)
  # An alpha channel scales the opacity; a patch over the edge is clipped.
  rgba <- array(0, c(3, 3, 4))
  rgba[, , 4] <- 0.5
  edge <- intervene(img, intervention("patch", c(0, 0.5, 1), patch = rgba, position = c(11, 9)),
                    device = "cpu")$images
  expect_equal(edge[3, 11:12, 9:10, ], 0.5 * img[11:12, 9:10, ], tolerance = 1e-6)
  mask <- matrix(0, 12, 10)
  mask[1:3, 1:3] <- 1
  cs <- intervene(img * 0.5, intervention("colour_shift", c(0, 0.1, 0.2), colour = c(1, 0, -1),
                                          mask = mask), device = "cpu")$images
  expect_equal(cs[3, 1:3, 1:3, 1], img[1:3, 1:3, 1] * 0.5 + 0.2, tolerance = 1e-6)
  expect_equal(cs[3, 1:3, 1:3, 3], pmax(img[1:3, 1:3, 3] * 0.5 - 0.2, 0), tolerance = 1e-6)
  expect_equal(cs[3, 4:12, , ], img[4:12, , ] * 0.5, tolerance = 1e-6)
  target <- test_image(seed = 2)
  li <- intervene(img, intervention("interpolate", c(0, 0.25, 1), target = target), device = "cpu")$images
  expect_equal(li[1, , , ], img, tolerance = 1e-6)
  expect_equal(li[3, , , ], target, tolerance = 1e-6)
  expect_equal(li[2, , , ], 0.75 * img + 0.25 * target, tolerance = 1e-6)
})

test_that("batch size does not change interventions or predictions", {
  skip_without_torch()
  img <- test_image()
  iv <- intervention("rotate", seq(0, 350, by = 10))
  a <- intervene(img, iv, device = "cpu", batch_size = 64)
  b <- intervene(img, iv, device = "cpu", batch_size = 5)
  expect_identical(a$images, b$images)
  m <- torch_model(script_model(luma_code), device = "cpu")
  expect_identical(predict(m, a, type = "raw", batch_size = 1),
                   predict(m, a, type = "raw", batch_size = 36))
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
  expect_equal(unname(from_files), unname(from_arrays), tolerance = 2 / 255)
  expect_equal(rownames(from_files), basename(files))
  by_hand <- t(vapply(imgs, function(a) apply(a, 3, mean), numeric(3))) %*% w
  expect_equal(unname(from_arrays), by_hand, tolerance = 1e-5)
  byte <- predict(m, lapply(imgs, `*`, 255), type = "logits")
  expect_equal(byte, from_arrays, tolerance = 1e-5)
  p <- predict(m, imgs, type = "prob", classes = c("cat", "dog"))
  expect_equal(colnames(p), c("cat", "dog"))
  expect_equal(unname(p[, 1]), unname(plogis(by_hand[, 1] - by_hand[, 2])), tolerance = 1e-5)
  expect_equal(rowSums(p), c(1, 1), tolerance = 1e-12, ignore_attr = TRUE)
})

test_that("explain: a brightness model depends on brightness, not on hue; a blind model gives p = 1", {
  skip_without_torch()
  img <- test_image()
  luma <- torch_model(script_model(luma_code), device = "cpu")
  blind <- torch_model(script_model("def forward(self, x):\n    return torch.zeros(x.size(0), 1) + 0.5"),
                       device = "cpu")
  models <- list(luma = luma, blind = blind)
  expect_warning(bright <- explain(img, intervention("brightness", seq(0.2, 1.2, length.out = 40)),
                                   models, type = "raw", n_perm = 999, seed = 1, device = "cpu"),
                 class = "propgrad_warning_degenerate")
  expect_s3_class(bright, "propgrad_tests")
  expect_equal(bright$model, c("luma", "blind"))
  expect_lt(bright$p.value[1], 0.01)
  expect_gt(bright$estimate[1], 0.1)
  expect_equal(bright$p.value[2], 1)
  expect_warning(hue <- explain(img, intervention("hue", seq(0, 350, by = 10)), models, type = "raw",
                                n_perm = 999, seed = 1, device = "cpu"),
                 class = "propgrad_warning_degenerate")
  expect_lt(hue$estimate[1], 1e-3 * bright$estimate[1])
  expect_equal(attr(hue, "settings")$period, 360)
  expect_equal(hue$p.value[2], 1)
  # The curves travel with the result.
  curves <- plot_curves(bright, where = list(image = "image1"), threshold = NULL, draw = FALSE)
  expect_equal(nrow(curves), 80)
  expect_s3_class(plot_curves(bright, where = list(image = "image1"), threshold = NULL), "ggplot")
})

test_that("explain runs several images and mixes torch models with R functions", {
  skip_without_torch()
  imgs <- list(a = test_image(seed = 1), b = test_image(seed = 2))
  luma <- torch_model(script_model(luma_code), device = "cpu")
  r_luma <- function(x) 0.299 * apply(x[, , , 1, drop = FALSE], 1, mean) +
    0.587 * apply(x[, , , 2, drop = FALSE], 1, mean) + 0.114 * apply(x[, , , 3, drop = FALSE], 1, mean)
  res <- explain(imgs, intervention("gamma", seq(0.5, 2, length.out = 20)),
                 list(torch = luma, r = r_luma), type = "raw", n_perm = 499, seed = 3, device = "cpu")
  expect_equal(nrow(res), 4)
  expect_equal(res$estimate[res$model == "torch"], res$estimate[res$model == "r"], tolerance = 1e-5)
  expect_warning(s <- summary(res, seed = 1), class = "propgrad_warning_small_n")
  expect_s3_class(s, "propgrad_summary")
})

test_that("torch editors are interventions", {
  skip_without_torch()
  img <- test_image()
  f <- script_model("def forward(self, x, s):\n    return (x * s.view(-1, 1, 1, 1)).clamp(0.0, 1.0)")
  ed <- torch_editor(f, c(0.5, 1, 1.5), device = "cpu", property = "light")
  out <- intervene(img, ed, batch_size = 2)
  ref <- intervene(img, intervention("brightness", c(0.5, 1, 1.5)), device = "cpu")
  expect_equal(out$images, ref$images, tolerance = 1e-6)
  expect_equal(out$property, "light")
  bad <- torch_editor(script_model("def forward(self, x, s):\n    return x[:, 0]"), 1:3, device = "cpu")
  expect_error(intervene(img, bad), class = "propgrad_error_torch_editor")
})

test_that("bad models, files, shapes and devices give classed errors", {
  skip_without_torch()
  dir <- withr::local_tempdir()
  expect_snapshot(torch_model(file.path(dir, "missing.pt"), device = "cpu"), error = TRUE,
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
  expect_error(predict(m, array(0.5, c(2, 2, 1))), class = "propgrad_error_torch_model_input")
  expect_snapshot(predict(m, test_image(), preprocess = torch_preprocess(mean = 0.5, sd = 0.2)),
                  error = TRUE)
  expect_error(predict(m, array(0.5, c(1, 2, 2, 3)), type = "prob"), NA)
  raw_model <- torch_model(script_model("def forward(self, x):\n    return x"), device = "cpu")
  expect_error(predict(raw_model, array(0.5, c(2, 2, 3)), type = "prob"),
               class = "propgrad_error_torch_model_output")
  if (torch_info()$cuda) {
    expect_error(torch_model(good, device = "cuda:99"), class = "propgrad_error_torch_device")
  } else {
    expect_snapshot(torch_model(good, device = "cuda"), error = TRUE,
                    transform = function(x) sub("LibTorch [0-9.]+", "LibTorch <version>", x))
  }
  expect_error(torch_model(good, device = "gpu"), class = "propgrad_error_device")
  stale <- unserialize(serialize(m, NULL))
  expect_snapshot(predict(stale, array(0.5, c(1, 2, 2, 3))), error = TRUE)
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

test_that("bad intervention arguments give classed errors", {
  expect_error(intervention("sharpen", 1:3), class = "propgrad_error_input")
  expect_error(intervention("gamma", c(0, 1, 2)), class = "propgrad_error_number")
  expect_error(intervention("blur", c(-1, 0, 1)), class = "propgrad_error_number")
  expect_error(intervention("brightness", c(1, 1, 2)), class = "propgrad_error_ties")
  expect_error(intervention("brightness", 1:2), class = "propgrad_error_length")
  expect_error(intervention("brightness", c(1, NA, 2)), class = "propgrad_error_nonfinite")
  expect_error(intervention("brightness", 1:3, colour = 1), class = "propgrad_error_input")
  expect_error(intervention("patch", c(0, 0.5, 2), patch = array(0, c(2, 2, 3))),
               class = "propgrad_error_number")
  expect_snapshot(intervention("colour_shift", 1:3), error = TRUE)
  skip_without_torch()
  img <- test_image()
  expect_error(intervene(img[, , 1], intervention("hue", c(0, 10, 20)), device = "cpu"),
               class = "propgrad_error_channels")
  expect_error(intervene(img, intervention("colour_shift", 1:3, colour = c(1, 0)), device = "cpu"),
               class = "propgrad_error_length")
  expect_error(intervene(img, intervention("interpolate", c(0, 0.5, 1), target = array(0, c(2, 2, 3))),
                         device = "cpu"), class = "propgrad_error_image_size")
  expect_error(intervene(list(img, img), intervention("brightness", 1:3)), class = "propgrad_error_length")
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
