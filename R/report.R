# pg_report(): one self-contained HTML report of a study (settings, results
# paragraph, summary table and plot, heatmap, output curves, all series,
# methods paragraph, provenance, method) rendered with rmarkdown from
# inst/report/report.Rmd.

#' Render an HTML report of a study
#'
#' The report has a table of contents and sections Settings (with the
#' smallest adjusted p-value the design could reach), Results (the
#' paragraph of [pg_results()]), Study summary (table and plot of
#' [summary()][summary.propgrad_tests], heatmap), Output along the
#' intervention (with `data`), All series, Methods (the paragraph of
#' [pg_methods()] with its references), Provenance (propgrad's and R's
#' versions, the shuffle and bootstrap seeds, and for [explain()] results
#' LibTorch's version and the model and image SHA-256 hashes) and About the
#' method. Titles and names are shown as text, never as HTML.
#'
#' @param tests A [property_test()] result.
#' @param file Path of the HTML file to write, in an existing folder. It is
#'   written to a temporary file first and moved into place once complete.
#' @param overwrite Replace `file` if it exists? Default `FALSE`: an
#'   existing file is an error of class `propgrad_error_exists`.
#' @param data Optional long data frame the tests were run on, for output
#'   curves.
#' @param curves A list of `where` lists (see [plot_curves()]) selecting the
#'   curves to draw; default: up to four series groups of the first input.
#' @param colour The `by` column that becomes lines in the curves; default
#'   `"model"` when present.
#' @param title Report title.
#' @param seed Seed of the bootstrap in the study summary (a whole number),
#'   or `NULL` (default, as in [summary()][summary.propgrad_tests]) to draw
#'   one from R's random number generator, so [set.seed()] makes the report
#'   reproducible. The report states the seed it used.
#' @return The path of the report, invisibly. If rmarkdown or pandoc fails,
#'   an error of class `propgrad_error_report` carries their error as its
#'   parent.
#' @export
#' @examples
#' \donttest{
#' if (rmarkdown::pandoc_available()) {
#'   tests <- property_test(pg_study, p_cat ~ strength | image + model + property,
#'                          n_perm = 9999, seed = 1, probs = c("p_cat", "p_dog"))
#'   pg_report(tests, file.path(tempdir(), "report.html"), data = pg_study)
#' }
#' }
pg_report <- function(tests, file, data = NULL, curves = NULL, colour = NULL,
                      title = "propgrad study report", seed = NULL, overwrite = FALSE) {
  call <- rlang::current_env()
  check_required(c("tests", "file"), call)
  if (!inherits(tests, "propgrad_tests") || nrow(tests) == 0) {
    abort_input("{.arg tests} must be a non-empty {.fn property_test} result.",
                "propgrad_error_input", call = call)
  }
  if (!is.character(file) || length(file) != 1 || is.na(file)) {
    abort_input("{.arg file} must be a single file path.", "propgrad_error_type", call = call)
  }
  if (!is.null(data) && !is.data.frame(data)) {
    abort_input("{.arg data} must be the data frame the tests were run on, or NULL.",
                "propgrad_error_type", call = call)
  }
  if (!is.character(title) || length(title) != 1 || is.na(title)) {
    abort_input("{.arg title} must be one string.", "propgrad_error_type", call = call)
  }
  # Drawn here, not in the report's own session, so set.seed() reaches it.
  seed <- check_seed(seed, call)
  rlang::check_installed("rmarkdown", "to render reports")
  if (!rmarkdown::pandoc_available("1.12.3")) {
    pg_abort(c("Rendering the report needs pandoc, which was not found.",
                     i = "Install it (Debian: {.code apt-get install pandoc}) or use RStudio's."),
                   "propgrad_error_pandoc", call = call)
  }
  by <- attr(tests, "settings")$by
  if (is.null(colour) && "model" %in% by) colour <- "model"
  if (!is.null(data) && is.null(curves) && !is.null(colour)) {
    fixed <- setdiff(by, colour)
    first <- unique(as.data.frame(tests)[fixed])
    first <- first[first[[fixed[1]]] == first[[fixed[1]]][1], , drop = FALSE]
    curves <- lapply(seq_len(min(4, nrow(first))), function(i) as.list(first[i, , drop = FALSE]))
  }
  file <- check_output_file(file, overwrite, call = call)
  work <- tempfile("propgrad-report")
  dir.create(work)
  on.exit(unlink(work, recursive = TRUE), add = TRUE)
  template <- file.path(work, "report.Rmd")
  file.copy(system.file("report", "report.Rmd", package = "propgrad"), template)
  render <- function(tmp) {
    tryCatch(
      rmarkdown::render(template, output_file = basename(tmp), output_dir = dirname(tmp),
                        intermediates_dir = work, knit_root_dir = work, envir = new.env(),
                        params = list(title = yaml_string(html_escape(title)), tests = tests, data = data,
                                      curves = curves, colour = colour, seed = seed),
                        quiet = TRUE),
      error = function(e) {
        # A propgrad error from a chunk (plot_curves() on a bad `curves`) is the user's to fix.
        if (inherits(e, "propgrad_error")) rlang::cnd_signal(e)
        pg_abort(c("Rendering the report {.file {basename(file)}} failed; the rmarkdown or pandoc error is below.",
                   i = "Column names, series names and the title enter the page as they are: HTML in them (such as {.code <img src=x>}) can break it; rename them."),
                 "propgrad_error_report", call = call, parent = e)
      })
  }
  write_safely(file, render, overwrite = overwrite, call = call)
  invisible(file)
}

# The template puts the title inside a double-quoted YAML string.
yaml_string <- function(x) gsub("[\r\n]+", " ", gsub("([\"\\\\])", "\\\\\\1", x))

# The report's provenance block: the explain() record when there is one,
# else the software the tests recorded (tests from a data frame), and
# always both seeds, so that every number in the report can be reproduced.
report_provenance <- function(tests, bootstrap_seed) {
  s <- attr(tests, "settings")
  prov <- pg_provenance(tests)
  rows <- if (!is.null(prov)) {
    as.data.frame(prov)
  } else {
    sw <- s$software
    data.frame(item = c("propgrad version", "R version", "LibTorch version"),
               value = c(if (is.null(sw)) "not recorded" else sw[["propgrad"]],
                         if (is.null(sw)) "not recorded" else sw[["R"]],
                         "not used (outputs given as a data frame)"))
  }
  # explain() records its shuffle seed as "seed"; name it as the report does.
  rows$item[rows$item == "seed"] <- "shuffle seed"
  if (!"shuffle seed" %in% rows$item && !is.null(s$seed)) {
    rows <- rbind(rows, data.frame(item = "shuffle seed", value = format(s$seed, scientific = FALSE)))
  }
  rbind(rows, data.frame(
    item = c("bootstrap seed (study summary)", "report rendered with"),
    value = c(format(bootstrap_seed, scientific = FALSE),
              sprintf("propgrad %s, R %s, %s", propgrad_version(),
                      paste(R.version$major, R.version$minor, sep = "."), format(Sys.Date())))))
}
