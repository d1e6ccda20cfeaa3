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
#' @param out_dir Folder for the results; created if needed.
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
                              nthreads = NULL) {
  if (!is.character(out_dir) || length(out_dir) != 1 || is.na(out_dir)) {
    abort_input("{.arg out_dir} must be a single folder path.", "propgrad_error_type")
  }
  # Checked before the study runs, so a bad folder does not waste the run.
  if (file.exists(out_dir) && !dir.exists(out_dir)) {
    abort_input(c("{.arg out_dir} {.file {out_dir}} is a file, not a folder.",
                  i = "Give a folder to write the results into; it is created if missing."),
                "propgrad_error_file")
  }
  dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)
  if (!dir.exists(out_dir) || file.access(out_dir, 2) != 0) {
    abort_input(c("Cannot write to {.arg out_dir} {.file {out_dir}}: it cannot be created or is not writable.",
                  i = "Give a folder you can write to."), "propgrad_error_file")
  }
  res <- property_test(propgrad::pg_study, p_cat ~ strength | image + model + property,
                       n_perm = n_perm, seed = seed, nthreads = nthreads,
                       probs = c("p_cat", "p_dog"))
  print(res, n = nrow(res))
  study <- summary(res, over = "image", seed = seed)
  cli::cat_line()
  print(study)
  tests_file <- file.path(out_dir, "property_tests.csv")
  summary_file <- file.path(out_dir, "study_summary.csv")
  utils::write.csv(tidy(res), tests_file, row.names = FALSE)
  utils::write.csv(tidy(study), summary_file, row.names = FALSE)
  table_file <- file.path(out_dir, "study_summary.tex")
  writeLines(pg_table(study, format = "latex"), table_file)
  plots <- list(
    curves_img05_fur_colour = plot_curves(propgrad::pg_study, res,
                                          list(image = "img05", property = "fur_colour"),
                                          probs = c("p_cat", "p_dog")),
    study_summary = autoplot(study),
    heatmap = autoplot(res, x = "property", y = "image", facet = "model")
  )
  plot_files <- file.path(out_dir, paste0(names(plots), ".png"))
  for (i in seq_along(plots)) {
    ggplot2::ggsave(plot_files[i], plots[[i]], width = 7, height = 4.5, dpi = 150, bg = "white")
  }
  report_file <- file.path(out_dir, "report.html")
  if (rmarkdown_ready()) {
    pg_report(res, report_file, data = propgrad::pg_study, seed = seed)
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
