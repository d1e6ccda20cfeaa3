// Sweeps that stay on the device: intervene_tensor() keeps intervene()'s
// images as a tensor for R (predicted from there by Model::predict), and the
// fused path of explain() runs a built-in intervention and the models in one
// loop on the device. Each batch of intervened images goes straight from
// intervened_batch() to every model's preprocessing and forward pass, so the
// images never become R doubles (a float -> double -> float round trip that
// is exact, which is why this gives the separate calls' results bit for bit).
#include <torch/script.h>

#include "tensors.h"

namespace propgrad {
namespace torchx {

std::unique_ptr<ImageTensor> intervene_tensor(const ImageView& image, const Intervention& spec,
                                              const std::string& device, int64_t batch_size,
                                              const InterruptCheck& interrupted) {
  c10::InferenceMode guard;
  const torch::Device dev = parse_device(device);
  try {
    torch::Tensor x = to_tensor(image, dev);
    torch::Tensor mask = spec.mask.empty() ? torch::Tensor() : to_tensor(spec.mask, dev);
    const int64_t k = static_cast<int64_t>(spec.strengths.size());
    torch::Tensor out;
    for (int64_t start = 0; start < k; start += batch_size) {
      if (interrupted && interrupted()) throw Error("interrupt", "Interrupted.");
      const int64_t end = std::min(k, start + batch_size);
      torch::Tensor y = intervened_batch(x, mask, spec, start, end);
      // Batches as intervene() computes them, into one tensor (one batch: as it is).
      if (start == 0 && end == k) {
        out = y.contiguous();
        break;
      }
      if (!out.defined()) out = torch::empty({k, y.size(1), y.size(2), y.size(3)}, y.options());
      out.narrow(0, start, end - start).copy_(y);
    }
    // Colour kinds hand alpha back: keep the input's as doubles (W x H, a
    // plane of the R array read row-major), as intervene()'s arrays had it.
    torch::Tensor alpha;
    if ((image.c == 2 || image.c == 4) && !moves_pixels(spec.kind)) {
      alpha = torch::from_blob(const_cast<double*>(image.data) + image.h * image.w * (image.c - 1),
                               {image.w, image.h}, torch::TensorOptions().dtype(torch::kFloat64))
                  .clone();
    }
    return ImageTensorAccess::make(out, alpha);
  } catch (const c10::Error& e) {
    throw Error("intervention", "The " + spec.kind + " intervention failed: " + describe(e));
  }
}

std::vector<Matrix> intervene_predict(const ImageView& image, const Intervention& spec,
                                      const std::string& device, int64_t batch_size,
                                      const std::vector<const Model*>& models,
                                      const Preprocess& pre, const std::vector<int64_t>& channels,
                                      OutputType type, const InterruptCheck& interrupted) {
  c10::InferenceMode guard;
  const torch::Device dev = parse_device(device);
  for (const Model* m : models) {
    if (ModelAccess::impl(*m).device != dev) {
      throw Error("device", "A model on " + m->device() + " cannot take images intervened on " +
                                device + ".");
    }
  }
  torch::Tensor x, mask, pick;
  try {
    x = to_tensor(image, dev);
    if (!spec.mask.empty()) mask = to_tensor(spec.mask, dev);
  } catch (const c10::Error& e) {
    throw Error("intervention", "The " + spec.kind + " intervention failed: " + describe(e));
  }
  if (!channels.empty()) pick = torch::tensor(channels, torch::kLong).to(dev);
  const int64_t k = static_cast<int64_t>(spec.strengths.size());
  std::vector<std::vector<torch::Tensor>> pieces(models.size());
  for (int64_t start = 0; start < k; start += batch_size) {
    if (interrupted && interrupted()) throw Error("interrupt", "Interrupted.");
    const int64_t end = std::min(k, start + batch_size);
    torch::Tensor y;
    try {
      y = intervened_batch(x, mask, spec, start, end);
      // Contiguous, as predict() reads its batches from R's array.
      y = (pick.defined() ? y.index_select(1, pick) : y).contiguous();
    } catch (const c10::Error& e) {
      throw Error("intervention", "The " + spec.kind + " intervention failed: " + describe(e));
    }
    for (size_t i = 0; i < models.size(); ++i) {
      pieces[i].push_back(predict_batch(*models[i], y, pre, type));
    }
  }
  std::vector<Matrix> out;
  for (const auto& p : pieces) out.push_back(to_matrix(p));
  return out;
}

}  // namespace torchx
}  // namespace propgrad
