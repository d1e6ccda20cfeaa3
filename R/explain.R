# One pipeline from images to tests: intervene on each image, run every model
# on the intervened images (batched, on the chosen device), and test each
# output curve with property_test(). The result is a propgrad_tests object
# that summary(), pg_table(), the plots and pg_report() accept, carrying the
# output curves for plot_curves(). With a built-in intervention and torch
# models on one device, intervention and models run together there
# (R/fused.R), with the same results.

#' Explain models' dependence on a property
#'
#' @param images One or more images (file paths, H x W x C arrays or a list
#'   of them), or already intervened images (then `intervention` is not
#'   needed): a [propgrad_images] object, a [propgrad_sweeps] list from
#'   [edited_images()], or a named list of [propgrad_images], one per
#'   source image. Images are named by list names, else file names (or the
#'   intervened images' own `name`), else `image1`, `image2`, ...; the
#'   names fill the `image` column. Sweeps must share one property.
#' @param intervention An [intervention()], [torch_editor()] or
#'   [external_editor()].
#' @param models A [torch_model()], a named list of them, or functions
#'   taking an N x H x W x C array (values 0..1) and returning a matrix (or
#'   vector) with one row per image, all with the same output columns.
#'   Unnamed torch models are named by their file (without extension, made
#'   unique), unnamed functions `model1`, `model2`, ... by position.
#' @param output Which output columns to test (names or numbers); `NULL`
#'   tests every column when there are at most 10, except for two
#'   probability columns (`type = "prob"`, rows summing to 1): they mirror
#'   each other (p1 = 1 - p2, with the same EPGM), so only the second (the
#'   conventional positive class) is tested, with a message of class
#'   `propgrad_message_binary`; testing both would only double the
#'   multiplicity of the p-value adjustment.
#' @param type,preprocess,classes Passed to
#'   [predict()][predict.propgrad_torch_model] for torch models.
#' @param batch_size Images per batch, for [intervene()] and
#'   [predict()][predict.propgrad_torch_model] alike (default 32, as theirs).
#'   With raw images, an [intervention()] and torch models on the
#'   intervention's device, each batch goes from the intervention straight
#'   to every model without leaving the device; the outputs are the same as
#'   with [intervene()] then [predict()][predict.propgrad_torch_model].
#' @param device `"auto"`, `"cpu"`, `"cuda"` or `"cuda:K"` for interventions.
#' @param progress Show a progress bar (default: in interactive sessions).
#' @param ... Passed to [property_test()] (`statistic`, `n_perm`, `seed`,
#'   `p_adjust`, `nthreads`, `joint`, ...).
#' @return A `propgrad_tests` object (one row per image x model x output)
#'   with the curves in `attr(, "data")`; pass it to [plot_curves()] alone
#'   for one image and output, else with `where = list(image = ...)`. With
#'   editor seeds it has the columns `n_seeds`, `seed_epgm_mean`,
#'   `seed_epgm_sd`, `seed_epgm_min` and `seed_epgm_max`, and the curves
#'   of every seed (a `seed` column) are in `attr(, "data")`.
#'
#' @section Editor seeds:
#' A stochastic editor ([external_editor()] or [torch_editor()] with
#' `seeds`) gives another edit for every seed, so the output curve of one
#' sweep mixes the model's dependence on the property with the editor's
#' noise, which inflates the EPGM. With seeds, `explain()` averages the
#' model outputs over the seeds at each strength and tests that mean curve
#' with [property_test()], one row per image x model x output as without
#' seeds: the noise averages away. Beside it, the EPGM of each seed's own
#' curve (same gradient settings: `period`, `spacing`, `rescale`, `smooth`)
#' is summarised in `seed_epgm_mean`, `seed_epgm_sd`, `seed_epgm_min` and
#' `seed_epgm_max`: how much a single sweep could have misled. As the
#' gradient is linear, the EPGM of the mean curve is at most
#' `seed_epgm_mean`. Strengths that some seeds lack (failed edits) are left
#' out of both, with a warning of class `propgrad_warning_seeds`.
#' @export
#' @examples
#' if (has_torch()) {
#'   img <- array(runif(16 * 16 * 3), c(16, 16, 3))
#'   brightness_model <- function(x) apply(x, 1, mean)
#'   res <- explain(img, intervention("brightness", seq(0.2, 1, length.out = 30)),
#'                  list(mean = brightness_model), n_perm = 999, seed = 1, device = "cpu")
#'   res
#' }
explain <- function(images, intervention = NULL, models, output = NULL, type = "prob",
                    preprocess = torch_preprocess(), batch_size = 32, classes = NULL,
                    device = "auto", progress = interactive(), ...) {
  call <- rlang::current_env()
  check_required(c("images", "models"), call)
  models <- check_models(models, call)
  check_flag(progress, arg = "progress", call = call)
  sweeps <- explain_sweeps(images, intervention, device, batch_size, call, models)
  # predict()'s one-off messages: once per explain(), not once per sweep.
  notes <- predict_notes(missing(preprocess))
  if (progress) {
    cli::cli_progress_bar("Running models", total = length(sweeps) * length(models), .envir = call)
  }
  rows <- list()
  seeded <- !is.null(sweeps[[1]]$seed)
  keys <- c("image", "model", if (seeded) "seed", "strength")
  for (img_name in names(sweeps)) {
    sweep <- sweeps[[img_name]]
    fused <- if (inherits(sweep, "propgrad_fused_sweep")) {
      fused_predict(sweep, models, type, preprocess, batch_size, classes, call, notes)
    }
    for (model_name in names(models)) {
      out <- fused[[model_name]] %||%
        run_model(models[[model_name]], sweep, type, preprocess, batch_size, classes, call, notes)
      # A seeded sweep's list name carries its seed; the image is its name.
      key <- data.frame(image = if (seeded) sweep$name else img_name, model = model_name)
      if (seeded) key$seed <- sweep$seed
      rows[[length(rows) + 1]] <- data.frame(key, strength = sweep$strengths, out, check.names = FALSE)
      if (progress) cli::cli_progress_update(.envir = call)
    }
  }
  check_same_outputs(rows, keys, call)
  data <- do.call(rbind, rows)
  outs <- setdiff(names(data), keys)
  tested <- pick_outputs(output, outs, call)
  if (is.null(output) && identical(type, "prob") && is_binary(data[outs])) {
    tested <- outs[2]
    pg_inform(c("The models give two class probabilities that mirror each other; testing only {.val {outs[2]}}, the second (positive) class.",
                i = "Choose with {.arg output}, e.g. {.code output = \"{outs[1]}\"}."),
              "propgrad_message_binary")
  }
  names(data)[names(data) == "strength"] <- sweeps[[1]]$property
  if (seeded) {
    curves <- average_over_seeds(data, outs, sweeps[[1]]$property)
    data <- curves$mean
  }
  args <- list(data = data, output = tested, property = sweeps[[1]]$property,
               by = c("image", "model"), ...)
  if (is.null(args$period) && !is.null(sweeps[[1]]$period)) args$period <- sweeps[[1]]$period
  if (is.null(args$probs) && identical(type, "prob") && length(outs) >= 2) args$probs <- outs
  tests <- do.call(property_test, args)
  if (seeded) {
    tests <- add_seed_spread(tests, curves$seeds, args)
    data <- curves$seeds
  }
  attr(tests, "data") <- data
  attr(tests, "provenance") <- explain_provenance(models, preprocess, intervention, sweeps, tests)
  tests
}

