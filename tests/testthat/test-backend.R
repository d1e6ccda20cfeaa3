# backend = "future" must give exactly the local results: streams are keyed
# by each series' data, so chunks and workers cannot change a p-value. The
# studies here are small; alpha = 0.5 keeps the resolution check quiet.

test_that("a future backend with two workers gives the local results", {
  skip_on_cran()
  skip_if_not_installed("future")
  skip_if_not_installed("future.apply")
  local <- property_test(pg_study, p_cat ~ strength | image + model + property,
                         n_perm = 300, seed = 11, alpha = 0.5, keep_null = TRUE, probs = c("p_cat", "p_dog"))
  future::plan(future::multisession, workers = 2)
  withr::defer(future::plan(future::sequential))
  spread <- property_test(pg_study, p_cat ~ strength | image + model + property,
                          n_perm = 300, seed = 11, alpha = 0.5, keep_null = TRUE,
                          probs = c("p_cat", "p_dog"), backend = "future", chunk_size = 7)
  expect_identical(spread, local)
  expect_identical(dim(attr(spread, "null")), c(300L, nrow(local)))
})

test_that("chunking and sequential plans do not change results", {
  skip_if_not_installed("future")
  skip_if_not_installed("future.apply")
  future::plan(future::sequential)
  d <- pg_study[pg_study$model == "dark_cats_bias", ]
  local <- property_test(d, c("p_cat", "p_dog"), "strength", by = c("image", "property"),
                         n_perm = 200, seed = 3, sequential = 10, alpha = 0.5)
  for (size in c(1, 5, 1000)) {
    spread <- property_test(d, c("p_cat", "p_dog"), "strength", by = c("image", "property"),
                            n_perm = 200, seed = 3, sequential = 10, alpha = 0.5, backend = "future",
                            chunk_size = size, nthreads = 1)
    expect_identical(spread, local)
  }
  # Westfall-Young needs the joint null of all series, gathered from chunks.
  wy <- property_test(d, "p_cat", "strength", by = c("image", "property"), n_perm = 200,
                      seed = 3, p_adjust = "westfall_young")
  wy_future <- property_test(d, "p_cat", "strength", by = c("image", "property"), n_perm = 200,
                             seed = 3, p_adjust = "westfall_young", backend = "future",
                             chunk_size = 3)
  expect_identical(wy_future, wy)
})

test_that("progressr reports one step per series", {
  skip_if_not_installed("future.apply")
  skip_if_not_installed("progressr")
  future::plan(future::sequential)
  # progressr is silent in non-interactive sessions unless enabled.
  withr::local_options(progressr.enable = TRUE)
  seen <- 0
  progressr::with_progress(
    withCallingHandlers(
      property_test(pg_study, p_cat ~ strength | image + model + property, n_perm = 50,
                    seed = 1, alpha = 0.5, p_adjust = "none", backend = "future", chunk_size = 10),
      progression = function(cond) if (identical(cond$type, "update")) seen <<- seen + cond$amount
    ),
    handlers = progressr::handler_void()
  )
  expect_equal(seen, nrow(unique(pg_study[c("image", "model", "property")])))
})

test_that("backend arguments are checked", {
  expect_snapshot(error = TRUE, cnd_class = TRUE, {
    property_test(pg_study, p_cat ~ strength | image + model + property, backend = "slurm")
    property_test(pg_study, p_cat ~ strength | image + model + property, backend = "future",
                  chunk_size = 0)
  })
})

test_that("future.batchtools jobs give the local results and a failed job is named", {
  skip_on_cran()
  skip_if_not_installed("future.batchtools")
  d <- pg_study[pg_study$model == "dark_cats_bias", ]
  run <- function(...) {
    property_test(d, p_cat ~ strength | image + property, n_perm = 100, seed = 8, alpha = 0.5,
                  chunk_size = 8, ...)
  }
  local <- run()
  # batchtools keeps its registry under the working directory.
  withr::local_dir(withr::local_tempdir())
  future::plan(future.batchtools::batchtools_local)
  withr::defer(future::plan(future::sequential))
  expect_identical(run(backend = "future"), local)
  # future.batchtools keeps a failed job's registry unless told otherwise.
  withr::local_options(propgrad.test_hook = list(fail = 2), future.delete = TRUE)
  err <- expect_error(run(backend = "future", retries = 0), class = "propgrad_error_worker")
  expect_match(conditionMessage(err), "Chunk 2 (series 9-16", fixed = TRUE)
  expect_equal(err$partial[[1]]$chunk, 1L)
  expect_identical(err$partial[[1]]$result$p.value, local$p.value[1:8])
})

test_that("the Slurm template example is installed", {
  tmpl <- system.file("templates", "slurm.tmpl", package = "propgrad")
  expect_true(nzchar(tmpl))
  expect_true(any(grepl("doJobCollection", readLines(tmpl), fixed = TRUE)))
})
