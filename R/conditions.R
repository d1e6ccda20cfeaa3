# Every error, warning and message propgrad signals gets its class here, and
# only here: the registry below lists each class with what it means, and
# the signalling helpers refuse a class that is not in it. Errors carry
# "propgrad_error" (and "propgrad_error_input" when the caller's input is at
# fault), warnings "propgrad_warning", messages "propgrad_message", so
# callers can catch a whole family. Messages are snapshot-tested in
# tests/testthat/test-conditions.R.

condition_classes <- c(
  # errors: input
  propgrad_error_input = "the caller's input is at fault (parent of most errors)",
  propgrad_error_type = "an argument or column of the wrong type",
  propgrad_error_number = "a number out of range, or not whole where it must be",
  propgrad_error_length = "too few steps, rows or values, or lengths that do not match",
  propgrad_error_choice = "a value that is not one of the allowed choices",
  propgrad_error_column = "an unknown or misused column",
  propgrad_error_nonfinite = "NA, NaN or Inf where numbers are needed",
  propgrad_error_ties = "repeated property values",
  propgrad_error_formula = "a formula propgrad cannot read",
  propgrad_error_dots = "an unknown or unnamed argument in ...",
  propgrad_error_smooth = "a smoothing window that does not fit",
  propgrad_error_period = "property values that do not fit the period",
  propgrad_error_incompatible = "settings that cannot be combined",
  propgrad_error_memory = "a request that would need too much memory",
  propgrad_error_model = "an unknown model, or a model function that failed",
  propgrad_error_missing = "a required argument or object is missing",
  propgrad_error_names = "duplicated or missing names",
  propgrad_error_keep_null = "a plot needs null distributions the tests did not keep",
  propgrad_error_file = "a file or folder that does not exist or cannot be read or written",
  propgrad_error_exists = "a file that exists, written to without overwrite = TRUE",
  propgrad_error_write = "a write that failed or left an incomplete file (full disk, read-only folder)",
  propgrad_error_image_size = "images of sizes that do not fit",
  propgrad_error_channels = "images with channels that do not fit",
  propgrad_error_mask = "a mask function of an intervention that failed",
  propgrad_error_device = "an unknown device name",
  propgrad_error_dependency = "a suggested package that is not installed",
  propgrad_error_direction = "an alternative the statistic cannot support",
  propgrad_error_sanity_function = "an R function where sanity_check() needs a torch model's layers",
  propgrad_error_layers = "layers that name no tensor of the model, name one twice, or that the model lacks",
  # errors: environment and engine
  propgrad_error_series = "series of a study that cannot be tested, named by their by-values",
  propgrad_error_engine = "the shuffle engine refused a series",
  propgrad_error_worker = "chunks failed on future workers (finished chunks attached as partial)",
  propgrad_error_checkpoint = "a checkpoint folder that belongs to another study or is not propgrad's",
  propgrad_error_combine = "test results that cannot be combined into one study",
  propgrad_error_pandoc = "rendering needs pandoc, which is missing",
  propgrad_error_report = "rmarkdown or pandoc failed to render the report",
  propgrad_error_editor = "an external image editor failed",
  propgrad_error_torch = "a LibTorch error (parent of the torch classes)",
  propgrad_error_torch_unavailable = "propgrad was built without LibTorch",
  propgrad_error_torch_device = "a device LibTorch cannot use",
  propgrad_error_torch_editor = "a TorchScript editor failed",
  propgrad_error_torch_interrupt = "a torch computation was interrupted",
  propgrad_error_torch_intervention = "an intervention LibTorch could not apply",
  propgrad_error_torch_model_file = "a model file that is missing or not TorchScript",
  propgrad_error_torch_model_version = "a TorchScript file saved by a newer PyTorch than the linked LibTorch reads",
  propgrad_error_torch_conflict = "the R torch package's own LibTorch is loaded in this R session",
  propgrad_error_torch_model_input = "images the model cannot take",
  propgrad_error_torch_model_output = "model output of the wrong shape",
  propgrad_error_torch_script = "TorchScript code that does not compile",
  propgrad_error_torch_stale = "a model or editor pointer that no longer exists",
  propgrad_error_tensor_dead = "images held by LibTorch whose memory is gone (a saved and reloaded handle, or one from another process)",
  propgrad_error_torch_torch = "any other LibTorch error",
  # warnings
  propgrad_warning_resolution = "the design cannot reach alpha after the multiple-testing adjustment",
  propgrad_warning_degenerate = "null distributions without spread, or statistics that cannot vary",
  propgrad_warning_zero_p = "p-values of 0 (b/K with p_method = \"zollstock\")",
  propgrad_warning_direction = "a one-sided test pointing away from where the effects are",
  propgrad_warning_nonfinite = "non-finite statistics or estimates: no p-value, left out of summaries",
  propgrad_warning_skipped = "series that cannot be tested were skipped (na_action = \"skip\")",
  propgrad_warning_undecided = "the adaptive mode left series undecided",
  propgrad_warning_small_n = "too few inputs for an interval or test to be reliable",
  propgrad_warning_repeated = "repeated measures treated as independent rows",
  propgrad_warning_editor = "an external editor failed for some strengths",
  propgrad_warning_seeds = "strengths some editor seeds lack were left out of the mean curves",
  propgrad_warning_report = "the HTML report was skipped",
  propgrad_warning_deprecated = "a renamed argument or column was used by its old name",
  # messages
  propgrad_message_sorted = "steps were sorted by their property values",
  propgrad_message_ties = "repeated property values were averaged",
  propgrad_message_n_perm = "the number of shuffles chosen by n_perm = \"auto\"",
  propgrad_message_written = "files were written",
  propgrad_message_resize = "images of one sweep were resized to one size",
  propgrad_message_binary = "only the positive class of a binary classifier was tested",
  propgrad_message_sanity_constant = "tensors without spread that sanity_check() leaves as they are",
  propgrad_message_channels = "grey or RGBA images were converted to RGB for a model",
  propgrad_message_preprocess = "images went to a model unresized and unnormalised; the usual preprocessing is shown"
)

check_condition_class <- function(class) {
  if (!all(class %in% names(condition_classes))) {
    cli::cli_abort("Internal error: condition class {.val {setdiff(class, names(condition_classes))}} is not in R/conditions.R.")
  }
}

# An error of `class`; `input = TRUE` marks it as the caller's input at fault.
# Named arguments in ... become fields of the condition.
pg_abort <- function(message, class, call = rlang::caller_env(), input = FALSE, parent = NULL,
                     ..., .envir = parent.frame()) {
  check_condition_class(class)
  family <- if (grepl("^propgrad_error_torch_", class[1]) && class[1] != "propgrad_error_torch") "propgrad_error_torch"
  cli::cli_abort(message,
                 class = unique(c(class, family, if (input) "propgrad_error_input", "propgrad_error")),
                 call = call, parent = parent, ..., .envir = .envir)
}

# The caller's input is at fault: every argument check ends here.
abort_input <- function(message, subclass = NULL, call = rlang::caller_env(),
                        .envir = parent.frame()) {
  pg_abort(message, unique(c(subclass, "propgrad_error_input")), call = call, input = TRUE,
           .envir = .envir)
}

pg_warn <- function(message, class, .envir = parent.frame()) {
  check_condition_class(class)
  cli::cli_warn(message, class = c(class, "propgrad_warning"), .envir = .envir)
}

pg_inform <- function(message, class, .envir = parent.frame()) {
  check_condition_class(class)
  cli::cli_inform(message, class = c(class, "propgrad_message"), .envir = .envir)
}
