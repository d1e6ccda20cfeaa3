# How property_test() reads a study from a data frame: column types, formula
# terms, by columns and the series they form. Each case here was a silently
# wrong result or an unclear error before (issue 12).

design_df <- function(seed = 1) {
  set.seed(seed)
  data.frame(id = rep(c("a", "b", "c"), each = 8), t = rep(1:8, 3), y = stats::rnorm(24),
             y2 = stats::rnorm(24))
}

# An integer64 column as bit64 stores it: doubles holding the integers' bit
# patterns (as.matrix() would read them as tiny doubles such as 4e-323).
as_integer64_bits <- function(x) {
  bits <- unlist(lapply(as.integer(x), function(v) writeBin(c(v, 0L), raw())))
  structure(readBin(bits, "double", n = length(x)), class = "integer64")
}

test_that("number-like classes are refused consistently by every verb, with how to convert", {
  d <- design_df()
  classed <- list(
    integer64 = as_integer64_bits(d$t),
    difftime = as.difftime(d$t, units = "secs"),
    Date = as.Date(d$t, origin = "1970-01-01"),
    POSIXct = as.POSIXct(d$t, origin = "1970-01-01", tz = "UTC")
  )
  if (requireNamespace("bit64", quietly = TRUE)) classed$integer64 <- bit64::as.integer64(d$t)
  if (requireNamespace("units", quietly = TRUE)) classed$units <- units::set_units(d$t, "s")
  for (kind in names(classed)) {
    x <- classed[[kind]]
    dt <- d
    dt$t <- x
    dy <- d
    dy$y <- x
    expect_error(property_test(dt, "y", "t", by = "id", n_perm = 99, seed = 1),
                 class = "propgrad_error_type", info = kind)
    expect_error(property_test(dy, "y", "t", by = "id", n_perm = 99, seed = 1),
                 class = "propgrad_error_type", info = kind)
    expect_error(shuffle_test(x[1:8], n_perm = 99, seed = 1), class = "propgrad_error_type", info = kind)
    expect_error(shuffle_test(d$y[1:8], t = x[1:8], n_perm = 99, seed = 1),
                 class = "propgrad_error_type", info = kind)
    expect_error(epgm(x[1:8]), class = "propgrad_error_type", info = kind)
    expect_error(epgm(data.frame(a = d$y[1:8], b = x[1:8])), class = "propgrad_error_type", info = kind)
    dy$flips <- rep(0:1, 12)
    expect_error(flip_correlation(dy, score = "y", flips = "flips"), class = "propgrad_error_type",
                 info = kind)
  }
  d64 <- d
  d64$t <- classed$integer64
  expect_snapshot(error = TRUE, cnd_class = TRUE, {
    property_test(d64, "y", "t", by = "id", n_perm = 99, seed = 1)
    shuffle_test(classed$difftime[1:8], n_perm = 99, seed = 1)
    epgm(d$y[1:8], t = classed$Date[1:8])
  })
})

test_that("I() columns are plain numbers and give the same result", {
  d <- design_df()
  di <- d
  di$t <- I(d$t)
  di$y <- I(d$y)
  a <- property_test(d, "y", "t", by = "id", n_perm = 199, seed = 3, alpha = 0.05)
  b <- property_test(di, "y", "t", by = "id", n_perm = 199, seed = 3, alpha = 0.05)
  expect_identical(a$p.value, b$p.value)
  expect_identical(a$estimate, b$estimate)
})

test_that("matrix columns and repeated output names are refused", {
  d <- design_df()
  d$m <- matrix(stats::rnorm(48), 24)
  expect_error(property_test(d, "m", "t", by = "id", n_perm = 99, seed = 1), class = "propgrad_error_column")
  expect_error(property_test(d, c("y", "y"), "t", by = "id", n_perm = 99, seed = 1),
               class = "propgrad_error_column")
  # Repeating a by column changes nothing.
  a <- property_test(d, "y", "t", by = "id", n_perm = 99, seed = 1, alpha = 0.05)
  b <- property_test(d, "y", "t", by = c("id", "id"), n_perm = 99, seed = 1, alpha = 0.05)
  expect_identical(a$p.value, b$p.value)
  expect_named(b, names(a))
})

