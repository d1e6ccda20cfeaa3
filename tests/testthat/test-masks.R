# Masks of interventions (R/masks.R, and the blend in src/torch/
# interventions.cpp): every kind takes a matrix, a file or a function of the
# image, the result is mask * edited + (1 - mask) * image, a 0/1 mask
# changes only its pixels, a function is called on each image (also in
# explain()), and masks that do not fit give classed errors. Checks of
# intervention() also run without LibTorch; the rest skips there.

# Issue 13: "fur brightness" is one call.
test_that("a mask function limits brightness to the pixels it picks", {
  skip_without_torch()
  img <- test_image()
  seen <- NULL
  fur <- function(x) {
    seen <<- x
    x[, , 1] > 0.5
  }
  iv <- intervention("brightness", c(0.5, 1, 1.5), mask = fur, property = "fur brightness")
  out <- intervene(img * 255, iv, device = "cpu")$images
  # The function saw the image as an H x W x C array in 0..1.
  expect_equal(seen, img)
  inside <- array(img[, , 1] > 0.5, dim(img))
  expect_gt(sum(inside), 20)
  expect_lt(sum(inside), length(img) - 20)
  # Outside the mask every step is the unchanged image (strength 1), bit for bit.
  for (k in c(1, 3)) expect_identical(out[k, , , ][!inside], out[2, , , ][!inside])
  expect_equal(out[2, , , ], img, tolerance = 1e-6)
  expect_equal(out[1, , , ][inside], 0.5 * img[inside], tolerance = 1e-6)
  expect_equal(out[3, , , ][inside], pmin(1.5 * img[inside], 1), tolerance = 1e-6)
})

test_that("a soft mask blends the edit with the image, for every kind", {
  skip_without_torch()
  img <- test_image()
  m <- withr::with_seed(7, matrix(stats::runif(120), 12, 10))
  ivs <- list(brightness = list(c(0.5, 1, 1.5)), contrast = list(c(0, 0.5, 2)),
              saturation = list(c(0, 0.5, 2)), hue = list(c(-90, 30, 200)),
              hue = list(c(-90, 30, 200), space = "yiq"), gamma = list(c(0.5, 1, 2)),
              blur = list(c(0, 1, 3)), rotate = list(c(0, 45, 200)), translate = list(c(-2, 1, 3)),
              zoom = list(c(0.5, 1, 2)), colour_shift = list(c(-0.3, 0.1, 0.3), colour = c(1, 0, -1)),
              patch = list(c(0, 0.5, 1), patch = array(0.9, c(3, 3, 3)), position = c(4, 4)),
              interpolate = list(c(0, 0.5, 1), target = test_image(seed = 2)))
  for (i in seq_along(ivs)) {
    kind <- names(ivs)[i]
    full <- intervene(img, do.call(intervention, c(kind, ivs[[i]])), device = "cpu")$images
    masked <- intervene(img, do.call(intervention, c(kind, ivs[[i]], list(mask = m))), device = "cpu")$images
    for (k in 1:3) {
      expect_equal(masked[k, , , ], c(m) * full[k, , , ] + (1 - c(m)) * img, tolerance = 1e-6, info = kind)
    }
  }
  # For a colour shift that does not clip, that is image + mask * strength * colour.
  dim_img <- img * 0.5 + 0.25
  cs <- intervene(dim_img, intervention("colour_shift", c(0, 0.1, 0.2), colour = c(1, 0, -1), mask = m),
                  device = "cpu")$images
  expect_equal(cs[3, , , ], dim_img + 0.2 * array(c(m, 0 * m, -m), dim(img)), tolerance = 1e-6)
})

test_that("a mask function is evaluated on each image of explain()", {
  skip_without_torch()
  imgs <- list(a = test_image(seed = 1), b = test_image(seed = 2))
  seen <- list()
  fur <- function(x) {
    seen[[length(seen) + 1]] <<- x
    x[, , 1] > 0.5
  }
  mean_model <- function(x) apply(x, 1, mean)
  res <- explain(imgs, intervention("brightness", seq(0.5, 1.5, length.out = 12), mask = fur),
                 list(mean = mean_model), type = "raw", n_perm = 199, seed = 1, device = "cpu")
  expect_equal(seen, unname(imgs))
  expect_equal(nrow(res), 2)
})

