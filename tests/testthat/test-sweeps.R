# Sweeps (R/sweeps.R, edited_images() in R/editors.R): several pre-edited
# sweeps from one folder and table (an `image` column) or several folders,
# their names in explain()'s tables and plots, one property per explain(),
# and images of one sweep that differ in size resized to one size. Runs
# with R-function models, without LibTorch.

# Writes a w-wide, h-high PNG of grey level v into dir.
write_png <- function(dir, file, v, h = 6, w = 5) {
  png::writePNG(array(v, c(h, w, 3)), file.path(dir, file))
  file
}
mean_model <- function(x) apply(x, 1, mean)

test_that("one folder and one table with an image column give named sweeps that explain() takes", {
  skip_if_not_installed("png")
  dir <- withr::local_tempdir()
  table <- data.frame(image = rep(c("cat", "dog"), each = 4), strength = c(1:4, 4:1),
                      file = c(vapply(1:4, function(k) write_png(dir, paste0("c", k, ".png"), k / 5), ""),
                               vapply(1:4, function(k) write_png(dir, paste0("d", k, ".png"), k / 8), "")))
  csv <- file.path(dir, "strengths.csv")
  write.csv(table, csv, row.names = FALSE)
  sweeps <- edited_images(dir, csv, property = "fur")
  expect_s3_class(sweeps, "propgrad_sweeps")
  expect_equal(names(sweeps), c("cat", "dog"))
  expect_equal(sweeps$cat$name, "cat")
  expect_equal(sweeps$cat$strengths, 1:4)
  expect_equal(sweeps$cat$images[, 1, 1, 1], (1:4) / 5, tolerance = 0.02)
  expect_output(print(sweeps), "<propgrad sweeps> 2 sweeps along fur")
  expect_output(print(sweeps), "dog: 4 images of 6 x 5 x 3 from 1 to 4", fixed = TRUE)
  expect_s3_class(sweeps["dog"], "propgrad_sweeps")
  expect_equal(names(sweeps["dog"]), "dog")
  res <- explain(sweeps, models = mean_model, n_perm = 99, seed = 1, alpha = 0.5)
  expect_equal(res$image, c("cat", "dog"))
  expect_equal(unique(attr(res, "data")$image), c("cat", "dog"))
  expect_equal(names(attr(res, "data"))[3], "fur")
  table_text <- tinytable::save_tt(pg_table(res), "markdown")
  expect_match(table_text, "cat")
  expect_match(table_text, "dog")
  expect_equal(plot_curves(res, where = list(image = "dog"), threshold = NULL)$labels$title, "image = dog")
  expect_error(plot_curves(res), "image: \"cat\", \"dog\"", class = "propgrad_error_missing")
  # A named list of propgrad_images is the same input.
  listed <- explain(list(cat = sweeps$cat, dog = sweeps$dog), models = mean_model, n_perm = 99, seed = 1,
                    alpha = 0.5)
  expect_equal(listed$image, c("cat", "dog"))
  expect_equal(listed$p.value, res$p.value)
  # Unnamed, the sweeps' own names are used.
  expect_equal(explain(unname(unclass(sweeps)), models = mean_model, n_perm = 99, seed = 1,
                       alpha = 0.5)$image, c("cat", "dog"))
})

test_that("a single sweep is named by its folder or by `name`, not image1", {
  skip_if_not_installed("png")
  base <- withr::local_tempdir()
  dir <- file.path(base, "tabby")
  dir.create(dir)
  table <- data.frame(file = vapply(1:4, function(k) write_png(dir, paste0(k, ".png"), k / 5), ""),
                      strength = 1:4)
  one <- edited_images(dir, table)
  expect_s3_class(one, "propgrad_images")
  expect_equal(one$name, "tabby")
  expect_output(print(one), "<propgrad images> tabby: 4 images", fixed = TRUE)
  expect_equal(one[2:3]$name, "tabby")
  res <- explain(one, models = mean_model, n_perm = 99, seed = 1, alpha = 0.5)
  expect_equal(res$image, "tabby")
  expect_equal(edited_images(dir, table, name = "Felix")$name, "Felix")
  expect_equal(explain(edited_images(dir, table, name = "Felix"), models = mean_model, n_perm = 99,
                       seed = 1, alpha = 0.5)$image, "Felix")
  expect_error(edited_images(dir, table, name = c("a", "b")), class = "propgrad_error_type")
  expect_error(edited_images(dir, table, name = ""), class = "propgrad_error_type")
  expect_error(edited_images(dir, cbind(table, image = "a"), name = "Felix"),
               class = "propgrad_error_incompatible")
  expect_error(edited_images(dir, cbind(table, image = c("a", NA, "a", "a"))), class = "propgrad_error_column")
})

