# explain()'s fused path (R/fused.R, src/torch/pipeline.cpp): raw images, a
# built-in intervention and torch models on one device are intervened and
# predicted batch by batch on the device. Its results must be identical to
# the separate path (intervene() then predict(), forced with
# options(propgrad.fused = FALSE)) for colour and geometric kinds, masks,
# preprocessing, several models and images, every output type, grey and
# RGBA images; other inputs must still take the separate path.

cnn_model <- function(seed = 1) {
  code <- paste(
    "def forward(self, x):",
    "    y = torch.conv2d(x, self.w1, None, [1, 1], [1, 1]).relu()",
    "    y = torch.conv2d(y, self.w2, None, [2, 2], [1, 1]).relu()",
    "    return y.mean(dim=[2, 3]).matmul(self.w3)", sep = "\n")
  withr::with_seed(seed, torch_model(script_model(code, list(
    w1 = array(stats::rnorm(4 * 3 * 9, sd = 0.5), c(4, 3, 3, 3)),
    w2 = array(stats::rnorm(6 * 4 * 9, sd = 0.5), c(6, 4, 3, 3)),
    w3 = matrix(stats::rnorm(6 * 3), 6, 3))), device = "cpu"))
}

linear_model <- function() {
  torch_model(script_model("def forward(self, x):\n    return x.mean(dim=[2, 3]).matmul(self.w)",
                           list(w = matrix(c(1, -1, 0.5, 2, 0, -1, 0.3, 0.2, -0.4), 3, 3))),
              device = "cpu")
}

# explain() both ways; the curves, the test table and the provenance (but
# its clock time) must agree exactly. Few shuffles: the p-values are not
# the point, so the warning that none can be significant is expected.
expect_fused_identical <- function(images, iv, models, ...) {
  run <- function() {
    withCallingHandlers(explain(images, iv, models, n_perm = 99, seed = 1, device = "cpu", ...),
                        propgrad_warning_resolution = function(w) invokeRestart("muffleWarning"))
  }
  fused <- run()
  separate <- withr::with_options(list(propgrad.fused = FALSE), run())
  expect_identical(attr(fused, "data"), attr(separate, "data"))
  expect_identical(untimed(fused), untimed(separate))
  invisible(fused)
}

test_that("explain() takes the fused path only for built-in interventions on torch models", {
  skip_without_torch()
  img <- test_image()
  iv <- intervention("brightness", seq(0.5, 1.5, length.out = 5))
  models <- list(a = linear_model())
  env <- rlang::current_env()
  sweeps <- propgrad:::explain_sweeps(list(img), iv, "cpu", 32, env, models)
  expect_s3_class(sweeps[[1]], "propgrad_fused_sweep")
  withr::with_options(list(propgrad.fused = FALSE), {
    expect_s3_class(propgrad:::explain_sweeps(list(img), iv, "cpu", 32, env, models)[[1]],
                    "propgrad_images")
  })
  # Without models (sanity_check()), with an R function among them, or
  # with given sweeps, the images are intervened separately.
  expect_s3_class(propgrad:::explain_sweeps(list(img), iv, "cpu", 32, env)[[1]], "propgrad_images")
  mixed <- list(a = models$a, f = function(x) apply(x, 1, mean))
  expect_s3_class(propgrad:::explain_sweeps(list(img), iv, "cpu", 32, env, mixed)[[1]],
                  "propgrad_images")
  done <- intervene(img, iv, device = "cpu")
  expect_s3_class(propgrad:::explain_sweeps(done, NULL, "cpu", 32, env, models)[[1]],
                  "propgrad_images")
  editor <- torch_editor(script_model("def forward(self, x, s):\n    return x * s.view(-1, 1, 1, 1)"),
                         seq(0.5, 1.5, length.out = 5), device = "cpu")
  expect_false(propgrad:::can_fuse(editor, models, "cpu", env))
})

