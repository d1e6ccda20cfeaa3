# Safe writes (R/files.R): targets are checked before work, written through a
# temporary file, checked, and never overwrite an existing file unasked.

test_that("check_output_file() refuses folders, devices, missing folders and existing files", {
  dir <- withr::local_tempdir()
  expect_error(check_output_file(dir), class = "propgrad_error_file")
  expect_error(check_output_file(file.path(dir, "no", "such", "x.html")), "does not exist",
               class = "propgrad_error_file")
  expect_error(check_output_file(NA_character_), class = "propgrad_error_type")
  expect_error(check_output_file(file.path(dir, "a.csv"), overwrite = NA), class = "propgrad_error_input")
  skip_on_os("windows")
  expect_error(check_output_file("/dev/full", overwrite = TRUE), "not a regular file",
               class = "propgrad_error_file")
  expect_error(check_output_file("/dev/null"), "not a regular file", class = "propgrad_error_file")
  if (dir.exists("/proc")) {
    expect_error(check_output_file("/proc/x"), "does not take new files", class = "propgrad_error_file")
  }
  f <- file.path(dir, "a.txt")
  writeLines("mine", f)
  expect_error(check_output_file(f), "already exists", class = "propgrad_error_exists")
  expect_equal(check_output_file(f, overwrite = TRUE), normalizePath(f))
})

test_that("write_safely() writes through a temporary file and leaves nothing behind", {
  dir <- withr::local_tempdir()
  f <- file.path(dir, "t.txt")
  expect_equal(write_text_safely(c("a", "b\u00e9"), f), normalizePath(f))
  expect_equal(readLines(f, encoding = "UTF-8"), c("a", "b\u00e9"))
  expect_error(write_text_safely("c", f), class = "propgrad_error_exists")
  expect_equal(readLines(f), c("a", "b\u00e9"))
  write_text_safely("c", f, overwrite = TRUE)
  expect_equal(readLines(f), "c")
  expect_equal(list.files(dir, all.files = TRUE, no.. = TRUE), "t.txt")
})

test_that("a failed or truncated write leaves the old file and no temporary file", {
  dir <- withr::local_tempdir()
  f <- file.path(dir, "fig.png")
  writeLines("old", f)
  # What a full disk leaves: a PNG cut off after 4096 bytes.
  truncated_png <- function(tmp) {
    grDevices::png(tmp, 200, 200)
    plot(1:10)
    grDevices::dev.off()
    bytes <- readBin(tmp, "raw", file.size(tmp))
    writeBin(bytes[seq_len(min(length(bytes) - 1, 4096))], tmp)
  }
  expect_snapshot(write_safely(f, truncated_png, overwrite = TRUE), error = TRUE, cnd_class = TRUE,
                  transform = function(x) gsub(dir, "<dir>", x, fixed = TRUE))
  expect_equal(readLines(f), "old")
  expect_error(write_safely(f, function(tmp) file.create(tmp), overwrite = TRUE), "empty",
               class = "propgrad_error_write")
  expect_error(write_safely(f, function(tmp) stop("disk on fire"), overwrite = TRUE), "disk on fire",
               class = "propgrad_error_write")
  expect_error(write_safely(file.path(dir, "r.html"), function(tmp) writeLines("<html><body>", tmp)),
               "incomplete", class = "propgrad_error_write")
  expect_equal(list.files(dir, all.files = TRUE, no.. = TRUE), "fig.png")
  good <- function(tmp) {
    grDevices::png(tmp, 300, 300)
    plot(1)
    grDevices::dev.off()
  }
  write_safely(f, good, overwrite = TRUE)
  expect_true(valid_by_extension(f, "png"))
})

test_that("a real full disk is reported, not announced as written", {
  skip_on_cran()
  skip_if_not(Sys.info()[["sysname"]] == "Linux" && Sys.which("mount") != "")
  mnt <- withr::local_tempdir()
  ok <- suppressWarnings(system2("mount", c("-t", "tmpfs", "-o", "size=16k", "tmpfs", mnt),
                                 stdout = FALSE, stderr = FALSE))
  skip_if(ok != 0, "cannot mount a small tmpfs here (needs root)")
  withr::defer(system2("umount", mnt))
  f <- file.path(mnt, "big.txt")
  expect_error(write_text_safely(strrep("x", 1e5), f), class = "propgrad_error_write")
  expect_false(file.exists(f))
  expect_error(write_safely(file.path(mnt, "fig.png"), function(tmp) {
    grDevices::png(tmp, 2000, 2000)
    plot(stats::rnorm(5e4))
    grDevices::dev.off()
  }), class = "propgrad_error_write")
  expect_equal(list.files(mnt, all.files = TRUE, no.. = TRUE), character())
})
