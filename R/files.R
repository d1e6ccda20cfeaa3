# Safe writes for every file propgrad produces (tables, figures, reports,
# CSVs). A target is checked before any work is done (a folder that exists
# and takes a new file, no existing file unless `overwrite = TRUE`, never a
# device or other non-regular file); the writer then writes a temporary file
# beside the target, the temporary file is checked (it exists, is not empty,
# and text reads back identically or a binary format ends where it must, so
# a full disk cannot leave a truncated PNG or an empty .tex behind), and only
# then is it renamed over the target.

# Checks `file` as a target and returns its absolute path. Call it before
# expensive work so that a bad path fails fast.
check_output_file <- function(file, overwrite = FALSE, arg = "file", call = rlang::caller_env()) {
  if (!is.character(file) || length(file) != 1 || is.na(file) || !nzchar(file)) {
    abort_input("{.arg {arg}} must be a single file path.", "propgrad_error_type", call = call)
  }
  check_flag(overwrite, "overwrite", call)
  if (dir.exists(file)) {
    abort_input(c("{.arg {arg}} {.file {file}} is a folder, not a file.",
                  i = "Give the path of the file to write inside it."),
                "propgrad_error_file", call = call)
  }
  path <- normalizePath(path.expand(file), mustWork = FALSE)
  if (file.exists(path)) {
    if (!is_regular_file(path)) {
      abort_input(c("{.arg {arg}} {.file {file}} exists and is not a regular file (a device, pipe or socket).",
                    i = "Give the path of an ordinary file."),
                  "propgrad_error_file", call = call)
    }
    if (!overwrite) {
      abort_input(c("{.file {file}} already exists.",
                    i = "Use {.code overwrite = TRUE} to replace it, or give another path."),
                  "propgrad_error_exists", call = call)
    }
  }
  check_output_folder(dirname(path), create = FALSE, arg = arg, call = call)
  path
}

# Checks that `dir` exists (or creates it when `create`) and takes a new
# file: a file is really created and removed, since file.access() says yes
# to root in read-only places such as /proc.
check_output_folder <- function(dir, create = FALSE, arg = "out_dir", call = rlang::caller_env()) {
  if (file.exists(dir) && !dir.exists(dir)) {
    abort_input(c("{.arg {arg}} {.file {dir}} is a file, not a folder.",
                  i = "Give a folder to write into{if (create) '; it is created if missing' else ''}."),
                "propgrad_error_file", call = call)
  }
  if (!dir.exists(dir)) {
    if (!create) {
      abort_input(c("Folder {.file {dir}} does not exist.",
                    i = "Create it first ({.code dir.create(\"{dir}\", recursive = TRUE)}) or give a path in an existing folder."),
                  "propgrad_error_file", call = call)
    }
    dir.create(dir, recursive = TRUE, showWarnings = FALSE)
  }
  probe <- file.path(dir, paste0(".propgrad-probe-", Sys.getpid(), "-", sample.int(1e9, 1)))
  ok <- dir.exists(dir) && suppressWarnings(tryCatch(file.create(probe), error = function(e) FALSE))
  if (isTRUE(ok)) unlink(probe)
  if (!isTRUE(ok)) {
    abort_input(c("Cannot write into folder {.file {dir}}: it {if (dir.exists(dir)) 'does not take new files (read-only or no permission)' else 'cannot be created'}.",
                  i = "Give a folder you can write to."),
                "propgrad_error_file", call = call)
  }
  invisible(normalizePath(dir))
}

# R's file.info() drops the file type, so ask stat(1) where it exists.
is_regular_file <- function(path) {
  info <- file.info(path, extra_cols = FALSE)
  if (is.na(info$isdir) || info$isdir) return(FALSE)
  if (.Platform$OS.type != "unix" || !nzchar(Sys.which("stat"))) return(TRUE)
  type <- suppressWarnings(system2("stat", c("-L", "-c", "%F", shQuote(path)), stdout = TRUE, stderr = FALSE))
  length(type) == 0 || grepl("regular", type[1], fixed = TRUE)
}

