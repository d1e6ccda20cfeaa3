# pg_methods() and pg_results(): the methods and results paragraphs of a
# paper, written from what a result carries (its settings, provenance and
# summary), never from defaults: a setting the object lacks leaves its
# sentence out. Sentences are built by small functions that know whether
# they write plain text or Markdown (italics, escaped names); citations are
# collected as the sentences cite them and listed at the end. The methods
# sentences are in paragraph_methods.R; the references and the number
# formats in paragraph_text.R.

#' Methods and results paragraphs for a paper
#'
#' `pg_methods()` writes the paragraph a paper's methods section needs to
#' describe a study tested with [property_test()] or [explain()]: the
#' series and their steps, the property gradient and the EPGM, the
#' statistic, the shuffles (a fixed number K, Besag-Clifford sequential
#' stopping, the adaptive MMCTest rule, or exact enumeration), the
#' p-value's definition, the multiple-testing adjustment and alpha, the
#' Monte Carlo floor when the design could not reach alpha, the seed, the
#' interval of a [summary()][summary.propgrad_tests] and the software
#' versions, with author-year citations and a list of references.
#' `pg_results()` writes the matching results paragraph: for each group
#' (by default each model) how many series were significant after the
#' adjustment and the mean EPGM with its interval.
#'
#' Every number comes from the object: the settings [property_test()]
#' stored, the provenance [explain()] recorded and the summary's settings.
#' A sentence whose setting the object does not carry (tests made by an
#' older propgrad, say) is left out rather than guessed. Model and image
#' hashes belong in the report's provenance block ([pg_report()]), not in
#' the paragraph.
#'
#' @section Groups of the results paragraph:
#' A study's summary has one row per combination of the `by` columns other
#' than the series unit (the inputs averaged over, by default the first
#' `by` column, e.g. `image`) and output. `pg_results()` writes one
#' sentence per value of `by` (default: `"model"` when the tests have that
#' column, else the first of the summary's grouping columns); the other
#' grouping columns (property, output) name the rows within it.
#'
#' @param x A [property_test()] or [explain()] result, or its
#'   [summary()][summary.propgrad_tests].
#' @param format `"text"` (default) or `"markdown"` (italic *p*, *K* and
#'   *N*, names escaped, references as a list).
#' @param summary Optional: the [summary()][summary.propgrad_tests] of `x`
#'   whose interval the paragraph also describes (when `x` is the tests).
#' @param by For `pg_results()`: the grouping column that leads each
#'   sentence (see section Groups).
#' @param seed For `pg_results()` given tests: the seed of the bootstrap of
#'   [summary()][summary.propgrad_tests] (as there, `NULL` draws one from
#'   R's random number generator). Use the seed of the summary you report.
#' @param ... For `pg_results()` given tests: further arguments of
#'   [summary()][summary.propgrad_tests] (`conf_level`, `n_boot`, `over`,
#'   `interval`, `alpha`).
#' @return A character string of class `"propgrad_paragraph"` (attribute
#'   `format`); `print()` wraps it to the console width, `cat()` or
#'   `as.character()` give the string itself (for a Markdown document).
#' @references
#' Penzel N, Denzler J (2026). Locally Explaining Prediction Behavior via
#' Gradual Interventions and Measuring Property Gradients. WACV.
#' @seealso [pg_table()] for the tables, [pg_report()] for a whole report.
#' @export
#' @examples
#' tests <- property_test(pg_study, p_cat ~ strength | image + model + property,
#'                        n_perm = 999, seed = 1, alpha = 0.05)
#' pg_methods(tests)
#' pg_results(tests, seed = 1)
#' # Markdown for a paper written in R Markdown or Quarto
#' study <- summary(tests, seed = 1, conf_level = 0.9)
#' cat(pg_methods(tests, "markdown", summary = study), "\n")
#' cat(pg_results(study, "markdown"), "\n")
pg_methods <- function(x, format = c("text", "markdown"), summary = NULL) {
  call <- rlang::current_env()
  check_required("x", call)
  format <- check_choice(format, c("text", "markdown"), arg = "format", call = call)
  check_paragraph_input(x, call)
  if (inherits(x, "propgrad_summary")) {
    if (!is.null(summary)) {
      abort_input(c("{.arg x} is already a summary; give {.arg summary} only with the tests.",
                    i = "Use {.code pg_methods(tests, summary = study)}."),
                  "propgrad_error_incompatible", call = call)
    }
    summary <- x
  } else if (!is.null(summary)) {
    if (!inherits(summary, "propgrad_summary")) {
      abort_input("{.arg summary} must come from {.fn summary} of the tests, not {.obj_type_friendly {summary}}.",
                  "propgrad_error_type", call = call)
    }
    if (!identical(attr(summary, "settings")$tests, attr(x, "settings"))) {
      abort_input(c("{.arg summary} was made from other tests than {.arg x}.",
                    i = "Give {.code summary(x)} of the same tests."),
                  "propgrad_error_incompatible", call = call)
    }
  }
  w <- paragraph_writer(format)
  tests <- if (inherits(x, "propgrad_tests")) x
  s <- attr(x, "settings")
  if (inherits(x, "propgrad_summary")) s <- s$tests
  sentences <- c(
    methods_design(tests, summary, s, pg_provenance(x), w),
    methods_gradient(s, w),
    methods_test(tests, s, w),
    methods_p(tests, s, w),
    methods_adjust(tests, summary, s, w),
    methods_seed(tests, s, w),
    if (!is.null(tests) && "flips" %in% names(tests))
      "Prediction flips (changes of the predicted class along a series) were counted.",
    methods_interval(summary, w),
    methods_software(s, pg_provenance(x), w))
  new_paragraph(paste(sentences, collapse = " "), w)
}

