# Preprocessing as torchvision does it (R/preprocess.R; the weights come
# from src/core/resize.cpp): resize with and without antialiasing, centre
# crops, channel conversion, images of different sizes in one predict()
# call, and the message for a forgotten torch_preprocess(). Reference values
# were computed with Python's torch 1.13.1 and torchvision 0.14.1 (Debian
# python3-torch, python3-torchvision) from the same formula images, in
# double precision for resizing (float32 for the models); the snippets are
# in the comments. Resizing and cropping need no LibTorch and are tested
# without it; predict() tests skip without it.

# Every test image is k / 255 for whole k, so PNG files hold it exactly.
# Python: i, j, k = np.meshgrid(np.arange(h), np.arange(w), np.arange(c), indexing="ij")
#         v = ((7 * i + 13 * j + 29 * k + (i * j) % 17) % 256) / 255
#         img = torch.tensor(v).permute(2, 0, 1)   # C x H x W, float64; .float() for models
formula_image <- function(h, w, c = 3) {
  ijk <- arrayInd(seq_len(h * w * c), c(h, w, c)) - 1
  array(((7 * ijk[, 1] + 13 * ijk[, 2] + 29 * ijk[, 3] + (ijk[, 1] * ijk[, 2]) %% 17) %% 256) / 255,
        c(h, w, c))
}

# Python prints a C x H x W tensor row-major (t.flatten()); as H x W x C.
from_python <- function(values, h, w, c = 1) aperm(array(values, c(w, h, c)), c(2, 1, 3))

expect_max_diff <- function(object, expected, tolerance) {
  expect_equal(dim(object), dim(expected))
  expect_lte(max(abs(object - expected)), tolerance)
}

