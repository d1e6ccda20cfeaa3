// TorchScript models: loading, preprocessing on the device (resize and crop
// with core/resize.h's matrices) and batched inference without autograd,
// over images that may differ in size until preprocessed; also compiling
// and saving small TorchScript modules from source (used by tests, examples
// and users' toy models).
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

// One axis of a core weight matrix applied along dim (2: rows, 3: columns)
// of x by its band: a sum of band.width weighted copies of x, each picking
// one input pixel per output pixel. This is the dense product W x but costs
// a few pixels per output instead of the whole axis, which matters on CPUs
// whose LibTorch has a plain BLAS (Debian's: shrinking 8 images of 600 x 800
// to 224 x 224 took 4 s as matrix products, 0.06 s in torch's own kernel).
static torch::Tensor apply_band(const torch::Tensor& x, const resize::Band& band, int64_t dim) {
  // Transposed, so that tap k is one contiguous row.
  auto index = torch::tensor(band.index).view({band.out, band.width}).t().contiguous().to(x.device());
  auto weights = torch::tensor(band.weights, torch::TensorOptions().dtype(torch::kFloat64))
                     .view({band.out, band.width}).t().contiguous().to(x.device(), torch::kFloat32);
  std::vector<int64_t> shape(4, 1);
  shape[static_cast<size_t>(dim)] = band.out;
  torch::Tensor out = x.index_select(dim, index[0]) * weights[0].view(shape);
  for (int64_t k = 1; k < band.width; ++k) {
    out.addcmul_(x.index_select(dim, index[k]), weights[k].view(shape));
  }
  return out;
}

// Resize and centre crop with the core's per-axis matrices (the one home of
// torchvision's arithmetic): out = Wy x Wx^T for every image and channel.
static torch::Tensor resize_tensor(const torch::Tensor& x, const resize::Spec& spec) {
  const int64_t h = x.size(2), w = x.size(3);
  resize::Matrices m = resize::matrices(spec, h, w);
  const resize::Band rows = resize::band(m.rows, m.out.height, h);
  const resize::Band cols = resize::band(m.cols, m.out.width, w);
  // First along the axis that leaves less work for the second pass.
  const double oh = static_cast<double>(m.out.height), ow = static_cast<double>(m.out.width);
  const double rows_first = (oh * w * rows.width + oh * ow * cols.width),
               cols_first = (h * ow * cols.width + oh * ow * rows.width);
  if (rows_first <= cols_first) return apply_band(apply_band(x, rows, 2), cols, 3);
  return apply_band(apply_band(x, cols, 3), rows, 2);
}

static torch::Tensor preprocess_tensor(torch::Tensor x, const Preprocess& pre) {
  if (pre.resize.active()) x = resize_tensor(x, pre.resize);
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

// Images first..first+count-1 of the chunks, each preprocessed with its own
// chunk's size, as one batch.
static torch::Tensor chunk_batch(const std::vector<ImageView>& chunks, int64_t first,
                                 int64_t count, const Preprocess& pre,
                                 const torch::Device& device) {
  std::vector<torch::Tensor> parts;
  int64_t skipped = 0;
  for (const ImageView& c : chunks) {
    if (count == 0) break;
    if (first >= skipped + c.n) {
      skipped += c.n;
      continue;
    }
    const int64_t offset = first - skipped, take = std::min(count, c.n - offset);
    parts.push_back(preprocess_tensor(batch_to_tensor(c, offset, take, device), pre));
    if (!parts.back().sizes().slice(1).equals(parts.front().sizes().slice(1))) {
      throw Error("model_input", "Images of different sizes remain different after preprocessing; "
                                 "they cannot form one batch.");
    }
    first += take;
    count -= take;
    skipped += c.n;
  }
  return parts.size() == 1 ? parts[0] : torch::cat(parts, 0);
}

// A preprocessed batch through the model, outputs checked.
static torch::Tensor forward(const Model& model, const torch::Tensor& x, OutputType type) {
  const int64_t count = x.size(0);
  torch::Tensor y;
  try {
    y = output_tensor(ModelAccess::impl(model).module.forward({x}));
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
  return y.reshape({count, -1}).to(torch::kFloat64).to(torch::kCPU);
}

torch::Tensor predict_batch(const Model& model, const torch::Tensor& images, const Preprocess& pre,
                            OutputType type) {
  return forward(model, preprocess_tensor(images, pre), type);
}

Matrix to_matrix(const std::vector<torch::Tensor>& pieces) {
  torch::Tensor all = torch::cat(pieces, 0);
  Matrix out;
  out.rows = all.size(0);
  out.cols = all.size(1);
  // Column-major for R: transpose, then read row-major.
  torch::Tensor cm = all.t().contiguous();
  out.data.assign(cm.data_ptr<double>(), cm.data_ptr<double>() + cm.numel());
  return out;
}

Matrix Model::predict(const std::vector<ImageView>& chunks, const Preprocess& pre,
                      int64_t batch_size, OutputType type, const InterruptCheck& interrupted) const {
  c10::InferenceMode guard;
  int64_t rows = 0;
  for (const ImageView& c : chunks) rows += c.n;
  std::vector<torch::Tensor> pieces;
  for (int64_t start = 0; start < rows; start += batch_size) {
    if (interrupted && interrupted()) throw Error("interrupt", "Interrupted.");
    const int64_t count = std::min(batch_size, rows - start);
    pieces.push_back(forward(*this, chunk_batch(chunks, start, count, pre, impl_->device), type));
  }
  return to_matrix(pieces);
}

Matrix Model::predict(const ImageTensor& images, const Preprocess& pre, int64_t batch_size,
                      const std::vector<int64_t>& channels, OutputType type,
                      const InterruptCheck& interrupted) const {
  c10::InferenceMode guard;
  const torch::Tensor& all = ImageTensorAccess::impl(images).images;
  torch::Tensor pick;
  if (!channels.empty()) pick = torch::tensor(channels, torch::kLong).to(all.device());
  const int64_t rows = all.size(0);
  std::vector<torch::Tensor> pieces;
  for (int64_t start = 0; start < rows; start += batch_size) {
    if (interrupted && interrupted()) throw Error("interrupt", "Interrupted.");
    const int64_t count = std::min(batch_size, rows - start);
    torch::Tensor x = all.narrow(0, start, count);
    if (pick.defined()) x = x.index_select(1, pick);
    // A contiguous float32 batch on the model's device, as the array
    // overload reads one; a slice that starts off a 64-byte boundary is
    // copied, so that no kernel sees other alignment than it would there.
    x = x.to(impl_->device, torch::kFloat32).contiguous();
    if (reinterpret_cast<uintptr_t>(x.data_ptr()) % 64 != 0) x = x.clone();
    pieces.push_back(predict_batch(*this, x, pre, type));
  }
  return to_matrix(pieces);
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
