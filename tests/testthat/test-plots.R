# ggplot2 figures: each returns a ggplot with the expected layers and data
# (or that data with draw = FALSE), saves to PNG and PDF, and refuses inputs
# it cannot draw with classed errors.

plot_tests <- property_test(pg_study, p_cat ~ strength | image + model + property,
                            n_perm = 9999, seed = 1, probs = c("p_cat", "p_dog"))
where <- list(image = "img05", property = "fur_colour")
one <- subset(pg_study, image == "img05" & model == "dark_dogs_bias" & property == "fur_colour")

layer_geoms <- function(p) vapply(p$layers, function(l) class(l$geom)[1], character(1))

test_that("output curves: one line per model, EPGM and p in the legend, flips marked", {
  p <- plot_curves(pg_study, plot_tests, where, probs = c("p_cat", "p_dog"))
  expect_s3_class(p, "ggplot")
  expect_equal(layer_geoms(p), c("GeomPath", "GeomHline", "GeomPoint"))
  d <- plot_curves(pg_study, plot_tests, where, probs = c("p_cat", "p_dog"), draw = FALSE)
  expect_equal(nrow(d), 150)
  expect_equal(nlevels(d$series), 3)
  row <- plot_tests[plot_tests$image == "img05" & plot_tests$property == "fur_colour" &
                      plot_tests$model == "dark_dogs_bias", ]
  lab <- grep("^dark_dogs_bias", levels(d$series), value = TRUE)
  expect_match(lab, format(signif(row$estimate, 3)), fixed = TRUE)
  expect_equal(d$output[d$series == lab], one$p_cat[order(one$strength)])
  expect_equal(sum(d$flip[d$series == lab]), prediction_flips(one[c("p_cat", "p_dog")]))
  expect_equal(layer_geoms(plot_curves(pg_study, plot_tests, where, threshold = NULL)), "GeomPath")
})

# Issue 14: the legend read "p 1e-04", an unadjusted p, under no title.
test_that("the curves' legend gives the adjusted p journal style under a title", {
  p <- plot_curves(pg_study, plot_tests, where, probs = c("p_cat", "p_dog"))
  labels <- levels(p$data$series)
  expect_false(any(grepl("[0-9]e-?[0-9]", labels)))
  sel <- plot_tests[plot_tests$image == "img05" & plot_tests$property == "fur_colour", ]
  adj <- sel$adj.p.value[match(sub(":.*", "", labels), sel$model)]
  expected <- ifelse(adj < 0.001, "adj. p < 0.001", paste("adj. p =", sub("0+$", "", sprintf("%.3f", adj))))
  expect_equal(sub(".*, ", "", labels), expected)
  expect_equal(p$scales$get_scales("colour")$name, "model")
  expect_match(p$labels$caption, "Holm-adjusted")
  expect_match(gsub("\n", " ", p$labels$caption), "Crosses: the predicted class flips")
  # without an adjustment the legend says p
  raw <- property_test(one, p_cat ~ strength | image + model + property, n_perm = 999, seed = 1,
                       p_adjust = "none")
  lab <- levels(plot_curves(one, raw, draw = FALSE)$series)
  expect_match(lab, paste0("p ", if (raw$p.value < 0.001) "< 0.001" else paste("=", format_p_journal(raw$p.value))),
               fixed = TRUE)
  expect_no_match(lab, "adj.", fixed = TRUE)
})

test_that("plot_curves refuses what it cannot draw", {
  expect_error(plot_curves(pg_study, plot_tests, list(image = "img05")), class = "propgrad_error_input")
  expect_error(plot_curves(pg_study, plot_tests, list(image = "img99", property = "fur_colour")),
               class = "propgrad_error_model")
  expect_error(plot_curves(pg_study, plot_tests, where, colour = "species"), class = "propgrad_error_column")
  expect_error(plot_curves(pg_study, pg_study, where), class = "propgrad_error_type")
  expect_error(plot_curves(pg_study, plot_tests, list("img05")), class = "propgrad_error_input")
})

