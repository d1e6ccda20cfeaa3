# Interventions made outside propgrad: a command (e.g. a diffusion editing
# script the user owns) run once per strength, and a folder of images edited
# elsewhere plus a table of their strengths. Neither needs LibTorch.

#' An external command as an intervention
#'
#' The command template is run once per strength, with `{input}`,
#' `{strength}` and `{output}` replaced by the input PNG written by propgrad,
#' the strength, and the PNG the command must write. The template is split
#' into a program and its arguments as a shell would (single or double
#' quotes group words, a backslash escapes a character), but it runs
#' without a shell: each placeholder becomes part of one argument whatever
#' characters the paths hold, so quoting placeholders is allowed and
#' unnecessary. Pipes, redirections, `;`, `&`, `$` and backticks outside
#' quotes are refused: put them in a script and run the script.
#' A strength whose command fails (non-zero exit, no output, unreadable or
#' differently sized output) is reported in the result's `$failures` with a
#' warning; the other strengths are kept. If every strength fails, an error
#' of class `propgrad_error_editor` shows the first failures.
#'
#' @param command A template such as
#'   `"python edit.py --image {input} --strength {strength} --out {output}"`.
#' @param strengths The strengths to pass.
#' @param property A label for the property.
#' @param period The period of a periodic property, or `NULL`.
#' @param timeout Seconds allowed per strength, a non-negative number (0: no
#'   limit).
#' @return A `propgrad_intervention` for [intervene()] and [explain()].
#' @export
#' @examples
#' \dontrun{
#' ed <- external_editor("python pix2pix.py {input} 'make the fur darker' {strength} {output}",
#'                       strengths = seq(0, 2, by = 0.25), property = "fur darkness")
#' imgs <- intervene("cat.png", ed)
#' }
external_editor <- function(command, strengths, property = "edit", period = NULL, timeout = 0) {
  call <- rlang::current_env()
  check_required(c("command", "strengths"), call)
  if (!is.character(command) || length(command) != 1 || is.na(command)) {
    abort_input("{.arg command} must be one command template.", "propgrad_error_type", call = call)
  }
  missing_fields <- c("{input}", "{strength}", "{output}")[
    !vapply(c("{input}", "{strength}", "{output}"), grepl, TRUE, x = command, fixed = TRUE)]
  if (length(missing_fields)) {
    abort_input(c("{.arg command} must contain the placeholders {.code {{input}}}, {.code {{strength}}} and {.code {{output}}}.",
                  x = "Missing: {.code {missing_fields}}."), "propgrad_error_input", call = call)
  }
  if (!is.numeric(timeout) || length(timeout) != 1 || is.na(timeout) || timeout < 0) {
    abort_input(c("{.arg timeout} must be a non-negative number of seconds (0: no limit).",
                  x = "You supplied {.obj_type_friendly {timeout}}{if (is.numeric(timeout) && length(timeout) == 1) paste0(': ', timeout) else ''}."),
                "propgrad_error_number", call = call)
  }
  split_command(command, call)
  check_label_period(property, period, call)
  structure(list(kind = "external", strengths = check_strengths(strengths, call), command = command,
                 property = property, period = period, timeout = timeout),
            class = "propgrad_intervention")
}

