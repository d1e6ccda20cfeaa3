## smallest attainable two-sided p at n = 5 for each test (data far from 0, distinct values)
source("part2.R")
set.seed(11)
d <- c(10, 10.3, 10.7, 11.2, 12)            # t0 ~ 30
ps <- replicate(200, other_tests(d))
print(signif(t(apply(ps, 1, function(z) c(min = min(z), median = median(z)))), 3))
cat("sign-flip exact:", signflip_tests(matrix(d))[1], " = 2^(1-5) =", 2^(1 - 5), "\n")
cat("bootstrap +1 floor 1/(B+1) =", 1 / 2001, "; expected # degenerate resamples (all one value) =", 2000 * 5 / 5^5, "\n")
