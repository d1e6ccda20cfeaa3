# One memory limit for every large allocation propgrad makes: the bytes are
# estimated before anything is allocated and a request above the limit is
# refused with propgrad_error_memory, saying how much, the limit, the
# option that raises it and what to do instead. The limit is option
# propgrad.max_bytes (default 2e9 bytes); the older propgrad.max_null_bytes
# still sets it for keep_null.

memory_limit <- function(option = "propgrad.max_bytes") {
  limit <- getOption(option)
  if (is.null(limit) && option != "propgrad.max_bytes") {
    option <- "propgrad.max_bytes"
    limit <- getOption(option)
  }
  limit <- limit %||% 2e9
  if (!is.numeric(limit) || length(limit) != 1 || is.na(limit) || limit <= 0) {
    abort_input("Option {.code {option}} must be a positive number of bytes.", "propgrad_error_number",
                call = NULL)
  }
  list(bytes = limit, option = option)
}

format_bytes <- function(bytes) format(structure(bytes, class = "object_size"), units = "auto")

# Refuses `what` needing `bytes` above the limit; `advice` says what to do.
check_memory <- function(bytes, what, advice, call = rlang::caller_env(),
                         option = "propgrad.max_bytes") {
  limit <- memory_limit(option)
  if (is.finite(bytes) && bytes <= limit$bytes) return(invisible(bytes))
  pg_abort(c("{what} would need {format_bytes(bytes)}.",
             x = "That is above the limit of {format_bytes(limit$bytes)} ({.code options({limit$option})}).",
             i = advice),
           "propgrad_error_memory", call = call, input = TRUE)
}
