# Models and a runner shared by the sanity_check() tests (test-sanity.R and
# test-sanity_methods.R).

# Two layers: w1, b1 (3 channel means -> 2 tanh units), w2, b2 (-> 2 outputs).
# With these weights output2 rises with brightness.
two_layer_code <- paste(
  "def forward(self, x):",
  "    h = torch.tanh(x.mean(dim=[2, 3]).matmul(self.w1) + self.b1)",
  "    return h.matmul(self.w2) + self.b2", sep = "\n")
two_layer_buffers <- list(w1 = matrix(c(1, 0.5, 0.2, -0.3, 0.8, 0.1), 3), b1 = c(0.1, -0.1),
                          w2 = matrix(c(1, -1, 0.5, 0.5), 2), b2 = c(0, 0.2))

two_layer_model <- function(buffers = two_layer_buffers) {
  torch_model(script_model(two_layer_code, buffers), device = "cpu")
}

run_sanity <- function(model, seed = 1, ...) {
  sanity_check(model, test_image(), intervention("brightness", seq(0.3, 1.2, length.out = 25)),
               seed = seed, type = "raw", output = "output2", n_perm = 999, device = "cpu", ...)
}