explain_provenance <- function(models, preprocess, intervention, sweeps, tests) {
  torch <- any(vapply(models, inherits, TRUE, what = "propgrad_torch_model"))
  iv <- intervention %||% list(kind = "given sweeps", property = sweeps[[1]]$property,
                               strengths = sort(unique(unlist(lapply(sweeps, `[[`, "strengths")))),
                               seeds = unique(unlist(lapply(sweeps, `[[`, "seed"))))
  new_provenance(models = provenance_models(models),
                 preprocess = if (torch) describe_preprocess(preprocess),
                 intervention = describe_intervention(iv),
                 images = provenance_images(attr(sweeps, "sources") %||% sweeps),
                 seed = attr(tests, "settings")$seed)
}

# Two probability columns summing to 1 in every row (a binary softmax).
is_binary <- function(probs) {
  length(probs) == 2 && isTRUE(all(abs(probs[[1]] + probs[[2]] - 1) < 1e-6))
}

check_models <- function(models, call) {
  if (inherits(models, "propgrad_torch_model") || is.function(models)) models <- list(models)
  ok <- is.list(models) && length(models) > 0 &&
    all(vapply(models, function(m) inherits(m, "propgrad_torch_model") || is.function(m), TRUE))
  if (!ok) {
    abort_input("{.arg models} must be a {.fn torch_model}, a function, or a list of them.",
                "propgrad_error_type", call = call)
  }
  nm <- names(models) %||% rep("", length(models))
  nm[is.na(nm)] <- ""
  # Unnamed torch models take their file's name (unique among the names);
  # unnamed functions their position.
  torch <- nm == "" & vapply(models, inherits, TRUE, what = "propgrad_torch_model")
  if (any(torch)) {
    files <- vapply(models[torch], function(m) tools::file_path_sans_ext(basename(m$path)), "")
    nm[torch] <- utils::tail(make.unique(c(nm[!torch], files)), sum(torch))
  }
  nm[nm == ""] <- paste0("model", seq_along(models))[nm == ""]
  if (anyDuplicated(nm)) {
    dup <- unique(nm[duplicated(nm)])
    abort_input(c("Model names must be unique.", x = "{.val {dup}} appear{?s/} more than once.",
                  i = "Name the models in the list, e.g. {.code list(biased = m1, unbiased = m2)}."),
                "propgrad_error_names", call = call)
  }
  names(models) <- nm
  models
}

