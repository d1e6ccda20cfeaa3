# Regenerates every table of the "Validity" vignette (inst/validation/*.csv)
# from the installed propgrad. Takes about an hour on 2 cores.
# Run from the package root: Rscript validation/run-all.R
scripts <- c("null-rates.R", "fwer.R", "intervals.R", "compare-models.R", "adaptive.R",
             "flip-correlation.R", "shared-permutations.R")
for (s in scripts) {
  cat("==", s, "\n")
  status <- system2("Rscript", file.path("validation", s))
  if (status != 0) stop(s, " failed")
}
