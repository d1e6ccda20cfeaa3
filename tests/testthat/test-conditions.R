# Conditions come from one place, R/conditions.R: every class signalled in
# R/ is in its registry, unknown classes are refused, families are attached,
# and the messages of the warnings a study can raise are snapshot-tested
# with their classes.

test_that("every condition class used in R/ is in the registry", {
  src <- test_path("..", "..", "R")
  skip_if_not(dir.exists(src), "the package sources are not next to the tests")
  code <- unlist(lapply(list.files(src, "\\.R$", full.names = TRUE), readLines))
  used <- unique(unlist(regmatches(code, gregexpr("propgrad_(error|warning|message)_[a-z_]+", code))))
  # torch kinds are built from the C++ error's kind at run time
  used <- setdiff(used, "propgrad_error_torch_")
  expect_setequal(setdiff(used, names(propgrad:::condition_classes)), character())
  # and nothing outside conditions.R signals with cli directly
  others <- setdiff(list.files(src, "\\.R$", full.names = TRUE), file.path(src, "conditions.R"))
  direct <- unlist(lapply(others, function(f) grep("cli::cli_(abort|warn|inform)", readLines(f), value = TRUE)))
  expect_equal(direct, character())
})

test_that("every error a snapshot records is a propgrad class", {
  snaps <- list.files(test_path("_snaps"), "\\.md$", full.names = TRUE)
  skip_if(length(snaps) == 0, "no snapshots next to the tests")
  lines <- unlist(lapply(snaps, readLines, warn = FALSE))
  shown <- grep("^    (Condition|Error|Warning|Message) <[^>]+>$", lines, value = TRUE)
  expect_gt(length(shown), 50)
  classes <- sub("^    \\S+ <([^>]+)>$", "\\1", shown)
  expect_equal(classes[!grepl("^propgrad_(error|warning|message)", classes)], character())
})

test_that("signalling helpers attach families and refuse unknown classes", {
  e <- rlang::catch_cnd(propgrad:::abort_input("x", "propgrad_error_number"))
  expect_s3_class(e, c("propgrad_error_number", "propgrad_error_input", "propgrad_error"))
  e <- rlang::catch_cnd(propgrad:::pg_abort("x", "propgrad_error_torch_device", input = TRUE))
  expect_s3_class(e, c("propgrad_error_torch_device", "propgrad_error_torch", "propgrad_error_input",
                       "propgrad_error"))
  e <- rlang::catch_cnd(propgrad:::pg_abort("x", "propgrad_error_engine"))
  expect_false(inherits(e, "propgrad_error_input"))
  w <- rlang::catch_cnd(propgrad:::pg_warn("x", "propgrad_warning_resolution"))
  expect_s3_class(w, c("propgrad_warning_resolution", "propgrad_warning"))
  m <- rlang::catch_cnd(propgrad:::pg_inform("x", "propgrad_message_sorted"))
  expect_s3_class(m, c("propgrad_message_sorted", "propgrad_message"))
  expect_error(propgrad:::pg_warn("x", "propgrad_warning_made_up"), "not in R/conditions.R")
  expect_error(propgrad:::pg_abort("x", "propgrad_error_made_up"), "not in R/conditions.R")
})

test_that("the warnings of a study read as they should", {
  set.seed(1)
  expect_snapshot(cnd_class = TRUE, {
    invisible(property_test(pg_study, p_cat ~ strength | image + model + property, n_perm = 999, seed = 1))
    invisible(shuffle_test(rep(1, 10), n_perm = 99, seed = 1))
    invisible(shuffle_test(c(1, 3, 2, 4, 6, 5, 7, 9, 8, 10), n_perm = 99, seed = 1, p_method = "zollstock"))
    invisible(shuffle_test(c(1e308, -1e308, 0, 5, 3, 4), n_perm = 99, seed = 1))
    invisible(shuffle_test(c(2, 1, 3, 5, 4, 6), statistic = "mi", n_perm = 99, seed = 1))
  })
})
