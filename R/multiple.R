# Multiple testing across a study with the Westfall-Young step-down max-T
# adjustment. It needs the null statistics of all series under the same
# permutations (property_test() shares one random stream for it), and
# standardises each series by its null mean and sd so series with different
# scales compete fairly for the maximum.

# null: n_perm x series matrix (shared permutations); returns adjusted p.
westfall_young <- function(null, observed, null_mean, null_sd, alternative) {
  n_series <- length(observed)
  sd <- ifelse(null_sd > 0, null_sd, 1)
  standardise <- function(v, j) {
    z <- (v - null_mean[j]) / sd[j]
    switch(alternative, two.sided = abs(z), less = -z, greater = z)
  }
  used <- stats::complete.cases(null)
  null <- null[used, , drop = FALSE]
  obs <- vapply(seq_len(n_series), function(j) standardise(observed[j], j), 0)
  # Ties within a relative tolerance count as extreme, as in the single tests.
  obs <- obs - 1e-9 * pmax(abs(obs), 1)
  order_desc <- order(obs, decreasing = TRUE)
  running_max <- rep(-Inf, nrow(null))
  p_step <- numeric(n_series)
  # Successive maxima over the series that are less significant than each one.
  for (r in rev(seq_len(n_series))) {
    j <- order_desc[r]
    running_max <- pmax(running_max, standardise(null[, j], j))
    p_step[r] <- (sum(running_max >= obs[j]) + 1) / (nrow(null) + 1)
  }
  adjusted <- numeric(n_series)
  adjusted[order_desc] <- pmin(1, cummax(p_step))
  adjusted
}

check_max_t_settings <- function(settings, call) {
  if (settings$sequential > 0 || settings$p_method == "zollstock") {
    abort_input(c("The Westfall-Young adjustment needs every series shuffled {settings$n_perm} times with plus-one p-values.",
                  i = "Drop {.arg sequential} and use {.code p_method = \"plus_one\"}."),
                "propgrad_error_incompatible", call = call)
  }
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
