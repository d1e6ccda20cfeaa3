# The shuffle test of one series: validity of its p-values (never 0, uniform
# under the null, exact enumeration, parity with the reference), the centre
# of the two-sided test, power on a smooth trend, data-keyed streams,
# sequential stopping with the same two-sided rule, and its result object.

t100 <- seq(0, 1, length.out = 100)
set.seed(42)
trend <- plogis(8 * (t100 - 0.5)) + rnorm(100, sd = 0.01)

test_that("p is never below 1/(K+1) and a constant output gives p = 1, with a warning", {
  res <- shuffle_test(trend, t100, n_perm = 999, seed = 1)
  expect_gte(res$p.value, 1 / 1000)
  expect_equal(res$p.value, 1 / 1000)
  for (stat in c("grad", "corr", "mi")) {
    for (alt in c("two.sided", "less", "greater")) {
      if (stat == "mi" && alt == "less") next
      expect_warning(res <- shuffle_test(rep(0.3, 12), n_perm = 500, seed = 1, statistic = stat,
                                         alternative = alt),
                     class = "propgrad_warning_degenerate")
      expect_equal(res$p.value, 1, info = paste(stat, alt))
    }
  }
  expect_warning(res <- shuffle_test(rep(0.3, 12), n_perm = 500, seed = 1), class = "propgrad_warning_degenerate")
  expect_equal(res$estimate, 0)
})

test_that("a strong smooth trend is detected, in the lower tail of the EPGM", {
  two <- shuffle_test(trend, t100, n_perm = 2000, seed = 3)
  less <- shuffle_test(trend, t100, n_perm = 2000, seed = 3, alternative = "less")
  expect_warning(greater <- shuffle_test(trend, t100, n_perm = 2000, seed = 3, alternative = "greater"),
                 class = "propgrad_warning_direction")
  expect_lt(two$p.value, 0.001)
  expect_lt(less$p.value, 0.001)
  expect_gt(greater$p.value, 0.99)
  expect_lt(two$z, -5)
  expect_lt(two$estimate, two$null_mean)
  expect_lt(shuffle_test(trend, t100, statistic = "corr", n_perm = 2000, seed = 3)$p.value, 0.001)
  expect_lt(shuffle_test(trend, t100, statistic = "mi", n_perm = 2000, seed = 3)$p.value, 0.001)
})

test_that("an oscillating dependence sits in the upper tail", {
  # central differences of a period-4 wave are as large as they can be
  y <- rep(c(0, 1, 1, 0), 10)
  res <- shuffle_test(y, n_perm = 2000, seed = 1, alternative = "greater")
  expect_lt(res$p.value, 0.001)
  expect_gt(res$z, 0)
})

test_that("p-values are uniform under the null", {
  study <- null_study(2000, 20)
  band <- stats::qbinom(c(0.005, 0.995), 2000, 0.05) / 2000
  for (stat in c("grad", "corr")) {
    res <- property_test(study, "y", "t", by = "id", n_perm = 199, seed = 7, statistic = stat,
                         p_adjust = "none")
    rate <- mean(res$p.value <= 0.05)
    expect_gte(rate, band[1])
    expect_lte(rate, band[2])
  }
  res <- property_test(study, "y", "t", by = "id", n_perm = 199, seed = 8, alternative = "less",
                       p_adjust = "none")
  rate <- mean(res$p.value <= 0.05)
  expect_gte(rate, band[1])
  expect_lte(rate, band[2])
})

