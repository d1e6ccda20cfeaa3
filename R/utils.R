# Small helpers with no better home.

#' Threads propgrad uses
#'
#' One number sets both the shuffle engine's threads and LibTorch's
#' intra-op threads (its CPU forward passes and interventions).
#' `pg_threads(n)` sets it for the session (the option `propgrad.nthreads`
#' and LibTorch's pool); `pg_threads()` gives the default in force.
#'
#' The default is, in this order: the option `propgrad.nthreads` when set,
#' else every core; capped by the environment variable `OMP_THREAD_LIMIT`
#' when it is a positive whole number; capped at 2 when
#' `_R_CHECK_LIMIT_CORES_` is `true` (as `R CMD check --as-cran` sets it);
#' and never above the cores OpenMP sees (1 in a build without OpenMP). An
#' explicit `nthreads` argument of [property_test()] or [shuffle_test()]
#' is used as given. On [future][future::plan()] workers the default is
#' also capped at the worker's [future::availableCores()]. Torch models
#' apply the default whenever they are loaded or run, so LibTorch follows
#' the option.
#'
#' @param n `NULL` (report), or the whole number of threads to use.
#' @return Without `n`, the default number of threads; with `n`, the
#'   previous default, invisibly.
#' @export
#' @examples
#' pg_threads()
#' old <- pg_threads(1)
#' pg_threads()
#' pg_threads(old)
pg_threads <- function(n = NULL) {
  call <- rlang::current_env()
  if (is.null(n)) return(default_threads(call))
  check_whole(n, 1, 1024, arg = "n", call = call, what = "a whole number of threads")
  old <- default_threads(call)
  options(propgrad.nthreads = as.integer(n))
  if (has_torch()) torch_threads(call)
  invisible(old)
}

# The one thread policy (documented in ?pg_threads).
default_threads <- function(call = rlang::caller_env()) {
  cores <- pg_available_threads()
  n <- getOption("propgrad.nthreads")
  if (is.null(n)) {
    n <- cores
  } else {
    check_whole(n, 1, 1024, arg = "options(propgrad.nthreads)", call = call,
                what = "a whole number of threads")
  }
  limit <- suppressWarnings(as.numeric(Sys.getenv("OMP_THREAD_LIMIT")))
  if (isTRUE(limit >= 1)) n <- min(n, floor(limit))
  if (tolower(Sys.getenv("_R_CHECK_LIMIT_CORES_")) == "true") n <- min(n, 2)
  as.integer(max(1, min(n, cores)))
}

# LibTorch's intra-op threads from the policy; the previous count.
torch_threads <- function(call = rlang::caller_env()) {
  torch_call(pg_torch_set_threads(default_threads(call)), call)
}

# R's own "argument is missing, with no default" is unclassed and comes from
# deep inside a verb; every verb calls this first for the arguments it
# cannot do without. `args` are names of the caller's arguments.
check_required <- function(args, call = rlang::caller_env()) {
  for (arg in args) {
    if (eval(call("missing", as.name(arg)), call)) {
      fn <- rlang::frame_call(call)[[1]]
      if (rlang::is_call(fn, c("::", ":::"))) fn <- fn[[3]]
      fn <- if (is.symbol(fn)) as.character(fn) else ""
      help <- if (fn %in% getNamespaceExports("propgrad")) c(i = "See {.code ?propgrad::{fn}} for what it takes.")
      abort_input(c("{.arg {arg}} is missing.", help), "propgrad_error_missing", call = call)
    }
  }
  invisible()
}
