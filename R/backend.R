# Where the shuffle engine runs. "local" hands every series to one parallel
# engine call in this R session; "future" splits the series into chunks and
# runs each chunk as a future on whatever future::plan() the user set
# (multisession, cluster, future.batchtools on Slurm ...), resubmitting
# failed chunks and keeping finished ones (R/chunks.R). Random streams
# are keyed by each series' data, not by worker or chunk, so both give
# identical results for the same seed. The Westfall-Young joint stream needs
# every series at once and runs in this session. progressr reports progress
# per chunk.

backends <- c("local", "future")

backend_settings <- function(backend, chunk_size, nthreads, call, checkpoint = NULL,
                             retries = getOption("propgrad.retries", 1)) {
  backend <- check_choice(backend, backends, arg = "backend", call = call)
  if (backend == "future") {
    needed <- "future"
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
  check_whole(retries, 0, 100, arg = "retries", call = call, what = "a whole number of resubmissions")
  # With a future backend the default thread count is decided on each
  # worker (its own cores), not copied from this session.
  list(backend = backend, chunk_size = chunk_size, worker_nthreads = nthreads,
       checkpoint = checkpoint, retries = as.integer(retries))
}

# Runs the engine on all series and returns the per-series result vectors
# (and the null matrix), in the order of `series`. The future backend and
# checkpointed runs go chunk by chunk (R/chunks.R); the Westfall-Young
# joint stream needs every series at once and runs here afterwards.
engine_results <- function(series, settings, labels = NULL, call = rlang::caller_env()) {
  settings$joint_only <- FALSE
  chunked <- identical(settings$backend, "future") || !is.null(settings$checkpoint)
  if (!chunked || length(series) == 0) return(engine_chunk(series, settings, settings$nthreads))
  if (is.null(labels)) labels <- as.character(seq_along(series))
  out <- run_chunks(series, settings, labels, call)
  if (isTRUE(settings$westfall_young)) {
    settings$joint_only <- TRUE
    out[["adj.p.value"]] <- engine_chunk(series, settings, settings$nthreads)[["adj.p.value"]]
  }
  out
}

engine_chunk <- function(series, settings, nthreads) {
  settings$nthreads <- as.integer(nthreads)
  pg_shuffle_cpp(lapply(series, `[[`, "y"), lapply(series, series_positions), settings)
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
