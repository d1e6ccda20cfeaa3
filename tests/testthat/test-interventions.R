# Gradual interventions (R/interventions.R): intervention() specifications
# and their argument checks, print(), intervene() with the built-in kinds
# checked against hand-computed results on the CPU, and TorchScript editors.
# Specifications and the checks made before LibTorch is reached also run in
# a build without LibTorch; the rest skips there. External editors and
# edited_images() are in test-editors.R.

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
  for (space in c("hsv", "yiq")) {
    hue <- one("hue", c(0, 120, 360), space = space)
    expect_equal(hue[1, , , ], img, tolerance = 1e-5)
    expect_equal(hue[3, , , ], img, tolerance = 1e-5)
  }
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
  # Hue rotation in YIQ keeps luma (its Y) wherever nothing clips.
  hue <- intervene(img, intervention("hue", c(0, 60, 200), space = "yiq"), device = "cpu")$images
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

test_that("batch size does not change interventions", {
  skip_without_torch()
  img <- test_image()
  iv <- intervention("rotate", seq(0, 350, by = 10))
  a <- intervene(img, iv, device = "cpu", batch_size = 64)
  b <- intervene(img, iv, device = "cpu", batch_size = 5)
  expect_identical(a$images, b$images)
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
  expect_snapshot(intervention("colour_shift", 1:3), error = TRUE, cnd_class = TRUE)
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


# Issue 13: negative brightness, contrast or saturation gave black or
# inverted images, and interpolation beyond 0..1 left the 0..1 range.
test_that("each kind refuses strengths outside its domain, and names it", {
  patch <- array(0, c(2, 2, 3))
  outside <- list(brightness = c(-0.5, 0, 1), contrast = c(-1, 0, 1), saturation = c(-0.1, 0, 1),
                  gamma = c(0, 1, 2), blur = c(0, 50, 100.5), zoom = c(0, 1, 2), patch = c(0, 0.5, 1.2),
                  interpolate = c(-0.25, 0, 1))
  for (kind in names(outside)) {
    extra <- switch(kind, patch = list(patch = patch), interpolate = list(target = patch), list())
    expect_error(do.call(intervention, c(list(kind, outside[[kind]]), extra)), "strengths must be",
                 class = "propgrad_error_number", info = kind)
  }
  # The edges of closed domains, and any real for the rest, are fine.
  inside <- list(brightness = c(0, 1, 5), contrast = c(0, 1, 5), saturation = c(0, 1, 5),
                 gamma = c(1e-3, 1, 9), blur = c(0, 50, 100), zoom = c(0.01, 1, 9), hue = c(-900, 0, 900),
                 rotate = c(-900, 0, 900), translate = c(-50, 0, 50), colour_shift = c(-3, 0, 3))
  for (kind in names(inside)) {
    extra <- if (kind == "colour_shift") list(colour = 1) else list()
    iv <- do.call(intervention, c(list(kind, inside[[kind]]), extra))
    expect_equal(iv$strengths, inside[[kind]], info = kind)
  }
  expect_equal(intervention("interpolate", c(0, 0.5, 1), target = patch)$strengths, c(0, 0.5, 1))
  expect_snapshot(error = TRUE, cnd_class = TRUE, {
    intervention("brightness", c(-0.5, -0.25, 0, 1))
    intervention("gamma", c(0, 1, 2))
    intervention("blur", c(-1, 0, 101))
    intervention("interpolate", c(0, 0.5, 1.5), target = patch)
  })
})

test_that("intervention() sorts strengths, labels the property and marks periodic kinds", {
  iv <- intervention("brightness", c(1.5, 0.5, 1))
  expect_s3_class(iv, "propgrad_intervention")
  expect_equal(iv$kind, "brightness")
  expect_equal(iv$strengths, c(0.5, 1, 1.5))
  expect_type(iv$strengths, "double")
  expect_equal(iv$property, "brightness")
  expect_null(iv$period)
  expect_equal(intervention("gamma", 1:3, property = "exposure")$property, "exposure")
  expect_equal(intervention("hue", c(0, 90, 180))$period, 360)
  expect_equal(intervention("rotate", c(0, 90, 180))$period, 360)
  for (kind in c("contrast", "saturation", "blur", "translate", "zoom")) {
    expect_null(intervention(kind, 1:3)$period)
  }
  expect_equal(intervention("blur", c(0, 50, 100))$strengths, c(0, 50, 100))
  expect_equal(intervention("patch", c(0, 0.5, 1), patch = array(0, c(2, 2, 3)))$strengths, c(0, 0.5, 1))
})

test_that("extra arguments are checked and kept per kind", {
  expect_equal(intervention("rotate", 1:3)$params$padding, "zeros")
  expect_equal(intervention("rotate", 1:3, padding = "border")$params$padding, "border")
  expect_equal(intervention("zoom", 1:3, padding = "reflection")$params$padding, "reflection")
  # Directions are unit vectors.
  expect_equal(intervention("translate", 1:3)$params$numbers, c(1, 0))
  expect_equal(intervention("translate", 1:3, direction = c(3, 4))$params$numbers, c(0.6, 0.8))
  mask <- matrix(c(0, 0.5, 1, 1), 2, 2)
  cs <- intervention("colour_shift", 1:3, colour = c(1, 0, -1), mask = mask)
  expect_equal(cs$params$numbers, c(1, 0, -1))
  expect_identical(cs$params$mask, mask)
  expect_null(intervention("colour_shift", 1:3, colour = 1)$params$mask)
  # Patches and targets are kept as 1 x H x W x C batches in 0..1; positions count from 0.
  p <- intervention("patch", c(0, 0.5, 1), patch = array(255, c(2, 3, 3)), position = c(4, 2))
  expect_equal(p$params$other, array(1, c(1, 2, 3, 3)))
  expect_equal(p$params$numbers, c(3, 1))
  expect_equal(intervention("patch", c(0, 0.5, 1), patch = array(0, c(2, 2, 3)))$params$numbers, c(0, 0))
  target <- intervention("interpolate", c(0, 0.5, 1), target = matrix(0.5, 3, 3))
  expect_equal(dim(target$params$other), c(1, 3, 3, 1))

  expect_error(intervention("sharpen", 1:3), class = "propgrad_error_choice")
  expect_error(intervention(1, 1:3), class = "propgrad_error_choice")
  expect_error(intervention("brightness", "1:3"), class = "propgrad_error_type")
  expect_error(intervention("rotate", 1:3, "border"), class = "propgrad_error_input")
  expect_error(intervention("rotate", 1:3, direction = c(1, 0)), "takes `padding`",
               class = "propgrad_error_input")
  expect_error(intervention("brightness", 1:3, padding = "zeros"), "no extra arguments",
               class = "propgrad_error_input")
  expect_error(intervention("rotate", 1:3, padding = "wrap"), class = "propgrad_error_choice")
  expect_error(intervention("zoom", c(-1, 1, 2)), class = "propgrad_error_number")
  expect_error(intervention("zoom", c(0, 1, 2)), class = "propgrad_error_number")
  expect_error(intervention("gamma", c(-2, 1, 2)), class = "propgrad_error_number")
  expect_error(intervention("blur", c(0, 50, 101)), class = "propgrad_error_number")
  expect_error(intervention("patch", c(-0.5, 0, 1), patch = array(0, c(2, 2, 3))),
               class = "propgrad_error_number")
  expect_error(intervention("translate", 1:3, direction = c(0, 0)), class = "propgrad_error_length")
  expect_error(intervention("translate", 1:3, direction = c(1, 0, 0)), class = "propgrad_error_length")
  expect_error(intervention("translate", 1:3, direction = c(1, NA)), class = "propgrad_error_nonfinite")
  expect_error(intervention("colour_shift", 1:3, colour = c(1, Inf)), class = "propgrad_error_nonfinite")
  expect_error(intervention("colour_shift", 1:3, colour = 1, mask = matrix(2, 2, 2)),
               class = "propgrad_error_type")
  expect_error(intervention("colour_shift", 1:3, colour = 1, mask = 1:4), class = "propgrad_error_type")
  expect_error(intervention("patch", c(0, 1, 0.5)), "needs `patch`", class = "propgrad_error_input")
  expect_error(intervention("patch", c(0, 1, 0.5), patch = array(0, c(2, 2, 3)), position = c(1.5, 2)),
               class = "propgrad_error_number")
  expect_error(intervention("patch", c(0, 1, 0.5), patch = array(0, c(2, 2, 3)), position = 1),
               class = "propgrad_error_number")
  expect_error(intervention("patch", c(0, 1, 0.5), patch = "missing.png"), class = "propgrad_error_file")
  expect_error(intervention("interpolate", c(0, 1, 0.5)), "needs `target`", class = "propgrad_error_input")
  expect_error(intervention("interpolate", c(0, 1, 0.5), target = array(0.5, c(2, 2, 2))),
               class = "propgrad_error_channels")
})

test_that("print shows the kind, the strengths and the period", {
  expect_output(print(intervention("brightness", seq(0.2, 1.8, length.out = 41))),
                "<propgrad intervention> brightness: 41 strengths from 0.2 to 1.8", fixed = TRUE)
  expect_output(print(intervention("hue", c(20, 0, 10))),
                "<propgrad intervention> hue (HSV): 3 strengths from 0 to 20 (periodic, 360)", fixed = TRUE)
  expect_output(print(intervention("hue", c(20, 0, 10), space = "yiq")), "hue (YIQ): 3 strengths", fixed = TRUE)
  expect_output(print(intervention("gamma", c(1 / 3, 1, 2.123456))), "from 0.3333 to 2.123$")
  iv <- intervention("blur", 0:2)
  expect_output(expect_invisible(print(iv)), "blur")
  expect_identical(withr::with_output_sink(nullfile(), print(iv)), iv)
})

test_that("intervene() checks its arguments before it needs LibTorch", {
  img <- array(0.5, c(4, 4, 3))
  iv <- intervention("brightness", c(0.5, 1, 1.5))
  expect_error(intervene(img, list(kind = "brightness", strengths = 1:3)), class = "propgrad_error_type")
  expect_error(intervene(img, "brightness"), class = "propgrad_error_type")
  expect_error(intervene(img, iv, batch_size = 0), class = "propgrad_error_number")
  expect_error(intervene(img, iv, batch_size = 2.5), class = "propgrad_error_number")
  expect_error(intervene(array(0.5, c(2, 4, 4, 3)), iv), "takes one image; it got 2",
               class = "propgrad_error_length")
  expect_error(intervene(array(0.5, c(4, 4, 2)), iv), class = "propgrad_error_channels")
  expect_error(intervene("missing.png", iv), class = "propgrad_error_file")
  expect_error(intervene(img, iv, device = "gpu"),
               class = if (has_torch()) "propgrad_error_device" else "propgrad_error_torch_unavailable")
})

test_that("intervened images carry strengths, property and period, from any image input", {
  skip_without_torch()
  skip_if_not_installed("png")
  img <- test_image()
  iv <- intervention("brightness", c(1.5, 0.5, 1), property = "light")
  out <- intervene(img, iv, device = "cpu")
  expect_s3_class(out, "propgrad_images")
  expect_equal(dim(out$images), c(3, 12, 10, 3))
  expect_equal(out$strengths, c(0.5, 1, 1.5))
  expect_equal(out$property, "light")
  expect_null(out$period)
  expect_null(out$failures)
  expect_equal(out$images[3, , , ], pmin(img * 1.5, 1), tolerance = 1e-6)
  expect_equal(intervene(img, intervention("hue", c(0, 10, 20)), device = "cpu")$period, 360)
  # 0..255 arrays, 1 x H x W x C batches and PNG files give the same images.
  expect_equal(intervene(img * 255, iv, device = "cpu")$images, out$images, tolerance = 1e-6)
  expect_equal(intervene(array(img, c(1, dim(img))), iv, device = "cpu")$images, out$images)
  png::writePNG(img, f <- withr::local_tempfile(fileext = ".png"))
  from_file <- intervene(f, iv, device = "cpu")
  expect_equal(from_file$images, out$images, tolerance = 1.5 / 255)
  expect_null(dimnames(from_file$images))
})

test_that("direction and padding steer the geometric kinds", {
  skip_without_torch()
  img <- test_image()
  tr <- function(...) intervene(img, intervention("translate", c(0, 1, 2), ...), device = "cpu")$images
  right <- tr(direction = c(1, 0))
  expect_identical(tr(direction = c(5, 0)), right)
  # y points down the rows, as in image coordinates.
  down <- tr(direction = c(0, 1))
  expect_equal(down[2, 2:12, , ], img[1:11, , ], tolerance = 1e-5)
  expect_equal(down[2, 1, , ], array(0, c(10, 3)))
  border <- tr(padding = "border")
  expect_equal(border[2, , 1, ], img[, 1, ], tolerance = 1e-5)
  expect_equal(border[3, , 1:2, ], img[, c(1, 1), ], tolerance = 1e-5)
  reflection <- tr(padding = "reflection")
  expect_equal(reflection[3, , 1:2, ], img[, 2:1, ], tolerance = 1e-5)
  expect_equal(reflection[3, , 3:10, ], img[, 1:8, ], tolerance = 1e-5)
  zoom <- function(padding) {
    intervene(img, intervention("zoom", c(0.5, 1, 2), padding = padding), device = "cpu")$images
  }
  expect_equal(zoom("zeros")[1, 1, 1, ], c(0, 0, 0))
  expect_equal(zoom("border")[1, 1, 1, ], img[1, 1, ], tolerance = 1e-5)
})

test_that("interventions that do not fit the image give classed errors", {
  skip_without_torch()
  img <- test_image()
  expect_error(intervene(img[, , 1], intervention("saturation", c(0, 1, 2)), device = "cpu"),
               class = "propgrad_error_channels")
  expect_error(intervene(img, intervention("colour_shift", 1:3, colour = c(1, 0, 0), mask = matrix(1, 3, 3)),
                         device = "cpu"), class = "propgrad_error_image_size")
  expect_error(intervene(img, intervention("patch", c(0, 0.5, 1), patch = array(0, c(2, 2, 1))),
                         device = "cpu"), class = "propgrad_error_channels")
  expect_error(intervene(img, intervention("interpolate", c(0, 0.5, 1), target = img[, , 1]),
                         device = "cpu"), class = "propgrad_error_image_size")
  # A grey patch and a one-value colour shift fit grey images.
  grey <- img[, , 1, drop = FALSE]
  expect_s3_class(intervene(grey, intervention("patch", c(0, 0.5, 1), patch = matrix(0.5, 2, 2)),
                            device = "cpu"), "propgrad_images")
  expect_s3_class(intervene(grey, intervention("colour_shift", 1:3, colour = 0.1), device = "cpu"),
                  "propgrad_images")
})

test_that("torch editors carry their strengths, property and period, and check their inputs", {
  skip_without_torch()
  img <- test_image()
  f <- script_model("def forward(self, x, s):\n    return x")
  ed <- torch_editor(f, c(3, 1, 2), device = "cpu", property = "p", period = 360)
  expect_s3_class(ed, "propgrad_intervention")
  expect_equal(ed$kind, "torch_editor")
  expect_equal(ed$strengths, c(1, 2, 3))
  expect_equal(ed$path, normalizePath(f))
  expect_output(print(ed), "<propgrad intervention> torch_editor: 3 strengths from 1 to 3 (periodic, 360)",
                fixed = TRUE)
  out <- intervene(img, ed)
  expect_equal(out$strengths, c(1, 2, 3))
  expect_equal(out$property, "p")
  expect_equal(out$period, 360)
  for (k in 1:3) expect_equal(out$images[k, , , ], img, tolerance = 1e-6)
  expect_equal(torch_editor(f, 1:3, device = "cpu")$property, "edit")
  expect_null(torch_editor(f, 1:3, device = "cpu")$period)
  expect_error(torch_editor(f, c(1, 1, 2), device = "cpu"), class = "propgrad_error_ties")
  expect_error(torch_editor(f, 1:2, device = "cpu"), class = "propgrad_error_length")
  expect_error(torch_editor(f, 1:3, device = "tpu"), class = "propgrad_error_device")
  expect_error(torch_editor(tempfile(fileext = ".pt"), 1:3, device = "cpu"),
               class = "propgrad_error_torch_model_file")
  expect_error(torch_editor(c(f, f), 1:3, device = "cpu"), class = "propgrad_error_type")
  shrink <- torch_editor(script_model("def forward(self, x, s):\n    return x[:, :, :2, :2]"), 1:3,
                         device = "cpu")
  expect_error(intervene(img, shrink), class = "propgrad_error_torch_editor")
})

# Issue 12: the docs promise that a patch with one more channel than the
# image is alpha, but a grey + alpha patch (2 channels) was refused.
test_that("a grey + alpha patch blends into a grey image by its alpha", {
  ga <- array(c(rep(1, 4), rep(0.5, 4)), c(2, 2, 2))
  iv <- intervention("patch", c(0, 0.5, 1), patch = ga, position = c(2, 2))
  expect_equal(dim(iv$params$other), c(1, 2, 2, 2))
  skip_if_not_installed("png")
  f <- withr::local_tempfile(fileext = ".png")
  png::writePNG(ga, f)
  expect_equal(dim(intervention("patch", c(0, 0.5, 1), patch = f)$params$other), c(1, 2, 2, 2))
  skip_without_torch()
  grey <- array(0.2, c(5, 5, 1))
  out <- intervene(grey, iv, device = "cpu")$images
  expect_equal(out[3, 2:3, 2:3, 1], matrix(0.5 * 0.2 + 0.5 * 1, 2, 2), tolerance = 1e-6)
  expect_equal(out[2, 2:3, 2:3, 1], matrix(0.75 * 0.2 + 0.25 * 1, 2, 2), tolerance = 1e-6)
  expect_equal(out[3, 1, , 1], rep(0.2, 5), tolerance = 1e-6)
  # Grey + alpha does not fit an RGB image: 3 or 4 channels are needed.
  expect_error(intervene(array(0.2, c(5, 5, 3)), iv, device = "cpu"), class = "propgrad_error_channels")
})

test_that("the property label must be one string", {
  expect_error(intervention("brightness", 1:3, property = NULL), class = "propgrad_error_type")
  expect_error(intervention("brightness", 1:3, property = c("a", "b")), class = "propgrad_error_type")
  expect_equal(intervention("brightness", 1:3, property = "light")$property, "light")
})