run_external <- function(img, editor, call) {
  rlang::check_installed(c("png", "processx"), "to pass images to external editors")
  dir <- tempfile("propgrad-edit-")
  dir.create(dir)
  on.exit(unlink(dir, recursive = TRUE), add = TRUE)
  words <- split_command(editor$command, call)
  program <- words[1]
  if (!nzchar(Sys.which(program))) {
    pg_abort(c("The external editor's program {.file {program}} was not found.",
               i = "Give its full path, or put its folder on the PATH."), "propgrad_error_editor", call = call)
  }
  input <- file.path(dir, "input.png")
  png::writePNG(img[1, , , ], input)
  d <- dim(img)
  n <- length(editor$strengths)
  out <- array(NA_real_, c(n, d[2:4]))
  failures <- data.frame(strength = numeric(0), status = integer(0), message = character(0))
  for (k in seq_len(n)) {
    s <- editor$strengths[k]
    output <- file.path(dir, sprintf("output-%04d.png", k))
    # Placeholders are substituted inside each argument, never re-parsed,
    # so no path can be read as shell syntax.
    argv <- gsub("{input}", input, words, fixed = TRUE)
    argv <- gsub("{strength}", format(s, digits = 15), argv, fixed = TRUE)
    argv <- gsub("{output}", output, argv, fixed = TRUE)
    res <- tryCatch(
      processx::run(argv[1], argv[-1], error_on_status = FALSE, stderr_to_stdout = TRUE,
                    timeout = if (editor$timeout > 0) editor$timeout else Inf, cleanup_tree = TRUE),
      error = function(e) list(status = -1L, stdout = conditionMessage(e)))
    status <- if (isTRUE(res$timeout)) -1L else res$status %||% -1L
    problem <- if (isTRUE(res$timeout)) {
      sprintf("timed out after %s seconds", format(editor$timeout))
    } else if (status != 0) {
      lines <- strsplit(cli::ansi_strip(res$stdout %||% ""), "\n")[[1]]
      sprintf("exit status %d: %s", status, paste(utils::tail(lines, 2), collapse = " "))
    } else if (!file.exists(output)) {
      "the command wrote no output file"
    } else {
      edited <- tryCatch(as_image_batch(output, call = call), error = function(e) conditionMessage(e))
      if (is.character(edited)) {
        paste("unreadable output:", cli::ansi_strip(edited[1]))
      } else if (!identical(dim(edited)[2:3], d[2:3])) {
        sprintf("output is %d x %d, the input %d x %d", dim(edited)[2], dim(edited)[3], d[2], d[3])
      } else {
        out[k, , , ] <- match_channels(edited, d[4])[1, , , ]
        NULL
      }
    }
    if (!is.null(problem)) {
      failures <- rbind(failures, data.frame(strength = s, status = as.integer(status), message = problem))
    }
  }
  if (nrow(failures) == n) {
    pg_abort(c("The external editor failed for every strength.",
               x = "{utils::head(paste0('strength ', failures$strength, ': ', failures$message), 3)}",
               i = "Try the command by hand: {.code {editor$command}}."),
             "propgrad_error_editor", call = call)
  }
  ok <- !editor$strengths %in% failures$strength
  if (nrow(failures)) {
    pg_warn(c("The external editor failed for {nrow(failures)} of {n} strengths; they are left out.",
              i = "See {.code $failures} of the result."),
            "propgrad_warning_editor")
  }
  new_images(out[ok, , , , drop = FALSE], editor$strengths[ok], editor$property, editor$period,
             failures = if (nrow(failures)) failures)
}

# The template's words as sh would split them (quotes, backslashes, a
# leading ~), for running without a shell. Shell syntax outside quotes would
# silently become literal arguments, so it is refused instead.
split_command <- function(command, call) {
  chars <- strsplit(command, "")[[1]]
  refuse <- function(ch) {
    abort_input(c("{.arg command} runs without a shell, so {.code {ch}} outside quotes has no meaning.",
                  i = "Put pipes, redirections and other shell syntax in a script and run the script, or quote the character."),
                "propgrad_error_input", call = call)
  }
  words <- character(0)
  word <- ""
  in_word <- FALSE
  quote <- ""
  i <- 1
  while (i <= length(chars)) {
    ch <- chars[i]
    if (quote == "'") {
      if (ch == "'") quote <- "" else word <- paste0(word, ch)
    } else if (quote == "\"") {
      if (ch == "\"") {
        quote <- ""
      } else if (ch == "\\" && i < length(chars) && chars[i + 1] %in% c("\"", "\\", "$", "`")) {
        i <- i + 1
        word <- paste0(word, chars[i])
      } else if (ch %in% c("$", "`")) {
        refuse(ch)
      } else {
        word <- paste0(word, ch)
      }
    } else if (ch %in% c(" ", "\t", "\n")) {
      if (in_word) words <- c(words, word)
      word <- ""
      in_word <- FALSE
    } else {
      at_home <- i == length(chars) || chars[i + 1] %in% c("/", " ", "\t")
      if (ch == "~" && !in_word && at_home) ch <- path.expand("~")
      in_word <- TRUE
      if (ch %in% c("'", "\"")) {
        quote <- ch
      } else if (ch == "\\" && i < length(chars)) {
        i <- i + 1
        word <- paste0(word, chars[i])
      } else if (ch %in% c("|", ";", "&", "<", ">", "(", ")", "$", "`", "*")) {
        refuse(ch)
      } else {
        word <- paste0(word, ch)
      }
    }
    i <- i + 1
  }
  if (nzchar(quote)) {
    abort_input(c("{.arg command} has an unmatched {.code {quote}} quote.",
                  i = "Close the quote, or escape the character with a backslash."),
                "propgrad_error_input", call = call)
  }
  if (in_word) words <- c(words, word)
  words
}

