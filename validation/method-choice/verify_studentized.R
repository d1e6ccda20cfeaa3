## Brute-force check: sign-flip test on mean vs sign-flip test on t = mean/(sd/sqrt n).
## Flipped datasets are built explicitly and sd() is called on each one (no algebraic shortcut).
set.seed(77)
all_signs <- function(n) as.matrix(expand.grid(rep(list(c(1, -1)), n)))
res <- NULL
for (n in c(5, 8, 10, 12)) for (sc in c("lnorm", "exp", "norm")) {
  S <- all_signs(n); nd <- 0; maxdiff <- 0; ndat <- 100
  for (r in 1:ndat) {
    d <- switch(sc, lnorm = exp(rnorm(n)) - exp(0.5), exp = rexp(n) - 1, norm = rnorm(n))
    Y <- sweep(S, 2, d, `*`)                   # each row a flipped dataset
    mf <- rowMeans(Y); sf <- apply(Y, 1, sd); tf <- mf / (sf / sqrt(n))
    t0 <- mean(d) / (sd(d) / sqrt(n))
    p1 <- mean(abs(mf) >= abs(mean(d)) * (1 - 1e-10))
    p2 <- mean(abs(tf) >= abs(t0) * (1 - 1e-10))
    ## rank agreement of |mean| and |t| over all patterns (monotone relation)
    cor_sp <- cor(abs(mf), abs(tf), method = "spearman")
    nd <- nd + (p1 != p2); maxdiff <- max(maxdiff, abs(p1 - p2), 1 - cor_sp)
  }
  res <- rbind(res, data.frame(n = n, data = sc, datasets = ndat, n_pvalues_differ = nd, max_abs_diff_or_1minusSpearman = maxdiff))
}
## random-flip version at n = 20, same flips for both statistics
for (r in 1:50) {
  n <- 20; d <- rexp(n) - 1; S <- matrix(sample(c(-1, 1), 20000 * n, TRUE), 20000)
  Y <- sweep(S, 2, d, `*`); mf <- rowMeans(Y); sf <- apply(Y, 1, sd); tf <- mf / (sf / sqrt(n))
  t0 <- mean(d) / (sd(d) / sqrt(n))
  p1 <- (sum(abs(mf) >= abs(mean(d)) * (1 - 1e-10)) + 1) / 20001
  p2 <- (sum(abs(tf) >= abs(t0) * (1 - 1e-10)) + 1) / 20001
  if (p1 != p2) cat("random-flip differ", p1, p2, "\n")
}
print(res)
cat("random flips n=20: 50 datasets checked\n")