test_that("several folders give one sweep each, named by the list or the folders", {
  skip_if_not_installed("png")
  base <- withr::local_tempdir()
  dirs <- file.path(base, c("first", "second"))
  for (d in dirs) dir.create(d)
  tables <- lapply(seq_along(dirs), function(i) {
    data.frame(file = vapply(1:3, function(k) write_png(dirs[i], paste0(k, ".png"), k / (4 + i)), ""),
               strength = 1:3)
  })
  named <- edited_images(list(a = dirs[1], b = dirs[2]), list(b = tables[[2]], a = tables[[1]]))
  expect_s3_class(named, "propgrad_sweeps")
  expect_equal(names(named), c("a", "b"))
  expect_equal(named$b$images[, 1, 1, 1], (1:3) / 6, tolerance = 0.02)
  expect_equal(names(edited_images(dirs, tables)), c("first", "second"))
  expect_error(edited_images(dirs, tables[[1]]), class = "propgrad_error_length")
  expect_error(edited_images(dirs, tables, name = "x"), class = "propgrad_error_incompatible")
})

test_that("sweeps explained together must share the property", {
  skip_if_not_installed("png")
  arr <- array(seq(0.1, 0.9, length.out = 4), c(4, 3, 3, 3))
  fur <- propgrad:::new_images(arr, 1:4, "fur", name = "cat")
  light <- propgrad:::new_images(arr, 1:4, "light", name = "dog")
  expect_snapshot(explain(list(fur, light), models = mean_model, n_perm = 99, seed = 1), error = TRUE,
                  cnd_class = TRUE)
  hue <- propgrad:::new_images(arr, c(0, 90, 180, 270), "fur", period = 360)
  expect_error(explain(list(fur, hue), models = mean_model, n_perm = 99, seed = 1),
               class = "propgrad_error_incompatible")
})

test_that("images of one sweep that differ in size are resized to the size most share", {
  skip_if_not_installed("png")
  dir <- withr::local_tempdir()
  # The original is larger than its edits, as in the authors' notebook.
  files <- c(write_png(dir, "original.png", 0.5, h = 10, w = 9),
             vapply(1:3, function(k) write_png(dir, paste0("edit", k, ".png"), k / 4, h = 6, w = 5), ""))
  table <- data.frame(file = files, strength = 0:3)
  expect_snapshot(resized <- edited_images(dir, table, name = "cat"))
  expect_message(edited_images(dir, table), class = "propgrad_message_resize")
  expect_equal(dim(resized$images), c(4, 6, 5, 3))
  # Edits that already have that size are kept as they are.
  expect_equal(resized$images[2:4, 1, 1, 1], (1:3) / 4, tolerance = 0.02)
  # `size` chooses the size, and then nothing needs saying.
  expect_no_message(sized <- edited_images(dir, table, size = c(8, 7)))
  expect_equal(dim(sized$images), c(4, 8, 7, 3))
  expect_error(edited_images(dir, table, size = 4), class = "propgrad_error_number")
  expect_error(edited_images(dir, table, size = c(0, 4)), class = "propgrad_error_number")
  expect_error(edited_images(dir, table, size = 1:3), class = "propgrad_error_number")
  # A tie goes to the smallest size.
  tie <- data.frame(file = c(write_png(dir, "big2.png", 0.2, h = 10, w = 9), files[1:3]), strength = 1:4)
  expect_message(tied <- edited_images(dir, tie), "2 of 4 resized to 6 x 5", class = "propgrad_message_resize")
  expect_equal(dim(tied$images)[2:3], c(6, 5))
  # Each sweep of a table is sized on its own.
  two <- rbind(cbind(table, image = "cat"),
               data.frame(file = c("big2.png", "original.png", files[2]), strength = 1:3, image = "dog"))
  sweeps <- suppressMessages(edited_images(dir, two))
  expect_equal(dim(sweeps$cat$images)[2:3], c(6, 5))
  expect_equal(dim(sweeps$dog$images)[2:3], c(10, 9))
})

test_that("the common size is the most frequent, ties to the smallest", {
  common <- function(...) propgrad:::common_size(matrix(c(...), nrow = 2))
  expect_equal(common(10, 9, 6, 5, 6, 5), c(6, 5))
  expect_equal(common(10, 9, 10, 9, 6, 5), c(10, 9))
  expect_equal(common(10, 9, 6, 5), c(6, 5))
  expect_equal(common(4, 9, 6, 6, 9, 4), c(4, 9))
})
