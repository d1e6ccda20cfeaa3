# Editor seeds. A stochastic editor (a diffusion model, a TorchScript module
# that draws noise) makes another edit for every seed, so one sweep mixes the
# model's dependence on the property with the editor's noise. With `seeds`,
# external_editor() and torch_editor() give one sweep per seed; explain()
# tests the output curve averaged over the seeds at each strength and
# reports the spread of the per-seed EPGMs; print(), summary(), pg_table()
# and plot_curves() show it. The per-seed curves keep a `seed` column.

# `seeds`: NULL, or unique whole numbers 0 .. 2^31 - 1 (what R's set.seed(),
# NumPy and torch.manual_seed() all take).
check_editor_seeds <- function(seeds, call) {
  if (is.null(seeds)) return(NULL)
  ok <- is.numeric(seeds) && length(seeds) >= 1 && all(is.finite(seeds)) &&
    all(seeds == round(seeds)) && all(seeds >= 0 & seeds <= .Machine$integer.max)
  if (!ok) {
    abort_input(c("{.arg seeds} must be whole numbers from 0 to 2147483647 (2^31 - 1).",
                  x = "You supplied {.obj_type_friendly {seeds}}{if (is.numeric(seeds) && length(seeds)) paste0(': ', paste(utils::head(format(seeds, scientific = FALSE), 5), collapse = ', ')) else ''}."),
                "propgrad_error_number", call = call)
  }
  if (anyDuplicated(seeds)) {
    abort_input(c("{.arg seeds} must not repeat a value: each seed is one sweep.",
                  x = "{.val {unique(seeds[duplicated(seeds)])}} appear{?s/} more than once."),
                "propgrad_error_number", call = call)
  }
  as.numeric(seeds)
}

# A seeded command must use {seed}, else every seed repeats one edit; an
# unseeded one must not contain it, else the editor gets the text "{seed}".
check_seed_placeholder <- function(command, seeds, call) {
  has <- grepl("{seed}", command, fixed = TRUE)
  if (!is.null(seeds) && !has) {
    abort_input(c("With {.arg seeds}, {.arg command} must contain the placeholder {.code {{seed}}}.",
                  i = "The command must seed its random numbers with it, e.g. {.code python edit.py {{input}} {{strength}} {{output}} --seed {{seed}}}."),
                "propgrad_error_input", call = call)
  }
  if (is.null(seeds) && has) {
    abort_input(c("{.arg command} contains {.code {{seed}}}, but no {.arg seeds} are given.",
                  i = "Give the seeds to run, e.g. {.code seeds = 1:5}, or remove the placeholder."),
                "propgrad_error_incompatible", call = call)
  }
}

# intervene() for a seeded editor: one sweep per seed, in the seeds' order.
intervene_seeds <- function(img, iv, name, batch_size, call) {
  d <- dim(img)
  seeds <- iv$seeds
  check_memory(8 * prod(d[2:4]) * length(iv$strengths) * length(seeds),
               sprintf("%d seeds of %d steps of a %d x %d x %d image", length(seeds),
                       length(iv$strengths), d[2], d[3], d[4]),
               "Use fewer seeds or strengths, or a smaller image (resize it first).", call = call)
  if (iv$kind == "torch_editor") check_torch(call)
  sweeps <- lapply(seeds, function(seed) {
    out <- if (iv$kind == "external") {
      run_external(img, iv, call, seed = seed)
    } else {
      edited <- torch_call(pg_torch_edit(iv$pointer, img, iv$strengths, as.integer(batch_size), seed), call)
      new_images(edited, iv$strengths, iv$property, iv$period, seed = seed)
    }
    out$name <- name
    out
  })
  names(sweeps) <- seed_sweep_names(name, seeds)
  new_sweeps(sweeps)
}

seed_sweep_names <- function(name, seeds) {
  paste0(if (is.null(name)) "" else paste0(name, " "), "seed ", format(seeds, scientific = FALSE, trim = TRUE))
}

# Does explain()'s `images` hold seeded sweeps (alone, as a propgrad_sweeps
# list, or as a list of intervene() results)?
has_seeded_sweeps <- function(images) {
  if (inherits(images, "propgrad_images")) return(!is.null(images$seed))
  if (!is.list(images) || is.data.frame(images)) return(FALSE)
  any(vapply(images, function(s) {
    if (inherits(s, "propgrad_images")) return(!is.null(s$seed))
    inherits(s, "propgrad_sweeps") && any(vapply(s, function(x) !is.null(x$seed), TRUE))
  }, TRUE))
}

