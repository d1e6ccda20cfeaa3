## Part 2b: coverage of 95% intervals for the mean difference (true value 0) under N1, N2, N4
source("common.R")
source("part2.R")   # for gen_d (main block not run when sourced)
out <- NULL; i <- 0
for (sc in c("N1", "N2", "N4")) for (n in c(10, 20)) {
  i <- i + 1
  r <- run_cell1(local({sc <- sc; n <- n; function() gen_d(sc, n, 1)[, 1]}), 0, 10000, seed = 7000 + i)
  out <- rbind(out, cbind(scen = sc, n = n, r))
}
saveRDS(out, "part2_ci_results.rds"); write.csv(out, "part2_ci_results.csv", row.names = FALSE)
options(width = 200); print(out, digits = 3)
