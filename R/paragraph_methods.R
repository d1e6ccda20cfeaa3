# The sentences of pg_methods(), one function per part of the method: the
# design, the gradient, the test and its shuffles, the p-value, the
# adjustment and its floor, the seed, the summary's interval and the
# software. Each reads only the settings, provenance and summary it is
# given and returns NULL when they lack what its sentence needs. Tested in
# test-paragraph_methods.R.

methods_design <- function(tests, summary, s, prov, w) {
  m <- if (!is.null(tests)) nrow(tests) else sum(summary$n_series)
  outputs <- unique(as.character((tests %||% summary)$output))
  by <- s$by
  what <- if (isTRUE(s$joint)) {
    sprintf("the outputs %s (tested together as one vector output)", and_list(w$name(strsplit(outputs[1], "+", fixed = TRUE)[[1]])))
  } else if (length(outputs) > 1) {
    sprintf("the outputs %s (each tested on its own)", and_list(w$name(outputs)))
  } else sprintf("the output %s", w$name(outputs))
  steps <- if (!is.null(tests)) {
    n <- range(tests$n_steps)
    if (n[1] == n[2]) sprintf(", each with %s = %d steps", w$em("N"), n[1])
    else sprintf(", with %s = %d to %d steps", w$em("N"), n[1], n[2])
  }
  unit <- if (length(by)) sprintf(" (one per combination of %s)", and_list(w$name(by)))
  out <- sprintf("We tested %s series%s of %s along the property %s%s.", format_count(m), unit, what,
                 w$name(s$property), steps %||% "")
  iv <- prov$intervention
  if (!is.null(iv$kind) && length(iv$strengths)) {
    out <- c(out, sprintf("The outputs were recorded along a gradual %s intervention in %d steps from %s to %s.",
                          w$name(iv$kind), length(iv$strengths), format_num(min(iv$strengths)),
                          format_num(max(iv$strengths))))
  }
  if (!is.null(tests) && "seed_epgm_sd" %in% names(tests)) {
    out <- c(out, "Edits made with several editor seeds were averaged into one output curve per series before testing.")
  }
  skipped <- s$skipped
  if (NROW(skipped)) {
    out <- c(out, sprintf("A further %s series could not be tested (%s) and %s left out, also of the adjustment.",
                          format_count(nrow(skipped)), paste(unique(skipped$reason), collapse = "; "),
                          if (nrow(skipped) == 1) "was" else "were"))
  }
  out
}

methods_gradient <- function(s, w) {
  if (is.null(s$spacing)) return(NULL)
  how <- if (s$spacing == "index") {
    sprintf("with unit spacing between consecutive steps (the property values only order the steps), as in the reference implementation of %s",
            w$cite("penzel", narrative = TRUE))
  } else {
    paste0("on the property values", if (isTRUE(s$rescale)) " rescaled to [0, 1]",
           " (second-order differences that allow uneven steps)")
  }
  extra <- c(
    if (!is.null(s$period)) sprintf("the property was treated as periodic with period %s, so the series has no ends", format_num(s$period)),
    if (!is.null(s$smooth)) sprintf("the gradient was taken from a local polynomial fit of degree %d in a window of %d steps (%s)",
                                    s$smooth$degree, s$smooth$window, w$cite("savitzky")))
  mean_of <- if (isTRUE(s$joint)) "the mean Euclidean norm of the gradient vector" else "the mean absolute gradient"
  paste0(sprintf("The property gradient at each step was computed by finite differences %s; %s over the steps is the expected property gradient magnitude (EPGM; %s).",
                 how, mean_of, w$cite("penzel")),
         if (length(extra)) paste0(" ", capitalise(and_list(extra)), "."))
}

