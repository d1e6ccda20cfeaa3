// Layout and device helpers for the LibTorch code (see tensors.h). An R array
// N x H x W x C is, read row-major, a C x W x H x N tensor, so conversion is a
// from_blob with reversed dims and a permute: no element loop in our code.
#include "tensors.h"

#include <ATen/Parallel.h>
#include <caffe2/serialize/versions.h>
#include <torch/cuda.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>

namespace propgrad {
namespace torchx {

Info info() {
  Info out;
  out.version = TORCH_VERSION;
  out.cuda_available = torch::cuda::is_available();
  out.cuda_devices = out.cuda_available ? static_cast<int64_t>(torch::cuda::device_count()) : 0;
  return out;
}

int set_threads(int n) {
  const int old = at::get_num_threads();
  // Setting an unchanged count is skipped: a native thread pool warns on any
  // resize once parallel work has started.
  if (n != old) at::set_num_threads(n);
  return old;
}

torch::Device parse_device(const std::string& name) {
  if (name == "cpu") return torch::Device(torch::kCPU);
  if (name.rfind("cuda", 0) == 0) {
    if (!torch::cuda::is_available()) {
      throw Error("device", "Device \"" + name + "\" was asked for, but this LibTorch (" +
                                TORCH_VERSION + ") sees no CUDA device.");
    }
    int64_t index = 0;
    if (name.size() > 5 && name[4] == ':') index = std::stoll(name.substr(5));
    if (index < 0 || index >= static_cast<int64_t>(torch::cuda::device_count())) {
      throw Error("device", "Device \"" + name + "\" does not exist; " +
                                std::to_string(torch::cuda::device_count()) +
                                " CUDA device(s) are visible.");
    }
    return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
  }
  throw Error("device", "Unknown device \"" + name + "\".");
}

torch::jit::Module load_module(const std::string& path, const torch::Device& device) {
  if (!std::ifstream(path).good()) throw Error("model_file", "Cannot read model file " + path + ".");
  torch::jit::Module module;
  try {
    module = torch::jit::load(path, device);
  } catch (const std::exception& e) {
    const std::string why = describe(e);
    // A newer PyTorch writes a file format (or operators) this LibTorch
    // predates; say so, with both versions, instead of "not TorchScript".
    const auto at = why.find("PyTorch file with version ");
    if (at != std::string::npos) {
      const std::string file_version = why.substr(at + 26, why.find_first_of(", ", at + 26) - at - 26);
      throw Error("model_version",
                  path + " was saved by a newer PyTorch (TorchScript file format " + file_version +
                      ") than this LibTorch " + TORCH_VERSION + " reads (file format up to " +
                      std::to_string(caffe2::serialize::kMaxSupportedFileFormatVersion) + ").");
    }
    if (why.find("Unknown builtin op") != std::string::npos) {
      throw Error("model_version", path + " uses an operator this LibTorch " + TORCH_VERSION +
                                       " does not know (" + why + "); it was probably saved by a newer PyTorch.");
    }
    throw Error("model_file", path + " is not a TorchScript file LibTorch can load: " + why);
  }
  module.eval();
  return module;
}

torch::Tensor to_tensor(const ImageView& images, const torch::Device& device) {
  return batch_to_tensor(images, 0, images.n, device);
}

torch::Tensor batch_to_tensor(const ImageView& images, int64_t start, int64_t count,
                              const torch::Device& device) {
  auto all = torch::from_blob(const_cast<double*>(images.data),
                              {images.c, images.w, images.h, images.n},
                              torch::TensorOptions().dtype(torch::kFloat64));
  auto view = all.narrow(3, start, count).permute({3, 0, 2, 1});
  // Convert to float on the CPU first: it halves what crosses to the device.
  auto out = torch::empty({count, images.c, images.h, images.w},
                          torch::TensorOptions().dtype(torch::kFloat32));
  out.copy_(view);
  return out.to(device);
}

void write_batch(const torch::Tensor& batch, double* out, int64_t n_total, int64_t start) {
  const int64_t c = batch.size(1), h = batch.size(2), w = batch.size(3);
  auto target = torch::from_blob(out, {c, w, h, n_total},
                                 torch::TensorOptions().dtype(torch::kFloat64));
  target.narrow(3, start, batch.size(0)).copy_(batch.to(torch::kCPU).permute({1, 3, 2, 0}));
}

ImageBuffer to_buffer(const torch::Tensor& images) {
  ImageBuffer out;
  out.n = images.size(0);
  out.c = images.size(1);
  out.h = images.size(2);
  out.w = images.size(3);
  out.data.resize(static_cast<size_t>(images.numel()));
  write_batch(images, out.data.data(), out.n, 0);
  return out;
}

torch::Tensor array_to_tensor(const std::vector<double>& data, const std::vector<int64_t>& dims) {
  std::vector<int64_t> reversed(dims.rbegin(), dims.rend());
  std::vector<int64_t> order(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) order[i] = static_cast<int64_t>(dims.size() - 1 - i);
  auto blob = torch::from_blob(const_cast<double*>(data.data()), reversed,
                               torch::TensorOptions().dtype(torch::kFloat64));
  return blob.permute(order).to(torch::kFloat32).contiguous();
}

ImageTensor::ImageTensor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ImageTensor::~ImageTensor() = default;

std::vector<int64_t> ImageTensor::dims() const {
  const torch::Tensor& x = impl_->images;
  return {x.size(0), x.size(2), x.size(3), x.size(1)};
}

std::string ImageTensor::dtype() const {
  switch (impl_->images.scalar_type()) {
    case torch::kFloat32: return "float32";
    case torch::kFloat64: return "float64";
    case torch::kFloat16: return "float16";
    case torch::kBFloat16: return "bfloat16";
    default: return c10::toString(impl_->images.scalar_type());
  }
}

std::string ImageTensor::device() const { return impl_->images.device().str(); }

std::string ImageTensor::layout() const {
  return impl_->images.layout() == torch::kStrided ? "strided" : "sparse";
}

int64_t ImageTensor::bytes() const {
  return impl_->images.numel() * static_cast<int64_t>(impl_->images.element_size());
}

void ImageTensor::write(double* out) const {
  const torch::Tensor& x = impl_->images;
  write_batch(x, out, x.size(0), 0);
  if (impl_->alpha.defined()) {
    // Alpha is plane c - 1 of the C x W x H x N view; the kept W x H plane
    // goes to every image.
    auto target = torch::from_blob(out, {x.size(1), x.size(3), x.size(2), x.size(0)},
                                   torch::TensorOptions().dtype(torch::kFloat64));
    target.select(0, x.size(1) - 1).copy_(impl_->alpha.unsqueeze(2));
  }
}

namespace {

// FIPS 180-4 SHA-256, fed in pieces.
class Sha256 {
 public:
  void update(const unsigned char* data, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      block_[used_++] = data[i];
      if (used_ == 64) {
        compress();
        used_ = 0;
      }
    }
    bits_ += 8 * static_cast<uint64_t>(n);
  }
  std::string hex() {
    const uint64_t bits = bits_;
    const unsigned char pad = 0x80, zero = 0;
    update(&pad, 1);
    while (used_ != 56) update(&zero, 1);
    unsigned char length[8];
    for (int i = 0; i < 8; ++i) length[i] = static_cast<unsigned char>(bits >> (56 - 8 * i));
    update(length, 8);
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (uint32_t word : h_) {
      for (int shift = 28; shift >= 0; shift -= 4) out += digits[(word >> shift) & 15];
    }
    return out;
  }

