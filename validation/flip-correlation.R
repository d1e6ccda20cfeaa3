# flip_correlation() with repeated measures (12 images x 10 epochs): the
# within-image permutation test keeps its level when images differ in both
# EPGM and flips, where a test that treats rows as independent rejects
# almost always; and its power when flips follow the EPGM within images.
# Run from the package root: Rscript validation/flip-correlation.R [n_sim]
source(file.path("validation", "common.R"))
args <- commandArgs(TRUE)
n_sim <- if (length(args)) as.integer(args[1]) else 2000
set.seed(20261128)

simulate <- function(within) {
  d <- expand.grid(epoch = 1:10, image = paste0("img", 1:12))
  level <- rep(stats::rnorm(12, sd = 2), each = 10)
  d$epgm <- level + stats::rnorm(120)
  d$flips <- stats::rpois(120, exp(1 + 0.5 * level + within * (d$epgm - level)))
  d
}
cell <- function(within, block) {
  p <- vapply(seq_len(n_sim), function(i) {
    d <- simulate(within)
    flip_correlation(d, "epgm", block = block, n_perm = 999, seed = i)$p.value
  }, 0)
  data.frame(association_within_images = within, test = if (is.null(block)) "rows as independent" else
               "permutation within image", n_sim = n_sim, rate = mean(p <= 0.05))
}
run <- timed(rbind(cell(0, "image"), cell(0, NULL), cell(0.3, "image")))
tab <- run
tab$what <- c("size", "size", "power")
tab$nominal <- c(0.05, 0.05, NA)
b <- band(0.05, n_sim)
tab$band_low <- c(b[1], b[1], NA)
tab$band_high <- c(b[2], b[2], NA)
tab$inside <- c(tab$rate[1] >= b[1] & tab$rate[1] <= b[2], NA, NA)
save_table(tab, "flip_correlation", attr(run, "seconds"), "Rscript validation/flip-correlation.R")
