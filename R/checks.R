# Argument checks shared by every verb. Each failure is a classed error from
# R/conditions.R (`propgrad_error_input`, plus a more specific class) raised
# in the caller's frame, so users see their own call and tests can match the
# class. Checks run in R before anything reaches C++, as in fixest.

check_choice <- function(x, choices, arg = rlang::caller_arg(x),
                         call = rlang::caller_env()) {
  if (identical(x, choices)) return(choices[[1]])
  if (!is.character(x) || length(x) != 1 || is.na(x) || !x %in% choices) {
    abort_input(
      c("{.arg {arg}} must be one of {.or {.val {choices}}}.",
        x = "You supplied {.obj_type_friendly {x}}{if (is.character(x) && length(x) == 1) paste0(': \"', x, '\"') else ''}."),
      "propgrad_error_choice", call = call
    )
  }
  x
}

check_flag <- function(x, arg = rlang::caller_arg(x), call = rlang::caller_env()) {
  if (!is.logical(x) || length(x) != 1 || is.na(x)) {
    abort_input("{.arg {arg}} must be {.code TRUE} or {.code FALSE}, not {.obj_type_friendly {x}}.",
                call = call)
  }
  invisible(x)
}

check_whole <- function(x, min = -Inf, max = Inf, arg = rlang::caller_arg(x),
                        call = rlang::caller_env(), what = "a whole number") {
  if (!is.numeric(x) || length(x) != 1 || is.na(x)) {
    abort_input("{.arg {arg}} must be {what}, not {.obj_type_friendly {x}}.",
                "propgrad_error_number", call = call)
  }
  if (!is.finite(x) || x != round(x)) {
    abort_input(c("{.arg {arg}} must be {what}.", x = "You supplied {format(x)}."),
                "propgrad_error_number", call = call)
  }
  if (x < min || x > max) {
    range <- if (is.finite(max)) sprintf("between %s and %s", format(min, big.mark = ","),
                                         format(max, big.mark = ",", scientific = FALSE))
             else sprintf("at least %s", format(min))
    abort_input(c("{.arg {arg}} must be {range}.", x = "You supplied {format(x, scientific = FALSE)}."),
                "propgrad_error_number", call = call)
  }
  invisible(x)
}

# Whether numbers are usable outputs or property values: plain doubles or
# integers (vector or matrix), finite. Classed numbers are refused, not
# converted: integer64 keeps a bit pattern that as.matrix() reads as tiny
# doubles, and difftime, Date or units carry a unit the user must choose.
check_finite_numbers <- function(x, arg, call = rlang::caller_env()) {
  problem <- number_class_problem(x)
  if (!is.null(problem)) {
    abort_input(c("{.arg {arg}} must be {problem$kind}, not {problem$what}.", i = problem$fix),
                "propgrad_error_type", call = call)
  }
  bad <- !is.finite(x)
  if (any(bad)) {
    kinds <- nonfinite_kinds(x)
    abort_input(c("{.arg {arg}} must not contain {.or {kinds}}.",
                  x = "Found {sum(bad)} non-finite value{?s}, first at position {which(bad)[1]}.",
                  i = "Remove or impute those steps before testing."),
                "propgrad_error_nonfinite", call = call)
  }
  invisible(x)
}

# NULL when x holds plain numbers (double or integer, optionally a matrix or
# I()), else list(what = a description, fix = how to convert it).
number_class_problem <- function(x) {
  cls <- setdiff(class(x), c("AsIs", "matrix", "array", "numeric", "integer"))
  if (is.numeric(x) && !length(cls) && typeof(x) %in% c("double", "integer")) return(NULL)
  what <- cli::format_inline("{.obj_type_friendly {x}}")
  fix <- if (inherits(x, "integer64")) {
    "Convert it with {.code as.numeric()} (with {.pkg bit64} loaded; exact up to 2^53)."
  } else if (inherits(x, "difftime")) {
    "Convert it with {.code as.numeric(x, units = \"secs\")}, choosing the units you mean."
  } else if (inherits(x, c("Date", "POSIXt"))) {
    "Convert it to a number with the origin and unit you mean, e.g. {.code as.numeric(x - min(x))}."
  } else if (inherits(x, "units")) {
    "Drop the units with {.code units::drop_units()} or {.code as.numeric()}."
  } else if (is.factor(x)) {
    "Convert it with {.code as.numeric(as.character(x))} if its levels are numbers."
  } else if (is.character(x) || is.logical(x)) {
    "Convert it with {.code as.numeric()} if its values are numbers."
  } else {
    "Convert it to a plain double vector with {.code as.numeric()} if that is meant."
  }
  list(what = what, fix = cli::format_inline(fix), kind = if (is.numeric(x)) "plain numbers" else "numeric")
}

# Which of NA, NaN and Inf occur in x, for error messages.
nonfinite_kinds <- function(x) {
  c(if (any(is.na(x) & !is.nan(x))) "NA", if (any(is.nan(x))) "NaN", if (any(is.infinite(x))) "Inf")
}

# NULL: the default of ?pg_threads (which blames a bad option, not an
# argument the user never passed).
check_nthreads <- function(nthreads, call = rlang::caller_env()) {
  if (is.null(nthreads)) return(default_threads(call))
  check_whole(nthreads, 1, 1024, arg = "nthreads", call = call, what = "a whole number of threads")
  as.integer(nthreads)
}

check_seed <- function(seed, call = rlang::caller_env()) {
  if (is.null(seed)) {
    # Drawn from R's RNG, so set.seed() makes runs reproducible.
    return(as.numeric(sample.int(.Machine$integer.max, 1L)))
  }
  check_whole(seed, 0, 2^53, arg = "seed", call = call,
              what = "a whole number between 0 and 2^53")
  as.numeric(seed)
}

check_probability <- function(x, arg, call) {
  if (!is.numeric(x) || length(x) != 1 || !is.finite(x) || x <= 0 || x >= 1) {
    abort_input("{.arg {arg}} must be a single number between 0 and 1.", "propgrad_error_number",
                call = call)
  }
}
