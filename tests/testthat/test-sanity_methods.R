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
