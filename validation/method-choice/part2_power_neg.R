## Part 2: power under a shift in the other direction (d - 0.5 sd), to separate skew-direction effects
source("part2.R")
out <- NULL; i <- 0
for (sc in c("N1", "N2", "N3", "N4")) for (n in c(5, 8, 10, 15, 20, 30)) {
  i <- i + 1
  P1 <- run_cell2(sc, n, 3000, -0.5 * SD[[sc]], 12000 + i)
  out <- rbind(out, data.frame(scen = sc, n = n, what = "power_neg", t(colMeans(P1 <= 0.05)), nsim = nrow(P1)))
}
saveRDS(out, "part2_power_neg_results.rds"); write.csv(out, "part2_power_neg_results.csv", row.names = FALSE)
options(width = 220); print(out, digits = 3)
