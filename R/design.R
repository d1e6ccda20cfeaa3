# The design of a study as property_test() reads it from a data frame: the
# output, property and by columns (named or from a formula of plain column
# names), their types, and the series they form. Every series is checked
# before anything is shuffled, so a bad one is named by its by-values (not
# a row) and, with na_action = "skip", set aside with its reason while the
# others are tested.

# The series of a study: one per group of `by` values and output (or per
# group with joint outputs), prepared and checked, with their by-values,
# output labels, labels for messages and prediction flips. A series that
# cannot be tested is listed with its reason; with na_action = "fail" all
# of them end in one error, with "skip" they are returned in `skipped`.
build_series <- function(data, spec, joint, probs, settings, call, na_action = "fail") {
  groups <- series_groups(data, spec$by)
  outputs <- if (joint) list(spec$output) else as.list(spec$output)
  output_label <- vapply(outputs, paste, character(1), collapse = "+")
  n_rows <- length(groups$rows) * length(outputs)
  series <- vector("list", n_rows)
  flips <- rep(NA_integer_, n_rows)
  reason <- rep(NA_character_, n_rows)
  causes <- vector("list", n_rows)
  row_group <- rep(seq_along(groups$rows), each = length(outputs))
  row_output <- rep(seq_along(outputs), times = length(groups$rows))
  hint <- if (length(spec$by)) "Do the {.arg by} columns identify each series? Each series must have one row per property value." else "Does {.arg data} hold several series? Name the columns that identify them in {.arg by}."
  # Left as cli markup: formatted only if an error shows it (formatting it
  # here cost a few milliseconds per call).
  # Whole columns are converted once; series are row subsets.
  outputs_all <- as_data_matrix(data, unique(spec$output), call)
  t_all <- as_data_matrix(data, spec$property, call)[, 1]
  probs_all <- if (!is.null(probs)) as_data_matrix(data, probs, call)
  label <- paste0(groups$label[row_group], if (length(outputs) > 1) paste0(", output=", output_label[row_output]))
  # Non-finite counts per series and column, and series whose steps need a
  # closer look, found for all series at once: a tryCatch() per series
  # would dominate studies of 10^5 series.
  all_cols <- cbind(outputs_all, t_all, probs_all)
  colnames(all_cols) <- c(unique(spec$output), spec$property, probs)
  bad_cells <- !is.finite(all_cols)
  has_nonfinite <- matrix(FALSE, length(groups$rows), length(outputs))
  if (any(bad_cells)) {
    nonfinite_counts <- rowsum(bad_cells * 1, groups$id, reorder = TRUE)
    for (o in seq_along(outputs)) {
      has_nonfinite[, o] <- rowSums(nonfinite_counts[, c(outputs[[o]], spec$property, probs), drop = FALSE]) > 0
    }
  }
  suspect <- suspect_groups(groups, t_all, settings)
  prepare <- function(y, t, y_arg) {
    s <- prepare_series(y, t, ties = settings$ties, y_arg = y_arg, t_arg = spec$property,
                        call = call, hint = hint, checked = TRUE)
    check_series_against_settings(s, settings$gradient, call)
  }
  n_sorted <- n_averaged <- 0L
  for (r in seq_len(n_rows)) {
    rows <- groups$rows[[row_group[r]]]
    cols <- outputs[[row_output[r]]]
    if (has_nonfinite[row_group[r], row_output[r]]) {
      counts <- nonfinite_counts[row_group[r], c(cols, spec$property, probs)]
      reason[r] <- paste0("non-finite values in ",
                          paste(sprintf("%s (%d of %d steps)", names(counts)[counts > 0], counts[counts > 0],
                                        length(rows)), collapse = ", "))
      causes[[r]] <- "propgrad_error_nonfinite"
      next
    }
    t <- t_all[rows]
    y <- outputs_all[rows, cols, drop = FALSE]
    y_arg <- output_label[row_output[r]]
    s <- if (suspect[row_group[r]]) {
      tryCatch(prepare(y, t, y_arg), propgrad_error_input = function(cnd) cnd)
    } else {
      prepare(y, t, y_arg)
    }
    if (inherits(s, "condition")) {
      detail <- rlang::cnd_body(s)
      detail <- detail[names(detail) == "x"]
      reason[r] <- paste0(sub("\\.$", "", rlang::cnd_header(s)),
                          if (length(detail)) paste0(" (", sub("\\.$", "", detail[1]), ")"))
      causes[[r]] <- s
      next
    }
    n_sorted <- n_sorted + (s$sorted && row_output[r] == 1)
    n_averaged <- n_averaged + (s$averaged && row_output[r] == 1)
    series[[r]] <- s
    if (!is.null(probs)) {
      flips[r] <- count_flips(probs_all[rows[order(t)], , drop = FALSE])
    }
  }
  bad <- which(!is.na(reason))
  if (length(bad) && (na_action == "fail" || length(bad) == n_rows)) {
    abort_bad_series(label, reason, causes, bad, n_rows, call)
  }
  inform_sorted(n_sorted, n_averaged, "series")
  values <- groups$values[row_group, , drop = FALSE]
  rownames(values) <- NULL
  skipped <- NULL
  if (length(bad)) {
    skipped <- values[bad, , drop = FALSE]
    skipped$output <- output_label[row_output][bad]
    skipped$reason <- reason[bad]
    rownames(skipped) <- NULL
    pg_warn(c("Skipped {length(bad)} of {n_rows} series that cannot be tested; the other {n_rows - length(bad)} {?is/are} tested and adjusted among themselves.",
              set_names_bullets(label[bad], reason[bad]),
              i = "The skipped series and their reasons: {.code attr(x, \"settings\")$skipped}."),
            "propgrad_warning_skipped")
    keep <- -bad
  } else {
    keep <- seq_len(n_rows)
  }
  list(series = series[keep], values = values[keep, , drop = FALSE],
       output = output_label[row_output][keep], label = label[keep], flips = flips[keep],
       skipped = skipped)
}