#' @rdname pg_methods
#' @export
pg_results <- function(x, format = c("text", "markdown"), by = NULL, seed = NULL, ...) {
  call <- rlang::current_env()
  check_required("x", call)
  format <- check_choice(format, c("text", "markdown"), arg = "format", call = call)
  check_paragraph_input(x, call)
  if (inherits(x, "propgrad_summary")) {
    if (!is.null(seed) || ...length()) {
      abort_input(c("{.arg x} is already a summary: {.arg seed} and other {.fn summary} arguments cannot change it.",
                    i = "Give the tests to compute the summary here, or drop {.arg seed} and {.arg ...}."),
                  "propgrad_error_incompatible", call = call)
    }
    study <- x
    tests <- NULL
  } else {
    study <- summary(x, seed = seed, ...)
    tests <- x
  }
  s <- attr(study, "settings")
  keys <- setdiff(names(study), summary_columns)
  by <- results_by(by, keys, study, call)
  w <- paragraph_writer(format)
  sig <- if (!is.null(tests)) significant(tests, s$alpha)
  opening <- results_opening(study, s, w, tests, sig)
  # One sentence per value of `by`; the other keys name the rows in it.
  others <- setdiff(keys, c(by, if (length(unique(study$output)) == 1) "output"))
  lead <- group_ids(unclass(study)[by])
  rows <- split(seq_len(nrow(study)), factor(lead, levels = unique(lead)))
  per_group <- vapply(rows, function(i) {
    label <- paste(sprintf("%s %s", w$name(by), vapply(by, function(b) w$name(as.character(study[[b]][i[1]])), "")),
                   collapse = " and ")
    parts <- vapply(i, function(r) results_row(study, r, others, tests, sig, s, w), "")
    sprintf("For %s, %s.", label, and_list(parts))
  }, "")
  new_paragraph(paste(c(opening, per_group), collapse = " "), w, references = FALSE)
}

check_paragraph_input <- function(x, call) {
  if (!inherits(x, c("propgrad_tests", "propgrad_summary")) || nrow(x) == 0) {
    abort_input(c("{.arg x} must be a non-empty result of {.fn property_test}, {.fn explain} or their {.fn summary}.",
                  x = "It is {.obj_type_friendly {x}}."),
                "propgrad_error_type", call = call)
  }
}