# Seeded sweeps as one flat list, one propgrad_images per image and seed,
# each with its image `name`. In a list of intervene() results the list's
# names name the images (else each result's own name, else its position);
# a sweep on its own keeps its own name before the list's.
seeded_sweeps <- function(images, call) {
  groups <- if (inherits(images, "propgrad_sweeps")) list(images) else images
  if (inherits(groups, "propgrad_images")) groups <- list(groups)
  outer <- names(groups) %||% rep("", length(groups))
  outer[is.na(outer)] <- ""
  flat <- list()
  for (k in seq_along(groups)) {
    group <- groups[[k]]
    single <- inherits(group, "propgrad_images")
    if (single) group <- list(group)
    if (!is.list(group) || !all(vapply(group, inherits, TRUE, what = "propgrad_images"))) {
      abort_input("{.arg images} must be intervened images: {.fn intervene} results or {.cls propgrad_images}.",
                  "propgrad_error_type", call = call)
    }
    for (s in unclass(group)) {
      given <- c(if (single) c(s$name, outer[k]) else c(outer[k], s$name), paste0("image", k))
      s$name <- given[nzchar(given)][1]
      flat[[length(flat) + 1]] <- s
    }
  }
  seeded <- vapply(flat, function(s) !is.null(s$seed), TRUE)
  if (!all(seeded)) {
    unseeded <- vapply(flat[!seeded], `[[`, "", "name")
    abort_input(c("Sweeps explained together must all come from seeded editors, or none.",
                  x = "The sweep{?s} of {.val {unseeded}} {?has/have} no editor seed.",
                  i = "Explain the unseeded sweeps in their own call."),
                "propgrad_error_incompatible", call = call)
  }
  image <- vapply(flat, `[[`, "", "name")
  seed <- vapply(flat, `[[`, 0, "seed")
  names(flat) <- paste0(image, " seed ", format(seed, scientific = FALSE, trim = TRUE))
  if (anyDuplicated(names(flat))) {
    dup <- unique(names(flat)[duplicated(names(flat))])
    abort_input(c("Each image must have each editor seed once.", x = "Repeated: {.val {dup}}.",
                  i = "Name the images, e.g. {.code list(cat = intervene(\"cat.png\", ed), dog = intervene(\"dog.png\", ed))}."),
                "propgrad_error_names", call = call)
  }
  check_sweeps_agree(flat, call)
  flat
}

# The per-seed curves (rows of `data`: image, model, seed, property, outputs)
# cut to the strengths every seed of an image has, and their mean over seeds
# at each image, model and strength. A strength one seed lacks (its edit
# failed) would make the mean there an average of other seeds than elsewhere.
average_over_seeds <- function(data, outs, property) {
  keep <- rep(TRUE, nrow(data))
  dropped <- character(0)
  for (img in unique(data$image)) {
    rows <- data$image == img
    first <- rows & data$model == data$model[which(rows)[1]]
    shared <- Reduce(intersect, split(data[[property]][first], data$seed[first]))
    lost <- setdiff(data[[property]][first], shared)
    if (length(lost)) {
      keep[rows] <- data[[property]][rows] %in% shared
      dropped <- c(dropped, sprintf("%s: %s", img, paste(format(sort(lost), digits = 6), collapse = ", ")))
    }
  }
  if (length(dropped)) {
    lines <- stats::setNames(gsub("([{}])", "\\1\\1", utils::head(dropped, 6)), rep("*", min(6, length(dropped))))
    pg_warn(c("Strengths missing from some editor seeds are left out of the mean curves and the per-seed EPGMs:",
              lines, i = "The editor failed there for some seeds; see the sweeps' {.code $failures}."),
            "propgrad_warning_seeds")
  }
  data <- data[keep, , drop = FALSE]
  rownames(data) <- NULL
  list(seeds = data, mean = mean_over_seeds(data, c("image", "model", property), outs))
}

# The tests of the mean curves plus, per row, the EPGMs of each seed's own
# curve under the same gradient settings: n_seeds, seed_epgm_mean,
# seed_epgm_sd, seed_epgm_min, seed_epgm_max.
add_seed_spread <- function(tests, curves, args) {
  property <- args$property
  gradient <- args[intersect(names(args), c("spacing", "rescale", "period", "smooth"))]
  key <- group_ids(list(curves$image, curves$model))
  test_key <- key[match(paste(tests$image, tests$model, sep = "\r"),
                        paste(curves$image, curves$model, sep = "\r"))]
  spread <- vapply(seq_len(nrow(tests)), function(r) {
    rows <- which(key == test_key[r])
    cols <- if (isTRUE(args$joint)) args$output else tests$output[r]
    e <- vapply(split(rows, curves$seed[rows]), function(i) {
      y <- as.matrix(curves[i, cols, drop = FALSE])
      do.call(epgm, c(list(if (ncol(y) == 1) y[, 1] else y, curves[[property]][i]), gradient))
    }, 0)
    c(length(e), mean(e), if (length(e) > 1) stats::sd(e) else NA_real_, min(e), max(e))
  }, numeric(5))
  tests$n_seeds <- as.integer(spread[1, ])
  tests$seed_epgm_mean <- spread[2, ]
  tests$seed_epgm_sd <- spread[3, ]
  tests$seed_epgm_min <- spread[4, ]
  tests$seed_epgm_max <- spread[5, ]
  tests
}

# print() of seeded tests: what was averaged and how far single seeds spread.
seed_line <- function(x) {
  if (!"n_seeds" %in% names(x)) return(NULL)
  k <- range(x$n_seeds)
  sds <- x$seed_epgm_sd[is.finite(x$seed_epgm_sd)]
  spread <- if (length(sds)) {
    sprintf("; single seeds' EPGMs spread with sd %s (median over series; largest %s)",
            format(signif(stats::median(sds), 3)), format(signif(max(sds), 3)))
  } else ""
  sprintf("# Curves averaged over %s editor seeds before testing%s: seed_epgm_* columns",
          if (k[1] == k[2]) k[1] else paste(k, collapse = "-"), spread)
}

# The mean of the `outs` columns over the rows that share the `keys`
# columns (the seeds), in the order the keys first appear.
mean_over_seeds <- function(data, keys, outs) {
  group <- group_ids(unclass(data[keys]))
  sums <- rowsum(as.matrix(data[outs]), group, reorder = FALSE)
  out <- data[!duplicated(group), keys, drop = FALSE]
  out[outs] <- as.data.frame(sums / tabulate(group), optional = TRUE)
  rownames(out) <- NULL
  out
}