 private:
  static uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }
  void compress() {
    static const uint32_t k[64] = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
    uint32_t w[64];
    for (int i = 0; i < 16; ++i) {
      w[i] = (uint32_t(block_[4 * i]) << 24) | (uint32_t(block_[4 * i + 1]) << 16) |
             (uint32_t(block_[4 * i + 2]) << 8) | uint32_t(block_[4 * i + 3]);
    }
    for (int i = 16; i < 64; ++i) {
      const uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      const uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3], e = h_[4], f = h_[5], g = h_[6], h = h_[7];
    for (int i = 0; i < 64; ++i) {
      const uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[i] + w[i];
      const uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      h = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    h_[0] += a; h_[1] += b; h_[2] += c; h_[3] += d;
    h_[4] += e; h_[5] += f; h_[6] += g; h_[7] += h;
  }
  uint32_t h_[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  unsigned char block_[64] = {};
  size_t used_ = 0;
  uint64_t bits_ = 0;
};

// Doubles as little-endian bytes, whatever the machine's order.
void hash_doubles(Sha256& hash, const torch::Tensor& values) {
  const double* p = values.data_ptr<double>();
  const int64_t n = values.numel();
  const uint16_t probe = 1;
  const bool little = *reinterpret_cast<const unsigned char*>(&probe) == 1;
  if (little) {
    hash.update(reinterpret_cast<const unsigned char*>(p), static_cast<size_t>(n) * sizeof(double));
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    unsigned char b[sizeof(double)];
    std::memcpy(b, p + i, sizeof(double));
    std::reverse(b, b + sizeof(double));
    hash.update(b, sizeof(double));
  }
}

}  // namespace

std::string ImageTensor::sha256() const {
  c10::InferenceMode guard;
  const torch::Tensor& x = impl_->images;  // N x C x H x W
  const int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  // In the array's order (n fastest, then h, w, c), a slice of columns at a
  // time: channel k, columns [from, from + step) as W' x H x N doubles.
  const int64_t step = std::max<int64_t>(1, (int64_t(1) << 17) / std::max<int64_t>(1, n * h));
  Sha256 hash;
  for (int64_t k = 0; k < c; ++k) {
    for (int64_t from = 0; from < w; from += step) {
      const int64_t count = std::min(step, w - from);
      torch::Tensor slice;
      if (k == c - 1 && impl_->alpha.defined()) {
        slice = impl_->alpha.narrow(0, from, count).unsqueeze(2).expand({count, h, n});
      } else {
        slice = x.select(1, k).narrow(2, from, count).permute({2, 1, 0});
      }
      hash_doubles(hash, slice.to(torch::kCPU, torch::kFloat64).contiguous());
    }
  }
  return hash.hex();
}

std::unique_ptr<ImageTensor> ImageTensor::select(const std::vector<int64_t>& index) const {
  c10::InferenceMode guard;
  auto idx = torch::tensor(index, torch::kLong).to(impl_->images.device());
  return ImageTensorAccess::make(impl_->images.index_select(0, idx).contiguous(), impl_->alpha);
}

std::string describe(const c10::Error& error) { return useful_line(error.what_without_backtrace()); }

std::string describe(const std::exception& error) { return useful_line(error.what()); }

std::string useful_line(const std::string& message) {
  std::istringstream in(message);
  std::string line, first, innermost;
  while (std::getline(in, line)) {
    if (first.empty() && !line.empty()) first = line;
    if (line.find("Error: ") != std::string::npos) innermost = line;
  }
  std::string out = innermost.empty() ? first : innermost;
  auto start = out.find_first_not_of(' ');
  return start == std::string::npos ? message : out.substr(start);
}

}  // namespace torchx
}  // namespace propgrad