# Given models (explain()), the sweeps may be fused ones (R/fused.R), which
# hold no images; sanity_check() gives none, as it reorders the images.
explain_sweeps <- function(images, intervention, device, batch_size, call, models = NULL) {
  done <- intervened_sweeps(images, call)
  if (!is.null(done)) return(done)
  if (is.null(intervention)) {
    abort_input("{.arg intervention} is missing; give one, or pass intervened images.",
                "propgrad_error_missing", call = call)
  }
  if (is.character(images)) {
    items <- as.list(images)
    names(items) <- make.unique(tools::file_path_sans_ext(basename(images)))
  } else if (is.array(images) && length(dim(images)) == 4) {
    items <- lapply(seq_len(dim(images)[1]), function(i) images[i, , , , drop = FALSE])
  } else if (is.array(images) || (is.numeric(images) && !is.null(dim(images)))) {
    items <- list(images)
  } else if (is.list(images)) {
    items <- images
  } else {
    abort_input("{.arg images} must be image files, arrays or intervened images.",
                "propgrad_error_type", call = call)
  }
  if (is.null(names(items)) || any(names(items) == "")) names(items) <- paste0("image", seq_along(items))
  if (length(models) && can_fuse(intervention, models, device, call)) {
    # Intervened on the device as each model runs: see R/fused.R.
    out <- lapply(items, fused_sweep, intervention = intervention, device = device,
                  batch_size = batch_size, call = call)
    attr(out, "sources") <- items
    return(out)
  }
  out <- lapply(items, function(img) intervene(img, intervention, device = device, batch_size = batch_size))
  # A seeded editor gives each image a list of sweeps, one per seed.
  if (!is.null(intervention$seeds)) out <- seeded_sweeps(out, call)
  attr(out, "sources") <- items  # for the provenance: files or arrays as given
  out
}

run_model <- function(model, sweep, type, preprocess, batch_size, classes, call, notes = NULL) {
  if (inherits(model, "propgrad_torch_model")) {
    return(predict.propgrad_torch_model(model, sweep, type = type, preprocess = preprocess,
                                        batch_size = batch_size, classes = classes, .notes = notes))
  }
  out <- tryCatch(model(sweep$images), error = function(e) {
    pg_abort("A model function failed.", "propgrad_error_model", parent = e, call = call)
  })
  out <- as.matrix(out)
  if (!is.numeric(out) || nrow(out) != length(sweep$strengths)) {
    abort_input(c("A model function must return one row (or value) per image.",
                  x = "It returned {nrow(out)} row{?s} for {length(sweep$strengths)} images."),
                "propgrad_error_model", call = call)
  }
  if (is.null(colnames(out))) colnames(out) <- classes %||% paste0("output", seq_len(ncol(out)))
  out
}

pick_outputs <- function(output, outs, call) {
  if (is.null(output)) {
    if (length(outs) > 10) {
      abort_input(c("The models have {length(outs)} outputs; choose which to test with {.arg output}.",
                    i = "E.g. {.code output = \"{outs[1]}\"}."), "propgrad_error_input", call = call)
    }
    return(outs)
  }
  if (is.numeric(output)) {
    if (anyNA(output) || any(output < 1 | output > length(outs))) {
      abort_input("{.arg output} numbers must lie in 1..{length(outs)}.", "propgrad_error_number", call = call)
    }
    return(outs[output])
  }
  bad <- setdiff(output, outs)
  if (length(bad)) {
    abort_input(c("Unknown output{?s} {.val {bad}}.", i = "Available: {.val {utils::head(outs, 20)}}."),
                "propgrad_error_column", call = call)
  }
  output
}

# Every model's output columns must match: one table holds all curves, and
# filling NA would test a column for some models only.
check_same_outputs <- function(rows, keys, call) {
  cols <- lapply(rows, function(r) setdiff(names(r), keys))
  if (length(unique(cols)) > 1) {
    model <- vapply(rows, function(r) r$model[1], "")
    keep <- !duplicated(paste(model, vapply(cols, paste, "", collapse = "\r")))
    lines <- sprintf("%s: %s", model[keep], vapply(cols[keep], paste, "", collapse = ", "))
    lines <- stats::setNames(gsub("([{}])", "\\1\\1", lines), rep("x", length(lines)))
    abort_input(c("The models return different output columns, so their curves cannot be tested together.",
                  lines,
                  i = "Make every model return the same columns, or explain the models in separate calls."),
                "propgrad_error_model", call = call)
  }
}