methods_test <- function(tests, s, w) {
  K <- sprintf("%s = %s", w$em("K"), format_count(s$n_perm))
  stat <- switch(s$statistic,
    grad = "The EPGM was tested",
    corr = "The dependence was tested with Pearson's correlation of output and property as the statistic (the EPGM is reported as the effect size)",
    mi = sprintf("The dependence was tested with a k-nearest-neighbour estimate of the mutual information of output and property (k = 5; %s) as the statistic (the EPGM is reported as the effect size)",
                 w$cite("kraskov")))
  shuffles <- if (identical(s$mode, "adaptive")) {
    a <- s$adaptive
    paste0("the number of shuffles was chosen adaptively by sequential Monte Carlo multiple testing (MMCTest; ",
           w$cite("gandy"), "), which gives further batches of shuffles only to series whose decision after the adjustment is still open. ",
           sprintf("With probability at least %s every decision equals the one on the exact permutation p-values; ", format(1 - a$epsilon)),
           "at most ", format_count(a$max_n_perm), " shuffles per series",
           if (isTRUE(a$max_total > 0)) sprintf(" and %s in all", format_count(a$max_total)), " were allowed",
           if (!is.null(a$total_shuffles)) sprintf(", and %s were spent", format_count(a$total_shuffles)))
  } else if (isTRUE(s$sequential > 0)) {
    sprintf("at most %s random shuffles per series, stopping a series once %s = %s shuffles were at least as extreme as the observed statistic (sequential p-values of %s: %s after %s shuffles)",
            K, w$em("h"), format_count(s$sequential), w$cite("besag", narrative = TRUE),
            sprintf("%s = %s/%s", w$em("p"), w$em("h"), w$em("l")), w$em("l"))
  } else if (all_exact(exact_series(tests, s))) {
    sprintf("every series was short enough for all its %s! orderings to be enumerated, so the tests are exact (%s = %s/%s!)",
            w$em("N"), w$em("p"), w$em("b"), w$em("N"))
  } else if (!is.null(s$n_perm) && !is.na(s$n_perm)) {
    sprintf("%s random shuffles per series", K)
  }
  if (is.null(shuffles)) return(NULL)
  out <- sprintf("%s with a shuffle (permutation) test that keeps the property values fixed and permutes the outputs: %s.",
                 stat, shuffles)
  exact <- exact_series(tests, s)
  if (!is.null(exact) && any(exact) && !all(exact)) {
    out <- c(out, sprintf("The %s series with at most %d steps (%s! at most %s) were tested exactly, on all their orderings (%s = %s/%s!).",
                          format_count(sum(exact)), max(tests$n_steps[exact]), w$em("N"), w$em("K"),
                          w$em("p"), w$em("b"), w$em("N")))
  }
  c(out, methods_alternative(s, w, all_exact(exact)))
}

# Series whose orderings were all enumerated: n! counted, n! <= K.
exact_series <- function(tests, s) {
  if (is.null(tests) || !identical(s$mode, "fixed") || is.null(s$n_perm) || is.na(s$n_perm)) return(NULL)
  n_orders <- factorial(tests$n_steps)
  n_orders <= s$n_perm & tests$n_perm_used == n_orders
}

all_exact <- function(exact) length(exact) > 0 && all(exact)

methods_alternative <- function(s, w, enumerated = FALSE) {
  if (identical(s$p_method, "zollstock")) {
    return(sprintf("Tails follow the reference implementation of %s: %s.", w$cite("penzel", narrative = TRUE),
                   switch(s$statistic, grad = "two-sided around the mean of the shuffled statistics",
                          corr = "two-sided on the absolute correlation",
                          mi = "one-sided, counting shuffles with a strictly larger statistic")))
  }
  switch(s$alternative %||% "",
    two.sided = two_sided_sentence(s, w, enumerated),
    less = if (s$statistic == "grad") "The test was one-sided in the lower tail: a smooth dependence of the output on the property gives a smaller EPGM than shuffled outputs do." else
      "The test was one-sided in the lower tail.",
    greater = switch(s$statistic,
      grad = "The test was one-sided in the upper tail (an output that oscillates along the property gives a larger EPGM than shuffled outputs do).",
      mi = "The test was one-sided in the upper tail, as mutual information only grows with dependence.",
      "The test was one-sided in the upper tail."),
    NULL)
}

# The centre of a two-sided test, as the engine chooses it.
two_sided_sentence <- function(s, w, enumerated) {
  if (s$statistic == "corr") return("The test was two-sided (on the absolute correlation).")
  if (enumerated) return("The test was two-sided, on the distance of each statistic from its mean over all orderings.")
  estimated <- if (identical(s$mode, "adaptive") || isTRUE(s$sequential > 0)) {
    "the mean of an independent pilot of shuffles"
  } else {
    sprintf("the mean of all %s + 1 statistics", w$em("K"))
  }
  sprintf("The test was two-sided, on the distance of each statistic from the centre of the permutation distribution (its exact mean where known in closed form, otherwise %s, which keeps the p-values valid; %s).",
          estimated, w$cite("hemerik"))
}

methods_p <- function(tests, s, w) {
  b <- w$em("b")
  K <- w$em("K")
  exact <- exact_series(tests, s)
  # Enumerated series have their p defined with the enumeration.
  if (all_exact(exact)) return(NULL)
  each <- if (any(exact)) "For the other series, each" else "Each"
  if (identical(s$p_method, "zollstock")) {
    return(sprintf("%s p-value was %s/%s, where %s of the %s shuffles were at least as extreme as the observed statistic; such a p-value can be 0, which is not a valid p-value (%s).",
                   each, b, K, b, K, w$cite("phipson")))
  }
  if (!identical(s$p_method, "plus_one")) return(NULL)
  if (identical(s$mode, "adaptive")) {
    out <- sprintf("Each series' p-value was estimated as (%s + 1)/(%s + 1) from its %s shuffles, %s of them at least as extreme as the observed statistic (%s).",
                   b, K, K, b, w$cite("phipson"))
  } else {
    out <- sprintf("%s p-value was (%s + 1)/(%s + 1), where %s of the %s shuffles were at least as extreme as the observed statistic (%s), so no p-value is 0.",
                   each, b, K, b, K, w$cite("phipson"))
  }
  if (!is.null(s$p_conf_level) && !identical(s$mode, "adaptive")) {
    out <- c(out, sprintf("The Monte Carlo error of each p-value is given by its %s%% Clopper-Pearson interval (%s).",
                          format_pct(s$p_conf_level), w$cite("clopper")))
  }
  out
}

