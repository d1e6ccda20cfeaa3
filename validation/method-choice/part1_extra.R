## Part 1 extra cells to locate the small-n warning threshold
source("common.R")
set.seed(20240601); mu_s1 <- mean(gen_s1(200000))   # same seed as part1.R -> same true mean
cells <- list(list("S1", NA, 6), list("S1", NA, 12), list("S2", 0.5, 5), list("S2", 0.5, 10),
              list("S2", 1, 5), list("S2", 1, 10), list("S2", 1, 30), list("S3", NA, 6))
out <- NULL
for (i in seq_along(cells)) {
  sc <- cells[[i]][[1]]; sg <- cells[[i]][[2]]; n <- cells[[i]][[3]]
  gen <- switch(sc, S1 = function() gen_s1(n), S2 = function() exp(rnorm(n, 0, sg)), S3 = function() rnorm(n))
  mu <- switch(sc, S1 = mu_s1, S2 = exp(sg^2 / 2), S3 = 0)
  out <- rbind(out, cbind(scen = sc, sigma = sg, n = n, run_cell1(gen, mu, 10000, seed = 3000 + i)))
}
saveRDS(out, "part1_extra_results.rds"); write.csv(out, "part1_extra_results.csv", row.names = FALSE)
options(width = 200); print(out, digits = 3)