test_that("zollstock parity is b/K with the reference's rules", {
  expect_warning(res <- shuffle_test(trend, t100, n_perm = 500, seed = 5, p_method = "zollstock",
                                      spacing = "index", keep_null = TRUE),
                 class = "propgrad_warning_zero_p")
  null <- res$null
  expect_length(null, 500)
  t0 <- mean(abs(np_gradient(trend)))
  expect_equal(res$statistic, t0)
  expect_equal(res$p.value, mean(abs(null - mean(null)) >= abs(t0 - mean(null))))
  expect_equal(res$p.value, 0)
  expect_output(print(res), "not a valid p-value")
  y <- sin(t100 * 3) + rnorm(100, sd = 0.5)
  res <- shuffle_test(y, t100, n_perm = 500, seed = 5, p_method = "zollstock",
                      statistic = "corr", keep_null = TRUE)
  expect_equal(res$statistic, cor(y, t100))
  expect_equal(res$p.value, mean(abs(res$null) >= abs(res$statistic)))
  res <- suppressWarnings(shuffle_test(y, t100, n_perm = 300, seed = 5, p_method = "zollstock",
                                       statistic = "mi", keep_null = TRUE))
  expect_equal(res$alternative, "greater")
  expect_equal(res$p.value, mean(res$null > res$statistic))
  # the plus_one p of the same shuffles; mi defaults to "greater"
  res1 <- shuffle_test(y, t100, n_perm = 300, seed = 5, statistic = "mi", keep_null = TRUE)
  expect_equal(res1$alternative, "greater")
  expect_equal(res1$null, res$null)
  expect_equal(res1$p.value, (sum(res1$null >= res1$statistic * (1 - 1e-9)) + 1) / 301)
})

test_that("the statistics match R computations", {
  set.seed(3)
  y <- rnorm(30)
  t <- sort(runif(30))
  expect_equal(shuffle_test(y, t, statistic = "corr", n_perm = 99, seed = 1)$statistic, cor(y, t))
  expect_equal(shuffle_test(y, t, statistic = "mi", n_perm = 99, seed = 1)$statistic,
               ksg_reference(t, y))
  expect_equal(shuffle_test(y, t, n_perm = 99, seed = 1)$statistic, epgm(y, t))
  # corr and mi also report the EPGM as the effect size
  expect_equal(shuffle_test(y, t, statistic = "mi", n_perm = 99, seed = 1)$estimate, epgm(y, t))
})

test_that("exact enumeration equals a full enumeration in R", {
  y <- c(0.2, 0.9, 0.4, 0.8, 0.1)
  t <- c(0, 0.2, 0.5, 0.6, 1)
  perms <- all_permutations(5)
  null <- apply(perms, 1, function(p) epgm(y[p], t))
  t0 <- epgm(y, t)
  m <- mean(null)
  tol <- 1e-9 * max(abs(t0), abs(m))
  res <- shuffle_test(y, t, n_perm = 200, seed = 1, keep_null = TRUE)
  expect_true(res$exact)
  expect_equal(res$n_perm_used, 120)
  expect_equal(res$n_perm, 200)
  expect_equal(sort(res$null), sort(null))
  expect_equal(res$null_mean, m)
  expect_equal(res$p.value, mean(abs(null - m) >= abs(t0 - m) - tol))
  less <- shuffle_test(y, t, n_perm = 200, alternative = "less")
  expect_equal(less$p.value, mean(null <= t0 + 1e-9 * t0))
  r <- apply(perms, 1, function(p) cor(y[p], t))
  corr <- shuffle_test(y, t, n_perm = 200, statistic = "corr", alternative = "greater")
  expect_equal(corr$p.value, mean(r >= cor(y, t) - 1e-9 * abs(cor(y, t))))
  expect_equal(corr$p.conf.int[1], corr$p.value)
  # fewer permutations than n! means Monte Carlo
  expect_false(shuffle_test(y, t, n_perm = 100, seed = 1)$exact)
})

test_that("results do not depend on the number of threads, and set.seed reproduces", {
  study <- null_study(30, 25)
  a <- property_test(study, "y", "t", by = "id", n_perm = 500, seed = 11, nthreads = 1, p_adjust = "none")
  b <- property_test(study, "y", "t", by = "id", n_perm = 500, seed = 11, nthreads = 2, p_adjust = "none")
  expect_identical(a, b)
  set.seed(99)
  r1 <- shuffle_test(trend, t100, n_perm = 300)
  set.seed(99)
  r2 <- shuffle_test(trend, t100, n_perm = 300)
  expect_identical(r1, r2)
  expect_false(identical(r1$seed, shuffle_test(trend, t100, n_perm = 300)$seed))
})

test_that("the two-pass path for long null distributions equals the buffered one", {
  y <- sin(t100 * 5) + rnorm(100)
  a <- shuffle_test(y, t100, n_perm = 3000, seed = 2)
  b <- withr::with_options(list(propgrad.null_buffer_max = 0),
                           shuffle_test(y, t100, n_perm = 3000, seed = 2))
  expect_identical(a, b)
})