# Writes text lines to `file` safely; returns the path invisibly.
write_text_safely <- function(text, file, overwrite = FALSE, call = rlang::caller_env()) {
  text <- enc2utf8(as.character(text))
  write_safely(file, function(tmp) writeLines(text, tmp, useBytes = TRUE), overwrite = overwrite,
               validate = function(tmp) identical(readLines(tmp, warn = FALSE, encoding = "UTF-8"),
                                                  unlist(strsplit(paste(text, collapse = "\n"), "\n", fixed = TRUE))),
               call = call)
}

# Runs `writer(tmp)` on a temporary file beside `file`, checks it with
# `validate(tmp)` (default: by the file's extension) and renames it over
# `file`. The temporary name keeps the extension, since writers such as
# ggsave() and tinytable::save_tt() choose the format by it.
write_safely <- function(file, writer, overwrite = FALSE, validate = NULL,
                         call = rlang::caller_env()) {
  path <- check_output_file(file, overwrite, call = call)
  ext <- tools::file_ext(path)
  tmp <- file.path(dirname(path), paste0(".", tools::file_path_sans_ext(basename(path)), ".propgrad-",
                                         Sys.getpid(), "-", sample.int(1e9, 1), if (nzchar(ext)) ".", ext))
  on.exit(unlink(tmp), add = TRUE)
  result <- tryCatch(writer(tmp), error = function(e) {
    if (inherits(e, "propgrad_error")) rlang::cnd_signal(e)
    pg_abort(c("Writing {.file {file}} failed; nothing was written there.",
               i = "Is the disk full or the folder read-only? The writer's error is below."),
             "propgrad_error_write", call = call, parent = e)
  })
  validate <- validate %||% function(tmp) valid_by_extension(tmp, ext)
  size <- file.size(tmp)
  if (is.na(size) || size == 0 || !isTRUE(validate(tmp))) {
    pg_abort(c("Writing {.file {file}} failed: the written file is {if (is.na(size)) 'missing' else if (size == 0) 'empty' else 'incomplete'}; nothing was written there.",
               i = "Is the disk full? Free some space or write elsewhere."),
             "propgrad_error_write", call = call)
  }
  if (file.exists(path) && !overwrite) {
    abort_input(c("{.file {file}} appeared while it was being written.",
                  i = "Use {.code overwrite = TRUE} to replace it, or give another path."),
                "propgrad_error_exists", call = call)
  }
  if (!file.rename(tmp, path)) {
    pg_abort("Could not move the written file into place at {.file {file}}.", "propgrad_error_write", call = call)
  }
  invisible(path)
}

# Whether a written file is complete, judged by how its format must end.
valid_by_extension <- function(path, ext) {
  size <- file.size(path)
  tail_bytes <- function(n) {
    con <- file(path, "rb")
    on.exit(close(con))
    if (size > n) seek(con, size - n)
    readBin(con, "raw", n)
  }
  switch(tolower(ext),
    png = {
      head <- readBin(path, "raw", 8)
      identical(head, as.raw(c(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a))) &&
        identical(tail_bytes(8), as.raw(c(0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82)))
    },
    pdf = grepl("%%EOF", rawToChar(gsub_nul(tail_bytes(1024))), fixed = TRUE),
    html = , htm = grepl("</html>", rawToChar(gsub_nul(tail_bytes(4096))), ignore.case = TRUE),
    docx = , zip = {
      # A zip archive ends with its end-of-central-directory record.
      length(grepRaw(as.raw(c(0x50, 0x4b, 0x05, 0x06)), tail_bytes(65557), fixed = TRUE)) > 0
    },
    TRUE)
}

gsub_nul <- function(bytes) bytes[bytes != as.raw(0)]
