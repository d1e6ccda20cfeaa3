# sanity_check() (R/sanity.R, R/sanity_methods.R): cascading randomisation
# of a torch model's layers from the top and a shuffled intervention order.
# Small two-layer TorchScript models are written here with
# torch_script_model(); the package's fur classifier is checked too. The
# tests check that the layers and their order are right, that randomised
# models answer differently while the user's model stays as it was, that a
# seed fixes everything, and that the shuffled order destroys the signal.

test_that("the cascade randomises the layers from the top and leaves the user's model alone", {
  skip_without_torch()
  m <- two_layer_model()
  probe <- aperm(array(c(test_image(seed = 2), test_image(seed = 3)), c(12, 10, 3, 2)), c(4, 1, 2, 3))
  before <- predict(m, probe, type = "raw")
  tensors_before <- torch_model_tensors(m)
  res <- run_sanity(m)
  expect_s3_class(res, "propgrad_sanity")
  expect_equal(as.character(res$condition),
               c("original", "randomised: w2+b2", "randomised: w1+b1", "shuffled order"))
  expect_equal(res$n_randomised, c(0L, 1L, 2L, NA))
  expect_equal(attr(res, "settings")$layers, list(`w2+b2` = c("w2", "b2"), `w1+b1` = c("w1", "b1")))
  # The user's model predicts exactly as before, and its tensors are untouched.
  expect_identical(bare(predict(m, probe, type = "raw")), bare(before))
  expect_identical(torch_model_tensors(m), tensors_before)
  # Each randomised model answers differently from the original and from the one before.
  curves <- attr(res, "data")
  curve <- function(cond) curves$output2[curves$condition == cond]
  expect_gt(max(abs(curve("randomised: w2+b2") - curve("original"))), 0.01)
  expect_gt(max(abs(curve("randomised: w1+b1") - curve("randomised: w2+b2"))), 0.01)
  # The original compared with itself.
  expect_equal(res$relative_change[1], 0)
  expect_equal(res$rank_cor[1], 1)
  expect_equal(res$relative_change[2], res$estimate[2] / res$estimate[1] - 1)
})

test_that("the shuffled order keeps the outputs but destroys the signal of a monotone model", {
  skip_without_torch()
  res <- run_sanity(two_layer_model())
  orig <- res[res$condition == "original", ]
  shuf <- res[res$condition == "shuffled order", ]
  curves <- attr(res, "data")
  o <- curves$output2[curves$condition == "original"]
  s <- curves$output2[curves$condition == "shuffled order"]
  expect_true(all(diff(o) > 0))
  expect_equal(sort(s), sort(o), tolerance = 1e-6)
  expect_false(isTRUE(all.equal(s, o)))
  expect_lt(orig$p.value, 0.01)
  expect_gt(shuf$p.value, 0.05)
  expect_lt(abs(shuf$z), abs(orig$z) / 3)
  expect_lt(abs(shuf$rank_cor), 0.6)
  # A jagged (shuffled) curve has the larger mean absolute gradient.
  expect_gt(shuf$estimate, orig$estimate)
  expect_gt(shuf$relative_change, 0)
})

test_that("the same seed gives identical results; seed = NULL follows set.seed()", {
  skip_without_torch()
  m <- two_layer_model()
  a <- run_sanity(m, seed = 7)
  b <- run_sanity(m, seed = 7)
  expect_identical(a, b)
  other <- run_sanity(m, seed = 8)
  expect_false(isTRUE(all.equal(a$estimate[2:4], other$estimate[2:4])))
  expect_equal(a$estimate[1], other$estimate[1])
  set.seed(3)
  c1 <- run_sanity(m, seed = NULL)
  after <- stats::runif(1)
  set.seed(3)
  c2 <- run_sanity(m, seed = NULL)
  expect_identical(c1, c2)
  expect_identical(stats::runif(1), after)
  # A given seed leaves the caller's random number stream where it was.
  set.seed(4)
  expected <- stats::runif(2)
  set.seed(4)
  x <- stats::runif(1)
  run_sanity(m, seed = 7)
  expect_identical(c(x, stats::runif(1)), expected)
})

test_that("layers can be given from the top; labels come from the list's names", {
  skip_without_torch()
  m <- two_layer_model()
  default <- run_sanity(m)
  given <- run_sanity(m, layers = list(head = c("w2", "b2"), body = c("w1", "b1")))
  expect_equal(levels(given$condition), c("original", "randomised: head", "randomised: body", "shuffled order"))
  expect_equal(given$estimate, default$estimate)
  one <- run_sanity(m, layers = list(c("b1", "w1", "b2", "w2")))
  expect_equal(as.character(one$condition), c("original", "randomised: b1+w1+b2+w2", "shuffled order"))
  # Randomising the lower layer alone changes the curve too.
  low <- run_sanity(m, layers = list(c("w1", "b1")))
  curves <- attr(low, "data")
  expect_gt(max(abs(curves$output2[curves$condition == "randomised: w1+b1"] -
                      curves$output2[curves$condition == "original"])), 0.01)
})

