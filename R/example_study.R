# The main job behind the README's first command: shuffle tests over the
# bundled example study, printed and written as CSV to an output folder.

#' Run the shuffle tests of the bundled example study
#'
#' Tests every series of [pg_study] (image x model x property, output
#' `p_cat`), prints the result table and the study summary per model x
#' property ([summary.propgrad_tests()]), and writes both as CSV files
#' (`property_tests.csv`, `study_summary.csv`), the summary as a LaTeX table
#' (`study_summary.tex`) and three PNG figures (output curves of one image,
#' the study summary, a heatmap) and an HTML report ([pg_report()], when
#' rmarkdown and pandoc are available) to `out_dir`.
#'
#' @param out_dir Folder for the results; created if needed. Every file is
#'   checked before the tests run and written through a temporary file.
#' @param overwrite Replace result files that already exist in `out_dir`?
#'   Default `FALSE`: an existing file is an error of class
#'   `propgrad_error_exists`, raised before any work is done.
#' @param n_perm Shuffles per series.
#' @param seed Seed of the shuffle streams.
#' @param nthreads Threads (default: [pg_threads()]).
#' @return The `"propgrad_tests"` result, invisibly.
#' @export
#' @examples
#' \donttest{
#' run_example_study(file.path(tempdir(), "propgrad-demo"), n_perm = 9999)
#' }
run_example_study <- function(out_dir = "propgrad-demo", n_perm = 10000, seed = 2026,
                              nthreads = NULL, overwrite = FALSE) {
  call <- rlang::current_env()
  if (!is.character(out_dir) || length(out_dir) != 1 || is.na(out_dir)) {
    abort_input("{.arg out_dir} must be a single folder path.", "propgrad_error_type")
  }
  check_flag(overwrite, "overwrite", call)
  # Every target is checked before the study runs, so a bad folder or an
  # existing file does not waste the run.
  check_output_folder(out_dir, create = TRUE, arg = "out_dir", call = call)
  plot_names <- c("curves_img05_fur_colour", "study_summary", "heatmap")
  files <- file.path(out_dir, c("property_tests.csv", "study_summary.csv", "study_summary.tex",
                                paste0(plot_names, ".png"), "report.html"))
  for (f in files) check_output_file(f, overwrite, arg = "out_dir", call = call)
  res <- property_test(propgrad::pg_study, p_cat ~ strength | image + model + property,
                       n_perm = n_perm, seed = seed, nthreads = nthreads,
                       probs = c("p_cat", "p_dog"))
  print(res, n = nrow(res))
  study <- summary(res, over = "image", seed = seed)
  cli::cat_line()
  print(study)
  tests_file <- files[1]
  summary_file <- files[2]
  table_file <- files[3]
  write_safely(tests_file, function(tmp) utils::write.csv(tidy(res), tmp, row.names = FALSE),
               overwrite = overwrite, validate = csv_complete(tidy(res)), call = call)
  write_safely(summary_file, function(tmp) utils::write.csv(tidy(study), tmp, row.names = FALSE),
               overwrite = overwrite, validate = csv_complete(tidy(study)), call = call)
  pg_table(study, "latex", file = table_file, overwrite = overwrite)
  plots <- list(
    curves_img05_fur_colour = plot_curves(propgrad::pg_study, res,
                                          list(image = "img05", property = "fur_colour"),
                                          probs = c("p_cat", "p_dog")),
    study_summary = autoplot(study),
    heatmap = autoplot(res, x = "property", y = "image", facet = "model")
  )
  plot_files <- files[4:6]
  for (i in seq_along(plots)) {
    write_safely(plot_files[i], function(tmp) {
      ggplot2::ggsave(tmp, plots[[i]], width = 7, height = 4.5, dpi = 150, bg = "white")
    }, overwrite = overwrite, call = call)
  }
  report_file <- files[7]
  if (rmarkdown_ready()) {
    pg_report(res, report_file, data = propgrad::pg_study, seed = seed, overwrite = overwrite)
  } else {
    pg_warn("Skipped the HTML report: it needs rmarkdown and pandoc.", "propgrad_warning_report")
    report_file <- NULL
  }
  pg_inform(c(v = "Wrote {.file {c(tests_file, summary_file, table_file, plot_files, report_file)}}."),
            "propgrad_message_written")
  invisible(res)
}

rmarkdown_ready <- function() {
  requireNamespace("rmarkdown", quietly = TRUE) && rmarkdown::pandoc_available("1.12.3")
}

# A CSV is complete when it reads back with every row and column.
csv_complete <- function(df) {
  function(path) {
    back <- tryCatch(utils::read.csv(path, check.names = FALSE), error = function(e) NULL)
    !is.null(back) && nrow(back) == nrow(df) && ncol(back) == ncol(df)
  }
}
