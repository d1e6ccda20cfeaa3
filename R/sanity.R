# sanity_check(): does an explanation change when the model does? explain()
# is re-run on copies of a torch model whose layers are re-drawn one group at
# a time from the output end (cascading randomisation, Adebayo et al. 2018),
# and on the original outputs with their pairing to the strengths shuffled;
# each condition's EPGM, p-value and curve are set against the original's.
# The tensor work (copy, re-draw) is in src/torch/sanity.cpp; the plot is
# autoplot.propgrad_sanity().

#' Sanity checks: does the explanation change when the model does?
#'
#' A faithful explanation must change when the model does. `sanity_check()`
#' runs [explain()] on the original model, then on copies whose layers are
#' re-drawn at random one group at a time from the output end, cumulatively
#' (cascading randomisation; Adebayo et al. 2018), and once with the
#' intervention order shuffled: each image's outputs are paired with a
#' random permutation of the strengths, which destroys the curve's x-order
#' but keeps its values. The model passed in is never modified: the
#' re-drawn tensors belong to a copy of its module.
#'
#' @section Reading the result:
#' * **Cascade.** As layers from the top are randomised, the output curves
#'   should stop resembling the original (`rank_cor` falls from 1) and the
#'   EPGM should move away from the original's (`relative_change` far from
#'   0). An EPGM and curve that survive the randomisation of the trained
#'   layers are not explained by what the model learned: they come from the
#'   architecture, the preprocessing or the intervention itself. A random
#'   network can still depend on a property (many respond to brightness),
#'   so a significant p-value under randomisation is not by itself a
#'   failure; the point is whether the result *changes*. The EPGM measures
#'   how much the output moves, not which way: a randomised model whose
#'   curve runs the other way can keep the original's EPGM, and only
#'   `rank_cor` (near -1) shows it. Read both.
#' * **Shuffled order.** The outputs are the model's own, only no longer in
#'   property order, so a real dependence must lose its signal: `z` near 0
#'   and a large p-value. The EPGM of a smooth curve *rises* when shuffled
#'   (a jagged curve has larger gradients; see [shuffle_test()], section
#'   "Direction of the effect"): it moves to the null mean. If the original
#'   already looks like its shuffled version, the test had nothing to find.
#'
#' @section Layers:
#' Without `layers`, the randomised tensors are the model's floating-point
#' parameters, or, for a module with none (for example one made by
#' [torch_script_model()] with `buffers`), its floating-point buffers.
#' They are grouped into layers by name: a tensor named `a.b.weight` belongs
#' to module `a.b`; a tensor of the top-level module whose name ends in
#' digits joins the others ending in the same digits (`w1` and `b1` form one
#' layer, `w2` and `b2` another); the other top-level tensors form one
#' layer. Layers are randomised in the reverse of the order the module lists
#' them (the order they were created in, usually input to output), so the
#' output end comes first. When that is not the model's order, or to use
#' coarser blocks, give `layers`: a list of character vectors of tensor
#' names (see [torch_model_tensors()]), from the top; list names become the
#' layers' labels.
#'
#' Each re-drawn tensor is replaced by draws from a normal distribution with
#' that tensor's own mean and standard deviation. A tensor without spread
#' (constant, or of one element) stays as it was; propgrad says so with a
#' message of class `propgrad_message_sanity_constant`.
#'
#' @section Reproducibility:
#' Everything random derives from `seed`: the layers' draws (on the CPU,
#' so the same on every device, then moved to the model's device), the
#' shuffled order and the shuffle tests (`seed` is passed on to [explain()]).
#' The same seed gives identical results.
#'
#' @param model A [torch_model()]. R functions cannot be checked: their
#'   parameters are out of reach.
#' @param images,intervention As in [explain()]: images and an
#'   intervention, or already intervened images. Images are intervened once
#'   and shared by every condition.
#' @param layers `NULL` (groups as in section "Layers"), or a list of
#'   character vectors of tensor names, one per layer from the output end.
#' @param seed Seed (a whole number), or `NULL` to draw one from R's random
#'   number generator, so [set.seed()] makes the check reproducible.
#' @param progress Show a progress bar over the conditions (default: in
#'   interactive sessions).
#' @param ... Passed to [explain()] and through it to [property_test()]:
#'   `output`, `type`, `preprocess`, `batch_size`, `device`, `n_perm`, ...
#' @return A `propgrad_sanity` data frame, one row per image x output x
#'   condition: `image`, `output`, `condition` (a factor: `"original"`,
#'   `"randomised: <layer>"` with every layer above it randomised too, and
#'   `"shuffled order"`), `n_randomised` (layers randomised; `NA` for the
#'   shuffled order), `estimate` (EPGM), `z`, `p.value` (unadjusted),
#'   `relative_change` (of the EPGM against the original's) and `rank_cor`
#'   (Spearman's correlation of the output curve with the original curve;
#'   `NA` when either is flat). Runs [explain()] once per layer plus twice,
#'   on images intervened once. Attributes:
#'   `settings` (seed, layers, property, alpha) and `data` (every curve,
#'   with its condition). It has [print()], [ggplot2::autoplot()] and
#'   [plot()] methods.
#' @references
#' Adebayo J, Gilmer J, Muelly M, Goodfellow I, Hardt M, Kim B (2018).
#' Sanity checks for saliency maps. Advances in Neural Information
#' Processing Systems 31.
#' @export
#' @examples
#' if (has_torch()) {
#'   f <- torch_script_model(paste(
#'     "def forward(self, x):",
#'     "    h = torch.tanh(x.mean(dim=[2, 3]).matmul(self.w1) + self.b1)",
#'     "    return h.matmul(self.w2) + self.b2", sep = "\n"),
#'     tempfile(fileext = ".pt"),
#'     buffers = list(w1 = matrix(c(1, 0.5, 0.2, -0.3, 0.8, 0.1), 3), b1 = c(0.1, -0.1),
#'                    w2 = matrix(c(1, -1, 0.5, 0.5), 2), b2 = c(0, 0.2)))
#'   m <- torch_model(f, device = "cpu")
#'   img <- array(runif(8 * 8 * 3), c(8, 8, 3))
#'   res <- sanity_check(m, img, intervention("brightness", seq(0.2, 1, length.out = 20)),
#'                       seed = 1, n_perm = 999, device = "cpu")
#'   res
#'   plot(res)
#' }
sanity_check <- function(model, images, intervention = NULL, layers = NULL, seed = NULL,
                         progress = interactive(), ...) {
  call <- rlang::current_env()
  check_required(c("model", "images"), call)
  check_sanity_model(model, call)
  check_flag(progress, arg = "progress", call = call)
  dots <- list(...)
  if (length(dots) && (is.null(names(dots)) || any(names(dots) == ""))) {
    abort_input("Arguments in {.arg ...} must be named; they go to {.fn explain}.", "propgrad_error_dots",
                call = call)
  }
  taken <- intersect(names(dots), c("models", "seed", "progress", "images", "intervention"))
  if (length(taken)) {
    abort_input(c("{.fn sanity_check} sets {.arg {taken}} itself.",
                  i = "Give the model as {.arg model} and the seed as {.arg seed}."),
                "propgrad_error_dots", call = call)
  }
  check_torch(call)
  tensors <- torch_call(pg_torch_tensors(model$pointer), call)
  groups <- if (is.null(layers)) layer_groups(tensors, call) else check_layers(layers, tensors, call)
  inform_constant(tensors, groups)
  seed <- check_seed(seed, call)
  sweeps <- explain_sweeps(images, intervention, dots[["device"]] %||% "auto", dots[["batch_size"]] %||% 32, call)
  draws <- sanity_draws(seed, length(groups), vapply(sweeps, function(s) length(s$strengths), 1L))
  n_runs <- length(groups) + 2
  if (progress) cli::cli_progress_bar("Sanity checks", total = n_runs, .envir = call)
  run <- function(m, sweeps, first = FALSE) {
    args <- c(list(images = sweeps, models = list(model = m), seed = seed, progress = FALSE), dots)
    # Later runs repeat the first's choice of shuffles; say it once.
    out <- if (first) do.call(explain, args) else withCallingHandlers(
      do.call(explain, args),
      propgrad_message_n_perm = function(cnd) invokeRestart("muffleMessage"))
    if (progress) cli::cli_progress_update(.envir = call)
    out
  }

  original <- run(model, sweeps, first = TRUE)
  # Every condition tests the outputs the first run chose (a binary
  # classifier's positive class), so the rows line up.
  if (is.null(dots[["output"]])) dots[["output"]] <- unique(original$output)
  runs <- list(original)
  copy <- structure(list(pointer = torch_call(pg_torch_copy(model$pointer), call), path = model$path,
                         device = model$device, sha256 = NA_character_),
                    class = "propgrad_torch_model")
  for (k in seq_along(groups)) {
    torch_call(pg_torch_redraw(copy$pointer, groups[[k]], draws$layers[k]), call)
    runs[[k + 1]] <- run(copy, sweeps)
  }
  shuffled <- Map(reorder_images, sweeps, draws$orders)
  runs[[length(runs) + 1]] <- run(model, shuffled)
  if (progress) cli::cli_progress_done(.envir = call)

  conditions <- c("original", paste("randomised:", names(groups)), "shuffled order")
  sanity_table(runs, conditions, list(seed = seed, layers = groups, alpha = attr(original, "settings")$alpha,
                                      property = attr(original, "settings")$property))
}