# Issue 13: plot_curves() needed `where` even when there was one series to draw.
test_that("without where, plot_curves() draws the only series, or lists the choices", {
  img05 <- pg_study[pg_study$image == "img05" & pg_study$property == "fur_colour", ]
  single <- property_test(img05, p_cat ~ strength | image + model + property, n_perm = 99, seed = 1,
                          alpha = 0.5)
  expect_equal(plot_curves(img05, single, draw = FALSE),
               plot_curves(img05, single, list(image = "img05", property = "fur_colour"), draw = FALSE))
  expect_equal(plot_curves(img05, single)$labels$title, "image = img05, property = fur_colour")
  expect_snapshot(plot_curves(pg_study, plot_tests), error = TRUE, cnd_class = TRUE)
  two_images <- pg_study[pg_study$image %in% c("img01", "img02") & pg_study$property == "fur_colour", ]
  tests <- property_test(two_images, p_cat ~ strength | image + model + property, n_perm = 99, seed = 1,
                         alpha = 0.5)
  expect_error(plot_curves(two_images, tests), "where = list(image = \"img01\", property = \"fur_colour\")",
               fixed = TRUE, class = "propgrad_error_missing")
})

test_that("a test's null distribution needs keep_null", {
  res <- shuffle_test(one$p_cat, one$strength, n_perm = 500, seed = 1)
  expect_error(ggplot2::autoplot(res), class = "propgrad_error_keep_null")
  kept <- shuffle_test(one$p_cat, one$strength, n_perm = 500, seed = 1, keep_null = TRUE)
  p <- ggplot2::autoplot(kept)
  expect_equal(layer_geoms(p), c("GeomBar", "GeomVline"))
  expect_equal(ggplot2::autoplot(kept, draw = FALSE)$statistic, kept$null)
  expect_equal(p$layers[[2]]$data$value, c(kept$statistic, kept$null_mean))
})

test_that("the null distribution's title is journal style and its counts whole", {
  kept <- suppressWarnings(shuffle_test(one$p_cat, one$strength, n_perm = 30, seed = 1, keep_null = TRUE),
                           classes = "propgrad_warning_resolution")
  p <- ggplot2::autoplot(kept, bins = 60)
  expect_match(p$labels$title, paste0("p ", if (kept$p.value < 0.001) "<" else "=", " "), fixed = TRUE)
  expect_match(p$labels$title, "two-sided", fixed = TRUE)
  expect_no_match(p$labels$title, "[0-9]e-")
  b <- ggplot2::ggplot_build(p)$layout$panel_params[[1]]$y$breaks
  b <- b[!is.na(b)]
  expect_gt(length(b), 1)
  expect_equal(b, round(b))
})

test_that("shuffled curves are permutations of the observed outputs", {
  res <- shuffle_test(one$p_cat, one$strength, n_perm = 100, seed = 1)
  d <- ggplot2::autoplot(res, type = "shuffles", n_shuffles = 3, draw = FALSE)
  expect_equal(nrow(d), 4 * 50)
  obs <- d$output[d$curve == "observed"]
  expect_equal(obs, one$p_cat[order(one$strength)])
  for (k in 1:3) expect_equal(sort(d$output[d$curve == paste("shuffle", k)]), sort(obs))
  expect_s3_class(ggplot2::autoplot(res, type = "shuffles"), "ggplot")
})

test_that("the study summary plot shows means, intervals and significance counts", {
  s <- summary(plot_tests, seed = 1)
  p <- ggplot2::autoplot(s)
  expect_equal(layer_geoms(p), c("GeomPointrange", "GeomText"))
  d <- ggplot2::autoplot(s, draw = FALSE)
  expect_equal(d$x, s$model)
  expect_equal(d$label, sprintf("%d/%d", s$n_significant, s$n_series))
})

