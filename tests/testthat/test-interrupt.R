# A long shuffle run must stop promptly on a user interrupt (polled by the
# master thread only), leave no worker thread busy and the R session usable.
# Runs in a child R process that receives a real SIGINT (Linux: the child's
# threads are read from /proc).

proc_threads <- function(pid) {
  status <- readLines(file.path("/proc", pid, "status"))
  as.integer(sub("Threads:\\s*", "", grep("^Threads:", status, value = TRUE)))
}

test_that("10^5 series stop within a second of an interrupt and leave no busy threads", {
  skip_on_cran()
  skip_if_not(file.exists("/proc/self/status"), "needs Linux /proc")
  skip_if_not_installed("callr")
  started <- tempfile()
  child <- callr::r_bg(function(started) {
    library(propgrad)
    n <- 1e5
    d <- data.frame(id = rep(seq_len(n), each = 8), t = rep(1:8, n), y = sin(seq_len(8 * n)))
    # Threads before the engine starts (R's own, BLAS ...).
    baseline <- as.integer(sub("Threads:\\s*", "", grep("^Threads:", readLines("/proc/self/status"), value = TRUE)))
    writeLines(as.character(baseline), started)
    caught <- tryCatch({
      property_test(d, "y", "t", by = "id", n_perm = 1e5, seed = 1, nthreads = 2)
      NULL
    }, interrupt = function(e) Sys.time())
    # CPU time of the whole process while it sleeps: a worker thread still
    # shuffling would add about a second per second.
    Sys.sleep(0.2)
    before <- proc.time()
    Sys.sleep(1)
    cpu <- sum((proc.time() - before)[c("user.self", "sys.self")])
    list(caught = caught, cpu = cpu,
         after = shuffle_test(c(1, 2, 3, 4, 5) / 5, statistic = "corr", seed = 1)$p.value)
  }, args = list(started = started))
  on.exit(child$kill(), add = TRUE)
  for (i in 1:600) if (!file.exists(started)) Sys.sleep(0.1)
  baseline <- as.integer(readLines(started))
  # Wait until the OpenMP team exists: the interrupt then lands in C++.
  for (i in 1:600) {
    if (!child$is_alive() || proc_threads(child$get_pid()) > baseline) break
    Sys.sleep(0.1)
  }
  expect_gt(proc_threads(child$get_pid()), baseline)
  Sys.sleep(0.5)
  expect_true(child$is_alive())
  sent <- Sys.time()
  child$interrupt()
  child$wait(timeout = 20000)
  expect_false(child$is_alive())
  res <- child$get_result()
  expect_s3_class(res$caught, "POSIXct")
  expect_lt(as.numeric(res$caught - sent, units = "secs"), 1)
  expect_lt(res$cpu, 0.2)
  expect_equal(res$after, 2 / 120)
})
