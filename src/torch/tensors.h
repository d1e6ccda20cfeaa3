// Internal helpers shared by the LibTorch translation units: moving
// column-major R-layout arrays in and out of N x C x H x W tensors, resolving
// device names, and turning torch's exceptions into torchx::Error.
#pragma once

#include <torch/script.h>
#include <torch/version.h>

#include <string>

#include "torch_api.h"

namespace propgrad {
namespace torchx {

// The state behind a Model (torch_api.h), here rather than in model.cpp so
// that sanity.cpp can copy a model's module and re-draw its tensors.
struct Model::Impl {
  torch::jit::Module module;
  torch::Device device{torch::kCPU};
  std::string device_name;
};

// Model's friend: the state behind a model (its module and device) for
// sanity.cpp's copies and pipeline.cpp's forward passes.
struct ModelAccess {
  static Model::Impl& impl(const Model& m) { return *m.impl_; }
  static torch::jit::Module& module(Model& m) { return m.impl_->module; }
  static const torch::jit::Module& module(const Model& m) { return m.impl_->module; }
  static std::unique_ptr<Model> copy(const Model& m) {
    auto impl = std::unique_ptr<Model::Impl>(new Model::Impl);
    impl->module = m.impl_->module.deepcopy();
    impl->device = m.impl_->device;
    impl->device_name = m.impl_->device_name;
    return std::unique_ptr<Model>(new Model(std::move(impl)));
  }
};

// The state behind an ImageTensor (torch_api.h).
struct ImageTensor::Impl {
  torch::Tensor images;  // float32 N x C x H x W, contiguous, on the device
  torch::Tensor alpha;   // float64 H x W on the CPU: the input's exact alpha, or undefined
};

// ImageTensor's friend: makes one from a tensor and reads its state.
struct ImageTensorAccess {
  static std::unique_ptr<ImageTensor> make(torch::Tensor images, torch::Tensor alpha = {}) {
    auto impl = std::unique_ptr<ImageTensor::Impl>(new ImageTensor::Impl);
    impl->images = std::move(images);
    impl->alpha = std::move(alpha);
    return std::unique_ptr<ImageTensor>(new ImageTensor(std::move(impl)));
  }
  static const ImageTensor::Impl& impl(const ImageTensor& t) { return *t.impl_; }
};

// Whether a kind moves pixels (blur, rotate, translate, zoom): those move and
// blur alpha with the image; colour kinds hand the input's alpha back.
bool moves_pixels(const std::string& kind);

// One batch of B strengths [start, end) of spec applied to x (1 x C x H x W
// on the device), mask (1 x 1 x H x W, may be undefined) and alpha included:
// B x C x H x W on x's device, as intervene() writes it out.
torch::Tensor intervened_batch(const torch::Tensor& x, const torch::Tensor& mask,
                               const Intervention& spec, int64_t start, int64_t end);

// A B x C x H x W float batch on the model's device, preprocessed and run
// through the model: B rows of outputs as a float64 CPU tensor, checked as
// Model::predict checks them.
torch::Tensor predict_batch(const Model& model, const torch::Tensor& images, const Preprocess& pre,
                            OutputType type);
// Row batches of outputs -> one column-major Matrix.
Matrix to_matrix(const std::vector<torch::Tensor>& pieces);

// "cpu", "cuda" or "cuda:K"; Error("device") when CUDA is asked for but absent.
torch::Device parse_device(const std::string& name);

// A TorchScript module loaded onto device in eval mode; Error("model_file")
// when the file cannot be read or is not TorchScript.
torch::jit::Module load_module(const std::string& path, const torch::Device& device);

// Column-major N x H x W x C doubles -> contiguous float N x C x H x W on device.
torch::Tensor to_tensor(const ImageView& images, const torch::Device& device);
// Images start..start+B-1 of a column-major N x H x W x C array, as a
// contiguous float B x C x H x W tensor on device (one strided copy).
torch::Tensor batch_to_tensor(const ImageView& images, int64_t start, int64_t count,
                              const torch::Device& device);
// Writes a B x C x H x W batch (any device) as images start..start+B-1 of the
// column-major n_total x H x W x C array at out (one strided copy).
void write_batch(const torch::Tensor& batch, double* out, int64_t n_total, int64_t start);
// Float N x C x H x W (any device) -> column-major N x H x W x C doubles.
ImageBuffer to_buffer(const torch::Tensor& images);
// The innermost "...Error: " line of a message, else its first line.
std::string useful_line(const std::string& message);
// A column-major array with R's dims -> a row-major tensor of the same dims.
torch::Tensor array_to_tensor(const std::vector<double>& data, const std::vector<int64_t>& dims);

// The useful line of a torch error: the innermost "...Error: " message of a
// TorchScript traceback, else the first line (the rest is a C++ backtrace).
std::string describe(const c10::Error& error);
std::string describe(const std::exception& error);

}  // namespace torchx
}  // namespace propgrad
