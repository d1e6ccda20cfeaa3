# Editor seeds: an external command and a TorchScript editor that add seeded
# noise, run once per seed. The tests recompute what explain() reports (the
# mean curve over seeds, the per-seed EPGMs) from the sweeps themselves.
# The external editor is Rscript with png and needs no LibTorch.

rscript <- shQuote(file.path(R.home("bin"), "Rscript"))
seeded_cmd <- function(body) {
  paste(rscript, "-e",
        shQuote(paste0("a <- commandArgs(TRUE); x <- png::readPNG(a[1]); s <- as.numeric(a[2]); ",
                       "seed <- as.numeric(a[4]); ", body)),
        "{input} {strength} {output} {seed}")
}
# Brightness times s plus a shift drawn from the seed and the strength, as
# a stochastic editor's noise.
noisy_cmd <- seeded_cmd(paste("set.seed(seed * 1000 + round(100 * s));",
                              "png::writePNG(pmin(pmax(x * s + rnorm(1, sd = 0.04), 0), 1), a[3])"))
mean_model <- function(x) apply(x, 1, mean)
square_model <- function(x) apply(x, 1, mean)^2

test_that("seeds are checked, and a seeded command must use {seed}", {
  expect_snapshot(external_editor("edit {input} {strength} {output}", 1:3, seeds = 1:2),
                  error = TRUE, cnd_class = TRUE)
  expect_snapshot(external_editor("edit {input} {strength} {output} {seed}", 1:3),
                  error = TRUE, cnd_class = TRUE)
  cmd <- "edit {input} {strength} {output} {seed}"
  expect_snapshot(external_editor(cmd, 1:3, seeds = c(1, 2, 1)), error = TRUE, cnd_class = TRUE)
  expect_error(external_editor(cmd, 1:3, seeds = 1.5), class = "propgrad_error_number")
  expect_error(external_editor(cmd, 1:3, seeds = -1), class = "propgrad_error_number")
  expect_error(external_editor(cmd, 1:3, seeds = 2^31), class = "propgrad_error_number")
  expect_error(external_editor(cmd, 1:3, seeds = c(1, NA)), class = "propgrad_error_number")
  expect_error(external_editor(cmd, 1:3, seeds = "1"), class = "propgrad_error_number")
  expect_error(external_editor(cmd, 1:3, seeds = numeric(0)), class = "propgrad_error_number")
  expect_equal(external_editor(cmd, 1:3, seeds = c(7L, 2L))$seeds, c(7, 2))
  expect_null(external_editor("edit {input} {strength} {output}", 1:3)$seeds)
})

test_that("an external editor runs each strength once per seed, reproducibly", {
  skip_if_not_installed("png")
  skip_if_not_installed("processx")
  img <- array(0.4, c(5, 4, 3))
  s <- c(0.6, 1, 1.4)
  a <- intervene(img, external_editor(noisy_cmd, s, property = "light", seeds = c(3, 7)), name = "grey")
  expect_s3_class(a, "propgrad_sweeps")
  expect_equal(names(a), c("grey seed 3", "grey seed 7"))
  expect_equal(vapply(a, `[[`, 0, "seed"), c(`grey seed 3` = 3, `grey seed 7` = 7))
  expect_equal(unname(vapply(a, `[[`, "", "name")), c("grey", "grey"))
  expect_equal(a[[1]]$strengths, s)
  expect_output(print(a), "2 sweeps along light, one per editor seed")
  expect_output(print(a[[2]]), "grey: 3 images of 5 x 4 x 3 along light from 0.6 to 1.4 \\(editor seed 7\\)")
  # Subsetting keeps each sweep's image name and seed.
  expect_equal(a[2][[1]]$name, "grey")
  expect_equal(a[2][[1]]$seed, 7)
  # The same seed gives the same edits in another call, whatever seeds go
  # with it; another seed gives other edits.
  b <- intervene(img, external_editor(noisy_cmd, s, property = "light", seeds = c(9, 3)), name = "grey")
  expect_identical(b[["grey seed 3"]]$images, a[["grey seed 3"]]$images)
  expect_false(isTRUE(all.equal(a[["grey seed 3"]]$images, a[["grey seed 7"]]$images)))
  expect_false(isTRUE(all.equal(b[["grey seed 9"]]$images, a[["grey seed 7"]]$images)))
  # Without a name the sweeps are named by their seeds alone.
  expect_equal(names(intervene(img, external_editor(noisy_cmd, s, seeds = 5))), "seed 5")
})

