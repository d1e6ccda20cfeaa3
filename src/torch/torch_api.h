// The plain C++ face of propgrad's LibTorch code: models, interventions and
// editors, in terms of std types and column-major image arrays only. The R
// glue (rcpp_torch.cpp) and the standalone check program include this header
// and never a torch header, which keeps torch's slow headers out of every
// other translation unit.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
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

// Sets LibTorch's intra-op threads (the pool every CPU forward pass and
// intervention uses) to n when it differs, and returns the previous count.
int set_threads(int n);

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

// Images held by LibTorch (what intervene() gives R): a contiguous float32
// N x C x H x W tensor on a device. For a colour kind of an image with alpha
// (2 or 4 channels) the input's alpha plane is also kept as doubles, so that
// write() returns it exactly as the double arrays of intervene() did; the
// float tensor holds it rounded to float, as every model sees it.
class ImageTensor {
 public:
  ~ImageTensor();
  ImageTensor(const ImageTensor&) = delete;
  ImageTensor& operator=(const ImageTensor&) = delete;
  // N, H, W, C: the dims of the R array write() fills.
  std::vector<int64_t> dims() const;
  std::string dtype() const;   // "float32"
  std::string device() const;  // "cpu", "cuda:0", ...
  std::string layout() const;  // "strided"
  int64_t bytes() const;       // memory held on the device
  // The images as a column-major N x H x W x C array of doubles at out.
  void write(double* out) const;
  // SHA-256 (hex) of those doubles as little-endian bytes, the hash R's
  // provenance gives an array, computed in slices without the whole array.
  std::string sha256() const;
  // Images index[0], index[1], ... (0-based, repeats allowed), on the same device.
  std::unique_ptr<ImageTensor> select(const std::vector<int64_t>& index) const;

 private:
  friend struct ImageTensorAccess;  // tensors.h: the torch side builds and reads them
  struct Impl;
  explicit ImageTensor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
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
  // The same for images held by LibTorch: batches of batch_size images are
  // sliced on the images' device (moved to the model's when they differ), each
  // as the array overload would read it from the images' R array. channels,
  // when not empty, picks the channels the model sees (as intervene_predict).
  Matrix predict(const ImageTensor& images, const Preprocess& pre, int64_t batch_size,
                 const std::vector<int64_t>& channels, OutputType type,
                 const InterruptCheck& interrupted) const;
  // The images after preprocessing, brought back as an array (for checks).
  ImageBuffer preprocess(const ImageView& images, const Preprocess& pre) const;
  const std::string& device() const;

 private:
  friend struct ModelAccess;  // tensors.h: sanity.cpp and pipeline.cpp use the module
  struct Impl;
  explicit Model(std::unique_ptr<Impl> impl);
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
  ImageView mask;               // 1 x H x W x 1 weights in 0..1, may be empty
  std::string padding = "zeros";  // zeros, border, reflection (geometric kinds)
  std::string space = "hsv";    // hsv or yiq (hue)
};
// Images in strength order, computed batch_size strengths at a time and
// written into memory from allocate. With a mask each image is
// mask * edited + (1 - mask) * image. The last channel of a 2- or 4-channel
// image is alpha: colour kinds leave it exactly as in the input (copied, not
// computed in float); blur and the geometric kinds move it with the image.
void intervene(const ImageView& image, const Intervention& spec, const std::string& device,
               int64_t batch_size, const Allocator& allocate, const InterruptCheck& interrupted);

// intervene() with the images kept on the device: the same values (write()
// gives intervene()'s array bit for bit), never copied to doubles.
std::unique_ptr<ImageTensor> intervene_tensor(const ImageView& image, const Intervention& spec,
                                              const std::string& device, int64_t batch_size,
                                              const InterruptCheck& interrupted);

// intervene() and each model's predict() in one pass, without the images
// leaving the device: each batch of batch_size strengths is intervened and
// goes, as it is, to every model (all on device). channels, when not empty,
// picks the channels each model sees (to_rgb: {0, 0, 0} for grey, {0, 1, 2}
// to drop alpha). One Matrix per model, each as that model's predict() of
// intervene()'s images with the same batch_size would give.
std::vector<Matrix> intervene_predict(const ImageView& image, const Intervention& spec,
                                      const std::string& device, int64_t batch_size,
                                      const std::vector<const Model*>& models,
                                      const Preprocess& pre, const std::vector<int64_t>& channels,
                                      OutputType type, const InterruptCheck& interrupted);

// A user TorchScript module whose forward(images, strengths) maps a batch of
// B x C x H x W images and B strengths to edited B x C x H x W images.
// With a seed, LibTorch's generators (CPU and every CUDA device) are seeded
// before the first batch, so a stochastic editor repeats its noise for the
// same seed, strengths and batch_size.
class Editor {
 public:
  Editor(const std::string& path, const std::string& device);
  ~Editor();
  Editor(const Editor&) = delete;
  Editor& operator=(const Editor&) = delete;
  void apply(const ImageView& image, const std::vector<double>& strengths, int64_t batch_size,
             const Allocator& allocate, const InterruptCheck& interrupted,
             std::optional<uint64_t> seed = std::nullopt) const;
  // apply() with the edited images kept on the editor's device.
  std::unique_ptr<ImageTensor> apply_tensor(const ImageView& image,
                                            const std::vector<double>& strengths,
                                            int64_t batch_size, const InterruptCheck& interrupted,
                                            std::optional<uint64_t> seed = std::nullopt) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Sanity checks (sanity.cpp): a model's floating-point tensors, and copies
// of it with some of them re-drawn (cascading randomisation).
struct TensorSummary {
  std::string name;              // dotted path in the module, e.g. "fc.weight"
  bool parameter = false;        // a parameter, else a buffer
  int64_t numel = 0;
  double mean = 0.0, sd = 0.0;   // over its elements (population sd)
};
// Floating-point parameters, then floating-point buffers, each in the
// module's own (registration) order, submodules included.
std::vector<TensorSummary> model_tensors(const Model& model);
// An independent copy of model: its module deep-copied, on the same device.
std::unique_ptr<Model> copy_model(const Model& model);
// Replaces each named tensor of model, in the order given, with draws from a
// normal with that tensor's own mean and sd (a CPU generator seeded with
// seed, float64, then cast to its dtype and moved to its device).
void redraw_tensors(Model& model, const std::vector<std::string>& names, uint64_t seed);

}  // namespace torchx
}  // namespace propgrad