# Edited PNGs may gain or lose an alpha channel; match the input's channels.
match_channels <- function(batch, channels) {
  have <- dim(batch)[4]
  if (have == channels) return(batch)
  if (have == 4 && channels == 3) return(batch[, , , 1:3, drop = FALSE])
  if (have == 3 && channels == 4) {
    out <- array(1, c(dim(batch)[1:3], 4))
    out[, , , 1:3] <- batch
    return(out)
  }
  if (have == 1) return(array(rep(batch, channels), c(dim(batch)[1:3], channels)))
  batch[, , , seq_len(min(have, channels)), drop = FALSE]
}

#' Images edited elsewhere
#'
#' Ingests a folder of already intervened images and a table of their
#' strengths (a CSV file or data frame with columns `file` and `strength`),
#' for [explain()], [predict()][predict.propgrad_torch_model] or any model.
#'
#' A table with an extra `image` column holds several sweeps, one per value
#' of `image` (say, the edits of `cat.png` and of `dog.png`); the result is
#' then a [propgrad_sweeps] list named by those values. Several folders, as
#' a named list or vector with a list of tables (one per folder, matched by
#' name or position), give one sweep per folder.
#'
#' The images of one sweep must share one size for a model to take them.
#' When they do not (editors often return smaller images than the
#' original), they are resized with antialiased bilinear interpolation to
#' `size`, or else to the size most of them share (ties: the smallest), with
#' a message of class `propgrad_message_resize` that names the images
#' resized and their sizes.
#'
#' @param folder The folder holding the images, or a named list (or vector)
#'   of folders, one per sweep.
#' @param strengths A CSV file or data frame with columns `file` (names
#'   relative to `folder`) and `strength`, and optionally `image` (which
#'   sweep each row belongs to); with several folders, a list of such
#'   tables. Names that lead outside `folder` (absolute paths, `..`, links
#'   pointing out of it) are refused.
#' @param property A label for the property.
#' @param period The period of a periodic property, or `NULL`.
#' @param name The name of a single sweep in [explain()]'s tables and plots;
#'   default: the folder's name. Several sweeps are named by their `image`
#'   values or folder names.
#' @param size `NULL`, or the `c(height, width)` every image is resized to.
#' @return A [propgrad_images] object for one sweep, a [propgrad_sweeps]
#'   list for several.
#' @export
#' @examples
#' dir <- tempfile()
#' dir.create(dir)
#' for (k in 1:3) png::writePNG(array(k / 4, c(4, 4, 3)), file.path(dir, paste0(k, ".png")))
#' edited_images(dir, data.frame(file = paste0(1:3, ".png"), strength = 1:3))
#' # Two sweeps in one folder and one table
#' for (k in 1:3) png::writePNG(array(k / 5, c(4, 4, 3)), file.path(dir, paste0("b", k, ".png")))
#' edited_images(dir, data.frame(image = rep(c("a", "b"), each = 3),
#'                               file = c(paste0(1:3, ".png"), paste0("b", 1:3, ".png")),
#'                               strength = c(1:3, 1:3)))
edited_images <- function(folder, strengths, property = "edit", period = NULL, name = NULL, size = NULL) {
  call <- rlang::current_env()
  check_required(c("folder", "strengths"), call = call)
  check_label_period(property, period, call)
  name <- check_sweep_name(name, call)
  size <- check_image_dims(size, call)
  if (is.list(folder) || (is.character(folder) && length(folder) > 1)) {
    return(edited_folders(folder, strengths, property, period, name, size, call))
  }
  check_folder(folder, call)
  table <- read_strength_table(strengths, call)
  if (is.null(table$image)) {
    label <- name %||% basename(normalizePath(folder))
    return(edited_sweep(folder, table, property, period, label, size, call))
  }
  image <- as.character(table$image)
  if (anyNA(image) || any(!nzchar(image))) {
    abort_input("Every {.field image} entry must name a sweep; some are empty.", "propgrad_error_column",
                call = call)
  }
  refuse_name(name, "the table's {.field image} values name them", call)
  rows <- split(seq_len(nrow(table)), factor(image, levels = unique(image)))
  new_sweeps(lapply(stats::setNames(names(rows), names(rows)), function(img) {
    edited_sweep(folder, table[rows[[img]], , drop = FALSE], property, period, img, size, call)
  }))
}

