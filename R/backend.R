# Where the shuffle engine runs. "local" hands every series to one parallel
# engine call in this R session; "future" splits the series into chunks and
# runs each chunk with future.apply on whatever future::plan() the user set
# (multisession, cluster, future.batchtools on Slurm ...). Random streams
# are keyed by each series' data, not by worker or chunk, so both give
# identical results for the same seed. The Westfall-Young joint stream needs
# every series at once and runs in this session. progressr reports progress
# per chunk.

backends <- c("local", "future")

backend_settings <- function(backend, chunk_size, nthreads, call) {
  backend <- check_choice(backend, backends, arg = "backend", call = call)
  if (backend == "future") {
    needed <- c("future", "future.apply")
    missing_pkgs <- needed[!vapply(needed, requireNamespace, logical(1), quietly = TRUE)]
    if (length(missing_pkgs)) {
      abort_input(c("{.code backend = \"future\"} needs the package{?s} {.pkg {missing_pkgs}}.",
                    i = "Install {?it/them} with {.code install.packages({deparse(missing_pkgs)})}, or use {.code backend = \"local\"}."),
                  "propgrad_error_dependency", call = call)
    }
  }
  if (!is.null(chunk_size)) {
    check_whole(chunk_size, 1, .Machine$integer.max, arg = "chunk_size", call = call,
                what = "a whole number of series per chunk")
  }
  # With a future backend the default thread count is decided on each
  # worker (its own cores), not copied from this session.
  list(backend = backend, chunk_size = chunk_size, worker_nthreads = nthreads)
}

# Runs the engine on all series and returns the per-series result vectors
# (and the null matrix), in the order of `series`.
engine_results <- function(series, settings) {
  settings$joint_only <- FALSE
  if (identical(settings$backend, "future") && length(series) > 0) {
    return(engine_results_future(series, settings))
  }
  engine_chunk(series, settings, settings$nthreads)
}

engine_chunk <- function(series, settings, nthreads) {
  settings$nthreads <- as.integer(nthreads)
  pg_shuffle_cpp(lapply(series, `[[`, "y"), lapply(series, series_positions), settings)
}

# Runs on a future worker: only the chunk's own series travel there.
engine_chunk_worker <- function(chunk, settings, progress) {
  nthreads <- settings$worker_nthreads
  if (is.null(nthreads)) {
    nthreads <- getOption("propgrad.nthreads",
                          min(future::availableCores(), pg_available_threads()))
  }
  settings$westfall_young <- FALSE
  res <- engine_chunk(chunk, settings, nthreads)
  if (!is.null(progress)) progress(amount = length(chunk))
  res
}

engine_results_future <- function(series, settings) {
  n <- length(series)
  chunk_size <- settings$chunk_size
  if (is.null(chunk_size)) {
    # A few chunks per worker balance uneven series without much overhead.
    chunk_size <- ceiling(n / (4 * future::nbrOfWorkers()))
  }
  chunk_of <- ceiling(seq_len(n) / chunk_size)
  chunks <- lapply(split(seq_len(n), chunk_of), function(i) series[i])
  progress <- if (requireNamespace("progressr", quietly = TRUE)) progressr::progressor(steps = n)
  parts <- future.apply::future_lapply(chunks, engine_chunk_worker, settings = settings,
                                       progress = progress, future.packages = "propgrad",
                                       future.seed = FALSE, future.scheduling = 1)
  out <- combine_engine_results(parts)
  if (isTRUE(settings$westfall_young)) {
    settings$joint_only <- TRUE
    out[["adj.p.value"]] <- engine_chunk(series, settings, settings$nthreads)[["adj.p.value"]]
  }
  out
}

combine_engine_results <- function(parts) {
  first <- parts[[1]]
  per_series <- setdiff(names(first), c("null", "total_shuffles"))
  out <- lapply(stats::setNames(nm = per_series), function(name) {
    unlist(lapply(parts, `[[`, name), use.names = FALSE)
  })
  out$null <- do.call(cbind, lapply(parts, `[[`, "null"))
  out$total_shuffles <- sum(vapply(parts, `[[`, 0, "total_shuffles"))
  out[names(first)]
}
