# print(), autoplot() and plot() of sanity_check() results (R/sanity_methods.R).

test_that("print and plots show the cascade", {
  skip_without_torch()
  res <- run_sanity(two_layer_model())
  out <- capture.output(print(res))
  expect_match(out[1], "Sanity check along brightness: 2 layers randomised from the top")
  expect_true(any(grepl("randomised: w1+b1", out, fixed = TRUE)))
  expect_true(any(grepl("faithful explanation changes when the model does", out)))
  df <- ggplot2::autoplot(res, draw = FALSE)
  expect_equal(df$part, c("cascade", "cascade", "cascade", "shuffled order"))
  expect_equal(df$significant, !is.na(res$p.value) & res$p.value <= 0.01)
  p <- ggplot2::autoplot(res)
  expect_s3_class(p, "ggplot")
  expect_equal(ggplot2::layer_scales(p)$x$get_limits(), levels(res$condition))
  y_trans <- function(p) ggplot2::layer_scales(p)$y$trans$name
  expect_equal(y_trans(ggplot2::autoplot(res, log = TRUE)), "log-10")
  expect_equal(y_trans(ggplot2::autoplot(res, log = FALSE)), "identity")
  # By default a log axis when the EPGMs span more than a factor of 10.
  expect_equal(y_trans(p), if (max(res$estimate) > 10 * min(res$estimate)) "log-10" else "identity")
  expect_equal(y_trans(ggplot2::autoplot(res[res$condition != "shuffled order", ])), "identity")
  cor_plot <- ggplot2::autoplot(res, y = "rank_cor")
  expect_equal(ggplot2::layer_data(cor_plot, 2)$y, res$rank_cor)
  expect_equal(y_trans(cor_plot), "identity")
  pdf(NULL)
  on.exit(grDevices::dev.off())
  expect_s3_class(plot(res), "ggplot")
})

# Issue 14: small EPGMs on the log axis read 1e-04, and p printed as 1e-04.
# A result made by hand (the columns sanity_table() writes), so no torch is needed.
test_that("the cascade's log axis and printed p-values are never scientific", {
  cond <- c("original", "randomised: fc", "shuffled order")
  res <- structure(
    data.frame(image = "img1", output = "logit", condition = factor(cond, levels = cond),
               n_randomised = c(0L, 1L, NA), estimate = c(0.5, 2e-5, 3e-4), z = c(-9, -1, 0.2),
               p.value = c(5e-5, 0.35, 0.2), relative_change = c(0, -1, -0.9994),
               rank_cor = c(1, 0.2, -0.1)),
    settings = list(alpha = 0.01, layers = list(fc = "fc.weight"), property = "brightness", seed = 1),
    class = c("propgrad_sanity", "data.frame"))
  p <- ggplot2::autoplot(res)
  y <- ggplot2::ggplot_build(p)$layout$panel_params[[1]]$y
  expect_equal(y$scale$trans$name, "log-10")
  labels <- y$get_labels()
  expect_gt(length(labels), 1)
  expect_false(any(grepl("e[-+]", labels)))
  withr::local_options(width = 200)
  out <- capture.output(print(res))
  expect_false(any(grepl("[0-9]e-", out)))
  expect_true(any(grepl("< 0.001", out, fixed = TRUE)))
  expect_true(any(grepl(" 0.350 ", out, fixed = TRUE)))
})