results_by <- function(by, keys, study, call) {
  groups <- setdiff(keys, "output")
  if (is.null(by)) {
    by <- if ("model" %in% groups) "model" else if (length(groups)) groups[1] else "output"
  }
  if (!is.character(by) || length(by) == 0 || anyNA(by) || !all(by %in% keys)) {
    abort_input(c("{.arg by} must name grouping columns of the study summary.",
                  i = "They are {.val {keys}}; the inputs averaged over ({.val {attr(study, 'settings')$over}}) are not one."),
                "propgrad_error_column", call = call)
  }
  unique(by)
}

# ---- results sentences ------------------------------------------------

results_opening <- function(study, s, w, tests, sig) {
  total <- sum(study$n_series)
  n_sig <- sum(study$n_significant)
  adj <- s$tests$p_adjust
  after <- if (is.null(adj)) "" else if (adj == "none") " without adjustment" else sprintf(" after %s adjustment", adjust_label(adj))
  out <- if (n_sig == 0) {
    sprintf("None of the %s series was significant%s (%s = %s).", format_count(total), after, w$alpha(),
            format(s$alpha))
  } else {
    sprintf("Of the %s series, %s %s significant%s (%s = %s).", format_count(total),
            format_count(n_sig), if (n_sig == 1) "was" else "were", after, w$alpha(), format(s$alpha))
  }
  if ("n_undecided" %in% names(study) && sum(study$n_undecided) > 0) {
    out <- c(out, sprintf("%s series remained undecided when the shuffle budget was spent.",
                          capitalise(format_count(sum(study$n_undecided)))))
  }
  floor <- s$tests$adj_p_floor
  if (!is.null(floor) && floor > s$alpha) {
    out <- c(out, sprintf("No series could have been significant: the smallest %s%s-value the design allowed was %s.",
                          if (identical(adj, "none")) "" else "adjusted ", w$em("p"), format_num(floor)))
  }
  out
}

results_row <- function(study, r, others, tests, sig, s, w) {
  where <- if (length(others)) {
    paste0(" for ", paste(sprintf("%s %s", w$name(others),
                                  vapply(others, function(o) w$name(as.character(study[[o]][r])), "")),
                          collapse = " and "))
  } else ""
  est <- study$estimate[r]
  ci <- c(study$conf.low[r], study$conf.high[r])
  level <- format_pct(attr(study, "settings")$conf_level)
  mean_txt <- if (all(is.finite(ci))) {
    digits <- decimals_for(est)
    sprintf("mean EPGM %s, %s%% CI [%s, %s]", format_fixed(est, digits), level,
            format_fixed(ci[1], digits), format_fixed(ci[2], digits))
  } else sprintf("mean EPGM %s", format_num(est))
  p_txt <- results_p(study, r, tests, sig, s, w)
  k <- study$n_significant[r]
  n <- study$n_series[r]
  sprintf("%s of %s series %s significant%s (%s%s)", format_count(k), format_count(n),
          if ((if (k == 0) n else k) == 1) "was" else "were", where, mean_txt, p_txt %||% "")
}

# The adjusted p-values behind a row's count, when the tests are at hand:
# the largest among the significant series, or the smallest when none is.
results_p <- function(study, r, tests, sig, s, w) {
  if (is.null(tests) || "decision" %in% names(tests)) return(NULL)
  keys <- setdiff(names(study), summary_columns)
  match_row <- Reduce(`&`, lapply(keys, function(k) as.character(tests[[k]]) == as.character(study[[k]][r])))
  p <- tests$adj.p.value[match_row]
  hit <- sig[match_row]
  if (!any(is.finite(p))) return(NULL)
  label <- if (identical(s$tests$p_adjust, "none")) w$em("p") else paste("adjusted", w$em("p"))
  if (any(hit)) {
    top <- max(p[hit])
    if (top < 0.001) sprintf("; all %s < 0.001", label) else sprintf("; largest %s %s", label, format_p_text(top))
  } else {
    sprintf("; smallest %s %s", label, format_p_text(min(p, na.rm = TRUE)))
  }
}