# Series whose property values may fail the checks of prepare_series() or
# check_series_against_settings(): fewer than 3 steps, repeated values, or
# a window, period or rescale that may not fit. Only these are checked
# under tryCatch(); the verdict itself stays with those functions.
suspect_groups <- function(groups, t, settings) {
  g <- settings$gradient
  n <- tabulate(groups$id, nbins = length(groups$rows))
  o <- order(groups$id, t)
  id <- groups$id[o]
  ts <- t[o]
  same <- id[-1] == id[-length(id)]
  dup <- tabulate(id[-1][same & ts[-1] == ts[-length(ts)]], nbins = length(n)) > 0
  first <- !duplicated(id)
  last <- !duplicated(id, fromLast = TRUE)
  span <- numeric(length(n))
  span[id[first]] <- ts[last] - ts[first]
  spread <- if (g$spacing == "index") n - 1 else span
  n < 3 | dup | n < g$window | (g$period > 0 & !(spread < g$period)) | (g$rescale & !(spread > 0))
}

# Up to ten bullets "series: reason" (cli-escaped), and a count of the rest.
set_names_bullets <- function(label, reason, max = 10) {
  shown <- utils::head(seq_along(label), max)
  out <- stats::setNames(cli_escape(paste0(label[shown], ": ", reason[shown])), rep("x", length(shown)))
  if (length(label) > max) out <- c(out, c(" " = sprintf("... and %d more", length(label) - max)))
  out
}

cli_escape <- function(x) gsub("\\}", "}}", gsub("\\{", "{{", x))

# One error for every series that cannot be tested, carrying the classes of
# the causes (a single bad series keeps its cause's bullets and hint).
abort_bad_series <- function(label, reason, causes, bad, n_rows, call) {
  cause_class <- function(cnd) {
    if (is.character(cnd)) return(cnd)
    intersect(class(cnd), names(condition_classes))
  }
  classes <- unique(c(unlist(lapply(causes[bad], cause_class)), "propgrad_error_series"))
  classes <- setdiff(classes, c("propgrad_error_input", "propgrad_error"))
  skip_hint <- if (n_rows > 1 && length(bad) < n_rows) c(i = "{cli::qty(length(bad))}Fix or drop {?it/them}, or use {.code na_action = \"skip\"} to test the other series and list {?it/them} in the result.")
  # The advice of the causes, once (the same for every series in the usual
  # case of one mistake repeated across a study).
  bodies <- lapply(causes[bad], function(cnd) {
    if (inherits(cnd, "condition")) rlang::cnd_body(cnd) else c(i = "Remove or impute those steps before testing.")
  })
  advice <- unique(unlist(lapply(bodies, function(b) b[names(b) == "i"])))
  advice <- stats::setNames(cli_escape(advice), rep("i", length(advice)))
  if (length(bad) == 1 && n_rows == 1) {
    cnd <- causes[[bad]]
    if (inherits(cnd, "condition")) {
      body <- rlang::cnd_body(cnd)
      abort_input(c(cli_escape(rlang::cnd_header(cnd)), stats::setNames(cli_escape(body), names(body))),
                  classes, call = call)
    }
    abort_input(c("The series has {reason[bad]}.", advice), classes, call = call)
  }
  head <- if (length(bad) == 1) "Series {.val {label[bad]}} cannot be tested." else "{length(bad)} of {n_rows} series cannot be tested."
  abort_input(c(head, set_names_bullets(label[bad], reason[bad]), utils::head(advice, 3), skip_hint),
              classes, call = call)
}

