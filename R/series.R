# Turning user input into clean series: outputs as an n x d matrix, property
# values strictly increasing (sorted together with y when needed, repeated
# values averaged on request), and the gradient settings validated against
# them. Every verb goes through here so all of them refuse the same inputs.

as_output_matrix <- function(y, arg, call) {
  if (is.data.frame(y)) {
    if (ncol(y) == 0) {
      abort_input("{.arg {arg}} has no columns.", "propgrad_error_length", call = call)
    }
    for (col in names(y)) {
      problem <- number_class_problem(y[[col]])
      if (!is.null(problem)) {
        abort_input(c("Every column of {.arg {arg}} must hold plain numbers; {.val {col}} is {problem$what}.",
                      i = problem$fix), "propgrad_error_type", call = call)
      }
    }
    y <- as.matrix(y)
  }
  check_finite_numbers(y, arg, call)
  if (length(dim(y)) > 2) {
    abort_input(c("{.arg {arg}} must be a vector or a matrix (steps x outputs), not a {length(dim(y))}-dimensional array.",
                  i = "Reshape it to one row per step, e.g. {.code matrix(x, nrow = dim(x)[1])}, or test each slice on its own."),
                "propgrad_error_type", call = call)
  }
  if (is.matrix(y) && ncol(y) == 0) {
    abort_input("{.arg {arg}} has no columns: there is no output to test.", "propgrad_error_length",
                call = call)
  }
  if (!is.matrix(y)) y <- matrix(as.double(y), ncol = 1L)
  storage.mode(y) <- "double"
  y
}

# Returns list(y = matrix, t = numeric or NULL, sorted = lgl, averaged = lgl).
# `checked = TRUE`: y is already a finite double matrix and t a finite double
# vector (property_test() checks whole columns once).
prepare_series <- function(y, t = NULL, ties = "error", y_arg = "y", t_arg = "t",
                           call = rlang::caller_env(), min_steps = 3L, hint = NULL,
                           checked = FALSE) {
  if (!checked) y <- as_output_matrix(y, y_arg, call)
  n <- nrow(y)
  sorted <- averaged <- FALSE
  if (!is.null(t)) {
    if (!checked) {
      check_finite_numbers(t, t_arg, call)
      if (!is.null(dim(t)) && min(dim(t)) > 1) {
        abort_input("{.arg {t_arg}} must be a vector of property values.", "propgrad_error_type", call = call)
      }
      t <- as.double(t)
    }
    if (length(t) != n) {
      abort_input(c("{.arg {y_arg}} and {.arg {t_arg}} must have the same number of steps.",
                    x = "{.arg {y_arg}} has {n} step{?s}, {.arg {t_arg}} has {length(t)}."),
                  "propgrad_error_length", call = call)
    }
    if (is.unsorted(t)) {
      o <- order(t)
      t <- t[o]
      y <- y[o, , drop = FALSE]
      sorted <- TRUE
    }
    if (n > 1 && any(dup <- diff(t) == 0)) {
      if (identical(ties, "mean")) {
        groups <- cumsum(c(TRUE, !dup))
        y <- rowsum(y, groups, reorder = FALSE) / as.vector(table(groups))
        dimnames(y) <- NULL
        t <- t[!duplicated(groups)]
        averaged <- TRUE
        n <- nrow(y)
      } else {
        abort_input(c("{.arg {t_arg}} has repeated property values.",
                      x = "{sum(dup)} value{?s} {?is/are} repeated, e.g. {t[which(dup)[1]]}.",
                      i = "Use {.code ties = \"mean\"} to average repeated measurements.",
                      i = hint),
                    "propgrad_error_ties", call = call)
      }
    }
  }
  if (n < min_steps) {
    abort_input(c("A series needs at least {min_steps} steps, not {n}.",
                  i = "Record the output at more points along the intervention."),
                "propgrad_error_length", call = call)
  }
  list(y = y, t = t, sorted = sorted, averaged = averaged)
}

# Resolves spacing, rescale, period and smooth into what the C++ core takes.
gradient_settings <- function(spacing = c("property", "index"), rescale = FALSE, period = NULL,
                              smooth = NULL, call = rlang::caller_env()) {
  spacing <- check_choice(spacing, c("property", "index"), arg = "spacing", call = call)
  check_flag(rescale, arg = "rescale", call = call)
  if (is.null(period)) {
    period <- 0
  } else if (!is.numeric(period) || length(period) != 1 || !is.finite(period) || period <= 0) {
    abort_input("{.arg period} must be a single positive number (e.g. 360 for degrees), or NULL.",
                "propgrad_error_number", call = call)
  }
  window <- 0L
  degree <- 2L
  if (!is.null(smooth)) {
    if (is.list(smooth) || !is.null(names(smooth))) {
      smooth <- as.list(smooth)
      unknown <- setdiff(names(smooth), c("window", "degree"))
      if (length(unknown) || is.null(smooth$window)) {
        abort_input("{.arg smooth} must be a window size or {.code list(window = , degree = )}.",
                    "propgrad_error_smooth", call = call)
      }
      window <- smooth$window
      if (!is.null(smooth$degree)) degree <- smooth$degree
    } else {
      window <- smooth
    }
    check_whole(window, 3, Inf, arg = "smooth window", call = call)
    check_whole(degree, 1, 6, arg = "smooth degree", call = call)
    if (window %% 2 == 0 || window < degree + 2) {
      abort_input(c("The smoothing window must be odd and larger than {.code degree + 1}.",
                    x = "You asked for window {window} with degree {degree}."),
                  "propgrad_error_smooth", call = call)
    }
  }
  list(spacing = spacing, rescale = rescale, period = as.double(period),
       window = as.integer(window), degree = as.integer(degree))
}

# Checks of the settings that depend on one series' property values.
check_series_against_settings <- function(series, settings, call, label = NULL) {
  n <- nrow(series$y)
  if (settings$window > n) {
    abort_input(c("The smoothing window ({settings$window}) is longer than the series{label} ({n} steps).",
                  i = "Use a smaller {.arg smooth} window."),
                "propgrad_error_smooth", call = call)
  }
  # Without t the core places the steps at 1..n: check those positions too.
  t <- series_positions(series)
  if (settings$period > 0 && settings$spacing == "property" &&
      !(diff(range(t)) < settings$period)) {
    abort_input(c("The property values{label} span {format(diff(range(t)))}, not less than the period {settings$period}.",
                  i = "A periodic property must not repeat a position: drop the last step if it equals the first one turn later."),
                "propgrad_error_period", call = call)
  }
  if (settings$rescale && settings$period == 0 && !(diff(range(t)) > 0)) {
    abort_input("Cannot rescale property values{label} with zero range.", "propgrad_error_input", call = call)
  }
  invisible(series)
}

# Property values the core uses: the user's t, or 1..n when none were given.
series_positions <- function(series) {
  if (is.null(series$t)) as.double(seq_len(nrow(series$y))) else series$t
}

inform_sorted <- function(n_sorted, n_averaged, what = "series") {
  n_sorted <- sum(n_sorted)  # a count, or one series' flag
  n_averaged <- sum(n_averaged)
  if (n_sorted > 0) {
    pg_inform(c(i = "Sorted the steps of {n_sorted} {what} by their property values."),
              "propgrad_message_sorted")
  }
  if (n_averaged > 0) {
    pg_inform(c(i = "Averaged repeated property values in {n_averaged} {what}."),
              "propgrad_message_ties")
  }
}