test_that("sequential stopping reaches the same decisions at alpha = 0.01", {
  set.seed(10)
  ys <- c(lapply(1:6, function(i) plogis(6 * (t100 - 0.5)) + rnorm(100, sd = 0.02)),
          lapply(1:6, function(i) rnorm(100)))
  for (alt in c("two.sided", "less")) {
    full <- vapply(ys, function(y) shuffle_test(y, t100, n_perm = 5000, seed = 1, alternative = alt)$p.value, 0)
    seq <- lapply(ys, function(y) shuffle_test(y, t100, n_perm = 5000, seed = 1, alternative = alt, sequential = 10))
    p_seq <- vapply(seq, `[[`, 0, "p.value")
    expect_equal(full < 0.01, p_seq < 0.01)
    # null series stop early, with p = h / l: the same rule as fixed K, no doubled tail
    used <- vapply(seq, `[[`, 0, "n_perm_used")
    expect_true(all(used[7:12] < 1000))
    expect_equal(p_seq[7:12], 10 / used[7:12])
    expect_true(all(used[1:6] == 5000))
  }
})

test_that("two-sided means one thing with and without sequential stopping", {
  # Before, a doubled smaller tail under stopping gave 0.544 where the
  # centred fixed-K test gave 0.351. Now both estimate the same centred p.
  set.seed(7)
  y <- sin(t100 * 9) * 0.3 + rnorm(100)
  fixed <- shuffle_test(y, t100, n_perm = 1e5, seed = 3)
  seq <- shuffle_test(y, t100, n_perm = 1e5, seed = 3, sequential = 200)
  expect_true(seq$stopped_early)
  expect_equal(seq$centre_kind, "exact permutation mean")
  # within the Monte Carlo error of the stopped estimate (99% interval)
  expect_gte(fixed$p.value, seq$p.conf.int[1])
  expect_lte(fixed$p.value, seq$p.conf.int[2])
  # uneven steps: the sequential centre comes from an independent pilot
  t_uneven <- cumsum(c(0, 1 + (1:99 %% 3)))
  fixed <- shuffle_test(y, t_uneven, n_perm = 1e5, seed = 3)
  seq <- shuffle_test(y, t_uneven, n_perm = 1e5, seed = 3, sequential = 200)
  expect_equal(fixed$centre_kind, "mean of all statistics")
  expect_equal(seq$centre_kind, "pilot mean")
  expect_equal(seq$n_pilot, 1000)
  expect_gte(fixed$p.value, seq$p.conf.int[1])
  expect_lte(fixed$p.value, seq$p.conf.int[2])
})

test_that("the Monte Carlo interval is a 99% Clopper-Pearson interval", {
  y <- sin(t100 * 4) + rnorm(100, sd = 0.8)
  res <- shuffle_test(y, t100, n_perm = 1000, seed = 4, alternative = "greater")
  b <- res$exceedances
  expect_equal(res$p.conf.int[1], qbeta(0.005, b, 1000 - b + 1))
  expect_equal(res$p.conf.int[2], qbeta(0.995, b + 1, 1000 - b))
  expect_equal(attr(res$p.conf.int, "conf.level"), 0.99)
  # the level is the user's
  res90 <- shuffle_test(y, t100, n_perm = 1000, seed = 4, alternative = "greater", p_conf_level = 0.9)
  expect_equal(res90$p.conf.int[2], qbeta(0.95, b + 1, 1000 - b))
  expect_equal(attr(res90$p.conf.int, "conf.level"), 0.9)
  expect_equal(glance(res90)$p.conf.level, 0.9)
})

test_that("vector outputs use the gradient norm; corr and mi refuse them", {
  m <- cbind(plogis(5 * (t100 - 0.5)), 1 - plogis(5 * (t100 - 0.5))) + rnorm(200, sd = 0.01)
  res <- shuffle_test(m, t100, n_perm = 500, seed = 1)
  expect_equal(res$estimate, epgm(m, t100))
  expect_equal(res$n_outputs, 2L)
  expect_lt(res$p.value, 0.01)
  expect_error(shuffle_test(m, t100, statistic = "corr"), class = "propgrad_error_incompatible")
})