# torchvision's results on float64 images (torchvision.transforms.functional
# as TF, InterpolationMode as IM), printed with "%.12f" % v for v in t.flatten():
#   x = img(13, 17)
#   A: TF.resize(x, [5, 7], IM.BILINEAR, antialias=True)[1]
#   B: TF.resize(x, [5, 7], IM.BICUBIC, antialias=True)[1]
#   C: TF.resize(x, [5, 7], IM.BILINEAR, antialias=False)[1]
#   y = img(6, 9)   (rows grow, columns shrink)
#   D: TF.resize(y, [8, 5], IM.BICUBIC, antialias=True)[0]
#   E: TF.resize(y, [8, 5], IM.BICUBIC, antialias=False)[0]
#   F: TF.center_crop(TF.resize(x, 6, antialias=True), [3, 2])   (6 x 7, all channels)
#   G: TF.center_crop(img(5, 4), [4, 7])[0]                      (zero padding)
torchvision_cases <- list(
  A = list(image = c(13, 17), args = list(size = c(5, 7)), channels = 2, values = c(
    0.195105301380, 0.316377217554, 0.446830065359, 0.575166438668, 0.698797385621,
    0.825042016807, 0.686942628903, 0.266666666667, 0.402209772798, 0.521503267974,
    0.647735909022, 0.773568033274, 0.852663893840, 0.350686604608, 0.347531901650,
    0.470881686008, 0.591675070028, 0.720002605693, 0.846058823529, 0.741645991730,
    0.170426392779, 0.421004159239, 0.544404832640, 0.667165775401, 0.791816938192,
    0.885020796197, 0.396293466882, 0.152284280716, 0.485275962237, 0.609467787115,
    0.733369281046, 0.855455236358, 0.739111111111, 0.179526921880, 0.211510530138)),
  B = list(image = c(13, 17), args = list(size = c(5, 7), interpolation = "bicubic"), channels = 2,
           values = c(
    0.178678276490, 0.306321373397, 0.441784598609, 0.568611840024, 0.689944177443,
    0.844016078766, 0.707926371888, 0.255045933150, 0.402900414867, 0.523281346131,
    0.647358501610, 0.775031317064, 0.905609622487, 0.306116594123, 0.338075281577,
    0.470324352843, 0.591446648536, 0.719185904734, 0.870780136067, 0.791163559889,
    0.117046513415, 0.411220825400, 0.543448706835, 0.668607488237, 0.794513451823,
    0.939701793546, 0.371193352751, 0.114878314416, 0.480385474219, 0.613426657438,
    0.740636117019, 0.887708875293, 0.752727832567, 0.107428350564, 0.220114266836)),
  C = list(image = c(13, 17), args = list(size = c(5, 7), antialias = FALSE), channels = 2, values = c(
    0.174341736695, 0.305770308123, 0.437198879552, 0.568627450980, 0.700056022409,
    0.831484593838, 0.733445378151, 0.252997198880, 0.409187675070, 0.515854341737,
    0.654901960784, 0.784425770308, 0.877759103641, 0.026218487395, 0.331652661064,
    0.445938375350, 0.588795518207, 0.741176470588, 0.855462184874, 0.969747899160,
    0.080112044818, 0.410308123249, 0.543641456583, 0.665546218487, 0.787450980392,
    0.915070028011, 0.182184873950, 0.162577030812, 0.488963585434, 0.631820728291,
    0.742296918768, 0.847058823529, 0.888627450980, 0.100280112045, 0.235518207283)),
  D = list(image = c(6, 9), args = list(size = c(8, 5), interpolation = "bicubic"), channels = 1,
           values = c(
    0.020575633238, 0.107769742096, 0.201668129939, 0.295566517781, 0.382760626639,
    0.038323660989, 0.129617839030, 0.227931546800, 0.326245254570, 0.417539432611,
    0.062180872349, 0.158986435569, 0.263104246686, 0.369475545375, 0.467338982468,
    0.084044017607, 0.185886568738, 0.295960992433, 0.401630086084, 0.501286364546,
    0.105907162865, 0.212718016276, 0.331528963936, 0.402676560745, 0.486284713886,
    0.127770308123, 0.241042885692, 0.354299055495, 0.418982382539, 0.527016215861,
    0.151627519483, 0.271247176081, 0.366188969100, 0.448146126556, 0.548351573370,
    0.169375547234, 0.292954285269, 0.369616063641, 0.473846182007, 0.537931948899)),
  E = list(image = c(6, 9), args = list(size = c(8, 5), interpolation = "bicubic", antialias = FALSE),
           channels = 1, values = c(
    0.014050497855, 0.112000796569, 0.200825291054, 0.289649785539, 0.387600084252,
    0.031309443934, 0.133817463235, 0.226775045956, 0.319732628676, 0.422240647978,
    0.056399356618, 0.165533088235, 0.264499080882, 0.367086167279, 0.476993336397,
    0.078253216912, 0.193158088235, 0.297357536765, 0.395953599877, 0.509495710784,
    0.097417371324, 0.217383088235, 0.326171875000, 0.386724463848, 0.495225857843,
    0.119271231618, 0.244832306985, 0.366354549632, 0.405090594363, 0.535579794730,
    0.144361144301, 0.277300275735, 0.372730928309, 0.449936320466, 0.556727795650,
    0.161620090380, 0.300255223652, 0.351252297794, 0.487175413603, 0.540525130208)),
  # Resized to 6 x 7; the crop starts at round(1.5) = 2 and round(2.5) = 2.
  F = list(image = c(13, 17), args = list(size = 6, crop = c(3, 2)), channels = 1:3, values = c(
    0.447377020984, 0.574729802162, 0.509590643275, 0.637686098511, 0.571640406162,
    0.694953097518, 0.561102511180, 0.688455292358, 0.623316133471, 0.751411588707,
    0.685365896359, 0.808678587714, 0.674828001376, 0.802180782554, 0.737041623667,
    0.843018855849, 0.799091386555, 0.831517490717)),
  # One zero column before, two after; rows from round(0.5) = 0.
  G = list(image = c(5, 4), args = list(crop = c(4, 7)), channels = 1, values = c(
    0.000000000000, 0.000000000000, 0.050980392157, 0.101960784314, 0.152941176471,
    0.000000000000, 0.000000000000, 0.000000000000, 0.027450980392, 0.082352941176,
    0.137254901961, 0.192156862745, 0.000000000000, 0.000000000000, 0.000000000000,
    0.054901960784, 0.113725490196, 0.172549019608, 0.231372549020, 0.000000000000,
    0.000000000000, 0.000000000000, 0.082352941176, 0.145098039216, 0.207843137255,
    0.270588235294, 0.000000000000, 0.000000000000))
)
torchvision_out <- list(A = c(5, 7), B = c(5, 7), C = c(5, 7), D = c(8, 5), E = c(8, 5), F = c(3, 2),
                        G = c(4, 7))

