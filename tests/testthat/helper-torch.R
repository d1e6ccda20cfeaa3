# Helpers for the LibTorch tests: small TorchScript models written by the
# package itself (no downloads), and a fixed test image.

skip_without_torch <- function() {
  skip_if_not(has_torch(), "propgrad was built without LibTorch")
}

script_model <- function(code, buffers = list()) {
  torch_script_model(code, tempfile(fileext = ".pt"), buffers = buffers)
}

# Luma (ITU-R 601): exactly invariant under hue rotation in YIQ.
luma_code <- paste(
  "def forward(self, x):",
  "    w = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)",
  "    return (x * w).sum(1).mean(dim=[1, 2]).unsqueeze(1)", sep = "\n")

test_image <- function(h = 12, w = 10, seed = 1) {
  withr::with_seed(seed, array(stats::runif(h * w * 3, 0.1, 0.9), c(h, w, 3)))
}

# predict()'s numbers without its provenance (which records the time).
bare <- function(x) {
  attr(x, "provenance") <- NULL
  unclass(x)
}
