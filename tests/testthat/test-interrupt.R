# A long shuffle run must stop on a user interrupt (polled by the master
# thread only) and leave the R session usable. Run in a child R process that
# receives a real SIGINT.

test_that("a long parallel run stops on an interrupt and R carries on", {
  skip_on_cran()
  skip_on_os("windows")
  skip_if_not_installed("callr")
  started <- tempfile()
  child <- callr::r_bg(function(started) {
    library(propgrad)
    # Few long series: the preparation in R is instant, so the interrupt
    # lands in the C++ engine (over a minute of work on two threads).
    d <- data.frame(id = rep(1:200, each = 100), t = rep(1:100, 200), y = stats::rnorm(20000))
    writeLines("go", started)
    t0 <- Sys.time()
    out <- tryCatch(property_test(d, "y", "t", by = "id", n_perm = 1e6, seed = 1, nthreads = 2),
                    interrupt = function(e) "interrupted")
    # the session still works after the interrupt
    list(out = out, after = shuffle_test(sin(1:20), n_perm = 99, seed = 1)$p.value,
         seconds = as.numeric(Sys.time() - t0, units = "secs"))
  }, args = list(started = started))
  on.exit(child$kill(), add = TRUE)
  for (i in 1:600) if (!file.exists(started)) Sys.sleep(0.1)
  Sys.sleep(1.5)
  expect_true(child$is_alive())
  child$interrupt()
  child$wait(timeout = 20000)
  expect_false(child$is_alive())
  res <- child$get_result()
  expect_equal(res$out, "interrupted")
  expect_lt(res$seconds, 15)
  expect_lte(res$after, 1)
})
