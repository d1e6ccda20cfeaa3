source("common.R"); library(boot)
set.seed(3)
for (n in c(8, 20)) for (r in 1:3) {
  x <- exp(rnorm(n))
  set.seed(100 + r); b <- boot(x, function(d, i) { m <- mean(d[i]); c(m, var(d[i]) / length(i)) }, R = 20000)
  ci <- boot.ci(b, type = c("perc", "bca", "stud"))
  set.seed(100 + r); mine <- ci_all(x, B = 20000)
  cat(sprintf("n=%d boot: perc %.3f %.3f bca %.3f %.3f stud %.3f %.3f\n", n, ci$percent[4], ci$percent[5], ci$bca[4], ci$bca[5], ci$student[4], ci$student[5]))
  cat(sprintf("      mine: perc %.3f %.3f bca %.3f %.3f stud %.3f %.3f\n", mine["perc.lo"], mine["perc.hi"], mine["bca.lo"], mine["bca.hi"], mine["bt_eq.lo"], mine["bt_eq.hi"]))
}
x <- gen_s1(10); print(x)
print(system.time(for (i in 1:200) ci_all(exp(rnorm(8)))))
print(system.time(for (i in 1:200) ci_all(exp(rnorm(50)))))
print(system.time(tm <- mean(gen_s1(200000)))); print(tm)
