# Colour kinds of intervention() (R/interventions.R, src/torch/
# interventions.cpp). Hue in both of its colour spaces: HSV, the default,
# checked against torchvision's adjust_hue() on reference values pasted
# below and against the colour wheel; YIQ, the chroma-plane rotation, against
# its formula and the sign convention its docs state; strengths are degrees,
# periodic in 360. And alpha: colour kinds return it untouched, blur and the
# geometric kinds move it.

# Computed with torch 1.13 / torchvision 0.14 (Debian), float32:
#   import torch
#   from torchvision.transforms.functional import adjust_hue
#   g = torch.Generator().manual_seed(13)
#   img = torch.round(torch.rand(3, 3, 4, generator=g) * 100) / 100  # C x H x W
#   img[:, 0, 0] = 0.4                                  # a grey pixel
#   img[:, 2, 3] = torch.tensor([0.8, 0.8, 0.2])        # red == green
#   r_order = lambda t: t.permute(0, 2, 1).reshape(-1).tolist()  # R's H x W x C
#   for deg in (-75, 30, 150, 200):
#       f = (deg + 180) % 360 - 180  # adjust_hue takes hue_factor in [-0.5, 0.5]
#       print(deg, ["%.7f" % v for v in r_order(adjust_hue(img, f / 360))])
torchvision_hue <- list(
  input = c(0.4, 0.02, 0.99, 0.48, 0.6, 0.2,
            0.81, 0.23, 0.08, 0.02, 0.86, 0.8,
            0.4, 0.25, 0.97, 0.48, 0.34, 0.45,
            0.53, 0.84, 0.4, 0.27, 0.13, 0.8,
            0.4, 0.45, 0.61, 0.33, 0.23, 0.83,
            0.41, 0.04, 0.98, 0.73, 0.24, 0.2),
  `-75` = c(0.4, 0.02, 0.99, 0.48, 0.6, 0.2,
            0.81, 0.84, 0.08, 0.02, 0.5675001, 0.8,
            0.4, 0.45, 0.61, 0.33, 0.23, 0.83,
            0.41, 0.4500003, 0.98, 0.73, 0.13, 0.2,
            0.4, 0.1125001, 0.725, 0.3675, 0.5825, 0.4225003,
            0.7900001, 0.04, 0.4349996, 0.3024999, 0.86, 0.35),
  `30` = c(0.4, 0.02, 0.82, 0.4050001, 0.6, 0.2650003,
           0.81, 0.04, 0.2099995, 0.1249999, 0.86, 0.5000002,
           0.4, 0.0349999, 0.99, 0.48, 0.5250001, 0.2,
           0.7299999, 0.84, 0.08, 0.02, 0.3850001, 0.8,
           0.4, 0.45, 0.61, 0.33, 0.23, 0.83,
           0.41, 0.2500002, 0.98, 0.73, 0.13, 0.2),
  `150` = c(0.4, 0.45, 0.61, 0.33, 0.23, 0.83,
            0.41, 0.2499999, 0.98, 0.73, 0.13, 0.2,
            0.4, 0.02, 0.8200001, 0.4050001, 0.6, 0.2650002,
            0.81, 0.04, 0.2099993, 0.1249997, 0.86, 0.5000003,
            0.4, 0.0349999, 0.99, 0.48, 0.5250001, 0.2,
            0.7299999, 0.84, 0.08, 0.02, 0.3849997, 0.8),
  `200` = c(0.4, 0.45, 0.7166666, 0.3799999, 0.23, 0.83,
            0.41, 0.84, 0.98, 0.73, 0.13, 0.3999998,
            0.4, 0.3633334, 0.61, 0.33, 0.3666666, 0.7900003,
            0.5566667, 0.04, 0.9599996, 0.7166666, 0.7266667, 0.2,
            0.4, 0.02, 0.99, 0.48, 0.6, 0.2,
            0.81, 0.763333, 0.08, 0.02, 0.86, 0.8)
)

test_that("HSV hue reproduces torchvision's adjust_hue", {
  skip_without_torch()
  img <- array(torchvision_hue$input, c(3, 4, 3))
  out <- intervene(img, intervention("hue", c(-75, 30, 150, 200)), device = "cpu")$images
  for (k in 1:4) {
    angle <- as.character(c(-75, 30, 150, 200)[k])
    expect_equal(as.numeric(out[k, , , ]), torchvision_hue[[angle]], tolerance = 1e-5, info = angle)
  }
})

test_that("HSV hue turns the colour wheel the way HSV does", {
  skip_without_torch()
  red <- array(rep(c(1, 0, 0), each = 4), c(2, 2, 3))
  out <- intervene(red, intervention("hue", c(-60, 0, 60, 120, 240)), device = "cpu")$images
  wheel <- rbind(magenta = c(1, 0, 1), red = c(1, 0, 0), yellow = c(1, 1, 0), green = c(0, 1, 0),
                 blue = c(0, 0, 1))
  for (k in 1:5) expect_equal(out[k, 1, 1, ], wheel[k, ], tolerance = 1e-6, info = rownames(wheel)[k])
  # The largest and smallest channel of each pixel (HSV's value and, with
  # saturation, its minimum) stay; grey pixels do not change.
  img <- test_image()
  img[1, 1, ] <- 0.3
  hue <- intervene(img, intervention("hue", c(10, 100, 250)), device = "cpu")$images
  for (k in 1:3) {
    expect_equal(apply(hue[k, , , ], 1:2, max), apply(img, 1:2, max), tolerance = 1e-6)
    expect_equal(apply(hue[k, , , ], 1:2, min), apply(img, 1:2, min), tolerance = 1e-6)
  }
  expect_equal(hue[3, 1, 1, ], rep(0.3, 3), tolerance = 1e-7)
})