test_that("a character score column is called not numeric, not non-finite", {
  d <- design_df()
  d$flips <- rep(0:1, 12)
  d$y <- as.character(d$y)
  expect_snapshot(error = TRUE, cnd_class = TRUE, flip_correlation(d, score = "y", flips = "flips"))
})

test_that("by columns named like result columns are refused, not overwritten", {
  d <- design_df()
  for (col in c("output", "estimate", "statistic", "z", "p.value", "adj.p.value", "flips")) {
    dd <- d
    names(dd)[names(dd) == "id"] <- col
    expect_error(property_test(dd, "y", "t", by = col, n_perm = 99, seed = 1),
                 class = "propgrad_error_column", info = col)
  }
  names(d)[1] <- "estimate"
  expect_snapshot(error = TRUE, cnd_class = TRUE,
                  property_test(d, y ~ t | estimate, n_perm = 99, seed = 1))
})

test_that("formula terms must be plain column names", {
  d <- design_df()
  d$y <- d$y + 5
  expect_snapshot(error = TRUE, cnd_class = TRUE, {
    property_test(d, log(y) ~ t | id, n_perm = 99, seed = 1)
    property_test(d, y ~ I(t^2) | id, n_perm = 99, seed = 1)
    property_test(d, y ~ t | factor(id), n_perm = 99, seed = 1)
    property_test(d, "y ~ t | id", n_perm = 99, seed = 1)
  })
  expect_error(property_test(d, . ~ t | id), class = "propgrad_error_formula")
  # Plain names still work, with several outputs and by columns.
  d$g <- rep(1:2, 12)
  res <- suppressWarnings(property_test(d, y + y2 ~ t | id + g, n_perm = 99, seed = 1, alpha = 0.05),
                          classes = "propgrad_warning_resolution")
  expect_equal(nrow(res), 12)
  expect_setequal(unique(res$output), c("y", "y2"))
})

test_that("by values with separators or control characters keep series apart", {
  set.seed(4)
  # (g1, g2) = ("a\037", "b") and ("a", "\037b"): pasted with the old key
  # separator both became "a\037\037b".
  d <- data.frame(g1 = rep(c("a\037", "a"), each = 7), g2 = rep(c("b", "\037b"), each = 7),
                  t = rep(1:7, 2), y = stats::rnorm(14))
  res <- property_test(d, "y", "t", by = c("g1", "g2"), n_perm = 999, seed = 9, alpha = 0.05)
  expect_equal(nrow(res), 2)
  for (i in 1:2) {
    rows <- seq_len(7) + 7 * (i - 1)
    alone <- shuffle_test(d$y[rows], t = d$t[rows], n_perm = 999, seed = 9)
    expect_identical(res$p.value[i], alone$p.value)
  }
  # Labels in messages show the control character as an escape.
  d$y[3] <- NA
  expect_error(property_test(d, "y", "t", by = c("g1", "g2"), n_perm = 99, seed = 1),
               "g1=a\\\\037", class = "propgrad_error_series")
})

test_that("every bad series is listed by its by-values before shuffling", {
  d <- design_df()
  d$y[d$id == "b"] <- NA # an all-NA series
  d$t[d$id == "c"][2] <- 1 # a repeated property value
  expect_snapshot(error = TRUE, cnd_class = TRUE,
                  property_test(d, "y", "t", by = "id", n_perm = 99, seed = 1))
  err <- tryCatch(property_test(d, "y", "t", by = "id", n_perm = 99, seed = 1), error = identity)
  expect_s3_class(err, "propgrad_error_series")
  expect_s3_class(err, "propgrad_error_nonfinite")
  expect_s3_class(err, "propgrad_error_ties")
  expect_false(grepl("row [0-9]", conditionMessage(err)))
  # A single series keeps its own message.
  expect_error(property_test(d[d$id == "b", ], "y", "t", n_perm = 99, seed = 1),
               class = "propgrad_error_nonfinite")
})