# Numeric columns of data as a double matrix, refusing classed numbers
# (flip_correlation() comes here without check_columns()); non-finite
# values are left for the per-series checks, which name the series.
as_data_matrix <- function(data, cols, call) {
  check_number_columns(data, cols, call)
  m <- as.matrix(data[cols])
  storage.mode(m) <- "double"
  rownames(m) <- NULL
  m
}

# Columns of plain numbers (see number_class_problem()), or a classed
# error saying how to convert the first one that is not.
check_number_columns <- function(data, cols, call) {
  for (col in cols) {
    problem <- number_class_problem(data[[col]])
    if (!is.null(problem)) {
      abort_input(c("Column {.val {col}} must be {problem$kind}, not {problem$what}.", i = problem$fix),
                  "propgrad_error_type", call = call)
    }
  }
}

# As as_data_matrix(), refusing non-finite values with the column and row
# (for columns that are not split into series).
finite_data_matrix <- function(data, cols, call) {
  m <- as_data_matrix(data, cols, call)
  for (j in seq_along(cols)) {
    bad <- !is.finite(m[, j])
    if (any(bad)) {
      kinds <- nonfinite_kinds(m[, j])
      abort_input(c("Column {.val {cols[j]}} must not contain {.or {kinds}}.",
                    x = "Found {sum(bad)} non-finite value{?s}, first in row {which(bad)[1]}.",
                    i = "Remove or impute those rows first."),
                  "propgrad_error_nonfinite", call = call)
    }
  }
  m
}

# output ~ property | by1 + by2, where every term is a plain column name:
# log(y) or I(t^2) would otherwise be reduced to y or t by all.vars().
parse_test_formula <- function(f, call) {
  if (length(f) != 3) abort_input("The formula needs an output on the left: {.code output ~ property | by}.",
                                  "propgrad_error_formula", call = call)
  rhs <- f[[3]]
  by <- NULL
  if (is.call(rhs) && identical(rhs[[1]], as.name("|"))) {
    by <- formula_columns(rhs[[3]], "by", call)
    rhs <- rhs[[2]]
  }
  property <- formula_columns(rhs, "property", call)
  if (length(property) != 1) {
    abort_input(c("The formula must name exactly one property before {.code |}.",
                  x = "Found {length(property)}: {.val {property}}."),
                "propgrad_error_formula", call = call)
  }
  list(output = formula_columns(f[[2]], "output", call), property = property, by = by)
}

# The column names in one side of a formula: names joined by `+`; anything
# else (a function call, a number, `.`) is refused rather than guessed.
formula_columns <- function(expr, part, call) {
  if (is.call(expr) && identical(expr[[1]], as.name("+")) && length(expr) == 3) {
    return(c(formula_columns(expr[[2]], part, call), formula_columns(expr[[3]], part, call)))
  }
  if (is.name(expr) && !identical(expr, as.name("."))) return(as.character(expr))
  term <- paste(deparse(expr), collapse = " ")
  abort_input(c("The formula's {part} term {.code {term}} is not a column name.",
                i = "propgrad tests columns as they are: compute transformed values as a column first, e.g. {.code data$log_y <- log(data$y)}, and name that column."),
              "propgrad_error_formula", call = call)
}

# Columns property_test() adds to its result: a by column of the same name
# would be overwritten and its series could no longer be told apart.
result_columns <- c("output", "n_steps", "statistic", "estimate", "null_mean", "null_sd", "z",
                    "p.value", "p.conf.low", "p.conf.high", "adj.p.value", "n_perm_used",
                    "decision", "flips")

