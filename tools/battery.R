# Counts the package's bad-input battery: every snapshot case in
# tests/testthat/_snaps (the message text is checked) and every
# expect_error()/expect_warning() that names a propgrad class, by outcome.
# Run from the package root: Rscript tools/battery.R. Prints a table and
# exits non-zero if a snapshot shows an error that is not a propgrad class.
snaps <- list.files("tests/testthat/_snaps", pattern = "\\.md$", full.names = TRUE)
tests <- list.files("tests/testthat", pattern = "^test-.*\\.R$", full.names = TRUE)

snapshot_outcomes <- function(file) {
  lines <- readLines(file, warn = FALSE)
  cond <- trimws(grep("^    (Condition|Message|Warning|Error)( <[^>]+>)?$", lines, value = TRUE))
  cls <- sub("^\\S+ <([^>]+)>.*$", "\\1", cond)
  cls[!grepl("<", cond)] <- NA
  if (!length(cond)) return(NULL)
  data.frame(
    file = basename(file),
    outcome = ifelse(is.na(cls), "condition, class not shown",
              ifelse(grepl("^propgrad_error", cls), "classed error",
              ifelse(grepl("^propgrad_warning", cls), "classed warning",
              ifelse(grepl("^propgrad_message", cls), "classed message", "NOT a propgrad class")))),
    class = cls
  )
}

expectation_outcomes <- function(file) {
  text <- paste(readLines(file, warn = FALSE), collapse = "\n")
  err <- gregexpr("expect_error\\([^;]*?class = \"propgrad_error[a-z_]*\"", text, perl = TRUE)[[1]]
  warn <- gregexpr("expect_warning\\([^;]*?class = \"propgrad_warning[a-z_]*\"", text, perl = TRUE)[[1]]
  n <- function(m) sum(m > 0)
  data.frame(file = basename(file), outcome = c("expect_error(class = propgrad_error_*)",
                                                  "expect_warning(class = propgrad_warning_*)"),
             class = NA, count = c(n(err), n(warn)))
}

snap <- do.call(rbind, lapply(snaps, snapshot_outcomes))
snap$count <- 1
expect <- do.call(rbind, lapply(tests, expectation_outcomes))
all <- rbind(snap[c("file", "outcome", "count")], expect[c("file", "outcome", "count")])
by_outcome <- aggregate(count ~ outcome, all, sum)
cat("Bad-input battery (snapshot cases check the message text too)\n")
print(by_outcome, row.names = FALSE)
cat(sprintf("Total: %d cases\n", sum(by_outcome$count)))
bad <- snap[snap$outcome == "NOT a propgrad class", ]
if (nrow(bad)) {
  cat("Snapshot conditions that are not propgrad classes:\n")
  print(bad, row.names = FALSE)
  quit(status = 1)
}
