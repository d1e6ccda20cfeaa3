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
  expect_snapshot(external_editor("edit {input} {output}", 1:3), error = TRUE, cnd_class = TRUE)
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

# Issue 12, security: the template is split into words and run without a
# shell, so a path full of shell syntax stays one argument.
test_that("a crafted temporary path runs no command, even with quoted placeholders", {
  skip_on_os("windows")
  skip_if_not_installed("callr")
  skip_if_not_installed("processx")
  skip_if_not_installed("png")
  skip_if(!nzchar(system.file(package = "propgrad")), "propgrad is not installed for a child process")
  base <- withr::local_tempdir()
  crafted <- file.path(base, "a; touch PWNED; b")
  dir.create(crafted)
  # In a child process whose session temporary folder is moved under the
  # crafted name (R's own exit clean-up would run it, so it is moved back).
  out <- callr::r(function(base, crafted) {
    setwd(base)
    move_tempdir <- function(to) {
      Sys.setenv(TMPDIR = to)
      unlink(tempdir(), recursive = TRUE)
      tempdir(check = TRUE)
    }
    safe <- dirname(tempdir())
    on.exit(move_tempdir(safe))
    move_tempdir(crafted)
    img <- array(0.4, c(4, 4, 3))
    # The template quotes the placeholders itself, which broke shell quoting.
    ed <- propgrad::external_editor("sh -c 'cp \"$1\" \"$2\"' sh '{input}' \"{output}\" {strength}", 1:3)
    dim(propgrad::intervene(img, ed)$images)
  }, list(base, crafted), libpath = .libPaths())
  expect_equal(out, c(3, 4, 4, 3))
  expect_false(file.exists(file.path(base, "PWNED")))
  expect_false(file.exists(file.path(crafted, "PWNED")))
})

test_that("templates are split into words as a shell would, and shell syntax is refused", {
  split <- function(x) propgrad:::split_command(x, call = NULL)
  expect_equal(split("python  'a b' \"c \\\"d\\\"\" e\\ f --in={input}"),
               c("python", "a b", "c \"d\"", "e f", "--in={input}"))
  expect_equal(split("~/edit.sh x~y"), c(path.expand("~/edit.sh"), "x~y"))
  expect_equal(split("run 'a;b|c>$d' \"x*y\""), c("run", "a;b|c>$d", "x*y"))
  expect_snapshot(external_editor("edit {input} {strength} {output} > log.txt", 1:3),
                  error = TRUE, cnd_class = TRUE)
  expect_snapshot(external_editor("edit '{input} {strength} {output}", 1:3),
                  error = TRUE, cnd_class = TRUE)
  expect_error(external_editor("edit {input} {strength} {output}; rm x", 1:3),
               class = "propgrad_error_input")
  expect_error(external_editor("edit \"$HOME\" {input} {strength} {output}", 1:3),
               class = "propgrad_error_input")
  expect_error(external_editor("edit $(id) {input} {strength} {output}", 1:3),
               class = "propgrad_error_input")
})

test_that("timeout must be a non-negative number of seconds, and is kept to", {
  cmd <- "edit {input} {strength} {output}"
  expect_snapshot(external_editor(cmd, 1:3, timeout = -1), error = TRUE, cnd_class = TRUE)
  expect_error(external_editor(cmd, 1:3, timeout = "5"), class = "propgrad_error_number")
  expect_error(external_editor(cmd, 1:3, timeout = NA), class = "propgrad_error_number")
  expect_error(external_editor(cmd, 1:3, timeout = c(1, 2)), class = "propgrad_error_number")
  skip_on_os("windows")
  skip_if_not_installed("processx")
  skip_if_not_installed("png")
  slow <- external_editor("sh -c 'sleep 5' {input} {strength} {output}", 1:3, timeout = 0.2)
  started <- Sys.time()
  expect_error(intervene(array(0.4, c(4, 4, 3)), slow), "timed out after 0.2 seconds",
               class = "propgrad_error_editor")
  expect_lt(as.numeric(difftime(Sys.time(), started, units = "secs")), 4)
})

# Issue 12, security: a shared strength table must not read files outside
# the folder the user named.
test_that("edited_images() refuses table entries that lead outside the folder", {
  skip_if_not_installed("png")
  base <- withr::local_tempdir()
  folder <- file.path(base, "edits")
  dir.create(file.path(folder, "sub"), recursive = TRUE)
  for (f in c("edits/a.png", "edits/sub/b.png", "edits/c..d.png", "outside.png")) {
    png::writePNG(array(0.5, c(4, 4, 3)), file.path(base, f))
  }
  ok <- edited_images(folder, data.frame(file = c("a.png", "sub/b.png", "c..d.png"), strength = 1:3))
  expect_length(ok, 3)
  table <- function(bad) data.frame(file = c("a.png", bad, "sub/b.png"), strength = 1:3)
  expect_snapshot(edited_images(folder, table("../outside.png")), error = TRUE, cnd_class = TRUE,
                  transform = function(x) gsub(base, "<tmp>", x, fixed = TRUE))
  expect_error(edited_images(folder, table("sub/../../outside.png")), class = "propgrad_error_file")
  expect_error(edited_images(folder, table(file.path(base, "outside.png"))), "outside.png",
               class = "propgrad_error_file")
  expect_error(edited_images(folder, table(NA)), class = "propgrad_error_file")
  skip_on_os("windows")
  file.symlink(file.path(base, "outside.png"), file.path(folder, "link.png"))
  expect_error(edited_images(folder, table("link.png")), "link.png", class = "propgrad_error_file")
  file.symlink(base, file.path(folder, "up"))
  expect_error(edited_images(folder, table("up/outside.png")), class = "propgrad_error_file")
})

test_that("edited_images() says when a file is given for a folder, or a folder for a file", {
  base <- withr::local_tempdir()
  csv <- file.path(base, "s.csv")
  write.csv(data.frame(file = "a.png", strength = 1), csv, row.names = FALSE)
  tidy <- function(x) gsub(base, "<tmp>", x, fixed = TRUE)
  expect_snapshot(edited_images(base, base), error = TRUE, cnd_class = TRUE, transform = tidy)
  expect_snapshot(edited_images(csv, csv), error = TRUE, cnd_class = TRUE, transform = tidy)
})

test_that("labels, periods and a program that does not exist are caught early", {
  cmd <- "edit {input} {strength} {output}"
  expect_error(external_editor(cmd, 1:3, property = NULL), class = "propgrad_error_type")
  expect_error(external_editor(cmd, 1:3, period = "a"), class = "propgrad_error_number")
  dir <- withr::local_tempdir()
  table <- data.frame(file = c("a.png", "b.png", "c.png"), strength = 1:3)
  expect_error(edited_images(dir, table, property = c("a", "b")), class = "propgrad_error_type")
  expect_error(edited_images(dir, table, period = -360), class = "propgrad_error_number")
  skip_if_not_installed("processx")
  skip_if_not_installed("png")
  missing_program <- external_editor("/no/such/editor {input} {strength} {output}", 1:3)
  expect_error(intervene(array(0.5, c(4, 4, 3)), missing_program), "was not found",
               class = "propgrad_error_editor")
})
