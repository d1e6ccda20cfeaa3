// Gradual interventions as batched tensor operations on the CPU or a CUDA
// device: one input image, K strengths, K intervened images. Each kind maps
// strengths to a K-batch by broadcasting (or, for blur, a small loop), so a
// sweep costs a handful of kernel launches; a mask then blends each edited
// image with the input, and colour kinds hand alpha back untouched. Also
// TorchScript editors.
#include <torch/script.h>

#include <array>
#include <cmath>

#include "tensors.h"

namespace propgrad {
namespace torchx {
namespace {

constexpr double kPi = 3.14159265358979323846;

torch::Tensor as_column(const torch::Tensor& s) { return s.view({-1, 1, 1, 1}); }

// ITU-R 601 luma, as torchvision's rgb_to_grayscale.
torch::Tensor grayscale(const torch::Tensor& x) {
  auto w = torch::tensor({0.299f, 0.587f, 0.114f}, x.options()).view({1, 3, 1, 1});
  return (x * w).sum(1, /*keepdim=*/true);
}

void need_rgb(const torch::Tensor& x, const std::string& kind) {
  if (x.size(1) != 3) {
    throw Error("intervention", "The " + kind + " intervention needs an RGB image (3 channels); "
                                "this image has " + std::to_string(x.size(1)) + ".");
  }
}

// Hue rotation in YIQ: the (I, Q) chroma plane turns by +angle, I' = I cos a
// - Q sin a, Q' = I sin a + Q cos a. Luma (Y) is kept exactly where nothing
// clips; positive angles turn red towards magenta, the opposite sense to HSV.
torch::Tensor hue_rotate_yiq(const torch::Tensor& x, const std::vector<double>& degrees) {
  // RGB -> YIQ and its exact inverse, in double before the cast to float.
  const double t[3][3] = {{0.299, 0.587, 0.114}, {0.595716, -0.274453, -0.321263},
                          {0.211456, -0.522591, 0.311135}};
  auto to_yiq = torch::tensor({t[0][0], t[0][1], t[0][2], t[1][0], t[1][1], t[1][2], t[2][0],
                               t[2][1], t[2][2]},
                              torch::kFloat64)
                    .view({3, 3});
  auto from_yiq = torch::inverse(to_yiq);
  std::vector<torch::Tensor> mats;
  for (double d : degrees) {
    const double a = d * kPi / 180.0;
    auto rot = torch::tensor({1.0, 0.0, 0.0, 0.0, std::cos(a), -std::sin(a), 0.0, std::sin(a),
                              std::cos(a)},
                             torch::kFloat64)
                   .view({3, 3});
    mats.push_back(from_yiq.matmul(rot).matmul(to_yiq));
  }
  auto m = torch::stack(mats).to(x.device(), torch::kFloat32);  // K x 3 x 3
  return torch::einsum("kij,bjhw->kihw", {m, x}).clamp(0, 1);
}

// Hue rotation in HSV, step for step torchvision's adjust_hue on float
// images (_rgb2hsv, h = (h + degrees / 360) mod 1, _hsv2rgb), in float32 as
// there, so results agree with it to rounding: red at +60 degrees is yellow.
torch::Tensor hue_rotate_hsv(const torch::Tensor& x, const std::vector<double>& degrees) {
  auto r = x.select(1, 0), g = x.select(1, 1), b = x.select(1, 2);
  auto maxc = std::get<0>(x.max(1)), minc = std::get<0>(x.min(1));
  // Grey pixels (max == min) get s = 0 and h = 0 without dividing by zero.
  auto eqc = maxc == minc;
  auto cr = maxc - minc;
  auto ones = torch::ones_like(maxc);
  auto s = cr / torch::where(eqc, ones, maxc);
  auto divisor = torch::where(eqc, ones, cr);
  auto rc = (maxc - r) / divisor, gc = (maxc - g) / divisor, bc = (maxc - b) / divisor;
  auto hr = (maxc == r) * (bc - gc);
  auto hg = ((maxc == g) & (maxc != r)) * (2.0 + rc - bc);
  auto hb = ((maxc != g) & (maxc != r)) * (4.0 + gc - rc);
  auto h = torch::fmod((hr + hg + hb) / 6.0 + 1.0, 1.0);  // 1 x H x W
  // Degrees reduced to [-180, 180) first, the range torchvision accepts.
  std::vector<double> factors;
  for (double d : degrees) {
    double a = std::fmod(d, 360.0);
    if (a >= 180.0) a -= 360.0;
    if (a < -180.0) a += 360.0;
    factors.push_back(a / 360.0);
  }
  auto shift = torch::tensor(factors, torch::kFloat64).to(x.device(), torch::kFloat32);
  shift = shift.view({-1, 1, 1});
  auto hk = torch::remainder(h + shift, 1.0);  // K x H x W
  auto i = torch::floor(hk * 6.0);
  auto f = hk * 6.0 - i;
  auto sector = torch::remainder(i.to(torch::kLong), 6).unsqueeze(1);  // K x 1 x H x W
  auto sizes = hk.sizes();
  auto v = maxc.expand(sizes);
  auto p = (maxc * (1.0 - s)).clamp(0.0, 1.0).expand(sizes);
  auto q = (maxc * (1.0 - s * f)).clamp(0.0, 1.0);
  auto t = (maxc * (1.0 - s * (1.0 - f))).clamp(0.0, 1.0);
  auto pick = [&](std::initializer_list<torch::Tensor> by_sector) {
    return torch::stack(std::vector<torch::Tensor>(by_sector), 1).gather(1, sector);
  };
  return torch::cat({pick({v, q, p, p, t, v}), pick({t, v, v, q, p, p}), pick({p, p, t, v, v, q})},
                    1);
}

// Separable Gaussian blur with edge replication; sigma 0 is the identity.
torch::Tensor blur(const torch::Tensor& x, const std::vector<double>& sigmas) {
  const int64_t channels = x.size(1);
  std::vector<torch::Tensor> out;
  for (double sigma : sigmas) {
    if (sigma <= 0) {
      out.push_back(x.clone());
      continue;
    }
    const int64_t radius = static_cast<int64_t>(std::ceil(3.0 * sigma));
    std::vector<float> weights(static_cast<size_t>(2 * radius + 1));
    double total = 0;
    for (int64_t i = -radius; i <= radius; ++i) {
      const double v = std::exp(-0.5 * static_cast<double>(i * i) / (sigma * sigma));
      weights[static_cast<size_t>(i + radius)] = static_cast<float>(v);
      total += v;
    }
    for (auto& v : weights) v = static_cast<float>(v / total);
    auto k = torch::tensor(weights, x.options());
    auto kh = k.view({1, 1, 1, -1}).expand({channels, 1, 1, 2 * radius + 1});
    auto kv = k.view({1, 1, -1, 1}).expand({channels, 1, 2 * radius + 1, 1});
    auto padded = torch::replication_pad2d(x, {radius, radius, radius, radius});
    const std::vector<int64_t> one{1, 1}, zero{0, 0};
    auto y = torch::conv2d(padded, kh, torch::Tensor(), one, zero, one, channels);
    y = torch::conv2d(y, kv, torch::Tensor(), one, zero, one, channels);
    out.push_back(y);
  }
  return torch::cat(out, 0);
}

int64_t padding_mode(const std::string& padding) {
  if (padding == "zeros") return 0;
  if (padding == "border") return 1;
  if (padding == "reflection") return 2;
  throw Error("intervention", "Unknown padding \"" + padding + "\".");
}

// Resamples x (1 x C x H x W) through K affine maps given in pixel units:
// output pixel p reads input at A p + b, coordinates centred on the image.
torch::Tensor warp(const torch::Tensor& x, const std::vector<std::array<double, 6>>& maps,
                   const std::string& padding) {
  const double h = static_cast<double>(x.size(2)), w = static_cast<double>(x.size(3));
  std::vector<double> theta;
  for (const auto& m : maps) {
    // Normalised coordinates are pixel / (size / 2), separately per axis.
    theta.insert(theta.end(), {m[0], m[1] * h / w, m[2] / (w / 2), m[3] * w / h, m[4],
                               m[5] / (h / 2)});
  }
  const int64_t k = static_cast<int64_t>(maps.size());
  auto th = torch::tensor(theta, torch::kFloat64).view({k, 2, 3}).to(x.device(), torch::kFloat32);
  auto grid = torch::affine_grid_generator(th, {k, x.size(1), x.size(2), x.size(3)}, false);
  return torch::grid_sampler(x.expand({k, -1, -1, -1}), grid, 0, padding_mode(padding), false);
}

// The patch and its alpha placed on a canvas of the image's size.
std::pair<torch::Tensor, torch::Tensor> place_patch(const torch::Tensor& x,
                                                    const torch::Tensor& patch, int64_t top,
                                                    int64_t left) {
  const int64_t c = x.size(1), h = x.size(2), w = x.size(3);
  const int64_t ph = patch.size(2), pw = patch.size(3);
  torch::Tensor colour = patch.narrow(1, 0, c);
  torch::Tensor alpha = patch.size(1) == c + 1 ? patch.narrow(1, c, 1)
                                               : torch::ones({1, 1, ph, pw}, patch.options());
  auto canvas = torch::zeros({1, c, h, w}, x.options());
  auto mask = torch::zeros({1, 1, h, w}, x.options());
  const int64_t y0 = std::max<int64_t>(top, 0), x0 = std::max<int64_t>(left, 0);
  const int64_t y1 = std::min(top + ph, h), x1 = std::min(left + pw, w);
  if (y1 > y0 && x1 > x0) {
    using torch::indexing::Slice;
    auto src = Slice(y0 - top, y1 - top), srcx = Slice(x0 - left, x1 - left);
    canvas.index_put_({Slice(), Slice(), Slice(y0, y1), Slice(x0, x1)},
                      colour.index({Slice(), Slice(), src, srcx}));
    mask.index_put_({Slice(), Slice(), Slice(y0, y1), Slice(x0, x1)},
                    alpha.index({Slice(), Slice(), src, srcx}));
  }
  return {canvas, mask};
}

torch::Tensor apply_kind(const torch::Tensor& x, const Intervention& spec,
                         const std::vector<double>& strengths, const torch::Device& device) {
  auto s = as_column(torch::tensor(strengths, torch::kFloat64).to(device, torch::kFloat32));
  const std::string& kind = spec.kind;
  if (kind == "brightness") return (x * s).clamp(0, 1);
  if (kind == "contrast") {
    auto mean = x.size(1) == 3 ? grayscale(x).mean() : x.mean();
    return ((x - mean) * s + mean).clamp(0, 1);
  }
  if (kind == "saturation") {
    need_rgb(x, kind);
    auto gray = grayscale(x);
    return (gray + s * (x - gray)).clamp(0, 1);
  }
  if (kind == "hue") {
    need_rgb(x, kind);
    if (spec.space == "yiq") return hue_rotate_yiq(x, strengths);
    if (spec.space == "hsv") return hue_rotate_hsv(x, strengths);
    throw Error("intervention", "Unknown hue space \"" + spec.space + "\".");
  }
  if (kind == "gamma") return x.clamp(0, 1).pow(s);
  if (kind == "blur") return blur(x, strengths);
  if (kind == "rotate" || kind == "translate" || kind == "zoom") {
    std::vector<std::array<double, 6>> maps;
    for (double v : strengths) {
      if (kind == "rotate") {
        // Rows run downwards, so output pixel p reading R(angle) p turns the
        // content counter-clockwise as displayed.
        const double a = v * kPi / 180.0;
        maps.push_back({std::cos(a), -std::sin(a), 0, std::sin(a), std::cos(a), 0});
      } else if (kind == "translate") {
        maps.push_back({1, 0, -v * spec.numbers[0], 0, 1, -v * spec.numbers[1]});
      } else {
        maps.push_back({1 / v, 0, 0, 0, 1 / v, 0});
      }
    }
    return warp(x, maps, spec.padding);
  }
  if (kind == "colour_shift") {
    // intervene() applies the mask, as for every kind: a 0/1 mask gives
    // x + s * colour inside and x outside.
    auto colour = torch::tensor(spec.numbers, torch::kFloat64).to(device, torch::kFloat32);
    return (x + s * colour.view({1, -1, 1, 1})).clamp(0, 1);
  }
  if (kind == "patch") {
    auto placed = place_patch(x, to_tensor(spec.other, device),
                              static_cast<int64_t>(spec.numbers[0]),
                              static_cast<int64_t>(spec.numbers[1]));
    auto m = s * placed.second;
    return x * (1 - m) + m * placed.first;
  }
  if (kind == "interpolate") {
    // x holds the colour channels only; the target's alpha is not used.
    auto target = to_tensor(spec.other, device).narrow(1, 0, x.size(1));
    return x * (1 - s) + target * s;
  }
  throw Error("intervention", "Unknown intervention \"" + kind + "\".");
}


// Copies the input's alpha plane, as doubles, into each of the k images at
// out, so that colour kinds return it bit for bit.
void copy_alpha(const ImageView& image, double* out, int64_t k) {
  const int64_t plane = image.h * image.w;
  const double* alpha = image.data + plane * (image.c - 1);
  double* target = out + k * plane * (image.c - 1);
  for (int64_t p = 0; p < plane; ++p) {
    for (int64_t j = 0; j < k; ++j) target[p * k + j] = alpha[p];
  }
}

}  // namespace

bool moves_pixels(const std::string& kind) {
  return kind == "blur" || kind == "rotate" || kind == "translate" || kind == "zoom";
}

torch::Tensor intervened_batch(const torch::Tensor& x, const torch::Tensor& mask,
                               const Intervention& spec, int64_t start, int64_t end) {
  const int64_t c = x.size(1);
  // Colour kinds see the colour channels only; alpha is put back after.
  const bool keep_alpha = (c == 2 || c == 4) && !moves_pixels(spec.kind);
  torch::Tensor colour = keep_alpha ? x.narrow(1, 0, c - 1) : x;
  std::vector<double> part(spec.strengths.begin() + start, spec.strengths.begin() + end);
  torch::Tensor y = apply_kind(colour, spec, part, x.device());
  // Written as m * y + (1 - m) * x, a 0/1 mask returns y or x exactly.
  if (mask.defined()) y = y * mask + colour * (1 - mask);
  if (keep_alpha) y = torch::cat({y, x.narrow(1, c - 1, 1).expand({end - start, 1, -1, -1})}, 1);
  return y;
}

void intervene(const ImageView& image, const Intervention& spec, const std::string& device,
               int64_t batch_size, const Allocator& allocate, const InterruptCheck& interrupted) {
  c10::InferenceMode guard;
  const torch::Device dev = parse_device(device);
  try {
    torch::Tensor x = to_tensor(image, dev);
    torch::Tensor mask = spec.mask.empty() ? torch::Tensor() : to_tensor(spec.mask, dev);
    const int64_t k = static_cast<int64_t>(spec.strengths.size());
    double* out = allocate(k, image.h, image.w, image.c);
    for (int64_t start = 0; start < k; start += batch_size) {
      if (interrupted && interrupted()) throw Error("interrupt", "Interrupted.");
      const int64_t end = std::min(k, start + batch_size);
      write_batch(intervened_batch(x, mask, spec, start, end), out, k, start);
    }
    // Alpha again from the input's doubles, exact rather than via float.
    if ((image.c == 2 || image.c == 4) && !moves_pixels(spec.kind)) copy_alpha(image, out, k);
  } catch (const c10::Error& e) {
    throw Error("intervention", "The " + spec.kind + " intervention failed: " + describe(e));
  }
}

struct Editor::Impl {
  torch::jit::Module module;
  torch::Device device{torch::kCPU};
};

Editor::Editor(const std::string& path, const std::string& device) : impl_(new Impl) {
  impl_->device = parse_device(device);
  impl_->module = load_module(path, impl_->device);
}

Editor::~Editor() = default;

namespace {

// Runs an editor's module over the strengths, batch_size at a time, from one
// image; sink(y, start, k) takes each checked B x C x H x W output batch.
template <typename Sink>
void edit_batches(torch::jit::Module& module, const torch::Device& device, const ImageView& image,
                  const std::vector<double>& strengths, int64_t batch_size,
                  const InterruptCheck& interrupted, std::optional<uint64_t> seed, Sink sink) {
  torch::Tensor x = to_tensor(image, device);
  // Seeded once per sweep, not per batch: reseeding each batch would give
  // every batch the same noise. at::manual_seed also seeds each CUDA device.
  if (seed) torch::manual_seed(*seed);
  const int64_t k = static_cast<int64_t>(strengths.size());
  for (int64_t start = 0; start < k; start += batch_size) {
    if (interrupted && interrupted()) throw Error("interrupt", "Interrupted.");
    const int64_t end = std::min(k, start + batch_size);
    std::vector<double> part(strengths.begin() + start, strengths.begin() + end);
    auto s = torch::tensor(part, torch::kFloat64).to(device, torch::kFloat32);
    auto batch = x.expand({end - start, -1, -1, -1}).contiguous();
    torch::Tensor y;
    try {
      auto value = module.forward({batch, s});
      if (!value.isTensor()) throw Error("editor", "The editor returned a " + value.tagKind() + ", not a tensor.");
      y = value.toTensor();
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      throw Error("editor", "The editor failed on a batch of " + std::to_string(end - start) +
                                " images: " + describe(e));
    }
    if (y.sizes() != batch.sizes()) {
      throw Error("editor", "The editor must return images of the input's shape " +
                                c10::str(batch.sizes()) + "; it returned " + c10::str(y.sizes()) +
                                ".");
    }
    sink(y, start, k);
  }
}

}  // namespace

void Editor::apply(const ImageView& image, const std::vector<double>& strengths,
                   int64_t batch_size, const Allocator& allocate,
                   const InterruptCheck& interrupted, std::optional<uint64_t> seed) const {
  c10::InferenceMode guard;
  double* out = nullptr;
  edit_batches(impl_->module, impl_->device, image, strengths, batch_size, interrupted, seed,
               [&](const torch::Tensor& y, int64_t start, int64_t k) {
                 if (out == nullptr) out = allocate(k, image.h, image.w, image.c);
                 write_batch(y, out, k, start);
               });
}

std::unique_ptr<ImageTensor> Editor::apply_tensor(const ImageView& image,
                                                  const std::vector<double>& strengths,
                                                  int64_t batch_size,
                                                  const InterruptCheck& interrupted,
                                                  std::optional<uint64_t> seed) const {
  c10::InferenceMode guard;
  torch::Tensor out;
  edit_batches(impl_->module, impl_->device, image, strengths, batch_size, interrupted, seed,
               [&](const torch::Tensor& y, int64_t start, int64_t k) {
                 // Floating outputs keep their type (write() then gives the
                 // doubles apply() would); others become float64, exactly.
                 if (!out.defined()) {
                   auto type = torch::isFloatingType(y.scalar_type()) ? y.scalar_type() : torch::kFloat64;
                   out = torch::empty({k, y.size(1), y.size(2), y.size(3)},
                                      y.options().dtype(type).device(impl_->device));
                 }
                 out.narrow(0, start, y.size(0)).copy_(y);
               });
  return ImageTensorAccess::make(out);
}

}  // namespace torchx
}  // namespace propgrad