check_sanity_model <- function(model, call) {
  if (is.function(model)) {
    abort_input(c("{.fn sanity_check} needs a torch model, not an R function.",
                  i = "It randomises the model's layers, and an R function's parameters are out of its reach.",
                  i = "Save the model as TorchScript and load it with {.fn torch_model}."),
                "propgrad_error_sanity_function", call = call)
  }
  if (!inherits(model, "propgrad_torch_model")) {
    abort_input("{.arg model} must be one {.fn torch_model}, not {.obj_type_friendly {model}}.",
                "propgrad_error_type", call = call)
  }
}

#' The floating-point tensors of a torch model
#'
#' Lists what [sanity_check()] can randomise, to choose its `layers`.
#'
#' @param model A [torch_model()].
#' @return A data frame, one row per floating-point tensor (parameters,
#'   then buffers, each in the module's order): `name`, `parameter`
#'   (`FALSE` for a buffer), `numel`, `mean` and `sd` (population sd).
#' @export
#' @examples
#' if (has_torch()) {
#'   m <- torch_model(system.file("extdata", "fur_classifier.pt", package = "propgrad"), "cpu")
#'   torch_model_tensors(m)
#' }
torch_model_tensors <- function(model) {
  call <- rlang::current_env()
  check_required("model", call)
  check_sanity_model(model, call)
  check_torch(call)
  torch_call(pg_torch_tensors(model$pointer), call)
}

