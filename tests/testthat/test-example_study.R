# run_example_study() is the README's main job: it must write every output
# it promises, from the bundled study, and refuse a bad folder.

test_that("the example study writes its tables, figures and report", {
  skip_on_cran()
  out <- file.path(withr::local_tempdir(), "demo")
  expect_warning(expect_output(res <- run_example_study(out, n_perm = 200, seed = 3, nthreads = 1)),
                 class = "propgrad_warning_resolution")
  expect_s3_class(res, "propgrad_tests")
  expect_equal(nrow(res), nrow(unique(pg_study[c("image", "model", "property")])))
  files <- c("property_tests.csv", "study_summary.csv", "study_summary.tex",
             "curves_img05_fur_colour.png", "study_summary.png", "heatmap.png")
  if (rmarkdown::pandoc_available()) files <- c(files, "report.html")
  expect_true(all(file.exists(file.path(out, files))))
  tests_csv <- utils::read.csv(file.path(out, "property_tests.csv"))
  expect_equal(tests_csv$p.value, res$p.value)
  # pg_table()'s tabularray table (rules as hlines), names escaped, notes below
  tex <- paste(readLines(file.path(out, "study_summary.tex")), collapse = "\n")
  expect_match(tex, "\\\\begin\\{talltblr\\}.*hline\\{1\\}.*dark\\\\_cats\\\\_bias.*\\\\end\\{table\\}$")
  expect_match(tex, "Phipson", fixed = TRUE)
  # A second run refuses to overwrite, before any test runs; overwrite = TRUE replaces.
  before <- tools::md5sum(file.path(out, files))
  expect_error(expect_silent(run_example_study(out, n_perm = 200, seed = 4, nthreads = 1)),
               "already exists", class = "propgrad_error_exists")
  expect_equal(tools::md5sum(file.path(out, files)), before)
  suppressWarnings(expect_output(run_example_study(out, n_perm = 200, seed = 4, nthreads = 1, overwrite = TRUE)))
  expect_false(identical(tools::md5sum(file.path(out, "property_tests.csv")), before[1]))
  expect_setequal(list.files(out, all.files = TRUE, no.. = TRUE), files)
})

test_that("the example study refuses a bad folder", {
  expect_snapshot(error = TRUE, cnd_class = TRUE, run_example_study(c("a", "b")))
})

# Issue 12: a file given as the folder failed only after the whole study ran.
test_that("a file given as the folder, or a folder that cannot be made, is refused before the study runs", {
  base <- withr::local_tempdir()
  file.create(f <- file.path(base, "results.csv"))
  started <- Sys.time()
  expect_snapshot(run_example_study(f), error = TRUE, cnd_class = TRUE,
                  transform = function(x) gsub(base, "<tmp>", x, fixed = TRUE))
  expect_error(run_example_study(file.path(f, "sub")), "cannot be created", class = "propgrad_error_file")
  expect_lt(as.numeric(difftime(Sys.time(), started, units = "secs")), 2)
})

test_that("pg_threads() counts the threads results never depend on", {
  n <- pg_threads()
  expect_true(is.numeric(n) && n >= 1)
  one <- shuffle_test(sin(1:30), n_perm = 500, seed = 9, nthreads = 1)
  all <- shuffle_test(sin(1:30), n_perm = 500, seed = 9, nthreads = n)
  expect_identical(all$p.value, one$p.value)
})
