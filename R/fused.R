# explain()'s fused path. With raw images, a built-in intervention() (no
# editor, no seeds) and torch models all on the intervention's device, each
# image's sweep is intervened and run through every model in one C++ loop
# (src/torch/pipeline.cpp), batch by batch on the device, instead of
# intervene() handing the sweep to R as a double array that predict() copies
# back. The outputs are exactly those of intervene() then predict();
# options(propgrad.fused = FALSE) forces that separate path (tests compare
# the two).

# Whether explain() can take the fused path; `device` as the user gave it.
can_fuse <- function(intervention, models, device, call) {
  if (!isTRUE(getOption("propgrad.fused", TRUE))) return(FALSE)
  builtin <- inherits(intervention, "propgrad_intervention") &&
    !intervention$kind %in% c("torch_editor", "external") && is.null(intervention$seeds)
  torch <- all(vapply(models, inherits, TRUE, what = "propgrad_torch_model"))
  # Anything else goes the separate way, which raises the usual errors.
  if (!builtin || !torch || !has_torch() || r_torch_loaded()) return(FALSE)
  device <- resolve_device(device, call)
  # "cuda" is CUDA device 0, as LibTorch reads it.
  same <- function(d) sub("^cuda$", "cuda:0", d)
  all(vapply(models, function(m) identical(same(m$device), same(device)), TRUE))
}

# One image checked as intervene() checks it, with what the fused loop
# needs; it stands in for intervene()'s propgrad_images in explain().
fused_sweep <- function(image, intervention, device, batch_size, call) {
  name <- if (is.character(image) && length(image) == 1 && !is.na(image)) {
    tools::file_path_sans_ext(basename(image))
  }
  img <- one_image(image, batch_size, call)
  d <- dim(img)
  steps <- length(intervention$strengths)
  # Only float batches on the device: the sweep never exists as doubles.
  check_memory(prod(d[2:4]) * 4 * 3 * min(batch_size, steps),
               sprintf("Batches of %d steps of a %d x %d x %d image", min(batch_size, steps), d[2], d[3], d[4]),
               "Use a smaller {.arg batch_size}, or a smaller image (resize it first).", call = call)
  check_intervention_fits(intervention, img, call)
  mask <- resolve_mask(intervention$params$mask, img, call)
  structure(list(image = img, mask = if (!is.null(mask)) array(mask, c(1, dim(mask), 1)),
                 intervention = intervention, device = resolve_device(device, call),
                 strengths = intervention$strengths, property = intervention$property,
                 period = intervention$period, name = name, seed = NULL),
            class = "propgrad_fused_sweep")
}

# Every model's outputs for one fused sweep, named by model, each as
# predict() would return it for intervene()'s images.
fused_predict <- function(sweep, models, type, preprocess, batch_size, classes, call, notes) {
  type <- check_choice(type, c("prob", "logits", "raw"), arg = "type", call = call)
  check_preprocess_class(preprocess, call)
  d <- dim(sweep$image)
  # predict()'s to_rgb, done on the device: grey repeated, alpha dropped.
  rgb <- rgb_pick(preprocess, d[4], notes)
  channels <- rgb$channels
  pick <- rgb$pick
  preprocess <- check_preprocess(preprocess, channels, call)
  suggest_preprocess(list(sweep$image), notes)
  check_predict_memory(list(c(length(sweep$strengths), d[2:3], channels)),
                       output_size(sweep$image, preprocess, call), batch_size, call)
  iv <- sweep$intervention
  p <- iv$params
  outs <- torch_call(pg_torch_intervene_predict(
    sweep$image, iv$kind, sweep$strengths, p$numbers, p$other, sweep$mask, p$padding, p$space,
    sweep$device, as.integer(batch_size), unname(lapply(models, `[[`, "pointer")), preprocess,
    if (type == "prob") "logits" else type, pick), call)
  outs <- lapply(outs, label_outputs, type = type, classes = classes, call = call)
  stats::setNames(outs, names(models))
}
