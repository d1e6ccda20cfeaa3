# Makes data/pg_study.rda, the bundled example study: simulated outputs of
# three cat-vs-dog classifiers along gradual interventions on two properties
# of eight images, shaped after the paper's synthetic experiment. Fur colour
# is used by the two biased models (in opposite directions) and barely by
# the unbiased one; background brightness is ignored by all three. Run from
# the package root: Rscript data-raw/make_pg_study.R
set.seed(20260301)

n_steps <- 50
strength <- seq(0, 1, length.out = n_steps)
images <- data.frame(
  image = sprintf("img%02d", 1:8),
  species = rep(c("cat", "dog"), each = 4),
  fur_lightness = c(0.15, 0.30, 0.70, 0.85, 0.20, 0.35, 0.65, 0.80)
)
# Slope of the logit of P(cat) in fur lightness, per model: the unbiased
# model hardly cares; "dark_cats_bias" learnt dark fur = cat, light = dog;
# "dark_dogs_bias" the opposite.
fur_slope <- c(unbiased = -0.6, dark_cats_bias = -8, dark_dogs_bias = 8)
edit_noise <- 0.12  # jitter of the image editor, on the logit scale

rows <- list()
for (i in seq_len(nrow(images))) {
  img <- images[i, ]
  base <- if (img$species == "cat") 2.5 else -2.5
  base <- base + stats::rnorm(1, sd = 0.4)
  for (model in names(fur_slope)) {
    # The fur edit sweeps lightness from dark (0) to light (1).
    logit_fur <- base + fur_slope[[model]] * (strength - img$fur_lightness) +
      stats::rnorm(n_steps, sd = edit_noise)
    # The background edit leaves what the models look at untouched.
    logit_bg <- base + stats::rnorm(n_steps, sd = edit_noise)
    for (prop in c("fur_colour", "background")) {
      logit <- if (prop == "fur_colour") logit_fur else logit_bg
      p_cat <- stats::plogis(logit)
      rows[[length(rows) + 1]] <- data.frame(
        image = img$image, species = img$species, model = model, property = prop,
        strength = strength, p_cat = p_cat, p_dog = 1 - p_cat
      )
    }
  }
}
pg_study <- do.call(rbind, rows)
pg_study$model <- factor(pg_study$model, levels = names(fur_slope))
rownames(pg_study) <- NULL
save(pg_study, file = "data/pg_study.rda", compress = "xz")
