# Provenance records: hashes checked against independent values (NIST's
# SHA-256 test vector; Python's hashlib for the pixel-value convention), and
# the records explain() and predict() attach.

test_that("file hashes are the SHA-256 of the bytes, array hashes of little-endian doubles", {
  f <- withr::local_tempfile()
  writeBin(charToRaw("abc"), f)
  # FIPS 180-2, appendix B.1.
  expect_equal(propgrad:::sha256_file(f),
               "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
  # hashlib.sha256(struct.pack('<2d', 1.0, 0.5)).hexdigest()
  expect_equal(propgrad:::sha256_values(c(1L, 0.5)),
               "7ded32179961d3df64ab9071d95eed3a7b5efc1750a16bdc02db400678278fab")
  expect_false(propgrad:::sha256_values(c(0.5, 1)) == propgrad:::sha256_values(c(1, 0.5)))
})

test_that("a provenance record prints and becomes an item/value table", {
  p <- propgrad:::new_provenance(
    models = propgrad:::provenance_models(list(f = function(x) x)),
    preprocess = propgrad:::describe_preprocess(list(size = c(32L, 32L), mean = numeric(0), scale = 1)),
    intervention = propgrad:::describe_intervention(list(kind = "brightness", property = "brightness",
                                                         strengths = c(0.5, 1, 1.5), params = list())),
    images = propgrad:::provenance_images(list(a = array(0.5, c(2, 2, 3)))),
    seed = 42)
  df <- as.data.frame(p)
  expect_named(df, c("item", "value"))
  expect_true(all(c("propgrad version", "R version", "LibTorch version", "time", "seed", "model f",
                    "preprocessing", "intervention", "image a") %in% df$item))
  expect_equal(df$value[df$item == "preprocessing"], "size = 32, 32; scale = 1")
  expect_equal(df$value[df$item == "intervention"], "brightness (brightness): 3 strengths from 0.5 to 1.5")
  expect_equal(df$value[df$item == "image a"],
               sprintf("array (sha256 %s)", propgrad:::sha256_values(array(0.5, c(2, 2, 3)))))
  expect_equal(df$value[df$item == "propgrad version"], as.character(packageVersion("propgrad")))
  expect_output(print(p), "propgrad provenance")
  expect_identical(pg_provenance(p), p)
  expect_null(pg_provenance(data.frame(a = 1)))
})

test_that("torch_model() hashes the file it loads", {
  skip_without_torch()
  f <- script_model("def forward(self, x):\n    return x.mean(dim=[1, 2, 3]).unsqueeze(1)")
  m <- torch_model(f, "cpu")
  expect_equal(m$sha256, digest::digest(file = f, algo = "sha256"))
  expect_match(m$sha256, "^[0-9a-f]{64}$")
})

test_that("explain() records models, preprocessing, intervention, image hashes and seed", {
  skip_without_torch()
  f <- script_model("def forward(self, x):\n    return x.mean(dim=[1, 2, 3]).unsqueeze(1)")
  png_file <- withr::local_tempfile(fileext = ".png")
  png::writePNG(test_image(8, 8), png_file)
  arr <- test_image(8, 8, seed = 2)
  res <- explain(list(a = png_file, b = arr), intervention("brightness", seq(0.5, 1.5, length.out = 9)),
                 list(mean = torch_model(f, "cpu"), fun = function(x) apply(x, 1, mean)),
                 type = "raw", n_perm = 499, seed = 11, device = "cpu")
  p <- pg_provenance(res)
  expect_s3_class(p, "propgrad_provenance")
  expect_equal(p$seed, 11)
  expect_equal(p$models$sha256, c(digest::digest(file = f, algo = "sha256"), NA))
  expect_equal(p$models$dtype, c("float32", "R function"))
  expect_equal(p$images$image, c("a", "b"))
  expect_equal(p$images$sha256, c(digest::digest(file = png_file, algo = "sha256"),
                                  propgrad:::sha256_values(arr)))
  expect_equal(p$intervention$strengths, seq(0.5, 1.5, length.out = 9))
  expect_match(p$intervention$text, "^brightness \\(brightness\\): 9 strengths from 0.5 to 1.5")
  expect_false(is.na(p$preprocess))
  expect_output(print(res), "all provenance: pg_provenance()", fixed = TRUE)
  # Subsets keep it, so a table of some rows still names its sources.
  expect_identical(pg_provenance(res[1:2, ]), p)
})

test_that("predict() records the model, preprocessing and each image file's hash", {
  skip_without_torch()
  f <- script_model("def forward(self, x):\n    return x.mean(dim=[1, 2, 3]).unsqueeze(1)")
  files <- c(withr::local_tempfile(fileext = ".png"), withr::local_tempfile(fileext = ".png"))
  png::writePNG(test_image(8, 8), files[1])
  png::writePNG(test_image(10, 6, seed = 3), files[2])
  out <- predict(torch_model(f, "cpu"), files, type = "raw", preprocess = torch_preprocess(size = c(4, 4)))
  p <- pg_provenance(out)
  expect_equal(p$images$sha256, unname(vapply(files, function(x) digest::digest(file = x, algo = "sha256"), "")))
  expect_equal(p$images$image, basename(files))
  expect_match(p$preprocess, "size = 4, 4", fixed = TRUE)
  expect_equal(p$models$sha256, digest::digest(file = f, algo = "sha256"))
  # Printed as a matrix plus one provenance line, not an attribute dump;
  # subsets are plain matrices.
  printed <- capture.output(print(out))
  expect_false(any(grepl("attr(,", printed, fixed = TRUE)))
  expect_match(printed[length(printed)], "all provenance: pg_provenance()", fixed = TRUE)
  expect_s3_class(out, "propgrad_predictions")
  expect_null(attributes(out[, 1, drop = FALSE])$provenance)
})

test_that("tables of an explain() result name the software and the model file's hash", {
  tests <- suppressWarnings(property_test(pg_study, p_cat ~ strength | image + model + property,
                                         n_perm = 99, seed = 1))
  expect_false(grepl("SHA-256", tinytable::save_tt(pg_table(tests, "markdown"), "markdown")))
  attr(tests, "provenance") <- propgrad:::new_provenance(
    models = data.frame(model = "m", file = "/m.pt", sha256 = strrep("0123456789abcdef", 4),
                        device = "cpu", dtype = "float32"))
  md <- tinytable::save_tt(suppressWarnings(pg_table(tests, "markdown")), "markdown")
  expect_true(grepl("m SHA-256 0123456789abcdef.", md, fixed = TRUE))
  expect_true(grepl(paste("propgrad", packageVersion("propgrad")), md, fixed = TRUE))
})