# Issue 14: the x labels of the study summary crowded each other; more
# groups than the palette's 8 colours failed to draw.
test_that("study summary x labels wrap for 3 long names and turn for 12", {
  long_study <- function(k) {
    set.seed(1)
    d <- expand.grid(strength = 1:12, image = paste0("img", 1:8),
                     model = paste0("model_with_a_long_name_", seq_len(k)))
    d$y <- plogis((d$strength - 6) / as.integer(d$model)) + rnorm(nrow(d), sd = 0.02)
    suppressWarnings(summary(property_test(d, y ~ strength | image + model, n_perm = 99, seed = 1,
                                           alpha = 0.5), seed = 1, n_boot = 200))
  }
  x_labels <- function(p) ggplot2::ggplot_build(p)$layout$panel_params[[1]]$x$get_labels()
  three <- ggplot2::autoplot(long_study(3))
  expect_true(all(grepl("\n", x_labels(three))))
  expect_null(three$theme$axis.text.x$angle)
  twelve <- ggplot2::autoplot(long_study(12))
  expect_equal(twelve$theme$axis.text.x$angle, 35)
  expect_equal(twelve$theme$axis.text.x$hjust, 1)
  expect_length(x_labels(twelve), 12)
  # one colour for 12 groups rather than a palette that runs out
  expect_equal(unique(ggplot2::layer_data(twelve, 1)$colour), pg_palette[1])
  # the example study's two panels of three models wrap too, without turning
  ex <- ggplot2::autoplot(summary(plot_tests, seed = 1))
  expect_true(any(grepl("\n", x_labels(ex))))
  expect_null(ex$theme$axis.text.x$angle)
})

test_that("the heatmap tiles inputs x properties and marks significant cells", {
  p <- ggplot2::autoplot(plot_tests, facet = "model")
  expect_equal(layer_geoms(p), c("GeomTile", "GeomPoint"))
  expect_equal(rlang::as_label(p$mapping$x), "property")
  expect_equal(rlang::as_label(p$mapping$y), "image")
  d <- ggplot2::autoplot(plot_tests, draw = FALSE)
  expect_equal(d$significant, plot_tests$adj.p.value <= 0.01)
  expect_error(ggplot2::autoplot(plot_tests, x = "species"), class = "propgrad_error_column")
})

test_that("the heatmap's labels stay plain and its rows readable", {
  tiny <- plot_tests
  tiny$estimate <- tiny$estimate * 1e-5
  fill <- ggplot2::ggplot_build(ggplot2::autoplot(tiny))$plot$scales$get_scales("fill")
  labels <- fill$get_labels()
  expect_false(any(grepl("e-", labels[!is.na(labels)])))
  many <- do.call(rbind, lapply(1:8, function(k) transform(pg_study, image = paste0(image, "_", k))))
  tests <- suppressWarnings(property_test(many, p_cat ~ strength | image + model + property, n_perm = 99,
                                         seed = 1, alpha = 0.5), classes = "propgrad_warning_resolution")
  y <- ggplot2::ggplot_build(ggplot2::autoplot(tests, facet = "model"))$layout$panel_params[[1]]$y
  expect_lte(length(y$get_labels()), 25)
  expect_gt(length(unique(tests$image)), 25)
})

test_that("plots save cleanly to PNG and PDF", {
  p <- plot_curves(pg_study, plot_tests, where, probs = c("p_cat", "p_dog"))
  for (ext in c("png", "pdf")) {
    f <- tempfile(fileext = paste0(".", ext))
    ggplot2::ggsave(f, p, width = 6, height = 4, dpi = 72)
    expect_gt(file.size(f), 1000)
  }
})

