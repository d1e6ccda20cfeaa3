// Per-axis resize and crop weights (see resize.h). The formulas follow
// PyTorch's CPU kernels (aten/src/ATen/native/UpSample.h and
// cpu/UpSampleKernel.cpp) line by line, in double rather than float: the
// source coordinate of output pixel i is scale * (i + 0.5) with scale =
// in / out (align_corners = False, no scale_factor).
#include "resize.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace propgrad {
namespace resize {

namespace {

void check_positive(int64_t v, const char* what) {
  if (v < 1) throw std::invalid_argument(std::string(what) + " must be at least 1");
}

// Keys' cubic convolution, |x| < 1 and 1 <= |x| < 2.
double cubic1(double x, double a) { return ((a + 2) * x - (a + 3)) * x * x + 1; }
double cubic2(double x, double a) { return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a; }

// The antialias filters: a triangle for bilinear; for bicubic Keys' cubic
// with a = -0.5 (PIL's choice, which torch follows when antialiasing).
double aa_filter(double x, Filter filter) {
  x = std::fabs(x);
  if (filter == Filter::Bilinear) return x < 1 ? 1 - x : 0;
  const double a = -0.5;
  if (x < 1) return cubic1(x, a);
  if (x < 2) return cubic2(x, a);
  return 0;
}

// _compute_weights_aa: a filter centred on the source coordinate, its
// support widened by the scale when shrinking (so every input pixel
// counts), truncated at the borders and normalised to sum to one.
void antialias_weights(int64_t in, int64_t out, Filter filter, std::vector<double>& w) {
  const double scale = static_cast<double>(in) / static_cast<double>(out);
  const double interp_size = filter == Filter::Bilinear ? 2 : 4;
  const double support = scale >= 1 ? interp_size * 0.5 * scale : interp_size * 0.5;
  const double invscale = scale >= 1 ? 1 / scale : 1;
  for (int64_t i = 0; i < out; ++i) {
    const double center = scale * (i + 0.5);
    // Truncation toward zero, as torch's static_cast.
    const int64_t xmin = std::max<int64_t>(static_cast<int64_t>(center - support + 0.5), 0);
    const int64_t xmax = std::min<int64_t>(static_cast<int64_t>(center + support + 0.5), in);
    double* row = &w[static_cast<size_t>(i * in)];
    double total = 0;
    for (int64_t j = xmin; j < xmax; ++j) {
      row[j] = aa_filter((j - center + 0.5) * invscale, filter);
      total += row[j];
    }
    if (total != 0) {
      for (int64_t j = xmin; j < xmax; ++j) row[j] /= total;
    }
  }
}

// upsample_bilinear2d: two neighbours; the source coordinate is clamped at
// zero and the right neighbour at the last pixel.
void bilinear_weights(int64_t in, int64_t out, std::vector<double>& w) {
  const double scale = static_cast<double>(in) / static_cast<double>(out);
  for (int64_t i = 0; i < out; ++i) {
    const double src = std::max(scale * (i + 0.5) - 0.5, 0.0);
    const int64_t i0 = static_cast<int64_t>(src);
    const int64_t i1 = i0 + (i0 < in - 1 ? 1 : 0);
    const double lambda = src - static_cast<double>(i0);
    w[static_cast<size_t>(i * in + i0)] += 1 - lambda;
    w[static_cast<size_t>(i * in + i1)] += lambda;
  }
}

// upsample_bicubic2d: four neighbours, Keys' cubic with a = -0.75 (as
// OpenCV), indices beyond the borders clamped to the edge pixels.
void bicubic_weights(int64_t in, int64_t out, std::vector<double>& w) {
  const double scale = static_cast<double>(in) / static_cast<double>(out);
  const double a = -0.75;
  for (int64_t i = 0; i < out; ++i) {
    const double src = scale * (i + 0.5) - 0.5;
    // guard_index_and_lambda
    const int64_t i0 = std::min<int64_t>(static_cast<int64_t>(std::floor(src)), in - 1);
    const double t = std::min(std::max(src - static_cast<double>(i0), 0.0), 1.0);
    const double coef[4] = {cubic2(t + 1, a), cubic1(t, a), cubic1(1 - t, a), cubic2(2 - t, a)};
    for (int k = 0; k < 4; ++k) {
      const int64_t j = std::min(std::max<int64_t>(i0 - 1 + k, 0), in - 1);
      w[static_cast<size_t>(i * in + j)] += coef[k];
    }
  }
}

}  // namespace

Size resized_size(int64_t height, int64_t width, const std::vector<int64_t>& size) {
  check_positive(height, "height");
  check_positive(width, "width");
  if (size.empty()) return {height, width};
  for (int64_t s : size) check_positive(s, "size");
  if (size.size() == 2) return {size[0], size[1]};
  if (size.size() != 1) throw std::invalid_argument("size must have one or two numbers");
  const bool wide = width > height;
  const int64_t shorter = wide ? height : width, longer = wide ? width : height;
  // Python: int(requested * long / short), left to right in double.
  const int64_t new_long = static_cast<int64_t>(static_cast<double>(size[0]) *
                                                static_cast<double>(longer) /
                                                static_cast<double>(shorter));
  return wide ? Size{size[0], new_long} : Size{new_long, size[0]};
}

Size output_size(const Spec& spec, int64_t height, int64_t width) {
  Size s = resized_size(height, width, spec.size);
  if (spec.crop.empty()) return s;
  if (spec.crop.size() != 2) throw std::invalid_argument("crop must have two numbers");
  check_positive(spec.crop[0], "crop");
  check_positive(spec.crop[1], "crop");
  return {spec.crop[0], spec.crop[1]};
}

int64_t crop_start(int64_t length, int64_t crop) {
  check_positive(length, "length");
  check_positive(crop, "crop");
  // torchvision pads (crop - length) // 2 zeros before, the rest after.
  if (crop > length) return -((crop - length) / 2);
  const int64_t d = length - crop, half = d / 2;
  if (d % 2 == 0) return half;
  return half % 2 == 0 ? half : half + 1;  // half + 0.5 to even
}

std::vector<double> axis_weights(int64_t in, int64_t out, Filter filter, bool antialias) {
  check_positive(in, "input size");
  check_positive(out, "output size");
  std::vector<double> w(static_cast<size_t>(in * out), 0.0);
  if (antialias) {
    antialias_weights(in, out, filter, w);
  } else if (filter == Filter::Bilinear) {
    bilinear_weights(in, out, w);
  } else {
    bicubic_weights(in, out, w);
  }
  return w;
}

std::vector<double> axis_matrix(int64_t in, int64_t resized, int64_t crop, Filter filter,
                                bool antialias) {
  // Same size: torchvision returns the image untouched (and every kernel
  // here would give the identity anyway).
  std::vector<double> w;
  if (resized == in) {
    check_positive(in, "input size");
    w.assign(static_cast<size_t>(in * in), 0.0);
    for (int64_t i = 0; i < in; ++i) w[static_cast<size_t>(i * in + i)] = 1;
  } else {
    w = axis_weights(in, resized, filter, antialias);
  }
  if (crop <= 0 || crop == resized) return w;
  const int64_t start = crop_start(resized, crop);
  std::vector<double> out(static_cast<size_t>(crop * in), 0.0);
  for (int64_t k = 0; k < crop; ++k) {
    const int64_t r = start + k;
    if (r < 0 || r >= resized) continue;
    std::copy(w.begin() + r * in, w.begin() + (r + 1) * in, out.begin() + k * in);
  }
  return out;
}

Band band(const std::vector<double>& w, int64_t out, int64_t in) {
  check_positive(out, "output size");
  check_positive(in, "input size");
  if (w.size() != static_cast<size_t>(out * in)) throw std::invalid_argument("w is not out x in");
  std::vector<int64_t> first(static_cast<size_t>(out), 0), last(static_cast<size_t>(out), -1);
  Band b;
  b.out = out;
  b.width = 1;
  for (int64_t i = 0; i < out; ++i) {
    const double* row = &w[static_cast<size_t>(i * in)];
    int64_t lo = 0, hi = in - 1;
    while (lo < in && row[lo] == 0) ++lo;
    while (hi >= lo && row[hi] == 0) --hi;
    if (lo == in) continue;  // a row of padding: all weights 0
    first[static_cast<size_t>(i)] = lo;
    last[static_cast<size_t>(i)] = hi;
    b.width = std::max(b.width, hi - lo + 1);
  }
  b.index.resize(static_cast<size_t>(out * b.width));
  b.weights.assign(static_cast<size_t>(out * b.width), 0.0);
  for (int64_t i = 0; i < out; ++i) {
    for (int64_t k = 0; k < b.width; ++k) {
      const int64_t j = first[static_cast<size_t>(i)] + k;
      const size_t at = static_cast<size_t>(i * b.width + k);
      b.index[at] = std::min(j, in - 1);
      if (j <= last[static_cast<size_t>(i)]) b.weights[at] = w[static_cast<size_t>(i * in + j)];
    }
  }
  return b;
}

Matrices matrices(const Spec& spec, int64_t height, int64_t width) {
  const Size resized = resized_size(height, width, spec.size);
  Matrices m;
  m.out = output_size(spec, height, width);
  const int64_t crop_h = spec.crop.empty() ? 0 : spec.crop[0];
  const int64_t crop_w = spec.crop.empty() ? 0 : spec.crop[1];
  m.rows = axis_matrix(height, resized.height, crop_h, spec.filter, spec.antialias);
  m.cols = axis_matrix(width, resized.width, crop_w, spec.filter, spec.antialias);
  return m;
}

}  // namespace resize
}  // namespace propgrad
