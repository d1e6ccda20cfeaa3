# Multiple testing across a study: the adjustment of raw p-values (R's
# stats::p.adjust, or Westfall-Young max-T from the core's joint stream),
# the Monte Carlo resolution a design can reach after adjustment (checked
# before anything is shuffled), n_perm = "auto", and the settings of the
# adaptive mode (adaptive_control()).

p_adjust_methods <- c(stats::p.adjust.methods, "westfall_young")

# Adjusted p-values of the engine's results.
adjust_p <- function(res, p_adjust) {
  if (p_adjust == "westfall_young") return(res[["adj.p.value"]])
  stats::p.adjust(res$p.value, method = p_adjust)
}

# The factor c with which a lone discovery's adjusted p is c times its raw
# p (Westfall-Young: 1, its maxima can be no larger than the series' own).
floor_factor <- function(p_adjust, m) {
  switch(p_adjust,
    westfall_young = 1,
    none = 1,
    hommel = m,
    fdr = pg_floor_factor_cpp("BH", m),
    pg_floor_factor_cpp(p_adjust, m))
}

# The smallest adjusted p-value any series of the design can reach, before
# shuffling: c(p_adjust, m) times the smallest raw p (1/(K + 1), or 1/n!
# for a series short enough to be enumerated).
resolution_floor <- function(n_steps, settings, p_adjust) {
  resolution_from_raw(pg_smallest_p_cpp(as.integer(n_steps), settings), length(n_steps), p_adjust,
                      settings$n_perm)
}

# The same from the smallest raw p-values (of series, or of the parts of a
# study that combine_tests() joins) and the number of series m.
resolution_from_raw <- function(raw, m, p_adjust, n_perm) {
  factor <- floor_factor(p_adjust, m)
  list(floor = min(1, factor * min(raw)), factor = factor, raw = min(raw),
       all_exact = all(raw > 1 / (n_perm + 1)))
}

# Warns (propgrad_warning_resolution) when no series can be significant.
check_resolution <- function(resolution, settings, p_adjust, m) {
  alpha <- settings$alpha
  if (!(resolution$floor > alpha)) return(invisible())
  how <- if (p_adjust %in% c("none", "westfall_young")) "" else sprintf(" and %s's adjustment", adjust_label(p_adjust))
  what <- if (m == 1) {
    cli::format_inline("With {format(settings$n_perm, big.mark = ',', scientific = FALSE)} shuffles the smallest p-value this test can reach is {signif(resolution$floor, 3)}, above alpha = {alpha}: it cannot be significant.")
  } else {
    cli::format_inline("With {m} series, {format(settings$n_perm, big.mark = ',', scientific = FALSE)} shuffles{how}, the smallest adjusted p-value a series can reach is {signif(resolution$floor, 3)}, above alpha = {alpha}: no series can be significant.")
  }
  needed <- ceiling(resolution$factor / alpha - 1)
  advice <- if (resolution$all_exact) {
    c(i = "The series are so short that all their orderings are enumerated (n! of them); only longer series (more steps) can reach alpha.")
  } else {
    c(i = "Reaching alpha needs {if (m == 1) 'K + 1 >= 1/alpha' else 'K + 1 >= m/alpha'} shuffles (n_perm >= {format(needed, big.mark = ',', scientific = FALSE)}), and power needs several times that.",
      i = "{.code n_perm = \"auto\"} chooses K for you; {.code n_perm = \"adaptive\"} spends shuffles only on series whose decision is still open.")
  }
  pg_warn(c(what, advice), "propgrad_warning_resolution")
}

adjust_label <- function(p_adjust) {
  c(holm = "Holm", hochberg = "Hochberg", hommel = "Hommel", bonferroni = "Bonferroni",
    BH = "Benjamini-Hochberg", fdr = "Benjamini-Hochberg", BY = "Benjamini-Yekutieli",
    westfall_young = "Westfall-Young", none = "no")[[p_adjust]]
}

# n_perm = "auto": K + 1 at least 20 times what a lone discovery needs to
# reach alpha (so Monte Carlo error barely moves decisions near the
# threshold), at least 10^4, rounded up to 1, 2 or 5 times a power of ten.
auto_n_perm <- function(m, alpha, p_adjust) {
  need <- max(1e4, 20 * floor_factor(p_adjust, m) / alpha)
  decade <- 10^floor(log10(need))
  nice <- c(1, 2, 5, 10) * decade
  min(n_perm_limit, nice[which(nice >= need)[1]]) - 1
}

