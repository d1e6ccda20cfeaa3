# Rendering and writing pg_table() tables: the tinytable object (alignment,
# self-contained HTML, the format it prints in), the escaping of every user
# string for each output format (applied lazily by tinytable when the table
# is rendered, so one object is safe in every format), the safe writing of
# .md/.tex/.html/.typ files through tinytable::save_tt() and of .docx files
# through pandoc, and the LaTeX preamble the tables need.

table_formats <- c("markdown", "latex", "html", "typst", "docx")

# The extensions tinytable::save_tt() reads as each format.
table_extensions <- list(markdown = c("md", "txt"), latex = "tex", html = "html", typst = "typ",
                         docx = "docx")

# Checks `file` against `format` before any work: a path, the extension of
# the format, a writable target, and pandoc for Word.
check_table_file <- function(file, format, overwrite, call) {
  if (is.null(file)) {
    if (format == "docx") {
      abort_input(c("{.code format = \"docx\"} needs {.arg file}: a Word table can only be written, not printed.",
                    i = "Give the path of a {.file .docx} file, e.g. {.code file = \"table.docx\"}."),
                  "propgrad_error_missing", call = call)
    }
    return(invisible())
  }
  if (!is.character(file) || length(file) != 1 || is.na(file) || !nzchar(file)) {
    abort_input("{.arg file} must be a single file path.", "propgrad_error_type", call = call)
  }
  exts <- table_extensions[[format]]
  if (!tolower(tools::file_ext(file)) %in% exts) {
    abort_input(c("{.arg file} {.file {file}} does not end in {.or {.val {paste0('.', exts)}}}, the extension of {.code format = \"{format}\"}.",
                  i = "Change the extension or {.arg format}: the extension decides how the file is read."),
                "propgrad_error_incompatible", call = call)
  }
  check_output_file(file, overwrite, call = call)
  if (format == "docx" && !pandoc_ready()) {
    pg_abort(c("Writing a Word table needs pandoc, which was not found.",
               i = "Install pandoc (Debian: {.code apt-get install pandoc}) and the rmarkdown package, or write {.code format = \"html\"} or {.code \"latex\"}."),
             "propgrad_error_pandoc", call = call)
  }
  invisible()
}

pandoc_ready <- function() {
  requireNamespace("rmarkdown", quietly = TRUE) && rmarkdown::pandoc_available("2.0")
}

# The tinytable of a table's content: group labels and text columns left,
# numbers right (equal decimals then align the decimal points); every cell,
# column name, the caption and the notes escaped for the output format.
render_table <- function(content, caption, format) {
  lead <- content$lead
  body <- content$body
  rownames(body) <- NULL
  table <- if (ncol(lead)) cbind(lead, body) else body
  # One note paragraph: tabularray reads several unlabelled notes as one key.
  notes <- paste(one_line(content$notes), collapse = " ")
  tab <- tinytable::tt(table, caption = if (!is.null(caption)) one_line(caption),
                       notes = if (nzchar(notes)) notes)
  left <- c(seq_len(ncol(lead)), ncol(lead) + which(names(body) %in% c("Comparison", "Score")))
  tab <- tinytable::style_tt(tab, j = left, align = "l")
  tab <- tinytable::style_tt(tab, j = setdiff(seq_len(ncol(table)), left), align = "r")
  for (output in names(table_escapes)) {
    tab <- tinytable::format_tt(tab, fn = table_escapes[[output]], output = output)
  }
  tab <- tinytable::style_tt(tab, finalize = markdown_notes_below, output = "markdown")
  tab <- tinytable::theme_html(tab, engine = "tinytable", portable = TRUE)
  # A wide table (eight columns of a summary) is scaled down to the text
  # width rather than running into the margin; a narrow one keeps its size.
  tab <- tinytable::theme_latex(tab, resize_width = 1, resize_direction = "down")
  tab <- tinytable::style_tt(tab, finalize = html_fit, output = "html")
  # print() and knitr render the format asked for (Markdown for Word).
  tab@output <- if (format == "docx") "markdown" else format
  tab
}