test_that("explain() tests the mean curve over seeds and reports the per-seed spread", {
  skip_if_not_installed("png")
  skip_if_not_installed("processx")
  img <- array(0.4, c(5, 4, 3))
  s <- seq(0.6, 1.4, by = 0.2)
  seeds <- c(3, 7, 11)
  ed <- external_editor(noisy_cmd, s, property = "light", seeds = seeds)
  sweeps <- intervene(img, ed, name = "grey")
  models <- list(mean = mean_model, square = square_model)
  res <- explain(sweeps, models = models, n_perm = 199, seed = 1, alpha = 0.05)
  expect_equal(nrow(res), 2)
  expect_equal(res$image, c("grey", "grey"))
  expect_equal(res$model, c("mean", "square"))
  for (m in names(models)) {
    # Each seed's curve, straight from the sweeps.
    per_seed <- vapply(sweeps, function(sw) models[[m]](sw$images), numeric(length(s)))
    r <- res[res$model == m, ]
    expect_equal(r$estimate, epgm(rowMeans(per_seed), s), tolerance = 1e-12)
    seed_epgms <- apply(per_seed, 2, epgm, t = s)
    expect_equal(r$n_seeds, 3L)
    expect_equal(r$seed_epgm_mean, mean(seed_epgms), tolerance = 1e-12)
    expect_equal(r$seed_epgm_sd, sd(seed_epgms), tolerance = 1e-12)
    expect_equal(r$seed_epgm_min, min(seed_epgms), tolerance = 1e-12)
    expect_equal(r$seed_epgm_max, max(seed_epgms), tolerance = 1e-12)
    expect_gt(r$seed_epgm_sd, 0)
    # The gradient is linear: the mean curve's EPGM is at most the mean EPGM.
    expect_lte(r$estimate, r$seed_epgm_mean + 1e-12)
    # The per-seed curves stay in the data, and plot_curves() draws their mean.
    d <- attr(res, "data")
    d <- d[d$model == m, ]
    expect_equal(sort(unique(d$seed)), seeds)
    expect_equal(d$output1[d$seed == 7], unname(per_seed[, "grey seed 7"]))
    drawn <- plot_curves(res, where = list(image = "grey"), draw = FALSE)
    mine <- drawn[grepl(paste0("^", m, ":"), drawn$series), ]
    expect_equal(mine$output, unname(rowMeans(per_seed)), tolerance = 1e-12)
    expect_equal(nrow(attr(drawn, "seeds")), 2 * length(s) * length(seeds))
  }
  expect_equal(names(attr(res, "data")), c("image", "model", "seed", "light", "output1"))
  expect_s3_class(plot_curves(res, where = list(image = "grey")), "ggplot")
  # The tested curve is the mean: property_test() on the mean recomputed here
  # gives the same estimates.
  mean_data <- aggregate(output1 ~ image + model + light, attr(res, "data"), mean)
  direct <- property_test(mean_data, "output1", "light", by = c("image", "model"), n_perm = 199,
                          seed = 1, alpha = 0.05)
  expect_equal(direct$estimate[match(res$model, direct$model)], res$estimate, tolerance = 1e-12)
  expect_output(print(res), "Curves averaged over 3 editor seeds before testing; single seeds' EPGMs spread with sd")
  expect_output(print(res), "seed_epgm_sd")
  expect_match(tinytable::save_tt(pg_table(res), "markdown"), "Seed EPGM [min, max]", fixed = TRUE)
  expect_warning(sm <- summary(res, seed = 1), class = "propgrad_warning_small_n")
  expect_equal(sm$seed_epgm_sd_mean, res$seed_epgm_sd)
  expect_output(print(sm), "averaged over editor seeds")
  expect_match(pg_provenance(res)$intervention$text, "given sweeps .*editor seeds 3, 7, 11")
  # explain() running the editor itself gives the same result.
  again <- explain(img, ed, models = models, n_perm = 199, seed = 1, alpha = 0.05)
  expect_equal(again$image, c("image1", "image1"))
  expect_equal(again[c("estimate", "p.value", "seed_epgm_sd")], res[c("estimate", "p.value", "seed_epgm_sd")])
})

