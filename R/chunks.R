# Chunked runs of the shuffle engine: the future backend and checkpoints.
# Each chunk is its own future, scheduled here (not by future_lapply) so a
# failed chunk can be resubmitted, the other chunks' results survive a dead
# worker, and every finished chunk can be saved to a checkpoint folder as it
# arrives. All in-flight futures are collected before an error is raised,
# so no worker is left computing for nobody.

checkpoint_manifest <- "propgrad-checkpoint.rds"

# The chunks of n series: contiguous index ranges, in order.
make_chunks <- function(n, chunk_size, backend) {
  if (is.null(chunk_size)) {
    # A few chunks per worker balance uneven series without much overhead.
    # A local checkpointed run saves about 20 chunks.
    workers <- if (backend == "future") min(future::nbrOfWorkers(), 1e4) else 5
    chunk_size <- ceiling(n / (4 * workers))
  }
  unname(split(seq_len(n), ceiling(seq_len(n) / chunk_size)))
}

# Settings that decide a chunk's result; threads, backend, scheduling and
# alpha (used only by the adjustment across series, made afterwards) do not.
result_settings <- function(settings) {
  settings[setdiff(names(settings), c("nthreads", "worker_nthreads", "backend", "chunk_size",
                                      "retries", "checkpoint", "joint_only", "westfall_young",
                                      "alpha"))]
}

chunk_key <- function(series, settings) {
  rlang::hash(list(result_settings(settings), lapply(series, `[`, c("y", "t"))))
}

# Runs every chunk (on the future plan, or here for a local checkpointed
# run) and returns the combined per-series results, or raises
# propgrad_error_worker with the finished chunks attached.
run_chunks <- function(series, settings, labels, call) {
  chunks <- make_chunks(length(series), settings$chunk_size, settings$backend)
  store <- checkpoint_open(settings$checkpoint, series, settings, call)
  keys <- vapply(chunks, function(i) chunk_key(series[i], settings), character(1))
  results <- lapply(keys, checkpoint_read, store = store)
  todo <- which(vapply(results, is.null, logical(1)))
  progress <- if (requireNamespace("progressr", quietly = TRUE)) progressr::progressor(steps = length(series))
  resumed <- setdiff(seq_along(chunks), todo)
  if (!is.null(progress) && length(resumed)) progress(amount = sum(lengths(chunks[resumed])))
  hook <- getOption("propgrad.test_hook")
  finish <- function(k, res) {
    results[[k]] <<- res
    checkpoint_write(store, keys[k], res)
  }
  failures <- if (settings$backend == "future") {
    schedule_futures(todo, chunks, series, settings, progress, hook, finish)
  } else {
    for (k in todo) finish(k, engine_chunk_worker(series[chunks[[k]]], settings, progress, hook, k))
    list()
  }
  if (length(failures)) abort_chunks(failures, results, chunks, labels, settings, store, call)
  combine_engine_results(results)
}