# Pandoc before 3.0 reads no footer rows in grid tables (the notes became a
# stray paragraph and took the caption with them), so the Markdown table
# ends with its body, and the caption and the notes follow as paragraphs.
markdown_notes_below <- function(x) {
  lines <- strsplit(x@table_string, "\n", fixed = TRUE)[[1]]
  lines <- lines[!startsWith(lines, "Table: ")]
  rules <- grep("^\\+=", lines)
  if (length(rules) >= 2) {
    lines <- c(lines[seq_len(rules[2] - 1)], gsub("=", "-", lines[rules[2]], fixed = TRUE))
  }
  while (length(lines) && !nzchar(trimws(lines[1]))) lines <- lines[-1]
  caption <- if (length(x@caption) && nzchar(x@caption[1])) c("", paste("Table:", x@caption[1]))
  notes <- unlist(x@notes)
  x@table_string <- paste(c(lines, caption, if (length(notes)) c("", paste(notes, collapse = " "))),
                          collapse = "\n")
  x
}

# In a Bootstrap page (R Markdown's html_document) tinytable's wrapper
# <div class="container"> took Bootstrap's fixed width (the table overflowed
# the page) and its rem font sizes shrank the caption and notes to 10px: the
# wrapper gets tinytable's own container class, and the sizes em.
html_fit <- function(x) {
  s <- sub("<div class=\"container\">", "<div class=\"tinytable-container\">", x@table_string, fixed = TRUE)
  x@table_string <- sub("(<table class=\"tinytable\"[^>]*style=\")",
                        "\\1--tt-font-size-footnote: 0.875em; --tt-font-size-caption: 1em; ", s)
  x
}

# Writes the table through the safe-write layer: tinytable::save_tt() picks
# the format from the temporary file's extension; Word goes through pandoc.
write_table <- function(tab, file, format, overwrite, call) {
  if (format == "docx") {
    markdown <- tinytable::save_tt(tab, "markdown")
    return(write_safely(file, function(tmp) write_docx(markdown, tmp), overwrite = overwrite, call = call))
  }
  write_safely(file, function(tmp) tinytable::save_tt(tab, tmp, overwrite = TRUE), overwrite = overwrite,
               validate = table_complete(tab, format), call = call)
}

write_docx <- function(markdown, out) {
  src <- tempfile(fileext = ".md")
  on.exit(unlink(src), add = TRUE)
  writeLines(enc2utf8(markdown), src, useBytes = TRUE)
  # pandoc runs in the folder of `src`: the output path must be absolute.
  out <- file.path(normalizePath(dirname(out)), basename(out))
  rmarkdown::pandoc_convert(src, to = "docx", from = "markdown", output = out, verbose = FALSE)
}

# Whether a written table is complete (a full disk truncates): the text
# formats read back as tinytable renders them; HTML (random element ids)
# must end with </html>.
table_complete <- function(tab, format) {
  if (format == "html") return(NULL)
  expected <- trimws(paste(tinytable::save_tt(tab, format), collapse = "\n"), "right")
  function(path) {
    text <- paste(readLines(path, warn = FALSE, encoding = "UTF-8"), collapse = "\n")
    identical(trimws(text, "right"), expected)
  }
}

#' LaTeX preamble for propgrad tables
#'
#' The LaTeX tables of [pg_table()] are drawn by tinytable with the
#' `tabularray` package. A standalone LaTeX document needs these lines in
#' its preamble (R Markdown and Quarto documents add them themselves); they
#' are those tinytable documents in [tinytable::tt()]. For `_`, `^`, `~`, `<`
#' and `>` in names to be characters that PDF text extraction reads back
#' (not a rule and accents), also use the T1 font encoding:
#' `\usepackage[T1]{fontenc}` with a T1 font such as `lmodern`.
#'
#' @return A character vector of preamble lines.
#' @export
#' @examples
#' cat(pg_latex_preamble(), sep = "\n")
pg_latex_preamble <- function() {
  c("\\usepackage{tabularray}",
    "\\usepackage{float}",
    "\\usepackage{graphicx}",
    "\\usepackage{rotating}",
    "\\usepackage[normalem]{ulem}",
    "\\UseTblrLibrary{siunitx}",
    "\\newcommand{\\tinytableTabularrayUnderline}[1]{\\underline{#1}}",
    "\\newcommand{\\tinytableTabularrayStrikeout}[1]{\\sout{#1}}",
    "\\NewTableCommand{\\tinytableDefineColor}[3]{\\definecolor{#1}{#2}{#3}}")
}

