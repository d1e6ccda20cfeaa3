// TorchScript models: loading, preprocessing on the device and batched
// inference without autograd; also compiling and saving small TorchScript
// modules from source (used by tests, examples and users' toy models).
#include <torch/script.h>

#include "tensors.h"

namespace propgrad {
namespace torchx {

Model::Model(const std::string& path, const std::string& device) : impl_(new Impl) {
  impl_->device = parse_device(device);
  impl_->device_name = device;
  impl_->module = load_module(path, impl_->device);
}

Model::~Model() = default;

const std::string& Model::device() const { return impl_->device_name; }

static torch::Tensor preprocess_tensor(torch::Tensor x, const Preprocess& pre) {
  if (pre.height > 0) {
    x = torch::upsample_bilinear2d(x, {pre.height, pre.width}, /*align_corners=*/false);
  }
  if (pre.scale != 1.0) x = x * pre.scale;
  const int64_t channels = x.size(1);
  if (!pre.mean.empty()) {
    if (static_cast<int64_t>(pre.mean.size()) != channels) {
      throw Error("model_input", "Preprocessing has " + std::to_string(pre.mean.size()) +
                                     " means for images with " + std::to_string(channels) +
                                     " channels.");
    }
    auto opts = torch::TensorOptions().dtype(torch::kFloat64);
    auto mean = torch::tensor(pre.mean, opts).to(x.device(), torch::kFloat32).view({1, -1, 1, 1});
    auto sd = torch::tensor(pre.sd, opts).to(x.device(), torch::kFloat32).view({1, -1, 1, 1});
    x = (x - mean) / sd;
  }
  if (pre.bgr) x = x.flip({1});
  return x;
}

ImageBuffer Model::preprocess(const ImageView& images, const Preprocess& pre) const {
  c10::InferenceMode guard;
  return to_buffer(preprocess_tensor(to_tensor(images, impl_->device), pre));
}

static torch::Tensor output_tensor(const c10::IValue& value) {
  if (value.isTensor()) return value.toTensor();
  if (value.isTuple() && !value.toTupleRef().elements().empty() &&
      value.toTupleRef().elements()[0].isTensor()) {
    return value.toTupleRef().elements()[0].toTensor();
  }
  throw Error("model_output", "The model returned a " + value.tagKind() +
                                  ", not a tensor (or a tuple starting with one).");
}

Matrix Model::predict(const ImageView& images, const Preprocess& pre, int64_t batch_size,
                      OutputType type, const InterruptCheck& interrupted) const {
  c10::InferenceMode guard;
  Matrix out;
  out.rows = images.n;
  std::vector<torch::Tensor> pieces;
  for (int64_t start = 0; start < images.n; start += batch_size) {
    if (interrupted && interrupted()) throw Error("interrupt", "Interrupted.");
    const int64_t count = std::min(batch_size, images.n - start);
    torch::Tensor x = preprocess_tensor(batch_to_tensor(images, start, count, impl_->device), pre);
    torch::Tensor y;
    try {
      y = output_tensor(impl_->module.forward({x}));
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      // TorchScript runtime failures arrive as c10::Error or JITException.
      throw Error("model_input", "The model rejected a batch of shape [" +
                                     std::to_string(x.size(0)) + ", " + std::to_string(x.size(1)) +
                                     ", " + std::to_string(x.size(2)) + ", " +
                                     std::to_string(x.size(3)) + "]: " + describe(e));
    }
    if (y.dim() == 0 || y.size(0) != count) {
      throw Error("model_output", "The model returned " + std::to_string(y.dim() ? y.size(0) : 0) +
                                      " rows for a batch of " + std::to_string(count) +
                                      " images; it must return one row per image.");
    }
    if (type != OutputType::Raw && y.dim() != 2) {
      throw Error("model_output", "Logits and probabilities need a model output of shape "
                                  "[batch, classes]; this model returns " +
                                      std::to_string(y.dim()) + " dimensions. Use type = \"raw\".");
    }
    y = y.reshape({count, -1}).to(torch::kFloat64);
    if (type == OutputType::Prob) y = torch::softmax(y, 1);
    pieces.push_back(y.to(torch::kCPU));
  }
  torch::Tensor all = torch::cat(pieces, 0);
  out.cols = all.size(1);
  // Column-major for R: transpose, then read row-major.
  torch::Tensor cm = all.t().contiguous();
  out.data.assign(cm.data_ptr<double>(), cm.data_ptr<double>() + cm.numel());
  return out;
}

void save_script_module(const std::string& source, const std::vector<NamedArray>& buffers,
                        const std::string& path) {
  torch::jit::Module module("__torch__.PropgradModule");
  for (const auto& b : buffers) module.register_buffer(b.name, array_to_tensor(b.data, b.dims));
  try {
    module.define(source);
  } catch (const std::exception& e) {
    throw Error("script", std::string("TorchScript did not compile: ") + e.what());
  }
  try {
    module.save(path);
  } catch (const c10::Error& e) {
    throw Error("script", "Cannot save the module to " + path + ": " + describe(e));
  }
}

}  // namespace torchx
}  // namespace propgrad
