// Standalone check of propgrad's LibTorch code without R: runs every
// built-in intervention (both hue spaces, and soft masks on an RGBA image)
// and a small TorchScript model on the CPU and, when LibTorch sees a CUDA
// device, on CUDA too, reports the largest difference and timings, and
// exits non-zero when CUDA and CPU disagree by more than 1e-4. Built by
// tools/torch-check.sh against any LibTorch tree.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "torch/torch_api.h"

namespace tx = propgrad::torchx;

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double max_diff(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return INFINITY;
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

// The CPU result becomes the reference; a CUDA result is compared with it.
// Ends the line begun by the caller; returns 1 on a disagreement.
int check_against_cpu(const std::string& device, const std::vector<double>& result,
                      std::vector<double>& reference) {
  if (device == "cpu") {
    reference = result;
    std::printf("\n");
    return 0;
  }
  const double d = max_diff(reference, result);
  std::printf("   max |cuda - cpu| = %.2e%s\n", d, d > 1e-4 ? "  FAIL" : "");
  return d > 1e-4;
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t size = argc > 1 ? std::stoll(argv[1]) : 224;
  const int64_t steps = argc > 2 ? std::stoll(argv[2]) : 100;
  tx::Info info = tx::info();
  std::printf("LibTorch %s, CUDA %s (%lld devices); image %lld x %lld, %lld strengths\n",
              info.version.c_str(), info.cuda_available ? "yes" : "no",
              static_cast<long long>(info.cuda_devices), static_cast<long long>(size),
              static_cast<long long>(size), static_cast<long long>(steps));
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> unif(0.05, 0.95);
  std::vector<double> pixels(static_cast<size_t>(size * size * 4)), other(pixels.size());
  std::vector<double> weights(static_cast<size_t>(size * size));
  for (auto& v : pixels) v = unif(rng);
  for (auto& v : other) v = unif(rng);
  for (auto& v : weights) v = unif(rng);
  // The first three planes are an RGB image; all four an RGBA one.
  tx::ImageView image{pixels.data(), 1, size, size, 3};
  tx::ImageView image_rgba{pixels.data(), 1, size, size, 4};
  tx::ImageView second{other.data(), 1, size, size, 3};
  tx::ImageView mask{weights.data(), 1, size, size, 1};

  struct Case {
    std::string kind;
    double lo, hi;
    std::vector<double> numbers;
    std::string space = "hsv";
    bool masked_rgba = false;  // a soft mask on an RGBA image
  };
  std::vector<Case> cases = {{"brightness", 0.2, 1.8, {}}, {"contrast", 0.2, 1.8, {}},
                             {"saturation", 0, 2, {}},     {"hue", 0, 359, {}},
                             {"gamma", 0.5, 2, {}},        {"blur", 0, 4, {}},
                             {"rotate", 0, 359, {}},       {"translate", -20, 20, {1, 0}},
                             {"zoom", 0.5, 2, {}},         {"colour_shift", -0.3, 0.3, {1, 0, -1}},
                             {"patch", 0, 1, {10, 10}},    {"interpolate", 0, 1, {}},
                             {"hue", 0, 359, {}, "yiq"},
                             {"brightness", 0.2, 1.8, {}, "hsv", true},
                             {"hue", 0, 359, {}, "hsv", true},
                             {"rotate", 0, 359, {}, "hsv", true}};
  std::vector<std::string> devices = {"cpu"};
  if (info.cuda_available) devices.push_back("cuda");
  int failures = 0;
  std::vector<double> last_cpu_images;
  for (const auto& c : cases) {
    tx::Intervention spec;
    spec.kind = c.kind;
    spec.numbers = c.numbers;
    spec.space = c.space;
    if (c.masked_rgba) spec.mask = mask;
    const std::string label = c.kind + (c.kind == "hue" ? " " + c.space : "") +
                              (c.masked_rgba ? " mask rgba" : "");
    for (int64_t k = 0; k < steps; ++k) spec.strengths.push_back(c.lo + (c.hi - c.lo) * k / (steps - 1));
    if (c.kind == "patch" || c.kind == "interpolate") spec.other = second;
    std::vector<double> reference;
    for (const auto& device : devices) {
      tx::ImageBuffer out;
      auto allocate = [&out](int64_t n, int64_t h, int64_t w, int64_t ch) {
        out.data.assign(static_cast<size_t>(n * h * w * ch), 0.0);
        out.n = n;
        return out.data.data();
      };
      const tx::ImageView& input = c.masked_rgba ? image_rgba : image;
      tx::intervene(input, spec, device, 64, allocate, nullptr);  // warm-up
      auto start = std::chrono::steady_clock::now();
      tx::intervene(input, spec, device, 64, allocate, nullptr);
      const double secs = seconds_since(start);
      std::printf("%-24s %-5s %8.1f ms", label.c_str(), device.c_str(), 1000 * secs);
      failures += check_against_cpu(device, out.data, reference);
    }
    if (c.kind == "brightness" && !c.masked_rgba) last_cpu_images = reference;
  }

  // A small convolutional model, compiled from TorchScript source.
  const std::string path = "propgrad_check_model.pt";
  tx::save_script_module(
      "def forward(self, x):\n"
      "    y = torch.conv2d(x, self.w, None, [4, 4]).relu()\n"
      "    return y.mean(dim=[2, 3])\n",
      {{"w", std::vector<double>(16 * 3 * 8 * 8, 0.01), {16, 3, 8, 8}}}, path);
  tx::ImageView batch{last_cpu_images.data(), steps, size, size, 3};
  tx::Preprocess pre;
  // Resize and crop as a torchvision pipeline would (antialiased bilinear).
  pre.resize.size = {size * 8 / 7};
  pre.resize.crop = {size, size};
  pre.mean = {0.485, 0.456, 0.406};
  pre.sd = {0.229, 0.224, 0.225};
  std::vector<double> reference;
  for (const auto& device : devices) {
    tx::Model model(path, device);
    model.predict({batch}, pre, 32, tx::OutputType::Logits, nullptr);  // warm-up
    auto start = std::chrono::steady_clock::now();
    tx::Matrix batched = model.predict({batch}, pre, 32, tx::OutputType::Logits, nullptr);
    const double t_batched = seconds_since(start);
    start = std::chrono::steady_clock::now();
    tx::Matrix single = model.predict({batch}, pre, 1, tx::OutputType::Logits, nullptr);
    const double t_single = seconds_since(start);
    std::printf("model %-5s batched %8.1f ms, one at a time %8.1f ms, batch-size difference %.1e",
                device.c_str(), 1000 * t_batched, 1000 * t_single, max_diff(batched.data, single.data));
    failures += check_against_cpu(device, batched.data, reference);
  }
  std::remove(path.c_str());

  // explain()'s fused path (pipeline.cpp) and R's intervene() then predict()
  // on tensors against the old array round trip, with bench/bench_fused.R's
  // CNN and no preprocessing: equal outputs, and the times without R.
  const std::string cnn = "propgrad_check_cnn.pt";
  tx::save_script_module(
      "def forward(self, x):\n"
      "    y = torch.conv2d(x, self.w1, None, [2, 2], [1, 1]).relu()\n"
      "    y = torch.conv2d(y, self.w2, None, [2, 2], [1, 1]).relu()\n"
      "    return y.mean(dim=[2, 3]).matmul(self.w3)\n",
      {{"w1", std::vector<double>(8 * 3 * 9, 0.1), {8, 3, 3, 3}},
       {"w2", std::vector<double>(16 * 8 * 9, -0.05), {16, 8, 3, 3}},
       {"w3", std::vector<double>(16 * 10, 0.2), {16, 10}}},
      cnn);
  tx::Intervention bright;
  bright.kind = "brightness";
  for (int64_t k = 0; k < steps; ++k) bright.strengths.push_back(0.2 + 1.6 * k / (steps - 1));
  for (const auto& device : devices) {
    tx::Model model(cnn, device);
    tx::ImageBuffer out;
    auto allocate = [&out](int64_t n, int64_t h, int64_t w, int64_t ch) {
      out.data.assign(static_cast<size_t>(n * h * w * ch), 0.0);
      out.n = n;
      return out.data.data();
    };
    auto separate = [&] {
      tx::intervene(image, bright, device, 32, allocate, nullptr);
      tx::ImageView sweep{out.data.data(), steps, size, size, 3};
      return model.predict({sweep}, tx::Preprocess(), 32, tx::OutputType::Logits, nullptr);
    };
    auto fused = [&] {
      return tx::intervene_predict(image, bright, device, 32, {&model}, tx::Preprocess(), {},
                                   tx::OutputType::Logits, nullptr)[0];
    };
    // What R's intervene() then predict() call now: the sweep stays a tensor
    // on the device, and predict() slices its batches there.
    auto tensors = [&] {
      std::unique_ptr<tx::ImageTensor> sweep = tx::intervene_tensor(image, bright, device, 32, nullptr);
      return model.predict(*sweep, tx::Preprocess(), 32, {}, tx::OutputType::Logits, nullptr);
    };
    separate();  // warm-up
    fused();
    tensors();
    std::vector<double> t_sep, t_fused, t_tensors;
    tx::Matrix a, b, c;
    // Round-robin, min and median of reps runs (bench/bench_fused.R's 25).
    const int reps = 25;
    for (int rep = 0; rep < reps; ++rep) {
      auto start = std::chrono::steady_clock::now();
      a = separate();
      t_sep.push_back(seconds_since(start));
      start = std::chrono::steady_clock::now();
      b = fused();
      t_fused.push_back(seconds_since(start));
      start = std::chrono::steady_clock::now();
      c = tensors();
      t_tensors.push_back(seconds_since(start));
    }
    for (auto* t : {&t_sep, &t_fused, &t_tensors}) std::sort(t->begin(), t->end());
    const double d = std::max(max_diff(a.data, b.data), max_diff(a.data, c.data));
    std::printf("brightness + cnn %-5s (min / median ms) arrays %6.1f / %6.1f; tensors %6.1f / %6.1f; "
                "fused %6.1f / %6.1f; max |difference| %.1e%s\n",
                device.c_str(), 1000 * t_sep[0], 1000 * t_sep[reps / 2], 1000 * t_tensors[0],
                1000 * t_tensors[reps / 2], 1000 * t_fused[0], 1000 * t_fused[reps / 2], d,
                d > 0 ? "  FAIL" : "");
    failures += d > 0;
  }
  std::remove(cnn.c_str());
  if (!info.cuda_available) std::printf("CUDA untested here: LibTorch sees no CUDA device.\n");
  std::printf("%d failure(s)\n", failures);
  return failures == 0 ? 0 : 1;
}