test_that("the result object prints, summarises and tidies", {
  res <- shuffle_test(trend, t100, n_perm = 1000, seed = 1)
  expect_s3_class(res, "propgrad_test")
  expect_named(tidy(res), c("estimate", "statistic", "p.value", "p.conf.low", "p.conf.high",
                            "null_mean", "null_sd", "z", "n_perm_used", "method", "alternative"))
  expect_false(any(c("conf.low", "conf.high") %in% names(tidy(res))))
  expect_equal(glance(res)$n_perm, 1000)
  expect_equal(glance(res)$n_perm_used, 1000)
  expect_equal(nrow(glance(res)), 1)
  expect_equal(glance(res)$seed, 1)
  expect_snapshot(print(res))
  expect_snapshot(print(summary(res)))
  expect_null(res$null)
})

test_that("bad settings give classed errors", {
  expect_error(shuffle_test(trend, n_perm = 0), class = "propgrad_error_number")
  expect_error(shuffle_test(trend, n_perm = -5), class = "propgrad_error_number")
  expect_error(shuffle_test(trend, n_perm = 1e12), class = "propgrad_error_number")
  expect_error(shuffle_test(trend, n_perm = 10.5), class = "propgrad_error_number")
  expect_error(shuffle_test(trend, nthreads = 0), class = "propgrad_error_number")
  expect_error(shuffle_test(trend, nthreads = 1e6), class = "propgrad_error_number")
  expect_error(shuffle_test(trend, seed = -1), class = "propgrad_error_number")
  expect_error(shuffle_test(trend, seed = 2^60), class = "propgrad_error_number")
  expect_error(shuffle_test(trend, statistic = "ks"), class = "propgrad_error_choice")
  expect_error(shuffle_test(trend, alternative = "both"), class = "propgrad_error_choice")
  expect_error(shuffle_test(trend, sequential = 0), class = "propgrad_error_number")
  expect_error(shuffle_test(trend, sequential = 5, p_method = "zollstock"),
               class = "propgrad_error_incompatible")
  expect_error(shuffle_test(trend, alternative = "less", p_method = "zollstock"),
               class = "propgrad_error_incompatible")
  expect_error(shuffle_test(trend, keep_null = "yes"), class = "propgrad_error_input")
  expect_error(shuffle_test(trend, tolerance = -1), class = "propgrad_error_number")
  expect_error(withr::with_options(list(propgrad.max_null_bytes = 1000),
                                   shuffle_test(trend, n_perm = 1000, keep_null = TRUE)),
               class = "propgrad_error_memory")
  expect_snapshot(error = TRUE, cnd_class = TRUE, {
    shuffle_test(trend, n_perm = 1e12)
    shuffle_test(trend, sequential = 5, p_method = "zollstock")
  })
})

test_that("the same series and seed give the same p from every verb; other series other streams", {
  one <- pg_study[pg_study$image == "img05" & pg_study$model == "dark_cats_bias" &
                    pg_study$property == "background", ]
  st <- shuffle_test(one$p_cat, one$strength, n_perm = 999, seed = 3)
  whole <- property_test(one, p_cat ~ strength, n_perm = 999, seed = 3)
  expect_equal(whole$p.value, st$p.value)
  expect_equal(whole$null_mean, st$null_mean)
  study <- property_test(pg_study, p_cat ~ strength | image + model + property, n_perm = 999,
                         seed = 3, p_adjust = "none")
  row <- study[study$image == "img05" & study$model == "dark_cats_bias" &
                 study$property == "background", ]
  expect_equal(row$p.value, st$p.value)
  expect_equal(row$null_mean, st$null_mean)
  # Westfall-Young feeds only the adjusted p: the raw one does not move.
  wy <- property_test(pg_study, p_cat ~ strength | image + model + property, n_perm = 999,
                      seed = 3, p_adjust = "westfall_young")
  expect_equal(wy$p.value, study$p.value)
  # A loop over different series with one seed draws different permutations.
  set.seed(1)
  a <- shuffle_test(rnorm(30), n_perm = 200, seed = 1, keep_null = TRUE)
  b <- shuffle_test(rnorm(30), n_perm = 200, seed = 1, keep_null = TRUE)
  expect_false(isTRUE(all.equal(a$null, b$null)))
})

