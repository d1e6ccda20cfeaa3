# Interventions made outside propgrad: a command (e.g. a diffusion editing
# script the user owns) run once per strength (and per editor seed), and the
# command template's parsing. Folders of images edited elsewhere are read by
# edited_images() in R/sweeps.R. Neither needs LibTorch.

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
#' @section Editor seeds:
#' A stochastic editor (a diffusion model, anything that draws noise) makes
#' another edit for every seed, so one sweep mixes the model's dependence on
#' the property with the editor's noise: its EPGM can be large only because
#' the edits jitter. With `seeds`, the template must hold `{seed}`, which
#' the command must use to seed its random numbers; every strength is run
#' once per seed. [intervene()] then returns one sweep per seed, and
#' [explain()] tests the output curve averaged over the seeds at each
#' strength (the noise averages away) and reports how far the per-seed
#' EPGMs spread (how much a single sweep could mislead).
#'
#' @param command A template such as
#'   `"python edit.py --image {input} --strength {strength} --out {output}"`.
#' @param strengths The strengths to pass.
#' @param property A label for the property.
#' @param period The period of a periodic property, or `NULL`.
#' @param timeout Seconds allowed per strength, a non-negative number (0: no
#'   limit).
#' @param seeds `NULL`, or the editor seeds to run: unique whole numbers
#'   from 0 to 2^31 - 1 (a range R, NumPy and PyTorch all accept), passed
#'   as `{seed}`. See section "Editor seeds".
#' @return A `propgrad_intervention` for [intervene()] and [explain()].
#' @export
#' @examples
#' \dontrun{
#' ed <- external_editor("python pix2pix.py {input} 'make the fur darker' {strength} {output}",
#'                       strengths = seq(0, 2, by = 0.25), property = "fur darkness")
#' imgs <- intervene("cat.png", ed)
#' # a diffusion editor, five edits per strength
#' ed <- external_editor("python edit.py {input} {strength} {output} --seed {seed}",
#'                       strengths = seq(0, 2, by = 0.25), seeds = 1:5)
#' }
external_editor <- function(command, strengths, property = "edit", period = NULL, timeout = 0,
                            seeds = NULL) {
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
  seeds <- check_editor_seeds(seeds, call)
  check_seed_placeholder(command, seeds, call)
  split_command(command, call)
  check_label_period(property, period, call)
  structure(list(kind = "external", strengths = check_strengths(strengths, call), command = command,
                 property = property, period = period, timeout = timeout, seeds = seeds),
            class = "propgrad_intervention")
}

# One sweep of the command; with a seed, `{seed}` is replaced by it.
run_external <- function(img, editor, call, seed = NULL) {
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
    if (!is.null(seed)) argv <- gsub("{seed}", format(seed, scientific = FALSE), argv, fixed = TRUE)
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
  with_seed <- if (is.null(seed)) "" else paste(" with seed", format(seed, scientific = FALSE))
  if (nrow(failures) == n) {
    pg_abort(c("The external editor failed for every strength{with_seed}.",
               x = "{utils::head(paste0('strength ', failures$strength, ': ', failures$message), 3)}",
               i = "Try the command by hand: {.code {editor$command}}."),
             "propgrad_error_editor", call = call)
  }
  ok <- !editor$strengths %in% failures$strength
  if (nrow(failures)) {
    pg_warn(c("The external editor failed for {nrow(failures)} of {n} strengths{with_seed}; they are left out.",
              i = "See {.code $failures} of the result."),
            "propgrad_warning_editor")
  }
  new_images(out[ok, , , , drop = FALSE], editor$strengths[ok], editor$property, editor$period,
             failures = if (nrow(failures)) failures, seed = seed)
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
