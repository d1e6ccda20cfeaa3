# Shared test helpers: R reference implementations the C++ engine is
# checked against.

# All permutations of 1..n, one per row (small n only).
all_permutations <- function(n) {
  if (n == 1) return(matrix(1L, 1, 1))
  sub <- all_permutations(n - 1)
  do.call(rbind, lapply(seq_len(n), function(first) {
    cbind(first, matrix(setdiff(seq_len(n), first)[sub], nrow = nrow(sub)))
  }))
}

# numpy.gradient with unit spacing.
np_gradient <- function(y) {
  n <- length(y)
  c(y[2] - y[1], (y[3:n] - y[1:(n - 2)]) / 2, y[n] - y[n - 1])
}

# Brute-force KSG mutual information (algorithm 1, max norm), with x and y
# scaled to unit (population) variance as in the reference.
ksg_reference <- function(x, y, k = 5) {
  n <- length(x)
  x <- x / sqrt(mean((x - mean(x))^2))
  y <- y / sqrt(mean((y - mean(y))^2))
  dx <- abs(outer(x, x, "-"))
  dy <- abs(outer(y, y, "-"))
  d <- pmax(dx, dy)
  diag(d) <- Inf
  eps <- apply(d, 1, function(r) sort(r)[k])
  diag(dx) <- Inf
  diag(dy) <- Inf
  nx <- rowSums(dx < eps)
  ny <- rowSums(dy < eps)
  max(0, digamma(n) + digamma(k) - mean(digamma(nx + 1) + digamma(ny + 1)))
}

# A long data frame of independent series of exchangeable outputs.
null_study <- function(n_series, n_steps, seed = 1) {
  set.seed(seed)
  data.frame(id = rep(seq_len(n_series), each = n_steps),
             t = rep(seq_len(n_steps), n_series),
             y = stats::rnorm(n_series * n_steps))
}

# A result without its provenance's clock time, so two runs of the same
# explain() compare identical even across a second boundary.
untimed <- function(x) {
  if (!is.null(attr(x, "provenance"))) attr(x, "provenance")$time <- NULL
  x
}