test_that("per-seed EPGMs use the tests' gradient settings", {
  skip_if_not_installed("png")
  skip_if_not_installed("processx")
  img <- array(0.4, c(5, 4, 3))
  s <- c(0.6, 0.7, 1, 1.4)
  sweeps <- intervene(img, external_editor(noisy_cmd, s, seeds = c(1, 2)))
  res <- explain(sweeps, models = list(mean = mean_model), n_perm = 99, seed = 1, alpha = 0.05,
                 spacing = "index")
  per_seed <- vapply(sweeps, function(sw) mean_model(sw$images), numeric(length(s)))
  seed_epgms <- apply(per_seed, 2, epgm, t = s, spacing = "index")
  expect_equal(res$seed_epgm_min, min(seed_epgms), tolerance = 1e-12)
  expect_equal(res$seed_epgm_max, max(seed_epgms), tolerance = 1e-12)
  expect_false(isTRUE(all.equal(res$seed_epgm_max, max(apply(per_seed, 2, epgm, t = s)))))
  expect_equal(res$image, "image1")
})

test_that("several images' seeded sweeps are explained together, and mixtures refused", {
  skip_if_not_installed("png")
  skip_if_not_installed("processx")
  s <- c(0.6, 1, 1.4)
  ed <- external_editor(noisy_cmd, s, seeds = c(1, 2))
  dark <- intervene(array(0.2, c(4, 4, 3)), ed)
  light <- intervene(array(0.6, c(4, 4, 3)), ed)
  # Three steps cannot reach a small alpha; alpha = 0.5 keeps the resolution
  # warning out of what is tested here.
  res <- explain(list(dark = dark, light = light), models = list(mean = mean_model),
                 n_perm = 99, seed = 1, alpha = 0.5)
  expect_equal(res$image, c("dark", "light"))
  expect_equal(res$n_seeds, c(2L, 2L))
  per_seed <- vapply(light, function(sw) mean_model(sw$images), numeric(3))
  expect_equal(res$estimate[2], epgm(rowMeans(per_seed), s), tolerance = 1e-12)
  # Unnamed, both would be image1 with seeds 1 and 2 twice: named by position.
  expect_equal(explain(list(dark, light), models = mean_model, n_perm = 99, seed = 1,
                       alpha = 0.5)$image, c("image1", "image2"))
  expect_error(explain(c(unclass(dark), unclass(dark)), models = mean_model, n_perm = 99),
               class = "propgrad_error_names")
  plain <- dark[[1]]
  plain$seed <- NULL
  expect_snapshot(explain(list(a = dark, b = plain), models = mean_model, n_perm = 99),
                  error = TRUE, cnd_class = TRUE)
})

test_that("strengths some seeds lack are left out of the mean, with a warning", {
  skip_if_not_installed("png")
  skip_if_not_installed("processx")
  s <- c(0.6, 0.8, 1, 1.2)
  cmd <- seeded_cmd("if (seed == 2 && s > 1.1) quit(status = 2); png::writePNG(pmin(x * s + seed / 100, 1), a[3])")
  expect_warning(sweeps <- intervene(array(0.4, c(4, 4, 3)), external_editor(cmd, s, seeds = 1:2)),
                 "with seed 2", class = "propgrad_warning_editor")
  expect_equal(sweeps[[2]]$failures$strength, 1.2)
  expect_snapshot(res <- explain(sweeps, models = list(mean = mean_model), n_perm = 99, seed = 1,
                                 alpha = 0.5),
                  cnd_class = TRUE)
  expect_equal(sort(unique(attr(res, "data")$edit)), c(0.6, 0.8, 1))
  per_seed <- vapply(sweeps, function(sw) mean_model(sw$images)[1:3], numeric(3))
  expect_equal(res$estimate, epgm(rowMeans(per_seed), s[1:3]), tolerance = 1e-12)
  expect_equal(res$seed_epgm_max, max(apply(per_seed, 2, epgm, t = s[1:3])), tolerance = 1e-12)
})

