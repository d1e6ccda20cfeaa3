# Images as propgrad passes them around (R/images.R): the propgrad_images
# class that interventions return (sorted strengths, print, subsetting,
# as.array, length, plot), every accepted image input turned into one
# N x H x W x C batch in 0..1, and the PNG/JPEG readers with their classed
# errors. None of it needs LibTorch.

# Three 4 x 5 x 3 images of constant value 0.1, 0.2 and 0.3, given out of
# strength order.
three_images <- function(period = NULL) {
  arr <- array(c(0.1, 0.2, 0.3), c(3, 4, 5, 3))
  propgrad:::new_images(arr, c(3, 1, 2), "light", period = period)
}

test_that("propgrad_images sort images by strength and carry property and period", {
  x <- three_images(period = 360)
  expect_s3_class(x, "propgrad_images")
  expect_equal(x$strengths, c(1, 2, 3))
  # The images moved with their strengths.
  expect_equal(x$images[, 1, 1, 1], c(0.2, 0.3, 0.1))
  expect_equal(x$images[, 4, 5, 3], c(0.2, 0.3, 0.1))
  expect_equal(x$property, "light")
  expect_equal(x$period, 360)
  expect_null(x$failures)
  expect_length(x, 3)
  expect_identical(as.array(x), x$images)
  expect_equal(dim(as.array(x)), c(3, 4, 5, 3))
  # Sorted strengths stay in their order.
  y <- propgrad:::new_images(x$images, c(-1, 0, 5), "p")
  expect_identical(y$images, x$images)
  expect_equal(y$strengths, c(-1, 0, 5))
})

test_that("subsetting keeps images, strengths, property and period together", {
  x <- three_images(period = 360)
  one <- x[2]
  expect_s3_class(one, "propgrad_images")
  expect_length(one, 1)
  expect_equal(one$strengths, 2)
  expect_equal(dim(one$images), c(1, 4, 5, 3))
  expect_equal(one$images[1, , , ], array(0.3, c(4, 5, 3)))
  expect_equal(one$property, "light")
  expect_equal(one$period, 360)
  expect_equal(x[-1]$strengths, c(2, 3))
  expect_equal(x[-1]$images[, 1, 1, 1], c(0.3, 0.1))
  expect_equal(x[c(TRUE, FALSE, TRUE)]$strengths, c(1, 3))
  expect_equal(x[c(TRUE, FALSE, TRUE)]$images[, 1, 1, 1], c(0.2, 0.1))
  # Indices out of order come back sorted by strength.
  rev <- x[c(3, 1)]
  expect_equal(rev$strengths, c(1, 3))
  expect_equal(rev$images[, 1, 1, 1], c(0.2, 0.1))
  expect_null(three_images()[1:2]$period)
})

test_that("print shows count, size, property and strength range, and failures", {
  x <- three_images()
  expect_output(print(x), "<propgrad images> 3 images of 4 x 5 x 3 along light from 1 to 3", fixed = TRUE)
  expect_output(print(x[2]), "<propgrad images> 1 image of 4 x 5 x 3 along light from 2 to 2", fixed = TRUE)
  expect_output(expect_invisible(print(x)), "3 images")
  expect_identical(withr::with_output_sink(nullfile(), print(x)), x)
  odd <- propgrad:::new_images(array(0.5, c(2, 3, 3, 1)), c(0.123456, 2 / 3), "a b")
  expect_output(print(odd), "2 images of 3 x 3 x 1 along a b from 0.1235 to 0.6667", fixed = TRUE)
  failures <- data.frame(strength = c(4, 5), status = c(1L, 2L), message = c("x", "y"))
  failed <- propgrad:::new_images(array(0.5, c(1, 2, 2, 3)), 1, "edit", failures = failures)
  expect_identical(failed$failures, failures)
  expect_output(print(failed), "2 strength(s) failed: see $failures", fixed = TRUE)
  expect_false(any(grepl("failed", capture.output(print(x)))))
})

test_that("plot() draws a strip of the images and returns them invisibly", {
  x <- three_images()
  withr::local_pdf(NULL)
  expect_invisible(plot(x, n = 2))
  expect_identical(plot(x, n = 2), x)
})