test_that("masks come from matrices, logical matrices and image files", {
  expect_identical(intervention("gamma", 1:3)$params$mask, NULL)
  m <- matrix(c(0, 0.25, 1, 1), 2, 2)
  expect_identical(intervention("gamma", 1:3, mask = m)$params$mask, m)
  expect_identical(intervention("gamma", 1:3, mask = m > 0.5)$params$mask, (m > 0.5) + 0)
  f <- function(x) x[, , 1]
  expect_identical(intervention("rotate", 1:3, mask = f)$params$mask, f)
  skip_if_not_installed("png")
  grey <- matrix(c(0, 0.2, 0.6, 1, 0.4, 0.8), 2, 3)
  file_mask <- function(a) {
    png::writePNG(a, f <- withr::local_tempfile(.local_envir = parent.frame(), fileext = ".png"))
    intervention("brightness", 1:3, mask = f)$params$mask
  }
  expect_equal(c(file_mask(grey)), c(grey), tolerance = 0.5 / 255)
  # Colour files give their luma; alpha that varies is the mask instead.
  rgb <- array(c(grey, grey^2, 1 - grey), c(2, 3, 3))
  luma <- 0.299 * grey + 0.587 * grey^2 + 0.114 * (1 - grey)
  expect_equal(c(file_mask(rgb)), c(luma), tolerance = 1 / 255)
  expect_equal(c(file_mask(array(c(rgb, rep(1, 6)), c(2, 3, 4)))), c(luma), tolerance = 1 / 255)
  cut_out <- array(c(rep(0, 18), grey), c(2, 3, 4))
  expect_equal(c(file_mask(cut_out)), c(grey), tolerance = 0.5 / 255)
  expect_equal(c(file_mask(array(c(rep(1, 6), grey), c(2, 3, 2)))), c(grey), tolerance = 0.5 / 255)
  expect_error(intervention("brightness", 1:3, mask = "missing.png"), class = "propgrad_error_file")
})

test_that("masks that are not weights in 0..1 of the image's size give classed errors", {
  expect_error(intervention("brightness", 1:3, mask = matrix(1.5, 2, 2)), class = "propgrad_error_type")
  expect_error(intervention("brightness", 1:3, mask = matrix(NA, 2, 2)), class = "propgrad_error_type")
  expect_error(intervention("brightness", 1:3, mask = array(1, c(2, 2, 1))), class = "propgrad_error_type")
  expect_error(intervention("brightness", 1:3, mask = c("a.png", "b.png")), class = "propgrad_error_type")
  expect_snapshot(intervention("hue", 1:3, mask = matrix(c(0.5, 2), 2, 2)), error = TRUE, cnd_class = TRUE)
  skip_without_torch()
  img <- test_image()
  run <- function(mask) intervene(img, intervention("contrast", c(0.5, 1, 2), mask = mask), device = "cpu")
  expect_error(run(matrix(1, 10, 12)), class = "propgrad_error_image_size")
  expect_error(run(function(x) matrix(1, 3, 3)), class = "propgrad_error_image_size")
  expect_error(run(function(x) x), class = "propgrad_error_type")
  expect_error(run(function(x) x[, , 1] * 2), class = "propgrad_error_type")
  expect_error(run(function(x) stop("no fur here")), "no fur here", class = "propgrad_error_mask")
  expect_snapshot(error = TRUE, cnd_class = TRUE, {
    run(function(x) matrix(1, 3, 3))
    run(function(x) x[, , 1] * 2)
    run(function(x) stop("no fur here"))
  })
})

test_that("print() describes the mask", {
  expect_output(print(intervention("brightness", 1:3, mask = matrix(c(0, 1, 1, 0.5), 2, 2))),
                "mask: 2 x 2 matrix (mean 0.625)", fixed = TRUE)
  expect_output(print(intervention("rotate", 1:3, mask = function(x) x[, , 1])),
                "mask: a function of each image", fixed = TRUE)
  expect_failure(expect_output(print(intervention("rotate", 1:3)), "mask"))
  skip_if_not_installed("png")
  png::writePNG(array(c(rep(1, 12), rep(c(0, 1), 2)), c(2, 2, 4)), f <- withr::local_tempfile(fileext = ".png"))
  expect_output(print(intervention("gamma", 1:3, mask = f)),
                sprintf("mask: 2 x 2 from %s (alpha, mean 0.5)", basename(f)), fixed = TRUE)
})
