# plot_image_strip() (R/image_strip.R): which thumbnails it picks along the
# property axis, where and how large it draws them, the image inputs it
# takes (files, arrays, lists, intervened images) and its classed errors.
# No LibTorch needed. The PNG/JPEG reading checks are in test-plots.R.

# Greys of value v, H x W x 3.
greys <- function(values, h = 6, w = 10) lapply(values, function(v) array(v, c(h, w, 3)))
rasters <- function(p) Filter(function(l) inherits(l$geom, "GeomRasterAnn"), p$layers)

test_that("thumbnails are picked evenly in property order", {
  values <- c(5, 1, 3, 2, 4)
  pos <- plot_image_strip(greys(values / 10), values, n = 3, draw = FALSE)
  expect_s3_class(pos, "data.frame")
  expect_equal(names(pos), c("index", "value"))
  # Sorted values 1..5, three of them: 1, 3, 5; index points into the input.
  expect_equal(pos$value, c(1, 3, 5))
  expect_equal(pos$index, c(2, 3, 1))
  expect_equal(plot_image_strip(greys(values / 10), values, n = 1, draw = FALSE)$value, 1)
  expect_equal(plot_image_strip(greys(values / 10), values, n = 2, draw = FALSE)$value, c(1, 5))
  # More thumbnails than images shows each image once.
  all <- plot_image_strip(greys(values / 10), values, n = 50, draw = FALSE)
  expect_equal(all$value, 1:5)
  expect_equal(all$index, c(2, 4, 3, 5, 1))
  expect_equal(nrow(plot_image_strip(greys(seq(0, 1, length.out = 9)), 1:9, draw = FALSE)), 5)
})

test_that("each thumbnail is a raster centred on its value, sized to the spacing and the aspect", {
  values <- c(0, 0.5, 1, 1.5, 2)
  p <- plot_image_strip(greys(c(0, 0.25, 0.5, 0.75, 1)), values, n = 3)
  expect_s3_class(p, "ggplot")
  layers <- rasters(p)
  expect_length(layers, 3)
  params <- lapply(layers, function(l) l$geom_params)
  width <- 0.9 * 2 / 3
  expect_equal(vapply(params, function(q) (q$xmin + q$xmax) / 2, 0), c(0, 1, 2))
  expect_equal(vapply(params, function(q) q$xmax - q$xmin, 0), rep(width, 3))
  # 6 x 10 images: wider than tall, so the height is 6/10 of the strip.
  expect_equal(params[[1]]$ymin, 0.2)
  expect_equal(params[[1]]$ymax, 0.8)
  expect_equal(as.character(params[[2]]$raster[1, 1]), "#808080")
  expect_equal(dim(params[[1]]$raster), c(6, 10))
  expect_null(p$labels$y)
  # Tall images fill the strip's height; equal values get unit width.
  tall <- rasters(plot_image_strip(greys(c(0.2, 0.4), h = 10, w = 4), c(1, 1)))
  expect_equal(c(tall[[1]]$geom_params$ymin, tall[[1]]$geom_params$ymax), c(0, 1))
  expect_equal(tall[[1]]$geom_params$xmax - tall[[1]]$geom_params$xmin, 1)
})

test_that("arrays, lists of matrices, 0..255 values and intervened images give the same strip", {
  values <- c(0.1, 0.5, 0.9)
  unit <- plot_image_strip(greys(values), values, n = 3)
  raster_of <- function(p) lapply(rasters(p), function(l) as.character(l$geom_params$raster))
  batch <- aperm(array(unlist(greys(values)), c(6, 10, 3, 3)), c(4, 1, 2, 3))
  expect_identical(raster_of(plot_image_strip(batch, values, n = 3)), raster_of(unit))
  expect_identical(raster_of(plot_image_strip(lapply(greys(values), `*`, 255), values, n = 3)),
                   raster_of(unit))
  grey <- lapply(values, function(v) matrix(v, 6, 10))
  expect_identical(raster_of(plot_image_strip(grey, values, n = 3)), raster_of(unit))
  imgs <- propgrad:::new_images(batch, values, "light")
  expect_identical(raster_of(plot_image_strip(imgs, n = 3)), raster_of(unit))
  # An intervened image's strengths are the default values; given values win.
  expect_equal(plot_image_strip(imgs, n = 3, draw = FALSE)$value, values)
  expect_equal(plot_image_strip(imgs, c(3, 2, 1), n = 3, draw = FALSE)$index, c(3, 2, 1))
  # Values outside 0..1 after scaling are clamped.
  expect_identical(raster_of(plot_image_strip(list(array(-1, c(6, 10, 3))), 0)),
                   raster_of(plot_image_strip(list(array(0, c(6, 10, 3))), 0)))
})

