# combine_tests(): one study from the results of property_test() run on
# parts of it (subsets of the data, separate sessions or jobs). Per-series
# results do not depend on the other series (each stream is keyed by its
# own data), so only the adjustment across series and the resolution floor
# are recomputed, once over all rows.

# Settings that must agree for rows to belong to one study.
combine_shared <- c("statistic", "alternative", "p_method", "mode", "n_perm", "sequential",
                    "seed", "p_adjust", "alpha", "tolerance", "p_conf_level", "property", "by",
                    "spacing", "period")

#' Combine the tests of a study run in parts
#'
#' A large study can be run in parts: [property_test()] on subsets of the
#' data (by image, say), in separate sessions or cluster jobs, with the same
#' settings and a fixed `seed`. `combine_tests()` binds the parts and
#' applies `p_adjust` once over all series, so the adjusted p-values equal
#' those of one run over the whole study (Holm over the parts separately
#' would adjust for too few series). The raw p-values and every other
#' per-series column are kept as they are: each series' random stream is
#' keyed by its own data, so they do not depend on how the study was split.
#'
#' The parts must share their settings (statistic, alternative, `n_perm`,
#' `seed`, `p_method`, `p_adjust`, `alpha`, ...) and have distinct series
#' (`by` values and output); otherwise the error has class
#' `propgrad_error_combine`. Westfall-Young adjusted p-values cannot be
#' combined: they come from the joint distribution of the maxima over all
#' series, which the parts' raw p-values do not contain; run such a study
#' in one call (`backend = "future"` spreads it over workers). The adaptive
#' mode is refused for the same reason (its decisions are made jointly).
#' The resolution floor `adj_p_floor` is recomputed for all series.
#'
#' @param ... Results of [property_test()], or one list of them.
#' @return One `"propgrad_tests"` data frame with the rows of all parts, in
#'   the order given, and `adj.p.value` recomputed over all of them. The
#'   null distributions (`keep_null = TRUE`) are kept when every part has
#'   them.
#' @export
#' @examples
#' f <- p_cat ~ strength | image + model + property
#' parts <- lapply(split(pg_study, pg_study$model), property_test,
#'                 output = f, n_perm = 999, seed = 1, alpha = 0.05)
#' all <- combine_tests(parts)
#' whole <- property_test(pg_study, f, n_perm = 999, seed = 1, alpha = 0.05)
#' all.equal(sort(all$adj.p.value), sort(whole$adj.p.value))
combine_tests <- function(...) {
  call <- rlang::current_env()
  parts <- list(...)
  if (length(parts) == 1 && is.list(parts[[1]]) && !is.data.frame(parts[[1]])) parts <- parts[[1]]
  if (length(parts) == 0) abort_input("Give at least one result of {.fn property_test}.",
                                      "propgrad_error_missing", call = call)
  is_tests <- vapply(parts, inherits, logical(1), "propgrad_tests")
  if (!all(is_tests)) {
    abort_input(c("Every part must be a result of {.fn property_test}.",
                  x = "Part{?s} {which(!is_tests)} {?is/are} not."), "propgrad_error_type", call = call)
  }
  settings <- lapply(parts, attr, "settings")
  first <- settings[[1]]
  for (i in seq_along(parts)[-1]) {
    differ <- combine_shared[!vapply(combine_shared, function(s) identical(settings[[i]][[s]], first[[s]]),
                                     logical(1))]
    if (length(differ)) {
      abort_input(c("Part {i} was tested with other settings than part 1: {.field {differ}}.",
                    i = "Run every part with the same arguments (and a fixed {.arg seed})."),
                  "propgrad_error_combine", call = call)
    }
    if (!identical(names(parts[[i]]), names(parts[[1]]))) {
      abort_input("Part {i} has other columns than part 1.", "propgrad_error_combine", call = call)
    }
  }
  if (identical(first$p_adjust, "westfall_young")) {
    abort_input(c("Westfall-Young adjusted p-values cannot be combined from parts.",
                  x = "They come from the maxima over all series under shared permutations, which the parts' raw p-values do not contain.",
                  i = "Run the whole study in one call; {.code backend = \"future\"} spreads it over workers."),
                "propgrad_error_combine", call = call)
  }
  if (identical(first$mode, "adaptive")) {
    abort_input(c("Adaptive results cannot be combined: their decisions were made for each part's series only.",
                  i = "Use a whole number {.arg n_perm} for a study run in parts."),
                "propgrad_error_combine", call = call)
  }
  out <- do.call(rbind, lapply(parts, as.data.frame))
  rownames(out) <- NULL
  key <- group_ids(unclass(out)[c(first$by, "output")], nrow(out))
  if (anyDuplicated(key)) {
    dup <- out[duplicated(key), c(first$by, "output"), drop = FALSE][1, , drop = FALSE]
    abort_input(c("The parts share series; each series must be in one part only.",
                  x = "First repeated: {paste0(names(dup), '=', vapply(dup, as.character, ''), collapse = ', ')}."),
                "propgrad_error_combine", call = call)
  }
  out$adj.p.value <- adjust_p(out, first$p_adjust)
  raw <- vapply(settings, function(s) s$raw_p_floor %||% NA_real_, 0)
  resolution <- if (!anyNA(raw)) resolution_from_raw(raw, nrow(out), first$p_adjust, first$n_perm)
  first$adj_p_floor <- resolution$floor
  first$raw_p_floor <- resolution$raw
  skipped <- lapply(settings, `[[`, "skipped")
  first$skipped <- if (any(lengths(skipped) > 0)) do.call(rbind, skipped)
  attr(out, "settings") <- first
  nulls <- lapply(parts, attr, "null")
  if (all(!vapply(nulls, is.null, logical(1)))) attr(out, "null") <- do.call(cbind, nulls)
  class(out) <- c("propgrad_tests", "data.frame")
  if (!is.null(resolution)) check_resolution(resolution, first, first$p_adjust, nrow(out))
  out
}