test_that("default layers: module paths for parameters, trailing digits for top-level tensors", {
  tensors <- data.frame(
    name = c("features.0.weight", "features.0.bias", "features.3.weight", "fc.weight", "fc.bias",
             "bn.running_mean"),
    parameter = c(TRUE, TRUE, TRUE, TRUE, TRUE, FALSE), numel = 1, mean = 0, sd = 1)
  g <- propgrad:::layer_groups(tensors, NULL)
  expect_equal(g, list(fc = c("fc.weight", "fc.bias"), features.3 = "features.3.weight",
                       features.0 = c("features.0.weight", "features.0.bias")))
  # Buffers only: top-level names grouped by their trailing digits; the rest together.
  buffers <- data.frame(name = c("scale", "w1", "b1", "w12", "shift", "b12"), parameter = FALSE,
                        numel = 1, mean = 0, sd = 1)
  expect_equal(propgrad:::layer_groups(buffers, NULL),
               list(`w12+b12` = c("w12", "b12"), `w1+b1` = c("w1", "b1"), `scale+shift` = c("scale", "shift")))
})

test_that("the fur classifier: its head and its filters, from the top", {
  skip_without_torch()
  m <- torch_model(system.file("extdata", "fur_classifier.pt", package = "propgrad"), device = "cpu")
  tensors <- torch_model_tensors(m)
  expect_equal(tensors$name, c("w1", "b1", "w2", "b2"))
  expect_false(any(tensors$parameter))
  img <- system.file("extdata", "fur_grass.png", package = "propgrad")
  pre <- torch_preprocess(size = 32, mean = rep(0.5, 3), sd = rep(0.25, 3))
  before <- predict(m, img, preprocess = pre)
  msgs <- character()
  res <- withCallingHandlers(
    sanity_check(m, img, intervention("brightness", seq(0.5, 1.5, length.out = 21)), preprocess = pre,
                 n_perm = 999, seed = 1, device = "cpu"),
    propgrad_message = function(cnd) {
      msgs <<- c(msgs, class(cnd)[1])
      invokeRestart("muffleMessage")
    })
  # b2 is a single number: nothing to draw it from. The binary message comes once.
  expect_equal(msgs, c("propgrad_message_sanity_constant", "propgrad_message_binary"))
  expect_equal(as.character(res$condition),
               c("original", "randomised: w2+b2", "randomised: w1+b1", "shuffled order"))
  expect_equal(unique(res$output), "output2")
  expect_identical(bare(predict(m, img, preprocess = pre)), bare(before))
  curves <- attr(res, "data")
  expect_gt(max(abs(curves$output2[curves$condition == "randomised: w2+b2"] -
                      curves$output2[curves$condition == "original"])), 0.01)
  expect_lt(res$p.value[1], 0.01)
})

test_that("sanity_check refuses what it cannot check", {
  skip_without_torch()
  img <- test_image()
  bright <- intervention("brightness", seq(0.3, 1.2, length.out = 10))
  m <- two_layer_model()
  expect_snapshot(error = TRUE, cnd_class = TRUE, {
    sanity_check(function(x) apply(x, 1, mean), img, bright)
    sanity_check(list(m, m), img, bright)
    sanity_check(m, img, bright, models = list(m))
    sanity_check(m, img, bright, seed = 1, progress = FALSE, layers = NULL, 999)
    sanity_check(m, img, bright, layers = list(c("w2", "b3")))
    sanity_check(m, img, bright, layers = list(c("w2", "b2"), c("w2")))
    sanity_check(m, img, bright, layers = c("w2", "b2"))
    sanity_check(torch_model(script_model(luma_code), device = "cpu"), img, bright)
  })
  res <- run_sanity(m)
  expect_snapshot(error = TRUE, cnd_class = TRUE, {
    ggplot2::autoplot(res, y = "rank_cor", log = TRUE)
    ggplot2::autoplot(res, log = "yes")
  })
})

test_that("a PyTorch-saved model with real parameters: same outputs as PyTorch, cascade by module", {
  skip_without_torch()
  # fixtures/make_tiny_cnn.py: Sequential(Conv2d, ReLU, AdaptiveAvgPool2d,
  # Flatten, Linear) scripted and saved by PyTorch 1.13.
  m <- torch_model(test_path("fixtures", "tiny_cnn.pt"), "cpu")
  x <- array(0, c(2, 5, 6, 3))
  for (b in 1:2) for (h in 1:5) for (w in 1:6) for (k in 1:3) x[b, h, w, k] <- (b * (k + 1) * h + w - 1) %% 7 / 6
  # Printed by make_tiny_cnn.py (float32 forward in PyTorch).
  python <- rbind(c(-0.49249404668807983, -0.299339234828949, -0.11078836023807526),
                  c(-0.4538753926753998, -0.27991893887519836, -0.1402878612279892))
  expect_equal(unname(predict(m, x, type = "logits")), python, tolerance = 1e-6, ignore_attr = c("provenance", "class"))
  tensors <- torch_model_tensors(m)
  expect_true(all(tensors$parameter))
  before <- predict(m, x, type = "logits")
  sc <- sanity_check(m, x[1, , , ], intervention("brightness", seq(0.5, 1.5, length.out = 9)),
                     type = "logits", output = 1, n_perm = 199, seed = 4, device = "cpu")
  # Parameters are grouped by module ("4" is the Linear head, "0" the
  # convolution) and randomised from the output end.
  expect_equal(as.character(unique(sc$condition)), c("original", "randomised: 4", "randomised: 0", "shuffled order"))
  expect_true(all(sc$estimate[sc$condition != "original"] != sc$estimate[sc$condition == "original"]))
  expect_identical(bare(predict(m, x, type = "logits")), bare(before))
})
