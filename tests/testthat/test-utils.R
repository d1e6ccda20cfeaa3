# pg_threads() (R/utils.R): one documented thread policy for the shuffle
# engine and LibTorch (option, OMP_THREAD_LIMIT, _R_CHECK_LIMIT_CORES_,
# never above the cores), and pg_threads(n) setting both.

# A clean slate: no option, no limits from the environment.
local_no_thread_limits <- function(env = parent.frame()) {
  withr::local_options(propgrad.nthreads = NULL, .local_envir = env)
  withr::local_envvar(OMP_THREAD_LIMIT = NA, `_R_CHECK_LIMIT_CORES_` = NA, .local_envir = env)
}

test_that("the default is the option, capped by OMP_THREAD_LIMIT, R CMD check and the cores", {
  local_no_thread_limits()
  cores <- propgrad:::pg_available_threads()
  expect_equal(pg_threads(), cores)
  withr::local_options(propgrad.nthreads = 1)
  expect_equal(pg_threads(), 1L)
  expect_equal(propgrad:::check_nthreads(NULL), 1L)
  withr::local_options(propgrad.nthreads = 1024)
  expect_equal(pg_threads(), cores)
  withr::local_envvar(OMP_THREAD_LIMIT = "1")
  expect_equal(pg_threads(), 1L)
  expect_equal(propgrad:::check_nthreads(NULL), 1L)
  withr::local_envvar(OMP_THREAD_LIMIT = "not a number")
  expect_equal(pg_threads(), cores)
  withr::local_envvar(`_R_CHECK_LIMIT_CORES_` = "TRUE")
  expect_equal(pg_threads(), min(2L, cores))
  withr::local_envvar(`_R_CHECK_LIMIT_CORES_` = "false")
  expect_equal(pg_threads(), cores)
  # An explicit argument is the caller's choice.
  withr::local_envvar(OMP_THREAD_LIMIT = "1")
  expect_equal(propgrad:::check_nthreads(3), 3L)
})

test_that("pg_threads(n) sets the option and returns the previous default invisibly", {
  local_no_thread_limits()
  cores <- propgrad:::pg_available_threads()
  expect_invisible(old <- pg_threads(1))
  expect_equal(old, cores)
  expect_equal(getOption("propgrad.nthreads"), 1L)
  expect_equal(pg_threads(), 1L)
  expect_equal(pg_threads(2), 1L)
  expect_error(pg_threads(0), class = "propgrad_error_number")
  expect_error(pg_threads("two"), class = "propgrad_error_number")
  withr::local_options(propgrad.nthreads = "two")
  expect_error(pg_threads(), "options(propgrad.nthreads)", fixed = TRUE, class = "propgrad_error_number")
})

test_that("LibTorch's threads follow pg_threads() and the option", {
  skip_if_not(has_torch(), "propgrad was built without LibTorch")
  local_no_thread_limits()
  torch_count <- function() {
    # Setting returns the previous count; set it straight back.
    n <- propgrad:::pg_torch_set_threads(1L)
    propgrad:::pg_torch_set_threads(n)
    n
  }
  withr::defer(propgrad:::pg_torch_set_threads(propgrad:::pg_available_threads()))
  pg_threads(1)
  expect_equal(torch_count(), 1L)
  skip_if(propgrad:::pg_available_threads() < 2, "one core: no second thread count to set")
  pg_threads(2)
  expect_equal(torch_count(), 2L)
  # Set by the option alone, torch work applies it.
  withr::local_options(propgrad.nthreads = 1)
  m <- torch_model(torch_script_model("def forward(self, x):\n    return x.mean(dim=[1, 2, 3]).unsqueeze(1)",
                                      tempfile(fileext = ".pt")), device = "cpu")
  expect_equal(torch_count(), 1L)
  options(propgrad.nthreads = 2)
  predict(m, array(0.5, c(2, 4, 4, 3)), type = "raw")
  expect_equal(torch_count(), 2L)
})
