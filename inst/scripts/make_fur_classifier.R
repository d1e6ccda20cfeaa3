# Makes the small classifier and example images of the "Models and
# interventions" vignette (inst/extdata): synthetic 64 x 64 photos of an
# animal whose fur is light or dark, on grass or sky. The label is the fur's
# brightness, but in training light fur is shown on grass 80% of the time, so
# the model may also lean on the background: the kind of shortcut a local,
# masked intervention can expose. The network is a TorchScript module written
# by propgrad itself: 8 fixed random 5 x 5 convolution filters, ReLU, 2 x 2
# average pooling and a linear head. LibTorch computes the features; the head
# is an L2-penalised logistic regression fitted in R. Runs in a few seconds,
# without downloads:
#   Rscript inst/scripts/make_fur_classifier.R inst/extdata
library(propgrad)
stopifnot(has_torch())
out_dir <- commandArgs(TRUE)[1]
if (is.na(out_dir)) out_dir <- "inst/extdata"

size <- 64
preprocess <- torch_preprocess(size = 32, mean = rep(0.5, 3), sd = rep(0.25, 3))

# One synthetic photo; `fur` scales the fur colour (1: mid brown), `grass`
# picks the background. Returns the image and the soft fur mask.
make_photo <- function(fur, grass, seed) {
  set.seed(seed)
  yy <- row(matrix(0, size, size))
  xx <- col(matrix(0, size, size))
  cy <- size / 2 + stats::rnorm(1, 0, 3)
  cx <- size / 2 + stats::rnorm(1, 0, 3)
  r <- sqrt(((yy - cy) / stats::runif(1, 17, 22))^2 + ((xx - cx) / stats::runif(1, 12, 16))^2)
  mask <- pmin(pmax((1.1 - r) / 0.2, 0), 1)  # soft edge one or two pixels wide
  background <- if (grass) c(0.33, 0.58, 0.24) else c(0.50, 0.62, 0.80)
  fur_colour <- fur * c(0.72, 0.52, 0.34)
  img <- array(0, c(size, size, 3))
  for (k in 1:3) {
    bg <- background[k] * (0.85 + 0.3 * yy / size) + stats::rnorm(size^2, 0, 0.03)
    coat <- fur_colour[k] * (1 + stats::rnorm(size^2, 0, 0.08))
    img[, , k] <- mask * coat + (1 - mask) * bg
  }
  list(image = pmin(pmax(img, 0), 1), mask = mask)
}

n <- 400
set.seed(2026)
light <- rep(c(TRUE, FALSE), n / 2)
fur <- ifelse(light, stats::runif(n, 0.95, 1.35), stats::runif(n, 0.35, 0.8))
grass <- ifelse(stats::runif(n) < 0.8, light, !light)
photos <- lapply(seq_len(n), function(i) make_photo(fur[i], grass[i], seed = i))
train <- aperm(simplify2array(lapply(photos, `[[`, "image")), c(4, 1, 2, 3))

feature_code <- paste(
  "def features(self, x):",
  "    h = torch.relu(torch.conv2d(x, self.w1, self.b1, [2, 2]))",
  "    return torch.adaptive_avg_pool2d(h, [2, 2]).flatten(1)",
  "def forward(self, x):",
  "    return self.features(x)", sep = "\n")
set.seed(1)
filters <- list(w1 = array(stats::rnorm(8 * 3 * 5 * 5, 0, 0.2), c(8, 3, 5, 5)),
                b1 = stats::rnorm(8, 0, 0.1))
feature_file <- tempfile(fileext = ".pt")
torch_script_model(feature_code, feature_file, buffers = filters)
x <- predict(torch_model(feature_file, "cpu"), train, type = "raw", preprocess = preprocess)
centre <- colMeans(x)
scale <- apply(x, 2, stats::sd)
z <- scale(x, centre, scale)

# L2-penalised logistic regression on the standardised features.
loss <- function(beta) {
  eta <- beta[1] + z %*% beta[-1]
  sum(log1p(exp(-abs(eta))) + pmax(eta, 0) - light * eta) + 0.5 * sum(beta[-1]^2)
}
fit <- stats::optim(rep(0, ncol(z) + 1), loss, method = "BFGS", control = list(maxit = 500))
w <- fit$par[-1] / scale
b <- fit$par[1] - sum(fit$par[-1] * centre / scale)

# The classifier: logits (dark, light) = (0, head(features)).
model_code <- paste(
  feature_code,
  "def logits(self, x):",
  "    z = self.features(x).matmul(self.w2) + self.b2",
  "    return torch.cat([torch.zeros_like(z), z], 1)", sep = "\n")
model_code <- sub("def forward(self, x):\n    return self.features(x)",
                  "def forward(self, x):\n    return self.logits(x)", model_code, fixed = TRUE)
model_file <- file.path(out_dir, "fur_classifier.pt")
torch_script_model(model_code, model_file, buffers = c(filters, list(w2 = matrix(w, ncol = 1), b2 = b)))

# Held-out accuracy, and how often the background alone decides.
test_fur <- c(stats::runif(100, 0.95, 1.35), stats::runif(100, 0.35, 0.8))
test_grass <- rep(c(TRUE, FALSE), 100)
test <- aperm(simplify2array(lapply(1:200, function(i)
  make_photo(test_fur[i], test_grass[i], seed = 10000 + i)$image)), c(4, 1, 2, 3))
p <- predict(torch_model(model_file, "cpu"), test, preprocess = preprocess)[, 2]
cat(sprintf("held-out accuracy %.3f; light fur on grass %.2f, on sky %.2f; dark fur on grass %.2f, on sky %.2f\n",
            mean((p > 0.5) == (1:200 <= 100)),
            mean(p[1:100][test_grass[1:100]]), mean(p[1:100][!test_grass[1:100]]),
            mean(p[101:200][test_grass[101:200]]), mean(p[101:200][!test_grass[101:200]])))

# Two example photos and the fur mask of the first.
example <- make_photo(0.7, grass = TRUE, seed = 77)
png::writePNG(example$image, file.path(out_dir, "fur_grass.png"))
png::writePNG(example$mask, file.path(out_dir, "fur_grass_mask.png"))
png::writePNG(make_photo(0.7, grass = FALSE, seed = 78)$image, file.path(out_dir, "fur_sky.png"))