test_that("arrays, matrices and lists become one N x H x W x C batch", {
  batch <- function(x, ...) propgrad:::as_image_batch(x, ..., call = NULL)
  img <- array(seq(0, 1, length.out = 4 * 5 * 3), c(4, 5, 3))
  one <- batch(img)
  expect_equal(dim(one), c(1, 4, 5, 3))
  expect_equal(one[1, , , ], img)
  expect_null(dimnames(one))
  grey <- batch(matrix(0.5, 3, 2))
  expect_equal(dim(grey), c(1, 3, 2, 1))
  two <- batch(list(img, img * 0.5))
  expect_equal(dim(two), c(2, 4, 5, 3))
  expect_equal(two[2, , , ], img * 0.5)
  expect_equal(dim(batch(list(matrix(0.1, 2, 2), matrix(0.2, 2, 2)))), c(2, 2, 2, 1))
  four <- array(0.25, c(3, 2, 2, 4))
  expect_identical(batch(four), four)
  expect_identical(batch(three_images()), three_images()$images)
  # Whole numbers come back as doubles.
  ints <- batch(array(1L, c(2, 2, 3)), range = "unit")
  expect_type(ints, "double")
  expect_equal(ints[1, , , ], array(1, c(2, 2, 3)))
})

test_that("0..255 values are rescaled according to range", {
  batch <- function(x, ...) propgrad:::as_image_batch(x, ..., call = NULL)
  img <- array(c(0, 51, 255), c(3, 2, 3))
  expect_equal(batch(img)[1, , , ], img / 255)
  expect_equal(batch(img, range = "byte")[1, , , ], img / 255)
  low <- array(c(0, 0.5, 1), c(3, 2, 3))
  expect_equal(batch(low)[1, , , ], low)
  expect_equal(batch(low, range = "unit")[1, , , ], low)
  # "byte" rescales even dark images whose values are all at most 1.
  expect_equal(batch(low, range = "byte")[1, , , ], low / 255)
  expect_error(batch(img, range = "unit"), "maximum is 255", class = "propgrad_error_number")
  expect_error(batch(img, range = "percent"), class = "propgrad_error_choice")
  expect_error(batch(array(-0.1, c(2, 2, 3))), class = "propgrad_error_number")
  expect_error(batch(array(256, c(2, 2, 3))), class = "propgrad_error_number")
})

test_that("image inputs that cannot be a batch give classed errors", {
  batch <- function(x, ...) propgrad:::as_image_batch(x, ..., call = NULL)
  expect_error(batch(character(0)), class = "propgrad_error_type")
  expect_error(batch(c("a.png", NA)), class = "propgrad_error_type")
  expect_error(batch(list()), class = "propgrad_error_type")
  expect_error(batch(TRUE), class = "propgrad_error_type")
  expect_error(batch(list(array("a", c(2, 2, 3)))), class = "propgrad_error_type")
  expect_error(batch(list(1:4)), class = "propgrad_error_type")
  expect_error(batch(array(0, c(2, 2, 2, 2, 2))), class = "propgrad_error_type")
  expect_error(batch(array(0.5, c(4, 4, 2))), class = "propgrad_error_channels")
  expect_error(batch(array(0.5, c(1, 4, 4, 5))), class = "propgrad_error_channels")
  expect_error(batch(array(0.5, c(1, 4, 3))), class = "propgrad_error_image_size")
  expect_error(batch(list(array(0, c(2, 2, 3)), array(0, c(2, 2, 1)))),
               class = "propgrad_error_image_size")
  expect_error(batch(array(c(0.5, Inf), c(2, 2, 3))), class = "propgrad_error_nonfinite")
  # Every one of them is the caller's input at fault.
  expect_error(batch(list()), class = "propgrad_error_input")
})