# Keeps at most one future per worker in flight, resubmits a failed chunk
# up to settings$retries times and returns the chunks that still failed
# (their last error each).
schedule_futures <- function(todo, chunks, series, settings, progress, hook, finish) {
  workers <- max(1, min(future::nbrOfWorkers(), length(todo)))
  attempts <- integer(length(chunks))
  failures <- list()
  queue <- todo
  running <- list()
  launch <- function(k) {
    # A quoted call, so that R CMD check sees no undefined `chunk`.
    expr <- quote(engine_chunk_worker(chunk, settings, progress, hook, k))
    tryCatch(future::future(expr, substitute = FALSE,
                            globals = list(engine_chunk_worker = engine_chunk_worker,
                                           chunk = series[chunks[[k]]], settings = settings,
                                           progress = progress, hook = hook, k = k),
                            packages = "propgrad", seed = FALSE, lazy = FALSE),
             error = function(e) e)
  }
  # A FutureError (not an error of the chunk's own code) means a worker is
  # gone; futures sent to it fail at once, so no more are launched until
  # the running ones are in, then the plan is restarted with fresh workers.
  broken <- FALSE
  wait <- 0.02
  # An interrupt (or any error here) must not leave workers computing for nobody.
  on.exit(if (length(running)) stop_running(running), add = TRUE)
  failed <- function(k, e) {
    if (inherits(e, "FutureError")) broken <<- TRUE
    attempts[k] <<- attempts[k] + 1L
    if (attempts[k] <= settings$retries) queue <<- c(queue, k) else failures[[as.character(k)]] <<- e
  }
  while (length(queue) || length(running)) {
    if (broken && !length(running)) {
      restart_workers()
      broken <- FALSE
    }
    while (!broken && length(queue) && length(running) < workers) {
      k <- queue[1]
      queue <- queue[-1]
      f <- launch(k)
      if (inherits(f, "error")) failed(k, f) else running[[as.character(k)]] <- f
    }
    if (!length(running)) next
    # resolved() itself fails once a future's worker is gone.
    state <- lapply(running, function(f) tryCatch(future::resolved(f), error = function(e) e))
    done <- names(running)[vapply(state, function(x) !isFALSE(x), logical(1))]
    if (!length(done)) {
      # Back off while nothing finishes: polling a cluster's job registry costs.
      Sys.sleep(wait)
      wait <- min(1, wait * 1.5)
      next
    }
    wait <- 0.02
    for (key in done) {
      res <- if (inherits(state[[key]], "error")) state[[key]] else {
        tryCatch(future::value(running[[key]]), error = function(e) e)
      }
      running[[key]] <- NULL
      if (inherits(res, "error")) failed(as.integer(key), res) else finish(as.integer(key), res)
    }
  }
  # Leave a working plan for the next call.
  if (broken) restart_workers()
  failures
}

# Kills the workers of cluster futures still running (future has no
# cancel) and restarts the plan; other futures are left to finish.
stop_running <- function(running) {
  for (f in running) {
    if (inherits(f, "ClusterFuture") && is.numeric(f$node) && requireNamespace("parallelly", quietly = TRUE)) {
      tryCatch(parallelly::killNode(f$workers[[f$node]]), error = function(e) NULL)
    }
  }
  tryCatch(restart_workers(), error = function(e) NULL)
}

# The same plan again: its workers are shut down and started afresh.
restart_workers <- function() {
  current <- future::plan("list")
  tryCatch(future::plan(future::sequential), error = function(e) NULL)
  future::plan(current)
}

abort_chunks <- function(failures, results, chunks, labels, settings, store, call) {
  ks <- sort(as.integer(names(failures)))
  ok <- which(!vapply(results, is.null, logical(1)))
  partial <- lapply(ok, function(k) list(chunk = k, series = chunks[[k]], result = results[[k]]))
  describe <- function(k) {
    i <- chunks[[k]]
    where <- if (length(i) == 1) labels[i[1]] else paste0(labels[i[1]], " to ", labels[i[length(i)]])
    cause <- conditionMessage(failures[[as.character(k)]])
    # The line is a cli template: braces in labels or causes must not interpolate.
    gsub("[{}]", "", sprintf("Chunk %d (series %d-%d: %s): %s", k, i[1], i[length(i)], where, cause))
  }
  tries <- settings$retries + 1
  resume <- if (is.null(store)) {
    "Give {.arg checkpoint} (a folder) to keep finished chunks on disk and rerun only the missing ones."
  } else {
    "They are saved in {.file {store$dir}}: rerun the same call to compute only the missing chunks."
  }
  pg_abort(c("{length(ks)} of {length(chunks)} chunk{?s} failed on the workers after {tries} attempt{?s} each.",
             x = utils::head(vapply(ks, describe, character(1)), 5),
             i = "The {length(ok)} finished chunk{?s} {?is/are} in {.code cnd$partial}.",
             i = resume),
           "propgrad_error_worker", call = call, partial = partial, failed = ks)
}

