# LibTorch benchmark, run by hand: 100 interventions of a 224 x 224 image and
# inference of those 100 images with a small convolutional model on the CPU,
# batched versus one at a time; and how much of the time is R glue (image
# checks and conversion) rather than tensor work.
#   Rscript bench/bench_torch.R
library(propgrad)
if (!has_torch()) stop("propgrad was built without LibTorch")
best <- function(expr, reps = 3) {
  e <- substitute(expr)
  env <- parent.frame()
  min(vapply(seq_len(reps), function(i) system.time(eval(e, env))[["elapsed"]], 0))
}
set.seed(1)
img <- array(runif(224 * 224 * 3), c(224, 224, 3))
strengths <- list(brightness = seq(0.2, 1.8, length.out = 100), rotate = seq(0, 356.4, length.out = 100),
                  blur = seq(0, 4, length.out = 100), hue = seq(0, 356.4, length.out = 100))
cat(sprintf("LibTorch %s\n", torch_info()$version))
for (kind in names(strengths)) {
  iv <- intervention(kind, strengths[[kind]])
  intervene(img, iv, device = "cpu")
  t_total <- best(intervene(img, iv, device = "cpu"))
  cat(sprintf("intervene %-10s 100 x 224 x 224: %6.0f ms\n", kind, 1000 * t_total))
}
iv <- intervene(img, intervention("brightness", strengths$brightness), device = "cpu")
t_checks <- best(propgrad:::as_image_batch(iv$images, call = globalenv()))
cat(sprintf("R-side image checks of those 100 images: %6.0f ms\n", 1000 * t_checks))
f <- torch_script_model(paste(
  "def forward(self, x):",
  "    y = torch.conv2d(x, self.w, None, [4, 4]).relu()",
  "    return y.mean(dim=[2, 3])", sep = "\n"), tempfile(fileext = ".pt"),
  buffers = list(w = array(0.01, c(16, 3, 8, 8))))
m <- torch_model(f, device = "cpu")
pre <- torch_preprocess(mean = c(0.485, 0.456, 0.406), sd = c(0.229, 0.224, 0.225))
invisible(predict(m, iv, preprocess = pre))
t_batched <- best(predict(m, iv, preprocess = pre, batch_size = 32))
t_single <- best(predict(m, iv, preprocess = pre, batch_size = 1))
cat(sprintf("predict 100 images, batch 32: %6.0f ms; one at a time: %6.0f ms (%.1fx)\n",
            1000 * t_batched, 1000 * t_single, t_single / t_batched))
t_explain <- best(explain(img, intervention("brightness", strengths$brightness), list(conv = m),
                          preprocess = pre, type = "raw", output = 1, n_perm = 999, seed = 1,
                          device = "cpu"), reps = 2)
cat(sprintf("explain(): 100 interventions + inference + shuffle test: %6.0f ms\n", 1000 * t_explain))
