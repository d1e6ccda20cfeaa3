# Small helpers with no better home.

#' Number of threads propgrad can use
#'
#' @return The number of processors OpenMP sees (1 when the package was built
#'   without OpenMP). The default for `nthreads` is
#'   `getOption("propgrad.nthreads")`, else this.
#' @export
#' @examples
#' pg_threads()
pg_threads <- function() pg_available_threads()

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
