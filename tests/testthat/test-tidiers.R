# How tests are shown and tidied (R/tidiers.R): broom's column names, the
# Monte Carlo interval of p named as such with its level, adj.p.value, the
# requested and used n_perm, significance counted as adj.p.value <= alpha
# (or the adaptive decision), and the floor shown where it matters.

t40 <- seq(0, 1, length.out = 40)
y40 <- plogis(8 * (t40 - 0.5)) + sin(1:40) * 0.01

test_that("one test prints, summarises, tidies and glances", {
  res <- shuffle_test(y40, t40, n_perm = 999, seed = 1)
  expect_output(print(res), "99% interval of the Monte Carlo p")
  expect_output(print(summary(res)), "observed EPGM is below the null mean")
  td <- tidy(res)
  expect_equal(td$p.conf.low, res$p.conf.int[1])
  expect_equal(td$n_perm_used, 999)
  gl <- glance(res)
  expect_equal(gl$p.conf.level, 0.99)
  expect_equal(gl$n_perm, 999)
  expect_snapshot(print(shuffle_test(y40, t40, n_perm = 999, seed = 1, p_conf_level = 0.95)))
  # a sequential stop says how many were asked for
  set.seed(3)
  stopped <- shuffle_test(rnorm(40), t40, n_perm = 9999, seed = 1, sequential = 5)
  expect_output(print(stopped), "stopped early; 9,999 requested")
})

test_that("a study's columns follow broom, and significance is adj.p.value <= alpha", {
  res <- property_test(pg_study, p_cat ~ strength | image + model + property, n_perm = 9999,
                       seed = 1, alpha = 0.05)
  td <- tidy(res)
  expect_true(all(c("estimate", "statistic", "p.value", "adj.p.value", "p.conf.low", "p.conf.high",
                    "n_perm_used") %in% names(td)))
  expect_false(any(c("conf.low", "conf.high", "p.adjusted") %in% names(td)))
  expect_equal(propgrad:::significant(res, 0.05), res$adj.p.value <= 0.05)
  expect_equal(glance(res)$alpha, 0.05)
  expect_equal(glance(res)$n_significant, sum(res$adj.p.value <= 0.05))
  expect_output(print(res), "24 of 48 significant at alpha = 0.05")
  # adaptive decisions count instead of adj.p.value
  fake <- res
  fake$decision <- factor(rep(c("significant", "undecided"), 24),
                          levels = c("significant", "not significant", "undecided"))
  expect_equal(sum(propgrad:::significant(fake, 0.05)), 24)
})

test_that("print shows an unreachable floor", {
  expect_warning(low <- property_test(pg_study, p_cat ~ strength | image + model + property,
                                      n_perm = 999, seed = 1),
                 class = "propgrad_warning_resolution")
  expect_snapshot(print(low, n = 3))
})

# Issue 14: p columns printed "0.0001", "0.35" and "1" side by side.
test_that("printed p columns are journal style with three decimals", {
  tests <- property_test(pg_study, p_cat ~ strength | image + model + property, n_perm = 9999, seed = 1,
                         probs = c("p_cat", "p_dog"))
  withr::local_options(width = 300)
  out <- capture.output(print(tests, n = 48))
  printed <- utils::read.table(text = gsub("< 0.001", "<0.001", out[2:50], fixed = TRUE), header = TRUE,
                               colClasses = "character")
  expect_equal(nrow(printed), 48)
  for (col in c("p.value", "adj.p.value")) {
    expect_equal(printed[[col]] == "<0.001", tests[[col]] < 0.001)
    rest <- printed[[col]][printed[[col]] != "<0.001"]
    expect_true(all(grepl("^[01]\\.[0-9]{3}$", rest)))
    expect_equal(as.numeric(rest), round(tests[[col]][tests[[col]] >= 0.001], 3))
  }
  expect_true(any(grepl("flips = prediction flips of each series", out, fixed = TRUE)))
})