test_that("mutual information looks at the upper tail only and flags what it cannot see", {
  set.seed(4)
  y <- rnorm(30)
  expect_equal(shuffle_test(y, statistic = "mi", n_perm = 99, seed = 1)$alternative, "greater")
  expect_error(shuffle_test(y, statistic = "mi", alternative = "less"),
               class = "propgrad_error_direction")
  expect_snapshot(error = TRUE, cnd_class = TRUE, shuffle_test(y, statistic = "mi", alternative = "less"))
  # N <= k + 1: every ordering gives the same estimate
  expect_warning(shuffle_test(c(1, 3, 2, 5, 4, 6), statistic = "mi", n_perm = 99, seed = 1),
                 class = "propgrad_warning_degenerate")
})

test_that("a 'greater' test of grad says so when effects sit in the lower tail", {
  expect_warning(res <- shuffle_test(trend, t100, alternative = "greater", n_perm = 999, seed = 1),
                 class = "propgrad_warning_direction")
  expect_gt(res$p.value, 0.99)
  expect_snapshot(invisible(shuffle_test(trend, t100, alternative = "greater", n_perm = 999, seed = 1)),
                  cnd_class = TRUE)
})

test_that("a non-finite statistic gets no p-value and a warning", {
  # outputs 2e308 apart: their difference is beyond double range
  expect_warning(res <- shuffle_test(c(1e308, -1e308, 0, 5, 3, 4), n_perm = 99, seed = 1),
                 class = "propgrad_warning_nonfinite")
  expect_true(is.na(res$p.value))
})

test_that("property steps of any size give the p-values of unit steps", {
  # 6 steps: all 720 orderings, so the p-values do not depend on the stream
  # (which is keyed by the data, t included).
  y <- sin(1:6)
  unit <- shuffle_test(y, t = 1:6)
  for (f in c(1e-200, 1e200)) {
    expect_no_warning(res <- shuffle_test(y, t = (1:6) * f))
    expect_equal(res$p.value, unit$p.value)
    expect_equal(res$centre_kind, "exact permutation mean")
    expect_equal(res$estimate * f, unit$estimate, tolerance = 1e-12)
    expect_equal(res$null_mean * f, unit$null_mean, tolerance = 1e-12)
    expect_equal(res$z, unit$z, tolerance = 1e-9)
    expect_equal(shuffle_test(y, t = (1:6) * f, statistic = "corr")$p.value,
                 shuffle_test(y, t = 1:6, statistic = "corr")$p.value)
  }
  t7 <- c(0, 0.5, 1.7, 2, 3.1, 4, 4.2)
  y7 <- cos(t7)
  pairs <- list(list(shuffle_test(y7, t = t7, smooth = 5), shuffle_test(y7, t = t7 * 1e-200, smooth = 5)),
                list(shuffle_test(y7, t = t7, period = 5), shuffle_test(y7, t = t7 * 1e-200, period = 5e-200)))
  for (pair in pairs) {
    expect_equal(pair[[2]]$p.value, pair[[1]]$p.value)
    expect_equal(pair[[2]]$estimate * 1e-200, pair[[1]]$estimate, tolerance = 1e-12)
  }
  # outputs of 1e300 over steps of 1e-200: the EPGM is beyond double range,
  # the p-value is still that of unit outputs
  expect_equal(shuffle_test(y * 1e300, t = (1:6) * 1e-200)$estimate, Inf)
  expect_equal(shuffle_test(y * 1e300, t = (1:6) * 1e-200)$p.value, shuffle_test(y, t = 1:6)$p.value)
})

test_that("n_perm = 'auto' picks K from alpha, and an unreachable alpha warns", {
  res <- shuffle_test(trend, t100, seed = 1)
  expect_equal(res$n_perm, 9999)
  expect_equal(shuffle_test(trend, t100, seed = 1, alpha = 0.0001)$n_perm, 199999)
  expect_error(shuffle_test(trend, n_perm = "many"), class = "propgrad_error_number")
  expect_error(shuffle_test(trend, n_perm = "adaptive"), class = "propgrad_error_incompatible")
})