test_that("resizing averages neighbours as worked out by hand", {
  # One row, four pixels 1, 2, 4, 8 (twice, to make an image), to two
  # pixels. Antialiased bilinear shrinking by 2 widens the triangle's
  # support to 2 pixels: output 0 is centred at 1.0; input centres 0.5, 1.5,
  # 2.5 lie 0.5, 0.5, 1.5 away, weights 1 - d / 2 = 3/4, 3/4, 1/4, over
  # their sum 7/4: (3 * 1 + 3 * 2 + 1 * 4) / 7 = 13 / 7, and
  # (1 * 2 + 3 * 4 + 3 * 8) / 7 = 38 / 7. Plain bilinear samples at 0.5 and
  # 2.5: the averages of pairs, 1.5 and 6.
  img <- array(rep(c(1, 2, 4, 8), each = 2), c(2, 4, 1))
  aa <- propgrad:::resize_image_list(list(img), size = c(2, 2))
  expect_equal(aa[1, , , 1], matrix(c(13, 38) / 7, 2, 2, byrow = TRUE), tolerance = 1e-14)
  plain <- propgrad:::resize_image_list(list(img), size = c(2, 2), antialias = FALSE)
  expect_equal(plain[1, , , 1], matrix(c(1.5, 6), 2, 2, byrow = TRUE), tolerance = 1e-14)
  # Enlarging with antialias is plain bilinear (the triangle keeps support 1).
  expect_equal(propgrad:::resize_image_list(list(img), size = c(3, 7)),
               propgrad:::resize_image_list(list(img), size = c(3, 7), antialias = FALSE),
               tolerance = 1e-14)
})

test_that("resize_images() matches torchvision without LibTorch", {
  for (case in names(torchvision_cases)) {
    tc <- torchvision_cases[[case]]
    got <- do.call(resize_images, c(list(formula_image(tc$image[1], tc$image[2])), tc$args))
    out <- torchvision_out[[case]]
    expected <- from_python(tc$values, out[1], out[2], length(tc$channels))
    expect_max_diff(array(got[1, , , tc$channels], dim(expected)), expected, 1e-11)
  }
})

# The torch path computes in float32 (about 2e-7 from the double results).
test_that("the torch path resizes and crops as torchvision, on the device", {
  skip_without_torch()
  m <- torch_model(script_model("def forward(self, x):\n    return x.flatten(1)"), device = "cpu")
  for (case in names(torchvision_cases)) {
    tc <- torchvision_cases[[case]]
    img <- formula_image(tc$image[1], tc$image[2])
    got <- propgrad:::pg_torch_preprocess(m$pointer, array(img, c(1, dim(img))),
                                          do.call(torch_preprocess, tc$args))
    out <- torchvision_out[[case]]
    expected <- from_python(tc$values, out[1], out[2], length(tc$channels))
    expect_max_diff(array(got[1, , , tc$channels], dim(expected)), expected, 1e-6)
  }
})

test_that("one number sets the shorter edge, as torchvision's Resize(size)", {
  expect_equal(dim(resize_images(formula_image(13, 17), size = 6)), c(1, 6, 7, 3))    # 7.85 -> 7
  expect_equal(dim(resize_images(formula_image(17, 13), size = 6)), c(1, 7, 6, 3))
  expect_equal(dim(resize_images(formula_image(500, 333), size = 224)), c(1, 336, 224, 3))
  expect_equal(dim(resize_images(formula_image(9, 9), size = 4, crop = 3)), c(1, 3, 3, 3))
  # Images that end the same size are stacked; others need c(h, w) or crop.
  two <- list(formula_image(10, 20), formula_image(20, 40))
  expect_equal(dim(resize_images(two, size = 5)), c(2, 5, 10, 3))
  expect_equal(dim(propgrad:::resize_image_list(list(formula_image(8, 8), formula_image(6, 9)), c(4, 4))),
               c(2, 4, 4, 3))
  expect_snapshot(resize_images(list(formula_image(10, 20), formula_image(20, 20)), size = 5),
                  error = TRUE, cnd_class = TRUE)
  expect_snapshot(error = TRUE, cnd_class = TRUE, {
    torch_preprocess(crop = c(0, 4))
    torch_preprocess(interpolation = "nearest")
    torch_preprocess(antialias = NA)
    torch_preprocess(mean = c(0.5, 0.5), sd = c(0.2, 0.2, 0.2))
  })
})

