## Part 1: coverage of 95% intervals for a mean
source("common.R")
t0 <- Sys.time()
set.seed(20240601)
mu_s1 <- mean(gen_s1(200000))
cat("S1 true mean (200000 inputs):", mu_s1, "\n")
## shape of S1 population
big <- gen_s1(200000); cat("S1 population sd", sd(big), "skewness", mean((big-mean(big))^3)/sd(big)^3, "\n")
cells <- list()
for (n in c(5, 8, 10, 20)) cells[[length(cells)+1]] <- list(sc = "S1", par = NA, n = n,
   gen = local({n <- n; function() gen_s1(n)}), mu = mu_s1, nsim = if (n == 8) 20000 else 10000)
for (sg in c(0.5, 1, 1.5)) for (n in c(8, 20, 50)) cells[[length(cells)+1]] <- list(sc = "S2", par = sg, n = n,
   gen = local({n <- n; sg <- sg; function() exp(rnorm(n, 0, sg))}), mu = exp(sg^2/2), nsim = if (n == 20) 20000 else 10000)
for (n in c(5, 8, 20)) cells[[length(cells)+1]] <- list(sc = "S3", par = NA, n = n,
   gen = local({n <- n; function() rnorm(n)}), mu = 0, nsim = 10000)
out <- NULL
for (i in seq_along(cells)) {
  cl <- cells[[i]]
  r <- run_cell1(cl$gen, cl$mu, cl$nsim, seed = 1000 + i)
  out <- rbind(out, cbind(scen = cl$sc, sigma = cl$par, n = cl$n, r))
  cat(cl$sc, cl$par, cl$n, "done", format(Sys.time() - t0), "\n")
}
saveRDS(out, "part1_results.rds")
write.csv(out, "part1_results.csv", row.names = FALSE)
options(width = 200)
print(out, digits = 3)
cat("total time", format(Sys.time() - t0), "\n")