# Runs on a worker (or here): only the chunk's own series travel there.
# `hook` is for the package's fault tests (a delay, a PID file, a failure).
engine_chunk_worker <- function(chunk, settings, progress, hook = NULL, k = 0L) {
  if (!is.null(hook$pid_dir)) writeLines(as.character(Sys.getpid()), file.path(hook$pid_dir, paste0("chunk-", k)))
  if (!is.null(hook$delay)) Sys.sleep(hook$delay)
  if (k %in% hook$fail) stop("test hook: chunk ", k, " fails on purpose")
  flaky <- if (!is.null(hook$flaky)) file.path(hook$flaky, paste0("failed-", k))
  if (!is.null(flaky) && !file.exists(flaky)) {
    file.create(flaky)
    stop("test hook: chunk ", k, " fails on its first attempt")
  }
  nthreads <- settings$worker_nthreads
  if (is.null(nthreads)) {
    nthreads <- if (settings$backend == "future") {
      min(default_threads(), future::availableCores())
    } else {
      settings$nthreads
    }
  }
  settings$westfall_young <- FALSE
  res <- engine_chunk(chunk, settings, nthreads)
  if (!is.null(progress)) progress(amount = length(chunk))
  res
}

# The checkpoint folder: a manifest with the study's key (series data and
# settings) and one RDS per finished chunk, named by the chunk's own key.
checkpoint_open <- function(dir, series, settings, call) {
  if (is.null(dir)) return(NULL)
  if (!is.character(dir) || length(dir) != 1 || is.na(dir) || !nzchar(dir)) {
    abort_input("{.arg checkpoint} must be the path of a folder.", "propgrad_error_type", call = call)
  }
  if (file.exists(dir) && !dir.exists(dir)) {
    abort_input("{.arg checkpoint} {.file {dir}} is a file, not a folder.", "propgrad_error_file", call = call)
  }
  dir.create(dir, showWarnings = FALSE, recursive = TRUE)
  if (!dir.exists(dir)) {
    abort_input("Could not create the {.arg checkpoint} folder {.file {dir}}.", "propgrad_error_file", call = call)
  }
  key <- chunk_key(series, settings)
  manifest <- file.path(dir, checkpoint_manifest)
  if (file.exists(manifest)) {
    old <- tryCatch(readRDS(manifest), error = function(e) NULL)
    if (!inherits(old, "propgrad_checkpoint")) {
      abort_input(c("{.file {manifest}} is not a propgrad checkpoint; propgrad will not overwrite it.",
                    i = "Give {.arg checkpoint} a new or empty folder."), "propgrad_error_checkpoint", call = call)
    }
    if (!identical(old$key, key)) {
      abort_input(c("The checkpoint folder {.file {dir}} belongs to another study (other data or settings).",
                    i = "Rerun with the call that made it, or give {.arg checkpoint} a new folder."),
                  "propgrad_error_checkpoint", call = call)
    }
  } else {
    save_atomic(structure(list(key = key, created = Sys.time()), class = "propgrad_checkpoint"),
                manifest, dir)
  }
  list(dir = dir, key = key)
}

chunk_file <- function(store, key) file.path(store$dir, paste0("propgrad-chunk-", key, ".rds"))

checkpoint_read <- function(key, store) {
  if (is.null(store) || !file.exists(chunk_file(store, key))) return(NULL)
  # A file that cannot be read (a crash mid-rename cannot leave one, but a
  # full disk might) is recomputed rather than trusted.
  tryCatch(readRDS(chunk_file(store, key)), error = function(e) NULL)
}

checkpoint_write <- function(store, key, res) {
  if (!is.null(store)) save_atomic(res, chunk_file(store, key), store$dir)
}

# Written under a temporary name, then renamed: a reader never sees half a file.
save_atomic <- function(object, path, dir) {
  tmp <- tempfile(".propgrad-tmp-", tmpdir = dir, fileext = ".rds")
  written <- tryCatch({
    saveRDS(object, tmp)
    file.rename(tmp, path)
  }, error = function(e) FALSE, warning = function(w) FALSE)
  if (!isTRUE(written)) {
    unlink(tmp)
    pg_abort(c("Could not write {.file {path}}.", i = "Is the disk full, or the folder read-only?"),
             "propgrad_error_file")
  }
}
