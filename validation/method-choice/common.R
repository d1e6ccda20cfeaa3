## Shared functions for the propgrad simulation study.
suppressMessages(library(parallel))
NCORES <- 2L

## ---------- S1: sigmoid EPGM generator ----------
S1_T <- seq(0, 1, length.out = 50)
S1_H <- 1 / 49
## returns n EPGM values (vectorised over inputs)
gen_s1 <- function(n) {
  k  <- runif(n, 4, 16)
  cc <- runif(n, 0.3, 0.7)
  ## n x 50 matrix of outputs
  Y <- plogis(k * outer(-cc, S1_T, "+")) + matrix(rnorm(n * 50, sd = 0.01), n)
  G <- matrix(0, n, 50)
  G[, 2:49] <- (Y[, 3:50] - Y[, 1:48]) / (2 * S1_H)
  G[, 1]  <- (Y[, 2] - Y[, 1]) / S1_H
  G[, 50] <- (Y[, 50] - Y[, 49]) / S1_H
  rowMeans(abs(G))
}

## ---------- Part 1: all intervals for one data vector ----------
## returns named vector of lo/hi for each method
ci_all <- function(x, B = 2000, level = 0.95) {
  n <- length(x); al <- (1 - level) / 2
  m <- mean(x); s <- sd(x); se <- s / sqrt(n)
  X <- matrix(x[sample.int(n, n * B, replace = TRUE)], n)
  ms <- colMeans(X)
  ss <- sqrt(colSums((X - rep(ms, each = n))^2) / (n - 1))
  ## (b) t
  qt_ <- qt(1 - al, n - 1)
  t_lo <- m - qt_ * se; t_hi <- m + qt_ * se
  ## (a) percentile
  pq <- quantile(ms, c(al, 1 - al), type = 6, names = FALSE)
  ## (c) BCa (jackknife acceleration; for the mean a = sum(u^3)/(6 sum(u^2)^1.5))
  z0 <- qnorm(mean(ms < m) + 0.5 * mean(ms == m))
  u  <- x - m
  a  <- sum(u^3) / (6 * sum(u^2)^1.5)
  zz <- qnorm(c(al, 1 - al))
  adj <- pnorm(z0 + (z0 + zz) / (1 - a * (z0 + zz)))
  if (!is.finite(z0)) adj <- c(al, 1 - al)   # degenerate: fall back to percentile
  bq <- quantile(ms, adj, type = 6, names = FALSE)
  ## (d) bootstrap-t with plug-in se of each resample
  ts <- (ms - m) / (ss / sqrt(n))
  ts <- ts[!is.nan(ts)]              # 0/0 (constant resample equal to m): drop
  tq <- quantile(ts, c(al, 1 - al), type = 6, names = FALSE)
  et_lo <- m - tq[2] * se; et_hi <- m - tq[1] * se
  sq <- quantile(abs(ts), level, type = 6, names = FALSE)
  sy_lo <- m - sq * se; sy_hi <- m + sq * se
  c(t.lo = t_lo, t.hi = t_hi, perc.lo = pq[1], perc.hi = pq[2],
    bca.lo = bq[1], bca.hi = bq[2], bt_eq.lo = et_lo, bt_eq.hi = et_hi,
    bt_sym.lo = sy_lo, bt_sym.hi = sy_hi)
}
METHODS1 <- c("t", "perc", "bca", "bt_eq", "bt_sym")

## run one cell: gen() returns a data vector; mu the true mean
run_cell1 <- function(gen, mu, nsim, B = 2000, seed = 1) {
  RNGkind("L'Ecuyer-CMRG"); set.seed(seed)
  chunks <- split(seq_len(nsim), rep(1:NCORES, length.out = nsim))
  res <- mclapply(chunks, function(ix) t(vapply(ix, function(i) ci_all(gen(), B), numeric(10))),
                  mc.cores = NCORES, mc.set.seed = TRUE)
  R <- do.call(rbind, res)
  out <- lapply(METHODS1, function(mm) {
    lo <- R[, paste0(mm, ".lo")]; hi <- R[, paste0(mm, ".hi")]
    c(cover = mean(lo <= mu & mu <= hi), miss_lo = mean(mu < lo), miss_hi = mean(mu > hi),
      medw = median(hi - lo))
  })
  names(out) <- METHODS1
  tw <- out$t["medw"]
  data.frame(method = METHODS1,
             cover = sapply(out, `[`, "cover"),
             mc99 = 2.576 * sqrt(0.95 * 0.05 / nsim),
             miss_below = sapply(out, `[`, "miss_lo"),   # interval entirely above mu
             miss_above = sapply(out, `[`, "miss_hi"),   # interval entirely below mu
             relwidth = sapply(out, `[`, "medw") / tw, nsim = nsim, row.names = NULL)
}