# A TorchScript editor: brightness plus s-scaled shift plus noise from
# torch.randn_like, so every seed edits differently.
noisy_editor_code <- paste(
  "def forward(self, x, s):",
  "    shift = torch.randn_like(s).view(-1, 1, 1, 1) * 0.05",
  "    return (x + 0.1 * s.view(-1, 1, 1, 1) + shift + 0.01 * torch.randn_like(x)).clamp(0, 1)",
  sep = "\n")

test_that("a seeded TorchScript editor is reproducible per seed and differs across seeds", {
  skip_without_torch()
  f <- script_model(noisy_editor_code)
  img <- test_image(6, 5)
  s <- c(-1, -0.5, 0, 0.5, 1)
  ed <- torch_editor(f, s, device = "cpu", property = "light", seeds = c(1, 2))
  expect_equal(ed$seeds, c(1, 2))
  a <- intervene(img, ed, batch_size = 2, name = "img")
  expect_s3_class(a, "propgrad_sweeps")
  expect_equal(names(a), c("img seed 1", "img seed 2"))
  expect_equal(a[[1]]$seed, 1)
  # Seeded per sweep: seed 1 repeats whatever ran before it or with it.
  b <- intervene(img, torch_editor(f, s, device = "cpu", seeds = c(5, 1)), batch_size = 2)
  expect_identical(b[["seed 1"]]$images, a[["img seed 1"]]$images)
  expect_false(isTRUE(all.equal(a[[1]]$images, a[[2]]$images)))
  expect_false(isTRUE(all.equal(b[["seed 5"]]$images, a[[2]]$images)))
  # The noise is there: the edit is not the noiseless brightening.
  expect_gt(max(abs(a[[1]]$images[3, , , ] - img)), 0.001)
  expect_error(torch_editor(f, s, device = "cpu", seeds = c(1, 1)), class = "propgrad_error_number")
  expect_null(torch_editor(f, s, device = "cpu")$seeds)
})

test_that("explain() averages a TorchScript editor's seeds", {
  skip_without_torch()
  f <- script_model(noisy_editor_code)
  img <- test_image(6, 5)
  s <- seq(-1, 1, length.out = 7)
  seeds <- c(11, 12, 13, 14)
  ed <- torch_editor(f, s, device = "cpu", property = "light", seeds = seeds)
  sweeps <- intervene(img, ed, name = "img")
  res <- explain(sweeps, models = list(mean = mean_model), n_perm = 199, seed = 1, alpha = 0.05)
  per_seed <- vapply(sweeps, function(sw) mean_model(sw$images), numeric(length(s)))
  expect_equal(res$estimate, epgm(rowMeans(per_seed), s), tolerance = 1e-12)
  seed_epgms <- apply(per_seed, 2, epgm, t = s)
  expect_equal(res$n_seeds, 4L)
  expect_equal(res$seed_epgm_sd, sd(seed_epgms), tolerance = 1e-12)
  expect_equal(res$seed_epgm_min, min(seed_epgms), tolerance = 1e-12)
  expect_equal(res$seed_epgm_max, max(seed_epgms), tolerance = 1e-12)
  expect_equal(nrow(attr(res, "data")), length(s) * length(seeds))
  # explain() running the editor itself: the same seeds, the same edits.
  again <- explain(img, ed, models = list(mean = mean_model), n_perm = 199, seed = 1, alpha = 0.05)
  expect_equal(again$seed_epgm_sd, res$seed_epgm_sd)
  expect_equal(again$estimate, res$estimate)
  expect_match(pg_provenance(again)$intervention$text, "torch_editor .*editor seeds 11, 12, 13, 14")
})