test_that("periodic properties draw around a closed circle", {
  angle <- seq(0, 330, by = 30)
  d <- data.frame(toy = "elephant", prompt = rep(c("elephant", "giraffe"), each = 12), angle = angle,
                  sim = c(0.25 + 0.05 * abs(sin(angle * pi / 180)), rep(0.2, 12) + (1:12) %% 2 / 100))
  tests <- property_test(d, sim ~ angle | toy + prompt, period = 360, n_perm = 199, seed = 1)
  expect_equal(attr(tests, "settings")$period, 360)
  p <- plot_curves(d, tests, list(toy = "elephant"), colour = "prompt", threshold = NULL, polar = TRUE)
  expect_s3_class(p$coordinates, "CoordPolar")
  # each curve is closed by its first step again at 360 degrees
  expect_equal(nrow(p$data), 2 * 13)
  expect_equal(sum(p$data$property == 360), 2)
  # Issue 14: the radius started at the data minimum; now at 0, proportional to the output
  r <- ggplot2::ggplot_build(p)$layout$panel_params[[1]]$r.range
  expect_equal(r[1], 0)
  expect_gte(r[2], max(d$sim))
  expect_match(p$labels$caption, "Radius from 0", fixed = TRUE)
  # outputs below 0 (logits): a pretty centre below them, a dotted circle at 0
  d$logit <- qlogis(d$sim)
  lt <- property_test(d, logit ~ angle | toy + prompt, period = 360, n_perm = 199, seed = 1)
  lp <- plot_curves(d, lt, list(toy = "elephant"), colour = "prompt", threshold = NULL, polar = TRUE)
  r <- ggplot2::ggplot_build(lp)$layout$panel_params[[1]]$r.range
  span <- 0 - min(d$logit)
  expect_lte(r[1], min(d$logit) - span)
  expect_gt(r[1], min(d$logit) - 2 * span)
  expect_true("GeomHline" %in% layer_geoms(lp))
  expect_match(lp$labels$caption, "Centre: logit = ", fixed = TRUE)
  if (requireNamespace("vdiffr", quietly = TRUE)) {
    vdiffr::expect_doppelganger("curves-polar", p)
    vdiffr::expect_doppelganger("curves-polar-logit", lp)
  }
  flat <- property_test(d, sim ~ angle | toy + prompt, n_perm = 199, seed = 1)
  expect_error(plot_curves(d, flat, list(toy = "elephant"), colour = "prompt", polar = TRUE),
               class = "propgrad_error_input")
})

test_that("image strips read PNG, JPEG and arrays and place thumbnails on the property axis", {
  skip_if_not_installed("png")
  skip_if_not_installed("jpeg")
  dir <- withr::local_tempdir()
  values <- seq(0, 1, length.out = 7)
  files <- vapply(seq_along(values), function(k) {
    f <- file.path(dir, sprintf("step%d.%s", k, if (k %% 2) "png" else "jpg"))
    img <- array(values[k], c(6, 10, 3))
    if (k %% 2) png::writePNG(img, f) else jpeg::writeJPEG(img, f)
    f
  }, "")
  p <- plot_image_strip(files, values, n = 4)
  expect_equal(sum(layer_geoms(p) == "GeomRasterAnn"), 4)
  pos <- plot_image_strip(files, values, n = 4, draw = FALSE)
  expect_equal(pos$value, values[c(1, 3, 5, 7)])
  arr <- aperm(array(rep(values * 255, each = 6 * 10 * 3), c(6, 10, 3, 7)), c(4, 1, 2, 3))
  expect_s3_class(plot_image_strip(arr, values), "ggplot")
  bad <- file.path(dir, "notes.txt")
  writeLines("not an image", bad)
  expect_error(plot_image_strip(bad, 1), class = "propgrad_error_file")
  expect_error(plot_image_strip(file.path(dir, "missing.png"), 1), class = "propgrad_error_file")
  truncated <- file.path(dir, "cut.png")
  writeBin(readBin(files[1], "raw", 20), truncated)
  expect_error(plot_image_strip(truncated, 1), class = "propgrad_error_file")
  expect_error(plot_image_strip(files, values[-1]), class = "propgrad_error_length")
  expect_error(plot_image_strip(list(matrix("a", 2, 2)), 1), class = "propgrad_error_type")
})

test_that("figures look as they did (vdiffr)", {
  skip_if_not_installed("vdiffr")
  vdiffr::expect_doppelganger("curves-img05-fur-colour",
                              plot_curves(pg_study, plot_tests, where, probs = c("p_cat", "p_dog")))
  vdiffr::expect_doppelganger("study-summary", ggplot2::autoplot(summary(plot_tests, seed = 1)))
  vdiffr::expect_doppelganger("heatmap", ggplot2::autoplot(plot_tests, facet = "model"))
})

test_that("a non-flag draw is refused", {
  expect_error(plot_curves(pg_study, plot_tests, where, draw = NA), "`draw`", class = "propgrad_error_input")
  expect_error(ggplot2::autoplot(plot_tests, draw = "no"), "`draw`", class = "propgrad_error_input")
  expect_error(ggplot2::autoplot(summary(plot_tests, seed = 1), draw = NA), "`draw`",
               class = "propgrad_error_input")
})
