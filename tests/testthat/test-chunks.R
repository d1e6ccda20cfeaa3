# Chunked runs (R/chunks.R): failed chunks are resubmitted, then reported by
# a classed error that names them and keeps the finished ones; checkpoints
# resume a study and refuse another study's folder. The option
# propgrad.test_hook makes a chunk slow, fail, or report its worker's PID.

chunk_study <- function() pg_study[pg_study$model == "dark_cats_bias", ]

run_chunked <- function(...) {
  property_test(chunk_study(), p_cat ~ strength | image + property, n_perm = 200, seed = 5,
                alpha = 0.5, chunk_size = 4, ...)
}

test_that("a checkpointed local run gives the local results and resumes from disk", {
  local <- run_chunked()
  dir <- withr::local_tempdir()
  writeLines("mine", file.path(dir, "notes.txt"))
  first <- run_chunked(checkpoint = dir)
  expect_identical(first, local)
  chunk_files <- list.files(dir, "^propgrad-chunk-")
  expect_length(chunk_files, ceiling(nrow(local) / 4))
  expect_equal(readLines(file.path(dir, "notes.txt")), "mine")
  expect_length(list.files(dir, "propgrad-tmp", all.files = TRUE), 0)
  # Every chunk would now fail: a resumed run must read them all from disk,
  # also with another adjustment and alpha (applied after the chunks).
  withr::local_options(propgrad.test_hook = list(fail = 1:100))
  expect_identical(run_chunked(checkpoint = dir), local)
  bonferroni <- property_test(chunk_study(), p_cat ~ strength | image + property, n_perm = 200,
                              seed = 5, alpha = 0.2, chunk_size = 4, p_adjust = "bonferroni",
                              checkpoint = dir)
  expect_identical(bonferroni$p.value, local$p.value)
})

test_that("a checkpoint folder of another study or not propgrad's is refused", {
  dir <- withr::local_tempdir()
  run_chunked(checkpoint = dir)
  expect_error(property_test(chunk_study(), p_cat ~ strength | image + property, n_perm = 300,
                             seed = 5, alpha = 0.5, checkpoint = dir),
               class = "propgrad_error_checkpoint")
  foreign <- withr::local_tempdir()
  saveRDS(list(a = 1), file.path(foreign, "propgrad-checkpoint.rds"))
  expect_error(run_chunked(checkpoint = foreign), class = "propgrad_error_checkpoint")
  expect_identical(readRDS(file.path(foreign, "propgrad-checkpoint.rds")), list(a = 1))
  read_only <- withr::local_tempdir()
  Sys.chmod(read_only, "0555")
  if (file.access(read_only, 2) != 0) {  # root may write anyway
    expect_error(run_chunked(checkpoint = file.path(read_only, "sub")), class = "propgrad_error_file")
  }
  file <- withr::local_tempfile(lines = "x")
  expect_error(run_chunked(checkpoint = file), class = "propgrad_error_file")
  expect_error(run_chunked(checkpoint = NA_character_), class = "propgrad_error_type")
  expect_error(run_chunked(retries = -1), class = "propgrad_error_number")
  expect_error(property_test(chunk_study(), p_cat ~ strength | image + property,
                             n_perm = "adaptive", checkpoint = dir),
               class = "propgrad_error_incompatible")
})

test_that("a failing chunk is named, the finished ones are kept and a rerun resumes", {
  skip_if_not_installed("future")
  future::plan(future::sequential)
  withr::defer(future::plan(future::sequential))
  local <- run_chunked()
  dir <- withr::local_tempdir()
  withr::with_options(list(propgrad.test_hook = list(fail = 2)), {
    err <- expect_error(run_chunked(backend = "future", retries = 1, checkpoint = dir),
                        class = "propgrad_error_worker")
  })
  expect_match(conditionMessage(err), "1 of 4 chunks failed on the workers after 2 attempts", fixed = TRUE)
  expect_match(conditionMessage(err), "Chunk 2 (series 5-8: image=", fixed = TRUE)
  expect_match(conditionMessage(err), "fails on purpose", fixed = TRUE)
  expect_equal(err$failed, 2L)
  expect_equal(vapply(err$partial, `[[`, 0L, "chunk"), c(1L, 3L, 4L))
  kept <- err$partial[[2]]
  expect_equal(kept$series, 9:12)
  expect_identical(kept$result$p.value, local$p.value[9:12])
  expect_length(list.files(dir, "^propgrad-chunk-"), 3)
  # The rerun computes only chunk 2 (the others would fail now).
  withr::with_options(list(propgrad.test_hook = list(fail = c(1, 3, 4))), {
    expect_identical(run_chunked(backend = "future", checkpoint = dir), local)
  })
})

test_that("a chunk that fails once is resubmitted and the results stay the local ones", {
  skip_if_not_installed("future")
  future::plan(future::sequential)
  withr::defer(future::plan(future::sequential))
  local <- run_chunked()
  flaky <- withr::local_tempdir()
  withr::local_options(propgrad.test_hook = list(flaky = flaky))
  expect_identical(run_chunked(backend = "future", retries = 1), local)
  expect_length(list.files(flaky), 4)
  unlink(list.files(flaky, full.names = TRUE))
  expect_error(run_chunked(backend = "future", retries = 0), class = "propgrad_error_worker")
})

