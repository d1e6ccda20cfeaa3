# External editors (a command per strength) and folders of edited images;
# neither needs LibTorch. The "editor" here is Rscript with png.

rscript <- shQuote(file.path(R.home("bin"), "Rscript"))
edit_cmd <- function(body) {
  paste(rscript, "-e", shQuote(paste0("a <- commandArgs(TRUE); x <- png::readPNG(a[1]); s <- as.numeric(a[2]); ",
                                      body)), "{input} {strength} {output}")
}

test_that("an external command edits the image once per strength", {
  skip_if_not_installed("png")
  img <- array(0.4, c(6, 5, 3))
  ed <- external_editor(edit_cmd("png::writePNG(pmin(x * s, 1), a[3])"), c(0.5, 1, 2),
                        property = "light")
  out <- intervene(img, ed)
  expect_s3_class(out, "propgrad_images")
  expect_equal(out$strengths, c(0.5, 1, 2))
  expect_equal(out$images[, 1, 1, 1], c(0.2, 0.4, 0.8), tolerance = 1 / 255)
  expect_null(out$failures)
})

test_that("failing strengths are reported and left out", {
  skip_if_not_installed("png")
  img <- array(0.4, c(6, 5, 3))
  ed <- external_editor(edit_cmd("if (s > 1) quit(status = 3); if (s < 0.6) q(); png::writePNG(x, a[3])"),
                        c(0.5, 1, 2))
  expect_warning(out <- intervene(img, ed), class = "propgrad_warning_editor")
  expect_equal(out$strengths, 1)
  expect_equal(out$failures$strength, c(0.5, 2))
  expect_match(out$failures$message, "no output file|exit status 3")
  never <- external_editor(edit_cmd("quit(status = 1)"), 1:3)
  expect_error(intervene(img, never), class = "propgrad_error_editor")
  small <- external_editor(edit_cmd("png::writePNG(x[1:2, , ], a[3])"), 1:3)
  expect_error(intervene(img, small), "output is 2 x 5")
})

test_that("external editor templates are checked", {
  expect_snapshot(external_editor("edit {input} {output}", 1:3), error = TRUE)
  expect_error(external_editor(c("a", "b"), 1:3), class = "propgrad_error_type")
})

test_that("a folder of edited images and its strengths feed explain()", {
  skip_if_not_installed("png")
  dir <- withr::local_tempdir()
  s <- c(0.9, 0.1, 0.5, 0.3, 0.7)
  for (k in seq_along(s)) png::writePNG(array(s[k], c(4, 4, 3)), file.path(dir, sprintf("e%d.png", k)))
  write.csv(data.frame(file = sprintf("e%d.png", seq_along(s)), strength = s),
            csv <- file.path(dir, "strengths.csv"), row.names = FALSE)
  imgs <- edited_images(dir, csv, property = "grey")
  expect_equal(imgs$strengths, sort(s))
  expect_equal(imgs$images[, 1, 1, 1], sort(s), tolerance = 1 / 255)
  expect_output(print(imgs), "5 images of 4 x 4 x 3 along grey")
  expect_equal(dim(as.array(imgs[2:3])), c(2, 4, 4, 3))
  expect_warning(res <- explain(imgs, models = list(mean = function(x) apply(x, 1, mean),
                                                blind = function(x) rep(0.5, dim(x)[1])),
                                n_perm = 99, seed = 1, alpha = 0.05),
                 class = "propgrad_warning_degenerate")
  expect_equal(res$model, c("mean", "blind"))
  expect_equal(res$estimate[1], 1, tolerance = 0.02)
  expect_equal(res$p.value[2], 1)
  expect_equal(names(attr(res, "data")), c("image", "model", "grey", "output1"))
  expect_error(edited_images(dir, data.frame(file = "e1.png")), class = "propgrad_error_column")
  expect_error(edited_images(file.path(dir, "nope"), csv), class = "propgrad_error_file")
  expect_error(explain(imgs, models = list(function(x) 1)), class = "propgrad_error_model")
  expect_error(explain(imgs, models = "resnet"), class = "propgrad_error_type")
  expect_error(explain(array(0, c(4, 4, 3)), models = function(x) 1), class = "propgrad_error_input")
})
