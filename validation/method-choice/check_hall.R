## check direction of Hall / Johnson corrections: exponential data, true mean 1, n=10
set.seed(1); n <- 10; K <- 100000
X <- matrix(rexp(n*K), n)
m <- colMeans(X); s <- sqrt(colSums((X - rep(m, each=n))^2)/(n-1))
mu3 <- colSums((X - rep(m, each=n))^3)/n
t <- sqrt(n)*(m-1)/s
W <- (m-1)/s; g <- mu3/s^3
hall <- sqrt(n)*(W + g*W^2/3 + g^2*W^3/27 + g/(6*n))
john <- (m - 1 + mu3/(6*s^2*n))/(s/sqrt(n))
q <- qt(0.975, n-1)
f <- function(z) c(lower=mean(z < -q), upper=mean(z > q), two=mean(abs(z)>q))
print(rbind(t=f(t), hall=f(hall), johnson=f(john)))