test_that("a killed multisession worker ends in a classed error, is retried, and the checkpoint resumes", {
  skip_on_cran()
  skip_if_not_installed("future")
  skip_if_not_installed("callr")
  local <- run_chunked()
  dir <- withr::local_tempdir()
  pids <- c(withr::local_tempdir(), withr::local_tempdir())
  # The child's workers load propgrad from the child's .libPaths(), which
  # are this session's (R_LIBS of a private library included).
  child <- callr::r_bg(function(dir, pids, libs) {
    .libPaths(libs)
    library(propgrad)
    future::plan(future::multisession, workers = 2)
    d <- pg_study[pg_study$model == "dark_cats_bias", ]
    run <- function(...) {
      property_test(d, p_cat ~ strength | image + property, n_perm = 200, seed = 5,
                    alpha = 0.5, chunk_size = 4, backend = "future", ...)
    }
    options(propgrad.test_hook = list(delay = 1, pid_dir = pids[1]))
    started <- Sys.time()
    cnd <- tryCatch(run(retries = 0, checkpoint = dir), error = function(e) e)
    secs <- as.numeric(Sys.time() - started, units = "secs")
    # With a retry the killed chunk runs again on the restarted plan.
    options(propgrad.test_hook = list(delay = 1, pid_dir = pids[2]))
    retried <- run(retries = 1)
    list(cnd = cnd, secs = secs, retried = retried, lib = find.package("propgrad"),
         worker_lib = future::value(future::future(find.package("propgrad"))))
  }, args = list(dir = dir, pids = pids, libs = .libPaths()))
  on.exit(child$kill(), add = TRUE)
  # Kill the worker of chunk 3 once it has started it (chunks 1 and 2 are
  # done, chunk 4 runs on the other worker), in each of the two runs.
  for (p in pids) {
    victim <- file.path(p, "chunk-3")
    for (i in 1:600) if (!file.exists(victim) && child$is_alive()) Sys.sleep(0.05)
    expect_true(file.exists(victim))
    Sys.sleep(0.2)
    tools::pskill(as.integer(readLines(victim)), tools::SIGKILL)
  }
  child$wait(timeout = 60000)
  res <- child$get_result()
  expect_equal(res$lib, find.package("propgrad"))
  expect_equal(res$worker_lib, find.package("propgrad"))
  cnd <- res$cnd
  expect_s3_class(cnd, "propgrad_error_worker")
  expect_match(conditionMessage(cnd), "Chunk 3 (series 9-12: image=", fixed = TRUE)
  expect_match(conditionMessage(cnd), "failed to receive results", fixed = TRUE)
  expect_equal(cnd$failed, 3L)
  # Chunk 4 was computed to the end, not left running as an orphan.
  expect_equal(vapply(cnd$partial, `[[`, 0L, "chunk"), c(1L, 2L, 4L))
  expect_lt(res$secs, 30)
  expect_identical(res$retried, local)
  # Resume here, one chunk after another: identical to the local run.
  expect_identical(run_chunked(checkpoint = dir), local)
})

test_that("an interrupted future run leaves no worker computing", {
  skip_on_cran()
  skip_if_not_installed("future")
  skip_if_not_installed("callr")
  skip_if_not_installed("ps")
  pids <- withr::local_tempdir()
  child <- callr::r_bg(function(pids, libs) {
    .libPaths(libs)
    library(propgrad)
    future::plan(future::multisession, workers = 2)
    options(propgrad.test_hook = list(delay = 60, pid_dir = pids))
    d <- pg_study[pg_study$model == "dark_cats_bias", ]
    caught <- tryCatch(property_test(d, p_cat ~ strength | image + property, n_perm = 50, seed = 5,
                                     alpha = 0.5, chunk_size = 4, backend = "future"),
                       interrupt = function(e) "interrupted")
    options(propgrad.test_hook = NULL)
    # The restarted plan still works.
    list(caught = caught, worker = future::value(future::future(Sys.getpid())))
  }, args = list(pids = pids, libs = .libPaths()))
  on.exit(child$kill(), add = TRUE)
  files <- file.path(pids, c("chunk-1", "chunk-2"))
  for (i in 1:600) if (!all(file.exists(files)) && child$is_alive()) Sys.sleep(0.05)
  expect_true(all(file.exists(files)))
  workers <- vapply(files, function(f) as.integer(readLines(f)), 0L)
  child$interrupt()
  child$wait(timeout = 30000)
  res <- child$get_result()
  expect_equal(res$caught, "interrupted")
  alive <- function(pid) {
    h <- tryCatch(ps::ps_handle(pid), error = function(e) NULL)
    !is.null(h) && isTRUE(tryCatch(ps::ps_status(h) != "zombie", error = function(e) FALSE))
  }
  for (i in 1:100) if (any(vapply(workers, alive, TRUE))) Sys.sleep(0.1)
  expect_false(any(vapply(workers, alive, TRUE)))
  expect_false(res$worker %in% workers)
})