test_that("fused brightness over several images and models equals intervene() then predict()", {
  skip_without_torch()
  imgs <- list(a = test_image(seed = 1), b = test_image(16, 14, seed = 2), c = test_image(seed = 3))
  iv <- intervention("brightness", seq(0.2, 1.4, length.out = 45))
  models <- list(cnn = cnn_model(1), cnn2 = cnn_model(2), lin = linear_model())
  res <- expect_fused_identical(imgs, iv, models, type = "prob", batch_size = 7)
  expect_equal(nrow(res), 3 * 3 * 3)
  expect_fused_identical(imgs, iv, models, type = "logits")
  expect_fused_identical(imgs, iv, models, type = "raw", output = 1:2)
})

test_that("fused hue, rotate and masked brightness with resize, crop and normalisation are identical", {
  skip_without_torch()
  imgs <- list(a = test_image(20, 24, seed = 4), b = test_image(18, 18, seed = 5))
  models <- list(cnn = cnn_model(3), lin = linear_model())
  pre <- torch_preprocess(size = 14, crop = 12, mean = c(0.485, 0.456, 0.406),
                          sd = c(0.229, 0.224, 0.225))
  for (space in c("hsv", "yiq")) {
    expect_fused_identical(imgs, intervention("hue", seq(0, 340, by = 20), space = space), models,
                           type = "logits", preprocess = pre, batch_size = 5)
  }
  expect_fused_identical(imgs, intervention("rotate", seq(-30, 30, length.out = 13)), models,
                         type = "prob", preprocess = pre, batch_size = 4)
  # A soft mask: the blend happens on the device before the models.
  mask <- function(img) outer(seq_len(dim(img)[1]), seq_len(dim(img)[2]), function(i, j) (i + j) %% 3 / 2)
  expect_fused_identical(imgs, intervention("brightness", seq(0.5, 1.5, length.out = 11), mask = mask),
                         models, type = "raw", preprocess = pre, output = 1:3)
})

test_that("fused sweeps of grey and RGBA images match the separate path", {
  skip_without_torch()
  img <- test_image(seed = 6)
  models <- list(cnn = cnn_model(4))
  # Strengths given unsorted (intervention() sorts them).
  expect_fused_identical(img, intervention("gamma", c(2, 0.5, 1, 1.5, 0.8, 1.2)), models,
                         type = "logits", batch_size = 4)
  rgba <- array(c(test_image(seed = 7), rep(0.6, 12 * 10)), c(12, 10, 4))
  grey <- test_image(seed = 8)[, , 1, drop = FALSE]
  for (image in list(rgba, grey)) {
    iv <- intervention("contrast", seq(0.5, 1.5, length.out = 9))
    said <- 0
    withCallingHandlers(expect_fused_identical(image, iv, models, type = "logits", batch_size = 4),
                        propgrad_message_channels = function(m) {
                          said <<- said + 1
                          invokeRestart("muffleMessage")
                        })
    # Once per explain(), fused and separate alike.
    expect_equal(said, 2)
  }
  # Without to_rgb, RGBA reaches a 4-channel model with its alpha as intervene() returns it.
  four <- torch_model(script_model("def forward(self, x):\n    return x.mean(dim=[2, 3]).matmul(self.w)",
                                   list(w = matrix(seq(-1, 1, length.out = 8), 4, 2))), device = "cpu")
  expect_fused_identical(rgba, intervention("brightness", seq(0.5, 1.5, length.out = 9)), list(m = four),
                         type = "logits", preprocess = torch_preprocess(to_rgb = FALSE))
})

test_that("the fused path raises predict()'s classed errors", {
  skip_without_torch()
  one <- torch_model(script_model("def forward(self, x):\n    return x.mean(dim=[1, 2, 3]).unsqueeze(1)"),
                     device = "cpu")
  iv <- intervention("brightness", seq(0.5, 1.5, length.out = 6))
  expect_error(explain(test_image(), iv, list(one = one), type = "prob", device = "cpu"),
               class = "propgrad_error_torch_model_output")
  expect_error(explain(test_image(), iv, list(lin = linear_model()), classes = c("a", "b"), device = "cpu"),
               class = "propgrad_error_length")
})