# Every character LaTeX's text mode treats specially. The backslash goes
# through a placeholder so the braces of \textbackslash{} stay unescaped;
# < and > are math symbols (in the OT1 text font they print as inverted
# punctuation).
latex_escape <- function(x) {
  x <- gsub("\\", "\001", x, fixed = TRUE)
  x <- gsub("([{}])", "\\\\\\1", x)
  x <- gsub("\001", "\\textbackslash{}", x, fixed = TRUE)
  x <- gsub("^", "\\textasciicircum{}", x, fixed = TRUE)
  x <- gsub("~", "\\textasciitilde{}", x, fixed = TRUE)
  x <- gsub("|", "\\textbar{}", x, fixed = TRUE)
  x <- gsub("<=", "\u2264", x, fixed = TRUE)
  x <- gsub(">=", "\u2265", x, fixed = TRUE)
  x <- gsub("([%&#_$])", "\\\\\\1", x)
  x <- gsub("<", "$<$", x, fixed = TRUE)
  x <- gsub(">", "$>$", x, fixed = TRUE)
  x <- gsub("\u2264", "$\\leq$", x, fixed = TRUE)
  gsub("\u2265", "$\\geq$", x, fixed = TRUE)
}

# A table cell, caption or note in LaTeX: escaped, minus signs of numbers as
# minus signs, and a leading [ or * braced (tabularray would read it as the
# optional argument of the row end before it).
latex_cell <- function(x) {
  x <- latex_escape(x)
  x <- gsub("(^|[ \\[(])-(?=[0-9.])", "\\1$-$", x, perl = TRUE)
  sub("^([[*])", "{\\1}", x)
}

# Text that HTML (and pandoc's Markdown, which passes raw HTML through) must
# show as text: names, captions and titles the user chose (never attributes).
html_escape <- function(x) {
  x <- gsub("&", "&amp;", x, fixed = TRUE)
  x <- gsub("<", "&lt;", x, fixed = TRUE)
  gsub(">", "&gt;", x, fixed = TRUE)
}

# Pandoc Markdown (also the route to Word): backslash-escapes what would
# start markup (raw HTML, entities, emphasis, code, math, super- and
# subscripts, links, spans, citations, dashes, and block markers at the
# start), and leaves what reads as text (an intraword _, a trailing *,
# "< 0.001"), so the console print stays readable.
markdown_escape <- function(x) {
  x <- gsub("\\", "\\\\", x, fixed = TRUE)
  x <- gsub("([`$^~|])", "\\\\\\1", x)
  x <- gsub("<(?=[A-Za-z/!?])", "\\\\<", x, perl = TRUE)
  x <- gsub("&(?=[A-Za-z#])", "\\\\&", x, perl = TRUE)
  x <- gsub("\\*(?=\\S)", "\\\\*", x, perl = TRUE)
  x <- gsub("(?<![[:alnum:]])_|_(?![[:alnum:]])", "\\\\_", x, perl = TRUE)
  x <- gsub("](?=[(\\[{:])", "\\\\]", x, perl = TRUE)
  x <- gsub("@", "\\@", x, fixed = TRUE)
  x <- gsub("-(?=-)", "-\\\\", x, perl = TRUE)
  x <- sub("^([#>=%])", "\\\\\\1", x)
  x <- sub("^([-+*:])(?=\\s|$)", "\\\\\\1", x, perl = TRUE)
  sub("^([0-9]+)([.)])(\\s|$)", "\\1\\\\\\2\\3", x)
}

# Typst markup: the characters tinytable's own escape covers (a - before a
# digit stays, so numbers keep their minus sign).
typst_escape <- function(x) {
  x <- gsub("([\\\\<>*_@=+/$#`~\"\\[\\]])", "\\\\\\1", x, perl = TRUE)
  gsub("-(?![0-9])", "\\\\-", x, perl = TRUE)
}

table_escapes <- list(latex = latex_cell, html = html_escape, markdown = markdown_escape,
                      typst = typst_escape)
