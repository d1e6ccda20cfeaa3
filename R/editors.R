# Interventions made outside propgrad: a command (e.g. a diffusion editing
# script the user owns) run once per strength, and a folder of images edited
# elsewhere plus a table of their strengths. Neither needs LibTorch.

#' An external command as an intervention
#'
#' The command template is run once per strength through the shell, with
#' `{input}`, `{strength}` and `{output}` replaced by the (quoted) input PNG
#' written by propgrad, the strength, and the PNG the command must write.
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
#' @param timeout Seconds allowed per strength (0: no limit).
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
  if (!is.character(command) || length(command) != 1 || is.na(command)) {
    abort_input("{.arg command} must be one command template.", "propgrad_error_type", call = call)
  }
  missing_fields <- c("{input}", "{strength}", "{output}")[
    !vapply(c("{input}", "{strength}", "{output}"), grepl, TRUE, x = command, fixed = TRUE)]
  if (length(missing_fields)) {
    abort_input(c("{.arg command} must contain the placeholders {.code {{input}}}, {.code {{strength}}} and {.code {{output}}}.",
                  x = "Missing: {.code {missing_fields}}."), "propgrad_error_input", call = call)
  }
  check_finite_numbers(timeout, "timeout", call)
  structure(list(kind = "external", strengths = check_strengths(strengths, call), command = command,
                 property = property, period = period, timeout = timeout),
            class = "propgrad_intervention")
}

run_external <- function(img, editor, call) {
  rlang::check_installed("png", "to pass images to external editors")
  dir <- tempfile("propgrad-edit-")
  dir.create(dir)
  on.exit(unlink(dir, recursive = TRUE), add = TRUE)
  input <- file.path(dir, "input.png")
  png::writePNG(img[1, , , ], input)
  d <- dim(img)
  n <- length(editor$strengths)
  out <- array(NA_real_, c(n, d[2:4]))
  failures <- data.frame(strength = numeric(0), status = integer(0), message = character(0))
  for (k in seq_len(n)) {
    s <- editor$strengths[k]
    output <- file.path(dir, sprintf("output-%04d.png", k))
    cmd <- editor$command
    cmd <- gsub("{input}", shQuote(input), cmd, fixed = TRUE)
    cmd <- gsub("{strength}", format(s, digits = 15), cmd, fixed = TRUE)
    cmd <- gsub("{output}", shQuote(output), cmd, fixed = TRUE)
    res <- suppressWarnings(tryCatch(
      system2("sh", c("-c", shQuote(cmd)), stdout = TRUE, stderr = TRUE,
              timeout = editor$timeout),
      error = function(e) structure(conditionMessage(e), status = -1L)))
    status <- attr(res, "status") %||% 0L
    problem <- if (status != 0) {
      sprintf("exit status %d: %s", status, paste(utils::tail(res, 2), collapse = " "))
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
#' @param folder The folder holding the images.
#' @param strengths A CSV file or data frame with columns `file` (names
#'   relative to `folder`) and `strength`.
#' @param property A label for the property.
#' @param period The period of a periodic property, or `NULL`.
#' @return A [propgrad_images] object.
#' @export
#' @examples
#' dir <- tempfile()
#' dir.create(dir)
#' for (k in 1:3) png::writePNG(array(k / 4, c(4, 4, 3)), file.path(dir, paste0(k, ".png")))
#' edited_images(dir, data.frame(file = paste0(1:3, ".png"), strength = 1:3))
edited_images <- function(folder, strengths, property = "edit", period = NULL) {
  call <- rlang::current_env()
  if (!is.character(folder) || length(folder) != 1 || !dir.exists(folder)) {
    abort_input("{.arg folder} must be an existing folder.", "propgrad_error_file", call = call)
  }
  if (is.character(strengths) && length(strengths) == 1) {
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
  check_strengths(strengths$strength, call)
  files <- file.path(folder, as.character(strengths$file))
  batch <- as_image_batch(files, call = call)
  dimnames(batch) <- NULL
  new_images(batch, as.numeric(strengths$strength), property, period)
}
