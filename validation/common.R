# Shared helpers of the validation scripts: binomial 99% bands, a long data
# frame of many null series, and writing a result table (CSV under
# inst/validation/, where the "Validity" vignette reads it) with the date,
# commit and seconds it took.
suppressPackageStartupMessages(library(propgrad))

# The binomial 99% band for a rate `p` estimated from `n` replicates.
band <- function(p, n) {
  cbind(band_low = stats::qbinom(0.005, n, p) / n, band_high = stats::qbinom(0.995, n, p) / n)
}

# Adds the band of the nominal rate and whether the observed rate is inside.
with_band <- function(df, rate = "rate", nominal = "nominal", n = "n_sim") {
  b <- band(df[[nominal]], df[[n]])
  df$band_low <- b[, 1]
  df$band_high <- b[, 2]
  df$inside <- df[[rate]] >= df$band_low & df[[rate]] <= df$band_high
  df
}

# `m` series of `n` steps in one long data frame; `t` evenly or unevenly
# spaced; outputs from `draw(n)` (exchangeable under the null).
null_series <- function(m, n, draw = stats::rnorm, even = TRUE) {
  t <- if (even) seq(0, 1, length.out = n) else cumsum(c(0, 1 + (seq_len(n - 1) %% 3)))
  data.frame(id = rep(seq_len(m), each = n), t = rep(t, m), y = unlist(lapply(seq_len(m), function(i) draw(n))))
}

results_dir <- function() {
  dir <- file.path("inst", "validation")
  if (!dir.exists(dir)) stop("run the validation scripts from the package root")
  dir
}

git_commit <- function() {
  out <- tryCatch(system2("git", c("rev-parse", "--short", "HEAD"), stdout = TRUE, stderr = FALSE),
                  error = function(e) NA_character_)
  if (length(out) == 0) NA_character_ else out[1]
}

# Writes table `df` as inst/validation/<name>.csv and records how it was made.
save_table <- function(df, name, seconds, command) {
  utils::write.csv(df, file.path(results_dir(), paste0(name, ".csv")), row.names = FALSE)
  meta_file <- file.path(results_dir(), "meta.csv")
  meta <- if (file.exists(meta_file)) utils::read.csv(meta_file) else
    data.frame(table = character(), command = character(), date = character(), commit = character(),
               seconds = numeric(), propgrad = character())
  meta <- meta[meta$table != name, , drop = FALSE]
  meta <- rbind(meta, data.frame(table = name, command = command, date = format(Sys.time(), "%Y-%m-%d"),
                                 commit = git_commit(), seconds = round(seconds),
                                 propgrad = as.character(utils::packageVersion("propgrad"))))
  utils::write.csv(meta, meta_file, row.names = FALSE)
  outside <- if ("inside" %in% names(df)) sum(!df$inside, na.rm = TRUE) else NA
  cat(sprintf("%s: %d rows, %s outside their band, %.0f s\n", name, nrow(df),
              format(outside), seconds))
  invisible(df)
}

timed <- function(expr) {
  start <- proc.time()[["elapsed"]]
  value <- expr
  attr(value, "seconds") <- proc.time()[["elapsed"]] - start
  value
}
