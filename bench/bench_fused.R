# explain()'s fused path (R/fused.R), run by hand: 100 brightness steps of a
# 128 x 128 RGB image and a small TorchScript CNN on the CPU, timed as
# (a) intervene() alone (its images stay a LibTorch tensor, R/tensors.R),
# (b) intervene() then predict() (the separate path, on the tensor), (b')
# the same with the images made an R array first (as.array(), the round
# trip every sweep took before tensors), (b0) (b)'s two C++ calls through
# .Call without R's checks, (c) the fused path's intervention
# + model part (fused_predict(): one C++ loop), and whole explain() calls
# both ways; also intervene() at the old default batch_size 64 (now 32
# everywhere). Min and median of `reps` runs after one warm-up each. The
# same LibTorch calls from C++ alone: tools/torch-check.sh "" 128 100.
#   Rscript bench/bench_fused.R [reps]
# On a shared machine, options(propgrad.nthreads = 1) (PROPGRAD_BENCH_THREADS=1)
# steadies the numbers.
library(propgrad)
if (!has_torch()) stop("propgrad was built without LibTorch")
args <- commandArgs(trailingOnly = TRUE)
reps <- if (length(args)) as.integer(args[1]) else 15
threads <- Sys.getenv("PROPGRAD_BENCH_THREADS")
if (nzchar(threads)) options(propgrad.nthreads = as.integer(threads))
# Runs round-robin, so that load from elsewhere falls on every case alike;
# system.time() collects garbage before each run.
time_ms <- function(cases) {
  for (f in cases) f()
  t <- replicate(reps, vapply(cases, function(f) system.time(f())[["elapsed"]], 0)) * 1000
  cbind(min = apply(t, 1, min), median = apply(t, 1, stats::median))
}
set.seed(1)
img <- array(runif(128 * 128 * 3), c(128, 128, 3))
iv <- intervention("brightness", seq(0.2, 1.8, length.out = 100))
f <- torch_script_model(paste(
  "def forward(self, x):",
  "    y = torch.conv2d(x, self.w1, None, [2, 2], [1, 1]).relu()",
  "    y = torch.conv2d(y, self.w2, None, [2, 2], [1, 1]).relu()",
  "    return y.mean(dim=[2, 3]).matmul(self.w3)", sep = "\n"), tempfile(fileext = ".pt"),
  buffers = list(w1 = array(rnorm(8 * 3 * 9, sd = 0.3), c(8, 3, 3, 3)),
                 w2 = array(rnorm(16 * 8 * 9, sd = 0.3), c(16, 8, 3, 3)),
                 w3 = matrix(rnorm(16 * 10), 16, 10)))
m <- torch_model(f, device = "cpu")
pre <- torch_preprocess()
env <- globalenv()
sweep <- propgrad:::explain_sweeps(list(img), iv, "cpu", 32, env, list(cnn = m))[[1]]
stopifnot(inherits(sweep, "propgrad_fused_sweep"))
notes <- propgrad:::predict_notes(FALSE)
# .notes as explain() passes it: no per-call provenance (hashing 100 images).
separate <- function() {
  predict(m, intervene(img, iv, device = "cpu"), type = "logits", preprocess = pre, .notes = notes)
}
# The images as an R array, as intervene() returned them before tensors.
as_array <- function(x) {
  x[["images"]] <- as.array(x)
  x
}
round_trip <- function() {
  predict(m, as_array(intervene(img, iv, device = "cpu")), type = "logits", preprocess = pre, .notes = notes)
}
# (b) without R: the two C++ calls it makes, through .Call directly (what
# is left of (b) when R's checks are taken away).
img1 <- array(img, c(1, dim(img)))
glue <- function() {
  sweep <- propgrad:::pg_torch_intervene(img1, "brightness", iv$strengths, numeric(0), NULL, NULL,
                                         "zeros", "hsv", "cpu", 32L)
  propgrad:::pg_torch_predict_tensor(m$pointer, sweep, pre, 32L, "logits", integer(0))
}
fused <- function() propgrad:::fused_predict(sweep, list(cnn = m), "logits", pre, 32, NULL, env, notes)$cnn
stopifnot(inherits(unclass(intervene(img, iv, device = "cpu"))$images, "propgrad_tensor"))
# Values only: predict() adds provenance.
stopifnot(identical(c(separate()), c(fused())), identical(c(separate()), c(round_trip())),
          identical(c(separate()), c(glue())))
run_explain <- function(fuse) function() {
  withr::with_options(list(propgrad.fused = fuse),
    explain(img, iv, list(cnn = m), type = "logits", output = 1, n_perm = 99, seed = 1,
            device = "cpu", preprocess = pre))
}
# Three round-robin groups. The first holds the calls tools/torch-check.sh
# times from C++ (for the R / C++ ratio). The others allocate differently
# (R arrays of the sweep, batches of 64), and run beside (b) they leave
# glibc's allocator handing (b) fresh pages (some 9400 page faults a run, see
# bench/README.md), so they run in a group of their own; the last group
# shows that effect.
rows <- rbind(
  time_ms(list(
    "(a) intervene()" = function() intervene(img, iv, device = "cpu"),
    "(b) intervene() + predict()" = separate,
    "(b0) (b)'s two C++ calls through .Call alone" = glue,
    "(c) fused intervention + model" = fused)),
  time_ms(list(
    "(a) intervene(), batch_size 64" = function() intervene(img, iv, device = "cpu", batch_size = 64),
    "(b') intervene() + as.array() + predict()" = round_trip,
    "explain(), separate path" = run_explain(FALSE),
    "explain(), fused path" = run_explain(TRUE))),
  time_ms(list(
    "(b) beside (b') in one round-robin" = separate,
    "(b') beside (b)" = round_trip)))
cat(sprintf("LibTorch %s, %d LibTorch threads, %d runs; 100 steps of 128 x 128 x 3, batch 32\n",
            torch_info()$version, propgrad:::default_threads(env), reps))
for (nm in rownames(rows)) cat(sprintf("%-46s min %7.1f ms  median %7.1f ms\n", nm, rows[nm, 1], rows[nm, 2]))