test_that("hue strengths are degrees of any size, periodic in 360", {
  skip_without_torch()
  img <- test_image()
  for (space in c("hsv", "yiq")) {
    out <- intervene(img, intervention("hue", c(-520, -160, 200, 560), space = space), device = "cpu")$images
    for (k in c(1, 3, 4)) expect_equal(out[k, , , ], out[2, , , ], tolerance = 1e-5, info = space)
  }
  expect_equal(intervention("hue", c(-1000, 0, 1e4))$strengths, c(-1000, 0, 1e4))
})

test_that("YIQ hue turns the chroma plane by +angle, red towards magenta", {
  skip_without_torch()
  to_yiq <- rbind(c(0.299, 0.587, 0.114), c(0.595716, -0.274453, -0.321263),
                  c(0.211456, -0.522591, 0.311135))
  yiq_hue <- function(img, degrees) {
    a <- degrees * pi / 180
    turn <- rbind(c(1, 0, 0), c(0, cos(a), -sin(a)), c(0, sin(a), cos(a)))
    m <- solve(to_yiq) %*% turn %*% to_yiq
    rgb <- matrix(img, ncol = 3) %*% t(m)
    array(pmin(pmax(rgb, 0), 1), dim(img))
  }
  img <- test_image()
  out <- intervene(img, intervention("hue", c(-40, 60, 200), space = "yiq"), device = "cpu")$images
  for (k in 1:3) {
    expect_equal(out[k, , , ], yiq_hue(img, c(-40, 60, 200)[k]), tolerance = 1e-5)
  }
  red <- array(rep(c(1, 0, 0), each = 4), c(2, 2, 3))
  turned <- intervene(red, intervention("hue", c(0, 60, 120), space = "yiq"), device = "cpu")$images
  expect_equal(turned[2, 1, 1, ], c(0.7947668, 0, 1), tolerance = 1e-5)
  # The two spaces turn in opposite senses: HSV takes red to yellow.
  hsv <- intervene(red, intervention("hue", c(0, 60, 120)), device = "cpu")$images
  expect_gt(hsv[2, 1, 1, 2], 0.99)
  expect_lt(turned[2, 1, 1, 2], 0.01)
})

test_that("the hue space is checked and kept", {
  expect_equal(intervention("hue", 1:3)$params$space, "hsv")
  expect_equal(intervention("hue", 1:3, space = "yiq")$params$space, "yiq")
  expect_error(intervention("hue", 1:3, space = "hsl"), class = "propgrad_error_choice")
  expect_error(intervention("brightness", 1:3, space = "yiq"), "no extra arguments",
               class = "propgrad_error_input")
  expect_error(intervention("rotate", 1:3, space = "yiq"), "takes `padding`", class = "propgrad_error_input")
})

# Issue 13: brightness and the other colour kinds scaled the alpha channel of
# RGBA images, and hue and saturation refused them.
test_that("colour kinds return alpha bit for bit; blur and geometric kinds move it", {
  skip_without_torch()
  rgb <- test_image()
  alpha <- withr::with_seed(3, matrix(stats::runif(120), 12, 10))
  rgba <- array(c(rgb, alpha), c(12, 10, 4))
  patch <- array(c(rep(1, 12), rep(0, 24), rep(0.5, 12)), c(3, 4, 4))
  colour <- list(intervention("brightness", c(0.5, 1, 1.7)), intervention("contrast", c(0, 0.5, 2)),
                 intervention("saturation", c(0, 0.5, 2)), intervention("hue", c(-90, 30, 200)),
                 intervention("hue", c(-90, 30, 200), space = "yiq"), intervention("gamma", c(0.5, 1, 2)),
                 intervention("colour_shift", c(-1, 0.1, 0.3), colour = c(0.5, 0, -0.5)),
                 intervention("patch", c(0, 0.5, 1), patch = patch, position = c(2, 3)),
                 intervention("patch", c(0, 0.5, 1), patch = patch[, , 1:3], position = c(2, 3)),
                 intervention("interpolate", c(0, 0.5, 1), target = array(0.2, c(12, 10, 4))),
                 intervention("brightness", c(0.5, 1, 1.7), mask = alpha > 0.5))
  for (iv in colour) {
    out <- intervene(rgba, iv, device = "cpu")$images
    for (k in 1:3) expect_identical(out[k, , , 4], alpha, info = iv$kind)
    # The colour channels are what the RGB image alone gives.
    expect_identical(out[, , , 1:3], intervene(rgb, iv, device = "cpu")$images, info = iv$kind)
  }
  for (iv in list(intervention("rotate", c(0, 90, 200)), intervention("blur", c(0, 1, 3)),
                  intervention("translate", c(-2, 1, 3)), intervention("zoom", c(0.5, 1, 2)))) {
    out <- intervene(rgba, iv, device = "cpu")$images
    expect_equal(out[, , , 4], intervene(alpha, iv, device = "cpu")$images[, , , 1], tolerance = 1e-6,
                 info = iv$kind)
    expect_gt(max(abs(out[3, , , 4] - alpha)), 0.05)
  }
  expect_error(intervene(rgba, intervention("colour_shift", 1:3, colour = c(1, 0, 0, 0)), device = "cpu"),
               "Alpha is not shifted", class = "propgrad_error_length")
})