# The default layers (section "Layers"), from the output end.
layer_groups <- function(tensors, call) {
  use <- if (any(tensors$parameter)) tensors[tensors$parameter, ] else tensors
  if (!nrow(use)) {
    abort_input(c("The model has no floating-point parameters or buffers to randomise.",
                  i = "A model without weights cannot fail a sanity check, nor pass one."),
                "propgrad_error_layers", call = call)
  }
  key <- layer_key(use$name)
  groups <- lapply(rev(unique(key)), function(k) use$name[key == k])
  stats::setNames(groups, vapply(groups, layer_label, ""))
}

# Module path for dotted names; trailing digits, or else the top level, for
# the top-level module's own tensors. Prefixes keep the kinds apart.
layer_key <- function(names) {
  dotted <- grepl(".", names, fixed = TRUE)
  digits <- ifelse(grepl("[0-9]+$", names), sub("^.*?([0-9]+)$", "\\1", names), "")
  ifelse(dotted, paste0("module:", sub("\\.[^.]*$", "", names)),
         ifelse(nzchar(digits), paste0("digits:", digits), "top"))
}

# A module's path when the names share one, else the names joined.
layer_label <- function(names) {
  path <- unique(sub("\\.[^.]*$", "", names))
  if (all(grepl(".", names, fixed = TRUE)) && length(path) == 1) path else paste(names, collapse = "+")
}

