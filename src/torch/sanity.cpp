// Model randomisation for sanity checks (Adebayo et al. 2018): listing a
// TorchScript module's floating-point tensors with their moments, deep
// copies of a model, and re-drawing named tensors of a copy from normals
// with each tensor's own mean and sd. The user's model is never written to:
// R randomises a copy_model() result, and re-drawn tensors are new tensors
// set on the copy, so no storage is shared with the original either way.
#include <ATen/CPUGeneratorImpl.h>
#include <torch/script.h>

#include "tensors.h"

namespace propgrad {
namespace torchx {

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

namespace {

// Moments in float64 on the CPU, whatever the tensor's dtype and device.
void moments(const torch::Tensor& t, double* mean, double* sd) {
  torch::Tensor x = t.detach().to(torch::kCPU, torch::kFloat64);
  *mean = x.numel() ? x.mean().item<double>() : 0.0;
  *sd = x.numel() > 1 ? x.std(/*unbiased=*/false).item<double>() : 0.0;
}

TensorSummary summary(const std::string& name, const torch::Tensor& t, bool parameter) {
  TensorSummary s;
  s.name = name;
  s.parameter = parameter;
  s.numel = t.numel();
  moments(t, &s.mean, &s.sd);
  return s;
}

}  // namespace

std::vector<TensorSummary> model_tensors(const Model& model) {
  torch::NoGradGuard no_grad;
  const torch::jit::Module& module = ModelAccess::module(model);
  std::vector<TensorSummary> out;
  for (const auto& p : module.named_parameters(/*recurse=*/true)) {
    if (p.value.is_floating_point()) out.push_back(summary(p.name, p.value, true));
  }
  for (const auto& b : module.named_buffers(/*recurse=*/true)) {
    if (b.value.is_floating_point()) out.push_back(summary(b.name, b.value, false));
  }
  return out;
}

std::unique_ptr<Model> copy_model(const Model& model) { return ModelAccess::copy(model); }

void redraw_tensors(Model& model, const std::vector<std::string>& names, uint64_t seed) {
  torch::NoGradGuard no_grad;
  // A private CPU generator: the draws do not depend on the device, and
  // LibTorch's global generators are left alone.
  at::Generator gen = at::detail::createCPUGenerator(seed);
  for (const auto& name : names) {
    // "a.b.weight": walk submodules a, b, then replace attribute weight.
    torch::jit::Module owner = ModelAccess::module(model);
    size_t start = 0, dot;
    while ((dot = name.find('.', start)) != std::string::npos) {
      const std::string part = name.substr(start, dot - start);
      if (!owner.hasattr(part) || !owner.attr(part).isModule()) {
        throw Error("torch", "The model has no submodule \"" + part + "\" (in \"" + name + "\").");
      }
      owner = owner.attr(part).toModule();
      start = dot + 1;
    }
    const std::string leaf = name.substr(start);
    if (!owner.hasattr(leaf) || !owner.attr(leaf).isTensor() ||
        !owner.attr(leaf).toTensor().is_floating_point()) {
      throw Error("torch", "The model has no floating-point tensor \"" + name + "\".");
    }
    torch::Tensor old = owner.attr(leaf).toTensor();
    double mean = 0.0, sd = 0.0;
    moments(old, &mean, &sd);
    torch::Tensor draw = torch::empty(old.sizes(), torch::kFloat64);
    if (sd > 0) {
      draw.normal_(mean, sd, gen);
    } else {
      draw.fill_(mean);  // no spread to draw from: the tensor stays as it was
    }
    draw = draw.to(old.device(), old.scalar_type());
    draw.set_requires_grad(old.requires_grad());
    owner.setattr(leaf, draw);
  }
}

}  // namespace torchx
}  // namespace propgrad
