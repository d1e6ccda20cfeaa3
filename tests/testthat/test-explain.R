# explain() (R/explain.R): from images to tests in one call. Intervened
# images are run through torch models and R functions, each output curve is
# tested with property_test(), and images, models and outputs are named and
# chosen as documented. Runs with R functions on already intervened images
# need no LibTorch; the rest skips without it.

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
  # YIQ hue rotation keeps luma exactly (HSV does not).
  yiq <- intervention("hue", seq(0, 350, by = 10), space = "yiq")
  expect_warning(hue <- explain(img, yiq, models, type = "raw", n_perm = 999, seed = 1, device = "cpu"),
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


# Eight 3 x 3 RGB images, brightening along the strengths; R-function models
# need no LibTorch on them.
bright_images <- function(strengths = 1:8, property = "light", period = NULL) {
  arr <- array(seq(0.1, 0.9, length.out = length(strengths)), c(length(strengths), 3, 3, 3))
  propgrad:::new_images(arr, strengths, property, period = period)
}
mean_model <- function(x) apply(x, 1, mean)
dark_model <- function(x) 1 - apply(x, 1, mean) ^ 2

test_that("models are named by the list, and model1, model2, ... where unnamed", {
  x <- bright_images()
  res <- explain(x, models = list(mean_model, dark = dark_model, mean_model), n_perm = 99, seed = 1,
                 alpha = 0.5)
  expect_s3_class(res, "propgrad_tests")
  expect_equal(res$model, c("model1", "dark", "model3"))
  expect_equal(res$image, rep("image1", 3))
  expect_equal(explain(x, models = mean_model, n_perm = 99, seed = 1, alpha = 0.5)$model, "model1")
  named <- explain(x, models = list(a = mean_model, b = dark_model), n_perm = 99, seed = 1, alpha = 0.5)
  expect_equal(named$model, c("a", "b"))
  # The curves travel with the result, the strength column named after the property.
  data <- attr(named, "data")
  expect_equal(names(data), c("image", "model", "light", "output1"))
  expect_equal(nrow(data), 16)
  expect_equal(data$light, rep(1:8, 2))
  expect_equal(data$output1[data$model == "a"], seq(0.1, 0.9, length.out = 8))
  expect_equal(data$output1[data$model == "b"], 1 - seq(0.1, 0.9, length.out = 8)^2)
  expect_equal(attr(named, "settings")$property, "light")
  expect_equal(attr(named, "settings")$by, c("image", "model"))
  expect_error(explain(x, models = list(a = mean_model, dark_model, a = dark_model)),
               class = "propgrad_error_names")
  expect_error(explain(x, models = list(model2 = mean_model, dark_model)), class = "propgrad_error_names")
})

test_that("output picks the tested columns; classes name unnamed function outputs", {
  x <- bright_images()
  two <- function(x) cbind(apply(x, 1, mean), 1 - apply(x, 1, mean) ^ 2)
  res <- explain(x, models = two, classes = c("cat", "dog"), n_perm = 99, seed = 1, alpha = 0.5)
  expect_equal(res$output, c("cat", "dog"))
  expect_equal(names(attr(res, "data")), c("image", "model", "light", "cat", "dog"))
  by_name <- explain(x, models = two, classes = c("cat", "dog"), output = "dog", n_perm = 99, seed = 1,
                     alpha = 0.5)
  by_number <- explain(x, models = two, classes = c("cat", "dog"), output = 2, n_perm = 99, seed = 1,
                       alpha = 0.5)
  expect_equal(by_name$output, "dog")
  expect_identical(untimed(by_number), untimed(by_name))
  # Column names the function gives win over classes.
  own <- function(x) cbind(light = apply(x, 1, mean), dark = 1 - apply(x, 1, mean) ^ 2)
  expect_equal(explain(x, models = own, classes = c("cat", "dog"), n_perm = 99, seed = 1, alpha = 0.5)$output,
               c("light", "dark"))
  # With more than 10 outputs, output chooses among them.
  many <- function(x) outer(apply(x, 1, mean), 1:11)
  chosen <- explain(x, models = many, output = c("output11", "output2"), n_perm = 99, seed = 1, alpha = 0.5)
  expect_equal(chosen$output, c("output11", "output2"))
  expect_error(explain(x, models = many), class = "propgrad_error_input")
  expect_error(explain(x, models = two, output = 0), class = "propgrad_error_number")
  expect_error(explain(x, models = two, output = 3), class = "propgrad_error_number")
  expect_error(explain(x, models = two, output = NA_real_), class = "propgrad_error_number")
  expect_error(explain(x, models = two, output = c("output1", "cat")), class = "propgrad_error_column")
})

test_that("prediction flips are counted for probabilities of two or more classes", {
  x <- bright_images()
  two <- function(x) cbind(apply(x, 1, mean), 1 - apply(x, 1, mean))
  prob <- explain(x, models = two, output = 1:2, n_perm = 99, seed = 1, alpha = 0.5)
  # The first class wins until the mean passes 0.5: one flip.
  expect_equal(prob$flips, c(1, 1))
  expect_false("flips" %in% names(explain(x, models = two, type = "raw", n_perm = 99, seed = 1, alpha = 0.5)))
  expect_false("flips" %in% names(explain(x, models = mean_model, n_perm = 99, seed = 1, alpha = 0.5)))
})

test_that("the images' period reaches the tests unless given, and ... reaches property_test()", {
  angles <- bright_images(seq(0, 315, by = 45), property = "angle", period = 360)
  res <- explain(angles, models = mean_model, n_perm = 99, seed = 1, alpha = 0.5)
  expect_equal(attr(res, "settings")$period, 360)
  expect_equal(names(attr(res, "data"))[3], "angle")
  wide <- explain(angles, models = mean_model, n_perm = 99, seed = 1, alpha = 0.5, period = 720)
  expect_equal(attr(wide, "settings")$period, 720)
  expect_null(attr(explain(bright_images(), models = mean_model, n_perm = 99, seed = 1, alpha = 0.5),
                   "settings")$period)
  res <- explain(bright_images(), models = mean_model, n_perm = 199, seed = 7, alpha = 0.5,
                 statistic = "corr")
  settings <- attr(res, "settings")
  expect_equal(settings$n_perm, 199)
  expect_equal(settings$seed, 7)
  expect_equal(settings$statistic, "corr")
  expect_equal(settings$alpha, 0.5)
  expect_identical(untimed(explain(bright_images(), models = mean_model, n_perm = 199, seed = 7, alpha = 0.5,
                                   statistic = "corr")), untimed(res))
})

test_that("model functions and progress are checked", {
  x <- bright_images()
  expect_error(explain(x, models = mean_model, progress = "yes"), class = "propgrad_error_input")
  expect_error(explain(x, models = mean_model, progress = NA), class = "propgrad_error_input")
  expect_error(explain(x, models = function(x) letters[seq_len(dim(x)[1])]), class = "propgrad_error_model")
  expect_error(explain(x, models = function(x) stop("out of memory")), "A model function failed",
               class = "propgrad_error_model")
  failed <- tryCatch(explain(x, models = function(x) stop("out of memory")), error = identity)
  expect_match(conditionMessage(failed$parent), "out of memory")
  expect_error(explain(x, models = list()), class = "propgrad_error_type")
  expect_error(explain(x, models = list(mean_model, "resnet")), class = "propgrad_error_type")
  expect_error(explain(list(1, 2), models = mean_model), class = "propgrad_error_missing")
})

test_that("images are named by list names, file names or position", {
  skip_without_torch()
  skip_if_not_installed("png")
  iv <- intervention("brightness", seq(0.5, 1.5, length.out = 6))
  run <- function(images) {
    unique(explain(images, iv, models = mean_model, n_perm = 99, seed = 1, alpha = 0.5, device = "cpu")$image)
  }
  a <- test_image(4, 4, seed = 1)
  b <- test_image(4, 4, seed = 2)
  expect_equal(run(list(first = a, second = b)), c("first", "second"))
  expect_equal(run(list(a, b)), c("image1", "image2"))
  expect_equal(run(a), "image1")
  expect_equal(run(aperm(array(c(a, b), c(4, 4, 3, 2)), c(4, 1, 2, 3))), c("image1", "image2"))
  dir <- withr::local_tempdir()
  dir.create(file.path(dir, "x"))
  dir.create(file.path(dir, "y"))
  files <- file.path(dir, c("x/cat.png", "y/cat.png", "x/dog.png"))
  for (f in files) png::writePNG(a, f)
  expect_equal(run(files), c("cat", "cat.1", "dog"))
  # Each image is intervened on its own: the curves of a and b differ.
  res <- explain(list(a = a, b = b), iv, models = mean_model, n_perm = 99, seed = 1, alpha = 0.5,
                 device = "cpu")
  data <- attr(res, "data")
  expect_equal(names(data)[3], "brightness")
  expect_equal(data$output1[data$image == "a"],
               vapply(iv$strengths, function(s) mean(pmin(a * s, 1)), 0), tolerance = 1e-6)
  expect_equal(data$output1[data$image == "b"],
               vapply(iv$strengths, function(s) mean(pmin(b * s, 1)), 0), tolerance = 1e-6)
})

test_that("torch models give probabilities, logits or raw outputs named by classes", {
  skip_without_torch()
  w <- matrix(c(1, -1, 0.5, 2, 0, -1), 3, 2)
  m <- torch_model(script_model("def forward(self, x):\n    return x.mean(dim=[2, 3]).matmul(self.w)",
                                buffers = list(w = w)), device = "cpu")
  iv <- intervention("brightness", seq(0.5, 1.5, length.out = 6))
  img <- test_image(4, 4)
  expect_message(prob <- explain(img, iv, m, classes = c("cat", "dog"), n_perm = 99, seed = 1, alpha = 0.5,
                                 device = "cpu"),
                 class = "propgrad_message_binary")
  expect_equal(prob$output, "dog")
  data <- attr(prob, "data")
  expect_equal(names(data), c("image", "model", "brightness", "cat", "dog"))
  expect_equal(data$cat + data$dog, rep(1, 6), tolerance = 1e-6)
  expect_true("flips" %in% names(prob))
  logits <- attr(explain(img, iv, m, type = "logits", n_perm = 99, seed = 1, alpha = 0.5, device = "cpu"),
                 "data")
  expect_equal(names(logits)[4:5], c("output1", "output2"))
  sweep <- intervene(img, iv, device = "cpu")
  expect_equal(as.matrix(logits[, 4:5]), unname(predict(m, sweep, type = "logits")), ignore_attr = TRUE)
  expect_equal(data$cat, plogis(logits$output1 - logits$output2), tolerance = 1e-5)
})

# Issue 12: different output columns failed in rbind() without a class.
test_that("models with different output columns are named with their columns", {
  x <- bright_images()
  two <- function(x) cbind(cat = apply(x, 1, mean), dog = 1 - apply(x, 1, mean))
  three <- function(x) cbind(two(x), bird = 0)
  expect_snapshot(explain(x, models = list(two = two, three = three), n_perm = 99, seed = 1),
                  error = TRUE, cnd_class = TRUE)
  renamed <- function(x) cbind(a = apply(x, 1, mean), b = 0)
  expect_error(explain(x, models = list(two = two, renamed = renamed), n_perm = 99, seed = 1),
               "renamed: a, b", class = "propgrad_error_model")
})

# Issue 13: the two softmax columns of a binary classifier have the same
# EPGM, and testing both doubled the multiplicity of the adjustment.
test_that("two mirrored probabilities test only the positive class, with a message", {
  x <- bright_images()
  binary <- function(x) cbind(cat = 1 - apply(x, 1, mean), dog = apply(x, 1, mean))
  expect_snapshot(one <- explain(x, models = binary, n_perm = 99, seed = 1, alpha = 0.5))
  expect_equal(one$output, "dog")
  # The flips still count both classes, and both curves are kept.
  expect_equal(one$flips, 1)
  expect_equal(names(attr(one, "data"))[4:5], c("cat", "dog"))
  # Holm over one series leaves p as it is; over both mirrored columns it doubled it.
  expect_message(one <- explain(x, models = binary, n_perm = 99, seed = 1, alpha = 0.5, p_adjust = "holm"),
                 class = "propgrad_message_binary")
  both <- explain(x, models = binary, output = c("cat", "dog"), n_perm = 99, seed = 1, alpha = 0.5,
                  p_adjust = "holm")
  expect_equal(both$estimate[1], both$estimate[2])
  expect_equal(one$p.value, both$p.value[both$output == "dog"])
  expect_equal(one$adj.p.value, one$p.value)
  expect_equal(both$adj.p.value, stats::p.adjust(both$p.value, "holm"))
  expect_lt(one$adj.p.value, min(both$adj.p.value))
  # Choosing output, raw outputs, or columns that do not sum to 1 test as asked.
  expect_no_message(explain(x, models = binary, output = "cat", n_perm = 99, seed = 1, alpha = 0.5))
  expect_equal(explain(x, models = binary, type = "raw", n_perm = 99, seed = 1, alpha = 0.5)$output,
               c("cat", "dog"))
  loose <- function(x) cbind(cat = 1 - apply(x, 1, mean) ^ 2, dog = apply(x, 1, mean))
  expect_equal(explain(x, models = loose, n_perm = 99, seed = 1, alpha = 0.5)$output, c("cat", "dog"))
})

test_that("unnamed torch models are named by their files, made unique", {
  skip_without_torch()
  dir <- withr::local_tempdir()
  dir.create(file.path(dir, "other"))
  files <- file.path(dir, c("resnet.pt", "other/resnet.pt", "vit.model.pt"))
  for (f in files) file.copy(script_model(luma_code), f)
  models <- lapply(files, torch_model, device = "cpu")
  res <- explain(bright_images(), models = c(models, mean_model), type = "raw", n_perm = 99, seed = 1,
                 alpha = 0.5)
  expect_equal(res$model, c("resnet", "resnet.1", "vit.model", "model4"))
  named <- explain(bright_images(), models = list(resnet = mean_model, models[[1]]), type = "raw",
                   n_perm = 99, seed = 1, alpha = 0.5)
  expect_equal(named$model, c("resnet", "resnet.1"))
})

test_that("an intervened file is named after it, or by `name`", {
  skip_without_torch()
  skip_if_not_installed("png")
  dir <- withr::local_tempdir()
  file <- file.path(dir, "tabby.png")
  png::writePNG(test_image(4, 4), file)
  iv <- intervention("brightness", seq(0.5, 1.5, length.out = 6))
  sweep <- intervene(file, iv, device = "cpu")
  expect_equal(sweep$name, "tabby")
  expect_equal(explain(sweep, models = mean_model, n_perm = 99, seed = 1, alpha = 0.5)$image, "tabby")
  named <- intervene(test_image(4, 4), iv, device = "cpu", name = "Felix")
  expect_equal(explain(named, models = mean_model, n_perm = 99, seed = 1, alpha = 0.5)$image, "Felix")
  expect_null(intervene(test_image(4, 4), iv, device = "cpu")$name)
  expect_error(intervene(file, iv, device = "cpu", name = NA_character_), class = "propgrad_error_type")
  both <- explain(list(sweep, named), models = mean_model, n_perm = 99, seed = 1, alpha = 0.5)
  expect_equal(both$image, c("tabby", "Felix"))
})