#' Settings of the adaptive mode
#'
#' With `n_perm = "adaptive"`, [property_test()] runs sequential Monte Carlo
#' multiple testing in the spirit of MMCTest (Gandy and Hahn 2014, the
#' algorithm of CRAN's simctest::mmctest): each series keeps a confidence
#' interval for its permutation p-value (the p of infinitely many shuffles);
#' `p_adjust` is applied to the lower and to the upper bounds; a series whose
#' two decisions agree is settled, and only the others get more shuffles, in
#' batches that grow by `growth`. The error `epsilon` is spent over series
#' and batches (a share \eqn{n/(n + r)} after n shuffles, r = `spending`), so
#' with probability at least `1 - epsilon` every settled decision equals the
#' decision `p_adjust` makes on the exact permutation p-values. A two-sided
#' series without a closed-form centre (uneven steps, smoothing, `"mi"`) is
#' centred on an independent pilot of shuffles; half of its error share then
#' guards the pilot centre (its bounds cover the counts at both ends of the
#' centre's margin), so the guarantee still refers to the exact permutation
#' p. Series still open when `max_n_perm` (per series) or `max_total` (all
#' series) is spent are reported as `"undecided"`.
#'
#' @param epsilon Bound on the probability that any decision differs from
#'   the decision on the exact permutation p-values.
#' @param max_n_perm Most shuffles for one series.
#' @param max_total Most shuffles for all series together (`Inf`: no limit).
#' @param first_batch,growth,max_batch Batch sizes: the first batch is
#'   `floor(growth * first_batch)`, each next one `growth` times larger, at
#'   most `max_batch` (simctest's defaults).
#' @param spending The r of the error spending sequence \eqn{n/(n + r)}.
#' @return A list for the `adaptive` argument of [property_test()].
#' @references
#' Gandy A, Hahn G (2014). MMCTest - a safe algorithm for implementing
#' multiple Monte Carlo tests. Scandinavian Journal of Statistics 41(4),
#' 1083-1101.
#' @export
#' @examples
#' adaptive_control(epsilon = 0.01)
adaptive_control <- function(epsilon = 1e-3, max_n_perm = 1e7, max_total = Inf, first_batch = 10,
                             growth = 1.25, max_batch = 1e5, spending = 1e4) {
  call <- rlang::current_env()
  check_probability(epsilon, "epsilon", call)
  check_whole(max_n_perm, 10, n_perm_limit, arg = "max_n_perm", call = call)
  if (!is.numeric(max_total) || length(max_total) != 1 || is.na(max_total) || max_total < 1) {
    abort_input("{.arg max_total} must be a positive number of shuffles or {.code Inf}.",
                "propgrad_error_number", call = call)
  }
  check_whole(first_batch, 1, 1e6, arg = "first_batch", call = call)
  if (!is.numeric(growth) || length(growth) != 1 || !is.finite(growth) || growth < 1.01 || growth > 10) {
    abort_input("{.arg growth} must be a number between 1.01 and 10.", "propgrad_error_number", call = call)
  }
  check_whole(max_batch, 1, 1e8, arg = "max_batch", call = call)
  if (!is.numeric(spending) || length(spending) != 1 || !is.finite(spending) || spending <= 0) {
    abort_input("{.arg spending} must be a positive number.", "propgrad_error_number", call = call)
  }
  structure(list(epsilon = epsilon, max_n_perm = as.numeric(max_n_perm),
                 max_total = if (is.finite(max_total)) as.numeric(max_total) else 0,
                 first_batch = as.numeric(first_batch), growth = growth,
                 max_batch = as.numeric(max_batch), spending = spending),
            class = "propgrad_adaptive_control")
}

check_adaptive_settings <- function(settings, p_adjust, backend, call) {
  if (p_adjust %in% c("hommel", "westfall_young")) {
    abort_input(c("{.code n_perm = \"adaptive\"} needs a procedure with fixed critical values.",
                  x = "{.val {p_adjust}} is not one.",
                  i = "Use {.val holm}, {.val hochberg}, {.val BH}, {.val BY}, {.val bonferroni} or {.val none}."),
                "propgrad_error_incompatible", call = call)
  }
  if (identical(backend, "future") || !is.null(settings$checkpoint)) {
    abort_input(c("{.code n_perm = \"adaptive\"} decides all series together in one session, not in chunks.",
                  i = "Use {.code backend = \"local\"} without {.arg checkpoint}, or a whole number {.arg n_perm}."),
                "propgrad_error_incompatible", call = call)
  }
}

check_max_t_settings <- function(settings, call) {
  if (settings$sequential > 0 || settings$p_method == "zollstock") {
    abort_input(c("The Westfall-Young adjustment needs every series shuffled {settings$n_perm} times with plus-one p-values.",
                  i = "Drop {.arg sequential} and use {.code p_method = \"plus_one\"}."),
                "propgrad_error_incompatible", call = call)
  }
}

# The core estimates the joint stream's memory from its own block layout.
check_max_t_memory <- function(series, settings, call) {
  m <- length(series)
  n <- if (m) nrow(series[[1]]$y) else 0
  d <- if (m) ncol(series[[1]]$y) else 0
  bytes <- pg_westfall_young_bytes_cpp(m, n, d, settings, max(1L, settings$nthreads %||% 1L))
  check_memory(bytes, "The Westfall-Young joint stream",
               "Use another {.arg p_adjust}, or test fewer series at once.", call = call)
}

check_shared_lengths <- function(series, call) {
  n <- vapply(series, function(s) nrow(s$y), integer(1))
  if (length(unique(n)) > 1) {
    abort_input(c("The Westfall-Young adjustment shares permutations, so every series needs the same number of steps.",
                  x = "The series have between {min(n)} and {max(n)} steps.",
                  i = "Use another {.arg p_adjust}, or test series of each length separately."),
                "propgrad_error_incompatible", call = call)
  }
}
