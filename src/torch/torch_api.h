// The plain C++ face of propgrad's LibTorch code: models, interventions and
// editors, in terms of std types and column-major image arrays only. The R
// glue (rcpp_torch.cpp) and the standalone check program include this header
// and never a torch header, which keeps torch's slow headers out of every
// other translation unit.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/resize.h"

namespace propgrad {
namespace torchx {

// A failure with a short kind ("model_file", "model_input", "device",
// "editor", "interrupt", ...) that the R layer turns into an error class.
class Error : public std::runtime_error {
 public:
  Error(const std::string& kind, const std::string& message)
      : std::runtime_error(message), kind_(kind) {}
  const std::string& kind() const { return kind_; }

 private:
  std::string kind_;
};

// A read-only view of a column-major N x H x W x C array of doubles, the
// layout of an R array with those dimensions.
struct ImageView {
  const double* data = nullptr;
  int64_t n = 0, h = 0, w = 0, c = 0;
  bool empty() const { return data == nullptr; }
};

// An owned column-major N x H x W x C array.
struct ImageBuffer {
  std::vector<double> data;
  int64_t n = 0, h = 0, w = 0, c = 0;
};

struct Info {
  std::string version;
  bool cuda_available = false;
  int64_t cuda_devices = 0;
};
Info info();

// Supplies memory for a result: called once with its dims, it returns room
// for a column-major N x H x W x C array of doubles (the R glue hands out an
// R vector's memory, so results are written once, in place).
using Allocator = std::function<double*(int64_t n, int64_t h, int64_t w, int64_t c)>;

// Called between batches; returning true aborts the run with Error("interrupt").
using InterruptCheck = std::function<bool()>;

// Applied on the device before the forward pass, in this order: resize and
// centre crop (when resize.active(); core/resize.h's matrices), multiplication
// by scale, (x - mean) / sd per channel (when mean is non-empty), reversal of
// the channel order (bgr).
struct Preprocess {
  resize::Spec resize;
  double scale = 1.0;
  std::vector<double> mean, sd;
  bool bgr = false;
};

// Logits must be batch x classes; raw is any output, flattened per image.
// (Probabilities are the R layer's softmax of logits, after its checks.)
enum class OutputType { Raw, Logits };

// Column-major rows x cols matrix of doubles.
struct Matrix {
  std::vector<double> data;
  int64_t rows = 0, cols = 0;
};

class Model {
 public:
  Model(const std::string& path, const std::string& device);
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  // One row per image, in order, of images given as chunks (each n images
  // of one size; chunks may differ in size when preprocessing makes them
  // equal). Batches of batch_size images go through the model.
  Matrix predict(const std::vector<ImageView>& chunks, const Preprocess& pre, int64_t batch_size,
                 OutputType type, const InterruptCheck& interrupted) const;
  // The images after preprocessing, brought back as an array (for checks).
  ImageBuffer preprocess(const ImageView& images, const Preprocess& pre) const;
  const std::string& device() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Compiles TorchScript source (methods of one module, e.g. "def forward(self,
// x): ...") with optional float buffers and saves it as a TorchScript file.
struct NamedArray {
  std::string name;
  std::vector<double> data;    // column-major, as R stores it
  std::vector<int64_t> dims;   // R's dim()
};
void save_script_module(const std::string& source, const std::vector<NamedArray>& buffers,
                        const std::string& path);

// A built-in gradual intervention of one image (n == 1) at each strength.
struct Intervention {
  std::string kind;             // brightness, contrast, ..., interpolate
  std::vector<double> strengths;
  std::vector<double> numbers;  // colour (colour_shift), direction (translate),
                                // position top/left (patch)
  ImageView other;              // patch (patch) or target image (interpolate)
  ImageView mask;               // H x W mask (colour_shift), may be empty
  std::string padding = "zeros";  // zeros, border, reflection (geometric kinds)
};
// Images in strength order, computed batch_size strengths at a time and
// written into memory from allocate.
void intervene(const ImageView& image, const Intervention& spec, const std::string& device,
               int64_t batch_size, const Allocator& allocate, const InterruptCheck& interrupted);

// A user TorchScript module whose forward(images, strengths) maps a batch of
// B x C x H x W images and B strengths to edited B x C x H x W images.
class Editor {
 public:
  Editor(const std::string& path, const std::string& device);
  ~Editor();
  Editor(const Editor&) = delete;
  Editor& operator=(const Editor&) = delete;
  void apply(const ImageView& image, const std::vector<double>& strengths, int64_t batch_size,
             const Allocator& allocate, const InterruptCheck& interrupted) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace torchx
}  // namespace propgrad
