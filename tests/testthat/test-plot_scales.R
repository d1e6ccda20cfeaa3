# Labels, breaks and axis text shared by the figures and printed results
# (R/plot_scales.R): journal-style p-values, fixed significant digits, whole
# breaks for counts, x labels that wrap or turn, one number of decimals per
# printed column.

decimals <- function(x) nchar(sub("^[^.]*\\.?", "", x))

test_that("p-values are journal style, never scientific", {
  p <- c(1e-5, 9.9e-5, 1e-4, 0.001, 0.0123, 0.05, 0.35, 1, NA)
  trimmed <- format_p_journal(p)
  expect_equal(trimmed[p < 0.001 & !is.na(p)], rep("< 0.001", 3))
  expect_equal(trimmed[c(6, 7, 8, 9)], c("0.05", "0.35", "1", "NA"))
  expect_false(any(grepl("e", trimmed[!is.na(p)])))
  # within a column: three decimals everywhere
  column <- format_p_journal(p[p >= 0.001 & !is.na(p)], trim = FALSE)
  expect_equal(unique(decimals(column)), 3)
  expect_equal(as.numeric(column), round(p[p >= 0.001 & !is.na(p)], 3))
  expect_equal(p_phrase(c(2e-5, 0.05), "adj. p"), c("adj. p < 0.001", "adj. p = 0.05"))
})

test_that("numbers keep significant digits without scientific notation", {
  x <- c(3.79e-5, 0.0688, 0.5, 12.5, 123456, 0, -0.123)
  out <- format_sig(x, 3)
  expect_false(any(grepl("e", out)))
  big <- x >= 1000
  expect_equal(as.numeric(out[!big]), signif(x[!big], 3))
  expect_equal(out[big], "123456")   # whole digits are not rounded away
  expect_equal(out[3], "0.500")
  expect_false(any(grepl("e", label_plain(c(1e-5, 3e-5, 1e-4)))))
})

test_that("integer breaks stay whole, from one value to many", {
  b <- breaks_integer()
  expect_equal(b(c(1, 2)), c(1, 2))
  expect_equal(b(c(2.95, 3.05)), 3)
  ten <- b(c(1, 10))
  expect_equal(ten, round(ten))
  expect_gte(length(ten), 3)
  expect_length(b(c(0.2, 0.7)), 0)
  expect_length(b(c(NA_real_, NA_real_)), 0)
  expect_true(whole_numbers(c(1, 2, 10)))
  expect_false(whole_numbers(c(0.5, 1)))
})

test_that("long x labels wrap at separators, crowded ones turn", {
  long <- paste0("model_with_a_long_name_", 1:12)
  three <- axis_text_layout(long[1:3])
  expect_equal(three$angle, 0)
  expect_true(all(grepl("\n", three$labels)))
  expect_equal(unname(gsub("\n", "", three$labels, fixed = TRUE)), long[1:3])
  # lines as even as the separators allow, none a lone "1"
  expect_true(all(nchar(unlist(strsplit(three$labels, "\n"))) >= 10))
  twelve <- axis_text_layout(long)
  expect_equal(twelve$angle, 35)
  expect_equal(names(twelve$labels), long)
  short <- axis_text_layout(paste0("m", 1:12))
  expect_equal(short$angle, 0)
  expect_false(any(grepl("\n", short$labels)))
  # labels without separators cannot wrap; past their share they turn
  expect_equal(axis_text_layout(strrep("x", 30), across = 6)$angle, 35)
  expect_equal(labels_across(3, 2), 6)
  expect_equal(thin_breaks(sprintf("img%02d", 1:10)), sprintf("img%02d", 1:10))
  expect_lte(length(thin_breaks(sprintf("img%02d", 1:60))), 25)
})

test_that("printed columns have one number of decimals each", {
  df <- data.frame(name = c("a", "b", "c"), estimate = c(0.3, 0.12345, 0.5), n = c(8, 12, 3),
                   share = c(1, 0.375, 0), p = c(0.35, 0.2, 1e-5))
  out <- format_columns(df, numbers = "estimate", counts = "n", shares = "share", p = "p")
  expect_equal(out$name, df$name)
  for (col in c("estimate", "n", "share")) expect_length(unique(decimals(out[[col]])), 1)
  expect_equal(out$estimate[1], "0.300")
  expect_equal(out$n, c("8", "12", "3"))
  expect_equal(out$p, c("0.350", "0.200", "< 0.001"))
})