# The small CNN of the Python references: conv 3 -> 4 channels (5 x 5,
# stride s), ReLU, mean over pixels, linear 4 -> 3.
#   o, i, a, b = np.meshgrid(*[np.arange(n) for n in (4, 3, 5, 5)], indexing="ij")
#   w1 = torch.tensor(np.sin(1 + o + 2 * i + 3 * a + 5 * b) / 4).float()
#   b1 = torch.tensor(0.1 * (np.arange(4) - 1.5)).float()
#   o, k = np.meshgrid(np.arange(4), np.arange(3), indexing="ij")
#   w2 = torch.tensor(np.cos(1 + 2 * o + 3 * k) * 4).float()
#   def cnn(x, stride):
#       y = torch.conv2d(x, w1, b1, [stride, stride]).relu()
#       return y.mean(dim=[2, 3]).matmul(w2)
#   mean, sd = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
#   def pipe(x, size, crop, antialias=True):
#       x = TF.center_crop(TF.resize(x, size, antialias=antialias), crop)
#       return TF.normalize(x, mean, sd)
small_cnn <- function(stride) {
  idx <- arrayInd(seq_len(4 * 3 * 5 * 5), c(4, 3, 5, 5)) - 1
  w1 <- array(sin(1 + idx[, 1] + 2 * idx[, 2] + 3 * idx[, 3] + 5 * idx[, 4]) / 4, c(4, 3, 5, 5))
  w2 <- outer(0:3, 0:2, function(o, k) cos(1 + 2 * o + 3 * k) * 4)
  code <- sprintf(paste0("def forward(self, x):\n",
                         "    y = torch.conv2d(x, self.w1, self.b1, [%d, %d]).relu()\n",
                         "    return y.mean(dim=[2, 3]).matmul(self.w2)"), stride, stride)
  torch_model(script_model(code, buffers = list(w1 = w1, b1 = 0.1 * (0:3 - 1.5), w2 = w2)), "cpu")
}
imagenet <- function(...) {
  torch_preprocess(..., mean = c(0.485, 0.456, 0.406), sd = c(0.229, 0.224, 0.225))
}

test_that("the ImageNet pipeline matches torchvision's probabilities", {
  skip_without_torch()
  m <- small_cnn(4)
  img <- formula_image(300, 400)
  # torch.softmax(cnn(pipe(img(300, 400).float(), 256, 224)[None], 4), 1)
  p <- predict(m, img, preprocess = imagenet(size = 256, crop = 224))
  expect_max_diff(p[1, ], c(output1 = 0.415781260, output2 = 0.159352079, output3 = 0.424866706), 1e-6)
  # The same with antialias=False: what plain bilinear resizing gives, as
  # propgrad did before; it is off by more than 0.01.
  plain <- predict(m, img, preprocess = imagenet(size = 256, crop = 224, antialias = FALSE))
  expect_max_diff(plain[1, ], c(output1 = 0.423818350, output2 = 0.132022500, output3 = 0.444159150), 1e-6)
  expect_gt(max(abs(plain - p)), 0.01)
})

test_that("predict() takes files of different sizes in one call", {
  skip_without_torch()
  skip_if_not_installed("png")
  dir <- withr::local_tempdir()
  sizes <- list(c(40, 60), c(64, 48), c(33, 33))
  files <- file.path(dir, c("wide.png", "tall.png", "square.png"))
  for (k in seq_along(files)) {
    img <- formula_image(sizes[[k]][1], sizes[[k]][2])
    png::writePNG(img, files[k])
    expect_equal(png::readPNG(files[k]), img)  # 8 bits hold k / 255 exactly
  }
  m <- small_cnn(2)
  # xs = [pipe(img(h, w).float(), 32, 28) for h, w in [(40, 60), (64, 48), (33, 33)]]
  # torch.softmax(cnn(torch.stack(xs), 2), 1)
  python <- matrix(c(0.408331484, 0.170135260, 0.421533257,
                     0.398732603, 0.199922815, 0.401344568,
                     0.413599908, 0.168181196, 0.418219000), 3, byrow = TRUE,
                   dimnames = list(basename(files), paste0("output", 1:3)))
  for (batch_size in c(1, 2, 32)) {
    p <- predict(m, files, preprocess = imagenet(size = 32, crop = 28), batch_size = batch_size)
    expect_max_diff(p, python, 1e-6)
    expect_equal(dimnames(p), dimnames(python))
  }
  # Without a crop they end 32 x 48, 42 x 32 and 32 x 32: no single batch.
  expect_snapshot(predict(m, files, preprocess = imagenet(size = 32)), error = TRUE, cnd_class = TRUE)
  expect_error(predict(m, files), class = "propgrad_error_image_size")
  # Images that end the same size without a crop are batched too, and give
  # what each gives alone.
  same <- list(formula_image(40, 60), formula_image(20, 30))
  both <- predict(m, same, preprocess = imagenet(size = 16))
  alone <- rbind(predict(m, same[1], preprocess = imagenet(size = 16)),
                 predict(m, same[2], preprocess = imagenet(size = 16)))
  expect_equal(both, alone, tolerance = 1e-6, ignore_attr = c("provenance", "class"))
})