check_columns <- function(data, spec, probs, call) {
  for (arg in c("output", "property", "by")) {
    v <- spec[[arg]]
    if (arg != "by" && length(v) == 0) abort_input("{.arg {arg}} names no column.", call = call)
    if (!is.null(v) && !is.character(v)) {
      abort_input("{.arg {arg}} must be column names (a character vector).", "propgrad_error_type", call = call)
    }
  }
  if (length(spec$property) != 1) abort_input("{.arg property} must name one column.", call = call)
  if (anyDuplicated(spec$output)) {
    abort_input("{.arg output} names {.val {unique(spec$output[duplicated(spec$output)])}} more than once; each output is one series per group.",
                "propgrad_error_column", call = call)
  }
  needed <- unique(c(spec$output, spec$property, spec$by, probs))
  missing_cols <- setdiff(needed, names(data))
  if (length(missing_cols)) {
    abort_input(c("Unknown column{?s} {.val {missing_cols}} in {.arg data}.",
                  i = "Columns available: {.val {names(data)}}."),
                "propgrad_error_column", call = call)
  }
  clash <- intersect(spec$by, result_columns)
  if (length(clash)) {
    abort_input(c("The {.arg by} column{?s} {.val {clash}} {?has/have} the name of {?a/} result column{?s}.",
                  i = "{cli::qty(length(clash))}Rename {?it/them} first (the result would overwrite {?it/them}), e.g. {.code names(data)[names(data) == {deparse(clash[1])}] <- {deparse(paste0(clash[1], '_id'))}}."),
                "propgrad_error_column", call = call)
  }
  # A matrix or data-frame column would be split into several columns by
  # as.matrix() and misaligned with the names.
  wide <- Filter(function(col) !is.null(dim(data[[col]])), needed)
  if (length(wide)) {
    abort_input(c("Column{?s} {.val {wide}} {?is a matrix or data frame/are matrices or data frames} inside {.arg data}.",
                  i = "Give each output its own column, e.g. {.code cbind(data[setdiff(names(data), {deparse(wide[1])})], as.data.frame(data[[{deparse(wide[1])}]]))}."),
                "propgrad_error_column", call = call)
  }
  overlap <- intersect(spec$by, c(spec$output, spec$property))
  if (length(overlap)) {
    abort_input("Column{?s} {.val {overlap}} cannot be both a {.arg by} column and an output or the property.",
                "propgrad_error_column", call = call)
  }
  check_number_columns(data, c(spec$output, spec$property, probs), call)
  for (col in spec$by) {
    if (anyNA(data[[col]])) {
      abort_input("The {.arg by} column {.val {col}} has missing values; every row must belong to a series.",
                  "propgrad_error_nonfinite", call = call)
    }
  }
  if (!is.null(probs) && length(probs) < 2) {
    abort_input("{.arg probs} must name at least two class columns.", "propgrad_error_type", call = call)
  }
}

# Row indices of each series, in order of first appearance, with a readable
# label and its by-values.
series_groups <- function(data, by) {
  if (length(by) == 0) {
    return(list(rows = list(seq_len(nrow(data))), id = rep(1L, nrow(data)), label = "1",
                values = data.frame(row.names = 1L)))
  }
  id <- group_ids(data[by])
  # id numbers series 1..G in order of first appearance: a factor as it is.
  groups <- structure(id, levels = as.character(seq_len(max(id))), class = "factor")
  rows <- unname(split(seq_len(nrow(data)), groups))
  first <- vapply(rows, `[[`, integer(1), 1L)
  values <- data[first, by, drop = FALSE]
  rownames(values) <- NULL
  list(rows = rows, id = id, label = by_labels(values), values = as.data.frame(values))
}

# Group numbers 1..G, in order of first appearance, of the rows of a list of
# equally long columns. Integer codes per column are combined pairwise and
# renumbered so they stay small: no pasted key, so no separator that a value
# could contain, and fast for large studies.
group_ids <- function(columns, n = length(columns[[1]])) {
  id <- rep(1, n)
  for (x in columns) {
    code <- match(x, unique(x))
    id <- (id - 1) * max(code) + code
    id <- match(id, unique(id))
  }
  id
}

# "by1=a, by2=b" for each row of a data frame of by values, as messages and
# print() name series; encodeString() shows control characters as escapes.
by_labels <- function(values) {
  if (ncol(values) == 0) return(rep("series", nrow(values)))
  parts <- lapply(names(values), function(b) paste0(b, "=", encodeString(as.character(values[[b]]))))
  do.call(paste, c(parts, sep = ", "))
}