# Several folders, each with its own table: one sweep per folder.
edited_folders <- function(folders, tables, property, period, name, size, call) {
  if (!is.list(tables) || is.data.frame(tables) || length(tables) != length(folders)) {
    abort_input(c("With several folders, {.arg strengths} must be a list of tables, one per folder.",
                  x = "There {?is/are} {length(folders)} folder{?s}."), "propgrad_error_length", call = call)
  }
  refuse_name(name, "the folders' names name them", call)
  labels <- names(folders) %||% rep("", length(folders))
  labels[is.na(labels) | labels == ""] <- ""
  if (!is.null(names(tables)) && all(nzchar(labels)) && setequal(names(tables), labels)) {
    tables <- tables[labels]
  }
  folders <- as.list(folders)
  for (f in folders) check_folder(f, call)
  base <- vapply(folders, function(f) basename(normalizePath(f)), "")
  labels[labels == ""] <- base[labels == ""]
  labels <- make.unique(labels)
  new_sweeps(stats::setNames(lapply(seq_along(folders), function(k) {
    table <- read_strength_table(tables[[k]], call)
    edited_sweep(folders[[k]], table, property, period, labels[k], size, call)
  }), labels))
}

edited_sweep <- function(folder, table, property, period, label, size, call) {
  check_strengths(table$strength, call)
  files <- files_inside(folder, table$file, call)
  batch <- read_sweep_images(files, size, label, call)
  new_images(batch, as.numeric(table$strength), property, period, name = label)
}

refuse_name <- function(name, why, call) {
  if (!is.null(name)) {
    abort_input(c("{.arg name} names a single sweep; these are several.", i = paste0("Leave it out: ", why, ".")),
                "propgrad_error_incompatible", call = call)
  }
}

check_folder <- function(folder, call) {
  if (!is.character(folder) || length(folder) != 1 || is.na(folder)) {
    abort_input("{.arg folder} must be one folder path, not {.obj_type_friendly {folder}}.",
                "propgrad_error_type", call = call)
  }
  if (!dir.exists(folder)) {
    abort_input(c(if (file.exists(folder)) "{.arg folder} {.file {folder}} is a file, not a folder."
                  else "Folder {.file {folder}} does not exist.",
                  i = "Give the folder that holds the edited images."), "propgrad_error_file", call = call)
  }
}

# A CSV path or data frame -> a data frame with `file` and `strength`.
read_strength_table <- function(strengths, call) {
  if (is.character(strengths) && length(strengths) == 1) {
    if (dir.exists(strengths)) {
      abort_input(c("Strength table {.file {strengths}} is a folder, not a file.",
                    i = "Give the CSV file with columns {.field file} and {.field strength}."),
                  "propgrad_error_file", call = call)
    }
    if (!file.exists(strengths)) {
      abort_input("Strength table {.file {strengths}} does not exist.", "propgrad_error_file", call = call)
    }
    strengths <- tryCatch(utils::read.csv(strengths, stringsAsFactors = FALSE),
                          error = function(e) abort_input("Cannot read {.file {strengths}} as CSV.",
                                                          "propgrad_error_file", call = call))
  }
  if (!is.data.frame(strengths) || !all(c("file", "strength") %in% names(strengths))) {
    abort_input("{.arg strengths} must have columns {.field file} and {.field strength}.",
                "propgrad_error_column", call = call)
  }
  strengths
}

# The table's file names as paths inside `folder`: a name that is absolute,
# climbs out with "..", or resolves (through links) outside the folder could
# make a shared CSV read any file the user can read, so it is refused.
files_inside <- function(folder, names, call) {
  names <- as.character(names)
  if (anyNA(names) || any(!nzchar(names))) {
    abort_input(c("Every {.field file} entry must name an image.",
                  x = "Entr{?y/ies} {which(is.na(names) | !nzchar(names))} {?is/are} empty."),
                "propgrad_error_file", call = call)
  }
  root <- normalizePath(folder, winslash = "/", mustWork = TRUE)
  root <- paste0(sub("/+$", "", root), "/")
  files <- file.path(folder, names)
  resolved <- normalizePath(files, winslash = "/", mustWork = FALSE)
  parts <- strsplit(gsub("\\\\", "/", names), "/")
  outside <- grepl("^(/|\\\\|~|[A-Za-z]:)", names) |
    vapply(parts, function(p) ".." %in% p, TRUE) |
    (file.exists(files) & !startsWith(resolved, root))
  if (any(outside)) {
    bad <- names[outside]
    abort_input(c("The strength table names {length(bad)} file{?s} outside {.file {folder}}.",
                  x = "Outside: {.val {utils::head(bad, 5)}}{if (length(bad) > 5) ', ...' else ''}.",
                  i = "Give names relative to the folder, without {.code ..}, absolute paths or links leading out of it."),
                "propgrad_error_file", call = call)
  }
  files
}
