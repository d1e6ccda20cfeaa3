// Image resizing and centre cropping as torchvision does them, expressed as
// one weight matrix per axis: an image X (H x W, one channel) becomes
// Wy X Wx^T, where Wy is out_h x H and Wx is out_w x W. Every supported
// resize in torch is separable, so these matrices reproduce
// torch.nn.functional.interpolate(..., align_corners=False) exactly: the
// antialiased kernels (_upsample_bilinear2d_aa, _upsample_bicubic2d_aa:
// triangle or Keys cubic a = -0.5, support widened by the scale factor when
// shrinking, weights normalised) and the plain ones (upsample_bilinear2d,
// upsample_bicubic2d with a = -0.75 and clamped borders). A centre crop
// keeps some rows of a matrix; torchvision's zero padding, when the crop
// is larger than the image, becomes rows of zeros. The output sizes follow
// torchvision's _compute_resized_output_size and center_crop. This is the
// one home of the arithmetic: the LibTorch code applies these matrices on
// the device (by their bands) and the R code (no LibTorch needed)
// multiplies them itself.
// Plain C++17; no R or torch headers.
#pragma once
#include <cstdint>
#include <vector>

namespace propgrad {
namespace resize {

enum class Filter { Bilinear, Bicubic };

struct Size {
  int64_t height = 0, width = 0;
};

// What to do to each image: resize, then centre-crop.
struct Spec {
  std::vector<int64_t> size;  // empty: keep; {s}: shorter edge to s; {h, w}: exactly
  std::vector<int64_t> crop;  // empty: none; {h, w}
  Filter filter = Filter::Bilinear;
  bool antialias = true;
  bool active() const { return !size.empty() || !crop.empty(); }
};

// torchvision's _compute_resized_output_size: one number sets the shorter
// edge and the longer becomes int(size * long / short) (truncated); two
// numbers are the height and width. Throws std::invalid_argument for
// non-positive sizes or more than two numbers.
Size resized_size(int64_t height, int64_t width, const std::vector<int64_t>& size);

// The size an image of height x width has after spec (resize, then crop).
Size output_size(const Spec& spec, int64_t height, int64_t width);

// Index, in an axis of `length` pixels, of the first pixel of a centre crop
// of `crop` pixels: round((length - crop) / 2) with Python's round half to
// even; negative (minus the zero padding before) when crop > length.
int64_t crop_start(int64_t length, int64_t crop);

// Row-major `out` x `in` weights resizing one axis of `in` pixels to `out`.
std::vector<double> axis_weights(int64_t in, int64_t out, Filter filter, bool antialias);

// Row-major weights for one axis: resize `in` pixels to `resized`, then
// take a centre crop of `crop` pixels (crop <= 0: no crop). Rows of the
// crop that fall outside the resized axis (padding) are zero.
std::vector<double> axis_matrix(int64_t in, int64_t resized, int64_t crop, Filter filter,
                                bool antialias);

// A weight matrix by its band of non-zeros, for applying it without a
// dense product: output i = sum over k < width of
// weights[i * width + k] * input[index[i * width + k]]. Each row's band
// starts at its first non-zero; entries past its last are weight 0 (index
// clamped to the axis). A resize row spans a few pixels around its source
// coordinate (about 2 * scale + 1 for bilinear, 4 * scale + 1 for bicubic).
struct Band {
  int64_t out = 0, width = 0;
  std::vector<int64_t> index;
  std::vector<double> weights;
};
Band band(const std::vector<double>& w, int64_t out, int64_t in);

// Both axes of spec for an image of height x width: rows (out.height x
// height) and cols (out.width x width), row-major.
struct Matrices {
  Size out;
  std::vector<double> rows, cols;
};
Matrices matrices(const Spec& spec, int64_t height, int64_t width);

}  // namespace resize
}  // namespace propgrad
