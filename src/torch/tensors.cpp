// Layout and device helpers for the LibTorch code (see tensors.h). An R array
// N x H x W x C is, read row-major, a C x W x H x N tensor, so conversion is a
// from_blob with reversed dims and a permute: no element loop in our code.
#include "tensors.h"

#include <ATen/Parallel.h>
#include <caffe2/serialize/versions.h>
#include <torch/cuda.h>

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