test_that("PNG files of any channel count are read into the strip", {
  skip_if_not_installed("png")
  dir <- withr::local_tempdir()
  png::writePNG(matrix(0.5, 4, 4), grey <- file.path(dir, "grey.png"))
  png::writePNG(array(c(rep(0.5, 48), rep(1, 16)), c(4, 4, 4)), rgba <- file.path(dir, "rgba.png"))
  png::writePNG(array(0.5, c(4, 4, 3)), rgb <- file.path(dir, "rgb.png"))
  p <- plot_image_strip(c(grey, rgba, rgb), 1:3, n = 3)
  layers <- rasters(p)
  expect_length(layers, 3)
  for (l in layers) expect_equal(dim(l$geom_params$raster), c(4, 4))
  expect_equal(as.character(layers[[1]]$geom_params$raster[1, 1]), "#808080")
  expect_equal(as.character(layers[[3]]$geom_params$raster[1, 1]), "#808080")
})

test_that("bad values, counts and images give classed errors", {
  imgs <- greys(c(0.1, 0.5, 0.9))
  expect_error(plot_image_strip(imgs, c(1, NA, 3)), class = "propgrad_error_nonfinite")
  expect_error(plot_image_strip(imgs, c("a", "b", "c")), class = "propgrad_error_type")
  expect_error(plot_image_strip(imgs, 1:4), class = "propgrad_error_length")
  expect_error(plot_image_strip(imgs, 1:3, n = 0), class = "propgrad_error_number")
  expect_error(plot_image_strip(imgs, 1:3, n = 51), class = "propgrad_error_number")
  expect_error(plot_image_strip(imgs, 1:3, n = 2.5), class = "propgrad_error_number")
  expect_error(plot_image_strip(list(), numeric(0)), class = "propgrad_error_type")
  expect_error(plot_image_strip(42, 1), class = "propgrad_error_type")
  expect_error(plot_image_strip(list(array(0.5, c(2, 2, 2))), 1), class = "propgrad_error_type")
  expect_error(plot_image_strip(list(array(c(0.5, Inf), c(2, 2, 3))), 1), class = "propgrad_error_type")
  expect_error(plot_image_strip(imgs, 1:3, n = 0), class = "propgrad_error_input")
})

# Issue 12: missing images or values gave R's unclassed "argument missing".
test_that("missing images or values are named, unless the images carry their values", {
  imgs <- lapply(c(0.2, 0.5, 0.8), function(v) array(v, c(4, 4, 3)))
  expect_snapshot(plot_image_strip(imgs), error = TRUE, cnd_class = TRUE)
  expect_error(plot_image_strip(), class = "propgrad_error_missing")
  expect_error(plot_image_strip(values = 1:3), class = "propgrad_error_missing")
  x <- propgrad:::new_images(array(0.5, c(3, 4, 4, 3)), 1:3, "light")
  expect_equal(plot_image_strip(x, draw = FALSE)$value, 1:3)
})

test_that("draw must be TRUE or FALSE", {
  imgs <- lapply(c(0.2, 0.5, 0.8), function(v) array(v, c(4, 4, 3)))
  expect_error(plot_image_strip(imgs, 1:3, draw = NA), "`draw`", class = "propgrad_error_input")
})