methods_adjust <- function(tests, summary, s, w) {
  if (is.null(s$p_adjust) || is.null(s$alpha)) return(NULL)
  m <- format_count(if (!is.null(tests)) nrow(tests) else sum(summary$n_series))
  alpha <- sprintf("%s = %s", w$alpha(), format(s$alpha))
  how <- switch(s$p_adjust,
    holm = sprintf("Holm's step-down procedure (%s)", w$cite("holm")),
    hochberg = sprintf("Hochberg's step-up procedure (%s)", w$cite("hochberg")),
    hommel = sprintf("Hommel's procedure (%s)", w$cite("hommel")),
    bonferroni = "the Bonferroni correction",
    BH = , fdr = sprintf("the false discovery rate procedure of %s", w$cite("benjamini_hochberg", narrative = TRUE)),
    BY = sprintf("the false discovery rate procedure of %s for dependent tests", w$cite("benjamini_yekutieli", narrative = TRUE)),
    westfall_young = sprintf("the step-down max-T procedure of %s, which uses the dependence between series through one permutation applied to all series at once", w$cite("westfall", narrative = TRUE)),
    none = NULL)
  out <- if (is.null(how)) {
    sprintf("The p-values were not adjusted for multiple testing; a series was called significant when its p-value was at most %s.", alpha)
  } else if (identical(s$mode, "adaptive")) {
    sprintf("Decisions were those of %s across all %s series at %s.", how, m, alpha)
  } else {
    sprintf("The p-values were adjusted across all %s series with %s, and a series was called significant when its adjusted p-value was at most %s.",
            m, how, alpha)
  }
  floor <- s$adj_p_floor
  if (!is.null(floor) && floor > s$alpha) {
    adjusted <- if (s$p_adjust == "none") "" else "adjusted "
    out <- c(out, if (isTRUE(s$raw_p_floor > 1 / (s$n_perm + 1))) {
      sprintf("The series were too short for any to be significant: the smallest %sp-value they could reach was %s, above %s.",
              adjusted, format_num(floor), w$alpha())
    } else {
      sprintf("With this design the smallest %sp-value any series could reach (the Monte Carlo floor) was %s, above %s: no series could be significant%s.",
              adjusted, format_num(floor), w$alpha(),
              if (!identical(s$mode, "adaptive")) sprintf(" with %s = %s shuffles", w$em("K"), format_count(s$n_perm)) else "")
    })
  }
  out
}

methods_seed <- function(tests, s, w) {
  # Enumerated series draw no random shuffles.
  if (is.null(s$seed) || all_exact(exact_series(tests, s))) return(NULL)
  version <- if (!is.null(s$stream_version)) sprintf(" (propgrad's stream version %d)", as.integer(s$stream_version)) else ""
  if (isTRUE(s$share_permutations)) {
    return(sprintf("Series with the same number of steps shared one random stream of permutations%s, keyed by seed %s and the number of steps, so every p-value can be reproduced; the series' Monte Carlo errors are therefore dependent.",
                   version, format(s$seed, scientific = FALSE)))
  }
  sprintf("Each series drew its shuffles from its own random stream%s, keyed by seed %s and the series' data, so every p-value can be reproduced.",
          version, format(s$seed, scientific = FALSE))
}

methods_interval <- function(summary, w) {
  if (is.null(summary)) return(NULL)
  ss <- attr(summary, "settings")
  if (is.null(ss$conf_level) || is.null(ss$interval)) return(NULL)
  over <- and_list(w$name(ss$over))
  n <- range(summary$n_series)
  n_txt <- if (n[1] == n[2]) sprintf("%s = %d", w$em("n"), n[1]) else sprintf("%s = %d to %d", w$em("n"), n[1], n[2])
  level <- sprintf("%s%%", format_pct(ss$conf_level))
  interval <- if (ss$interval == "t") {
    sprintf("%s Student t intervals", level)
  } else {
    paste0(level, " studentized bootstrap (bootstrap-t) intervals",
           if (!is.null(ss$n_boot)) sprintf(" from %s resamples", format_count(ss$n_boot)),
           sprintf(" (%s%s)", if (!is.null(ss$seed)) sprintf("seed %s; ", format(ss$seed, scientific = FALSE)) else "",
                   w$cite(c("efron", "hesterberg"))))
  }
  sprintf("Mean EPGMs over the inputs (%s; %s per group) are reported with %s.", over, n_txt, interval)
}

methods_software <- function(s, prov, w) {
  sw <- prov$software %||% s$software
  if (is.null(sw) || is.na(sw[["propgrad"]])) return(NULL)
  torch <- if ("LibTorch" %in% names(sw) && !is.na(sw[["LibTorch"]])) sprintf(", with models run in LibTorch %s", sw[["LibTorch"]])
  sprintf("Analyses used the R package propgrad %s (R %s%s).", sw[["propgrad"]],
          if ("R" %in% names(sw)) sw[["R"]] else "version not recorded", torch %||% "")
}