test_that("na_action = \"skip\" tests the rest and reports the skipped series", {
  d <- null_study(6, 9, seed = 2)
  d$y[d$id == 2][4] <- NaN
  d$y[d$id == 5] <- NA
  expect_warning(res <- property_test(d, "y", "t", by = "id", n_perm = 499, seed = 5, alpha = 0.05,
                                      na_action = "skip"),
                 class = "propgrad_warning_skipped")
  expect_equal(res$id, c(1, 3, 4, 6))
  skipped <- attr(res, "settings")$skipped
  expect_equal(skipped$id, c(2, 5))
  expect_match(skipped$reason, "non-finite values in y \\((1|9) of 9 steps\\)")
  # The tested series are the same tests as without the bad ones, and
  # adjusted among themselves.
  clean <- property_test(d[!d$id %in% c(2, 5), ], "y", "t", by = "id", n_perm = 499, seed = 5,
                         alpha = 0.05)
  expect_identical(res$p.value, clean$p.value)
  expect_equal(res$adj.p.value, stats::p.adjust(res$p.value, "holm"))
  expect_equal(glance(res)$n_skipped, 2)
  expect_equal(glance(clean)$n_skipped, 0)
  out <- utils::capture.output(print(res))
  expect_true(any(grepl("2 series skipped", out)))
  expect_true(any(grepl("id=5: non-finite values in y", out)))
  # Structural faults are found too: two steps, a window too long, a span
  # as long as the period.
  d2 <- null_study(5, 9, seed = 3)
  d2 <- d2[!(d2$id == 1 & d2$t > 2), ]
  d2$t[d2$id == 4] <- d2$t[d2$id == 4] * 50
  expect_warning(res2 <- property_test(d2, "y", "t", by = "id", n_perm = 99, seed = 1, alpha = 0.05,
                                       period = 360, na_action = "skip"),
                 class = "propgrad_warning_skipped")
  expect_equal(res2$id, c(2, 3, 5))
  reasons <- attr(res2, "settings")$skipped$reason
  expect_match(reasons[1], "at least 3 steps")
  expect_match(reasons[2], "period 360")
  # Nothing left to test is still an error.
  expect_error(property_test(d[d$id == 5, ], "y", "t", by = "id", na_action = "skip"),
               class = "propgrad_error_series")
  expect_error(property_test(d, "y", "t", by = "id", na_action = "drop"), class = "propgrad_error_choice")
})

test_that("arrays with more than two dimensions and zero-column outputs are refused", {
  expect_snapshot(error = TRUE, cnd_class = TRUE, {
    shuffle_test(array(stats::runif(60), c(5, 3, 4)), n_perm = 99, seed = 1)
    epgm(matrix(numeric(0), 5, 0))
    epgm(data.frame(a = 1:5)[, 0])
  })
})

test_that("alpha must be a number in (0, 1) everywhere it is accepted", {
  res <- property_test(design_df(), "y", "t", by = "id", n_perm = 99, seed = 1, alpha = 0.05)
  for (bad in list("0.05", 5, 0, NA_real_, c(0.01, 0.05))) {
    expect_error(glance(res, alpha = bad), class = "propgrad_error_number")
    expect_error(summary(res, alpha = bad), class = "propgrad_error_number")
    expect_error(pg_table(res, alpha = bad), class = "propgrad_error_number")
    expect_error(property_test(design_df(), "y", "t", by = "id", alpha = bad), class = "propgrad_error_number")
  }
})

test_that("a bad propgrad.nthreads option is blamed on the option", {
  withr::local_options(propgrad.nthreads = "two")
  expect_snapshot(error = TRUE, cnd_class = TRUE,
                  shuffle_test(c(0.1, 0.4, 0.2, 0.9), n_perm = 99, seed = 1))
  expect_error(shuffle_test(sin(1:9), n_perm = 99, seed = 1, nthreads = 1, alpha = 0.05), NA)
})