test_that("image files are read as a batch named by file", {
  skip_if_not_installed("png")
  skip_if_not_installed("jpeg")
  dir <- withr::local_tempdir()
  rgb <- array(rep(c(0.2, 0.6, 1), each = 6), c(3, 2, 3))
  png::writePNG(rgb, a <- file.path(dir, "a.png"))
  png::writePNG(rgb * 0.5, b <- file.path(dir, "b.png"))
  files <- propgrad:::as_image_batch(c(a, b), call = NULL)
  expect_equal(dim(files), c(2, 3, 2, 3))
  expect_equal(dimnames(files)[[1]], c("a.png", "b.png"))
  expect_null(dimnames(files)[[2]])
  expect_equal(unname(files[1, , , ]), rgb, tolerance = 2 / 255)
  expect_equal(unname(files[2, , , ]), rgb * 0.5, tolerance = 2 / 255)
  # A grey PNG has one channel; a JPEG is read by its magic bytes, not its name.
  png::writePNG(matrix(0.4, 3, 4), g <- file.path(dir, "grey.png"))
  grey <- propgrad:::read_image_raw(g, call = NULL)
  expect_equal(dim(grey), c(3, 4, 1))
  expect_equal(grey[, , 1], matrix(0.4, 3, 4), tolerance = 1 / 255)
  jpeg::writeJPEG(array(0.5, c(4, 4, 3)), j <- file.path(dir, "photo.png"))
  expect_equal(dim(propgrad:::read_image_raw(j, call = NULL)), c(4, 4, 3))
  expect_equal(propgrad:::read_image_raw(j, call = NULL), array(0.5, c(4, 4, 3)), tolerance = 0.02)
})

test_that("missing, truncated and non-image files give classed errors", {
  skip_if_not_installed("png")
  dir <- withr::local_tempdir()
  read <- function(path) propgrad:::read_image_raw(path, call = NULL)
  expect_error(read(file.path(dir, "missing.png")), "does not exist", class = "propgrad_error_file")
  # Issue 12: a folder is named as one, not as a file that does not exist.
  expect_error(read(dir), "is a folder, not an image file", class = "propgrad_error_file")
  writeLines("hello", txt <- file.path(dir, "notes.png"))
  expect_error(read(txt), "not a readable PNG or JPEG", class = "propgrad_error_file")
  file.create(empty <- file.path(dir, "empty.jpg"))
  expect_error(read(empty), class = "propgrad_error_file")
  png::writePNG(array(0.5, c(8, 8, 3)), ok <- file.path(dir, "ok.png"))
  writeBin(readBin(ok, "raw", 30), cut <- file.path(dir, "cut.png"))
  expect_error(read(cut), class = "propgrad_error_file")
  expect_error(propgrad:::as_image_batch(c(ok, cut), call = NULL), class = "propgrad_error_file")
  expect_error(propgrad:::as_image_batch(c(ok, cut), call = NULL), class = "propgrad_error_input")
})

test_that("thumbnails are clamped to 0..1 with grey images as matrices", {
  norm <- function(img) propgrad:::normalise_image(img, call = NULL)
  expect_equal(norm(array(c(0, 127.5, 255), c(3, 2, 3))), array(c(0, 0.5, 1), c(3, 2, 3)))
  expect_equal(norm(array(0.25, c(2, 3, 1))), matrix(0.25, 2, 3))
  expect_equal(norm(matrix(0.5, 2, 2)), matrix(0.5, 2, 2))
  rgba <- norm(array(c(0.5, 1), c(2, 2, 4)))
  expect_equal(dim(rgba), c(2, 2, 4))
  expect_equal(norm(array(-0.5, c(2, 2, 3))), array(0, c(2, 2, 3)))
  expect_error(norm(array(0.5, c(2, 2, 2))), class = "propgrad_error_type")
  expect_error(norm(array(NA_real_, c(2, 2, 3))), class = "propgrad_error_type")
  expect_error(norm(1:4), class = "propgrad_error_type")
  expect_error(norm(array("a", c(2, 2))), class = "propgrad_error_type")
})

# Issue 12: subsets kept the images but lost the strengths that failed.
test_that("subsets keep the failed strengths, which print() reports", {
  failures <- data.frame(strength = 4, status = 1L, message = "exit status 1: no GPU")
  x <- propgrad:::new_images(array(c(0.1, 0.2, 0.3), c(3, 2, 2, 3)), 1:3, "edit", failures = failures)
  expect_identical(x[2:3]$failures, failures)
  expect_identical(x[-1]$failures, failures)
  expect_output(print(x[1]), "1 strength(s) failed", fixed = TRUE)
  expect_null(three_images()[1:2]$failures)
})
