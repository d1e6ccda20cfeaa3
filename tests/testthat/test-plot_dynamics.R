# The training-dynamics figure (R/plot_dynamics.R): mean EPGM and summed
# flips per checkpoint, whole-number breaks on epoch axes, one name for the
# flips summed over series (flips_total), and the old column name still read.

layer_geoms <- function(p) vapply(p$layers, function(l) class(l$geom)[1], character(1))

dynamics_tests <- function(epochs = 1:5, flips = TRUE) {
  set.seed(1)
  d <- expand.grid(step = 1:20, epoch = epochs, arch = c("resnet", "densenet"), image = 1:2)
  d$p <- plogis((d$step - 10) / ifelse(d$arch == "resnet", 2, d$epoch)) + rnorm(nrow(d), sd = 0.01)
  d$q <- 1 - d$p
  property_test(d, p ~ step | arch + epoch + image, n_perm = 99, seed = 1,
                probs = if (flips) c("p", "q"), alpha = 0.5)
}

x_breaks <- function(p) {
  b <- ggplot2::ggplot_build(p)$layout$panel_params[[1]]$x$breaks
  b[!is.na(b)]
}

test_that("training dynamics: mean EPGM per epoch with flips, per architecture", {
  tests <- dynamics_tests()
  df <- plot_dynamics(tests, x = "epoch", facet = "arch", draw = FALSE)
  expect_equal(nrow(df), 10)
  one <- tests[tests$arch == "densenet" & tests$epoch == 3, ]
  expect_equal(df$estimate[df$arch == "densenet" & df$epoch == 3], mean(one$estimate))
  expect_equal(df$flips_total[df$arch == "densenet" & df$epoch == 3], sum(one$flips))
  p <- plot_dynamics(tests, x = "epoch", facet = "arch")
  expect_equal(layer_geoms(p), c("GeomLine", "GeomPoint"))
  expect_error(plot_dynamics(tests, x = "arch"), class = "propgrad_error_type")
  expect_error(plot_dynamics(tests, x = "epochs"), class = "propgrad_error_column")
})

# Issue 14: the epoch axis had breaks at 2.5 and 7.5.
test_that("epochs get whole-number breaks, with 10, 2 and 1 epochs", {
  for (epochs in list(1:10, 1:2, 3)) {
    p <- plot_dynamics(dynamics_tests(epochs), x = "epoch", facet = "arch")
    b <- x_breaks(p)
    expect_gt(length(b), 0)
    expect_equal(b, round(b))
    expect_true(all(b >= min(epochs) & b <= max(epochs)))
  }
  expect_equal(x_breaks(plot_dynamics(dynamics_tests(1:2), x = "epoch")), c(1, 2))
  # the flips legend counts whole flips too
  p <- plot_dynamics(dynamics_tests(1:10), x = "epoch", facet = "arch")
  size <- ggplot2::ggplot_build(p)$plot$scales$get_scales("size")$get_breaks()
  size <- size[!is.na(size)]
  expect_equal(size, round(size))
})

test_that("fractional checkpoints keep ggplot2's breaks", {
  tests <- dynamics_tests(c(0.5, 1, 1.5, 2))
  b <- x_breaks(plot_dynamics(tests, x = "epoch"))
  expect_true(any(b != round(b)))
})

# Issue 14: "flips" meant a series' count in the tests and a sum in this plot.
test_that("the flips summed over series are flips_total, in the data and the legend", {
  tests <- dynamics_tests()
  df <- plot_dynamics(tests, x = "epoch", facet = "arch", draw = FALSE)
  expect_false("flips" %in% names(df))
  expect_equal(sum(df$flips_total), sum(tests$flips))
  p <- plot_dynamics(tests, x = "epoch", facet = "arch")
  expect_equal(p$scales$get_scales("size")$name, "Flips (total over series)")
  expect_false("flips_total" %in% names(plot_dynamics(dynamics_tests(flips = FALSE), draw = FALSE)))
})

test_that("the old column name flips still reads, with a deprecation warning", {
  df <- plot_dynamics(dynamics_tests(), x = "epoch", facet = "arch", draw = FALSE)
  expect_warning(old <- df$flips, class = "propgrad_warning_deprecated")
  expect_equal(old, df$flips_total)
  expect_warning(expect_equal(df[["flips"]], df$flips_total), class = "propgrad_warning_deprecated")
  expect_snapshot(invisible(df$flips), cnd_class = TRUE)
  # other columns and subsets read as before
  expect_no_warning(df$estimate)
  expect_equal(df[["epoch"]], df$epoch)
  expect_equal(df[2, "estimate"], df$estimate[2])
})

test_that("more colour groups than the palette has still draw", {
  set.seed(1)
  d <- expand.grid(step = 1:10, epoch = 1:3, run = paste0("run", 1:10))
  d$y <- plogis((d$step - 5) / d$epoch) + rnorm(nrow(d), sd = 0.01)
  tests <- property_test(d, y ~ step | run + epoch, n_perm = 99, seed = 1, alpha = 0.5)
  p <- plot_dynamics(tests, x = "epoch", colour = "run")
  expect_no_error(ggplot2::ggplot_build(p))
})

test_that("the dynamics figure looks as it did (vdiffr)", {
  skip_if_not_installed("vdiffr")
  vdiffr::expect_doppelganger("dynamics-epochs", plot_dynamics(dynamics_tests(1:10), x = "epoch", facet = "arch"))
})
