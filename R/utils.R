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