check_layers <- function(layers, tensors, call) {
  ok <- is.list(layers) && length(layers) > 0 &&
    all(vapply(layers, function(l) is.character(l) && length(l) > 0 && !anyNA(l), TRUE))
  if (!ok) {
    abort_input(c("{.arg layers} must be a list of character vectors of tensor names, one per layer from the top.",
                  i = "E.g. {.code list(c(\"w2\", \"b2\"), c(\"w1\", \"b1\"))}; {.fn torch_model_tensors} lists the names."),
                "propgrad_error_layers", call = call)
  }
  all_names <- unlist(layers, use.names = FALSE)
  unknown <- setdiff(all_names, tensors$name)
  if (length(unknown)) {
    abort_input(c("{.arg layers} name{?s} {.val {unknown}}, which {?is/are} not a floating-point tensor of the model.",
                  i = "The model has {.val {utils::head(tensors$name, 20)}}{if (nrow(tensors) > 20) ', ...'}."),
                "propgrad_error_layers", call = call)
  }
  if (anyDuplicated(all_names)) {
    abort_input("{.arg layers} name{?s} {.val {unique(all_names[duplicated(all_names)])}} more than once; each tensor belongs to one layer.",
                "propgrad_error_layers", call = call)
  }
  labels <- names(layers) %||% rep("", length(layers))
  labels[is.na(labels) | labels == ""] <- vapply(layers, layer_label, "")[is.na(labels) | labels == ""]
  stats::setNames(layers, make.unique(labels))
}

inform_constant <- function(tensors, groups) {
  flat <- tensors[tensors$name %in% unlist(groups), ]
  constant <- flat$name[flat$sd == 0]
  if (length(constant)) {
    pg_inform(c(i = "{length(constant)} tensor{?s} without spread stay{?s/} as {?it is/they are} when re-drawn: {.val {constant}}."),
              "propgrad_message_sanity_constant")
  }
}

# The seeds of the layers' draws, and one shuffled order per sweep (of
# `sizes` steps), all from `seed`, leaving the caller's random number
# stream as it was.
sanity_draws <- function(seed, n_layers, sizes) {
  had <- exists(".Random.seed", envir = globalenv(), inherits = FALSE)
  old <- if (had) get(".Random.seed", envir = globalenv(), inherits = FALSE)
  on.exit(if (had) assign(".Random.seed", old, envir = globalenv()) else
    rm(".Random.seed", envir = globalenv()))
  set.seed(seed %% .Machine$integer.max, kind = "Mersenne-Twister", normal.kind = "Inversion",
           sample.kind = "Rejection")
  layers <- as.numeric(sample.int(.Machine$integer.max, n_layers))
  # A shuffled order is a random permutation other than the identity.
  orders <- lapply(sizes, function(n) {
    repeat {
      perm <- sample.int(n)
      if (n < 2 || any(perm != seq_len(n))) return(perm)
    }
  })
  list(layers = layers, orders = orders)
}

# One row per image x output x condition, each set against the original run.
sanity_table <- function(runs, conditions, settings) {
  conditions <- make.unique(conditions)
  first <- runs[[1]]
  key0 <- paste(first$image, first$output, sep = "\r")
  data0 <- attr(first, "data")
  rows <- curves <- vector("list", length(runs))
  for (i in seq_along(runs)) {
    t <- runs[[i]]
    d <- attr(t, "data")
    est0 <- first$estimate[match(paste(t$image, t$output, sep = "\r"), key0)]
    rows[[i]] <- data.frame(
      image = t$image, output = t$output, condition = conditions[i],
      n_randomised = if (i == length(runs)) NA_integer_ else i - 1L,
      estimate = t$estimate, z = t$z, p.value = t$p.value,
      relative_change = (t$estimate - est0) / est0,
      rank_cor = unname(mapply(function(img, out) rank_cor(d[[out]][d$image == img], data0[[out]][data0$image == img]),
                               t$image, t$output)),
      stringsAsFactors = FALSE)
    d$model <- NULL
    curves[[i]] <- cbind(condition = conditions[i], d, stringsAsFactors = FALSE)
  }
  out <- do.call(rbind, rows)
  out$condition <- factor(out$condition, levels = conditions)
  out <- out[order(match(out$image, unique(out$image)), match(out$output, unique(out$output)),
                   as.integer(out$condition)), ]
  rownames(out) <- NULL
  data <- do.call(rbind, curves)
  data$condition <- factor(data$condition, levels = conditions)
  structure(out, settings = settings, data = data, class = c("propgrad_sanity", "data.frame"))
}

# Spearman's correlation; NA when either curve is flat (no ranks to compare).
rank_cor <- function(x, y) {
  if (length(x) < 2 || length(x) != length(y) || stats::sd(x) == 0 || stats::sd(y) == 0) return(NA_real_)
  stats::cor(x, y, method = "spearman")
}