test_that("grey and RGBA images become RGB, with a message, unless to_rgb = FALSE", {
  skip_without_torch()
  skip_if_not_installed("png")
  dir <- withr::local_tempdir()
  rgba <- formula_image(20, 24, 4)
  grey <- formula_image(20, 24, 1)
  files <- file.path(dir, c("rgba.png", "grey.png"))
  png::writePNG(rgba, files[1])
  png::writePNG(grey[, , 1], files[2])
  m <- small_cnn(2)
  expect_snapshot(out <- predict(m, files, type = "logits"))
  expect_message(predict(m, files, type = "logits"), class = "propgrad_message_channels")
  # As PIL's convert("RGB"): alpha dropped, grey repeated.
  expected <- predict(m, list(rgba[, , 1:3], grey[, , c(1, 1, 1)]), type = "logits")
  expect_equal(unname(out), unname(expected), tolerance = 1e-6, ignore_attr = c("provenance", "class"))
  # to_rgb = FALSE hands the model the channels as they are.
  channels <- torch_model(script_model("def forward(self, x):\n    return torch.zeros(x.size(0), 1) + x.size(1)"),
                          "cpu")
  keep <- torch_preprocess(to_rgb = FALSE)
  expect_equal(predict(channels, files[1], type = "raw", preprocess = keep)[[1]], 4)
  expect_equal(predict(channels, files[2], type = "raw", preprocess = keep)[[1]], 1)
  expect_error(predict(channels, files, type = "raw", preprocess = keep), class = "propgrad_error_channels")
  expect_equal(suppressMessages(predict(channels, files, type = "raw"))[, 1], c(rgba.png = 3, grey.png = 3))
})

test_that("one mean and sd apply to every channel, as Normalize broadcasts", {
  skip_without_torch()
  m <- torch_model(script_model("def forward(self, x):\n    return x.flatten(1)"), device = "cpu")
  img <- formula_image(2, 3)
  out <- predict(m, img, type = "raw", preprocess = torch_preprocess(mean = 0.5, sd = 0.25))
  # flatten() of 1 x C x H x W: width fastest, then height, then channel.
  expect_equal(unname(out[1, ]), as.vector(aperm((img - 0.5) / 0.25, c(2, 1, 3))), tolerance = 1e-6)
  expect_equal(bare(predict(m, img, type = "raw", preprocess = torch_preprocess(mean = c(0.1, 0.2, 0.3), sd = 0.5))),
               bare(predict(m, img, type = "raw", preprocess = torch_preprocess(mean = c(0.1, 0.2, 0.3), sd = rep(0.5, 3)))))
  expect_error(predict(m, img, preprocess = torch_preprocess(mean = c(0.5, 0.5), sd = 0.5)),
               class = "propgrad_error_channels")
})

# Counts messages of `class`, muffling all.
count_messages <- function(expr, class) {
  n <- 0
  withCallingHandlers(expr, message = function(m) {
    if (inherits(m, class)) n <<- n + 1
    invokeRestart("muffleMessage")
  })
  n
}

test_that("a forgotten torch_preprocess() gets one message per call, one per explain()", {
  skip_without_torch()
  m <- torch_model(script_model(luma_code), device = "cpu")
  big <- array(0.5, c(2, 300, 260, 3))
  expect_snapshot(out <- predict(m, big, type = "raw"))
  expect_equal(count_messages(predict(m, big, type = "raw"), "propgrad_message_preprocess"), 1)
  expect_equal(count_messages(predict(m, array(0.5, c(1, 224, 224, 3)), type = "raw"),
                              "propgrad_message_preprocess"), 1)
  # Given explicitly, or small images: no message.
  expect_no_message(predict(m, big, type = "raw", preprocess = torch_preprocess()))
  expect_no_message(predict(m, array(0.5, c(1, 100, 200, 3)), type = "raw"))
  images <- list(a = big[1, , , ], b = big[2, , , ] * 0.8)
  iv <- intervention("brightness", seq(0.5, 1.5, length.out = 5))
  n <- count_messages(suppressWarnings(explain(images, iv, m, type = "raw", n_perm = 99, seed = 1,
                                               device = "cpu")), "propgrad_message_preprocess")
  expect_equal(n, 1)
  n <- count_messages(suppressWarnings(explain(images, iv, m, type = "raw", n_perm = 99, seed = 1,
                                               preprocess = torch_preprocess(size = 32), device = "cpu")),
                      "propgrad_message_preprocess")
  expect_equal(n, 0)
})
