# pg_report(): one self-contained HTML report of a study (settings, summary
# table and plot, heatmap, output curves, all series, method) rendered with
# rmarkdown from inst/report/report.Rmd.

#' Render an HTML report of a study
#'
#' @param tests A [property_test()] result.
#' @param file Path of the HTML file to write.
#' @param data Optional long data frame the tests were run on, for output
#'   curves.
#' @param curves A list of `where` lists (see [plot_curves()]) selecting the
#'   curves to draw; default: up to four series groups of the first input.
#' @param colour The `by` column that becomes lines in the curves; default
#'   `"model"` when present.
#' @param title Report title.
#' @param seed Seed of the bootstrap in the study summary.
#' @return The path of the report, invisibly.
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
                      title = "propgrad study report", seed = 1) {
  call <- rlang::current_env()
  if (!inherits(tests, "propgrad_tests") || nrow(tests) == 0) {
    abort_input("{.arg tests} must be a non-empty {.fn property_test} result.",
                "propgrad_error_input", call = call)
  }
  if (!is.character(file) || length(file) != 1 || is.na(file)) {
    abort_input("{.arg file} must be a single file path.", "propgrad_error_type", call = call)
  }
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
  file <- normalizePath(file, mustWork = FALSE)
  dir.create(dirname(file), recursive = TRUE, showWarnings = FALSE)
  work <- tempfile("propgrad-report")
  dir.create(work)
  on.exit(unlink(work, recursive = TRUE), add = TRUE)
  template <- file.path(work, "report.Rmd")
  file.copy(system.file("report", "report.Rmd", package = "propgrad"), template)
  rmarkdown::render(template, output_file = basename(file), output_dir = dirname(file),
                    intermediates_dir = work, knit_root_dir = work, envir = new.env(),
                    params = list(title = title, tests = tests, data = data, curves = curves,
                                  colour = colour, seed = seed),
                    quiet = TRUE)
  invisible(file)
}
