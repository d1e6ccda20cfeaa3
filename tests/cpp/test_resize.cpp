// Resize and crop weights (src/core/resize.h) against cases worked by hand
// and against PyTorch 1.13. The PyTorch matrices are the kernels applied to
// an identity image, W(n_in, n_out) =
//   F.interpolate(torch.eye(n_in, dtype=torch.float64)[None, None],
//                 size=(n_in, n_out), mode=mode, align_corners=False,
//                 antialias=aa)[0, 0].T
// printed with "%.10g".
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "resize.h"

using propgrad::resize::Filter;
namespace rz = propgrad::resize;

namespace {

void expect_matrix(const std::vector<double>& got, const std::vector<double>& want, double tol) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tol) << "entry " << i;
}

}  // namespace

TEST(Resize, AntialiasedBilinearByHand) {
  // 4 -> 2: scale 2, so the triangle's support is 2 (not 1). Output 0 is
  // centred at 2 * 0.5 = 1; pixels 0..2 lie within the support (their
  // centres 0.5, 1.5, 2.5 sit 0.5, 0.5 and 1.5 away), triangle weights
  // 1 - d / 2 = 0.75, 0.75, 0.25, normalised by 1.75: 3/7, 3/7, 1/7.
  expect_matrix(rz::axis_weights(4, 2, Filter::Bilinear, true),
                {3. / 7, 3. / 7, 1. / 7, 0, 0, 1. / 7, 3. / 7, 3. / 7}, 1e-15);
  // Without antialiasing 4 -> 2 averages pairs: source 2 * 0.5 - 0.5 = 0.5.
  expect_matrix(rz::axis_weights(4, 2, Filter::Bilinear, false), {0.5, 0.5, 0, 0, 0, 0, 0.5, 0.5},
                1e-15);
  // Upsampling: the triangle keeps support 1, so it is plain bilinear.
  expect_matrix(rz::axis_weights(5, 8, Filter::Bilinear, true),
                rz::axis_weights(5, 8, Filter::Bilinear, false), 1e-15);
}

TEST(Resize, WeightsMatchPyTorch) {
  expect_matrix(rz::axis_weights(7, 3, Filter::Bilinear, true),
                {0.3571428571, 0.4285714286, 0.2142857143, 0, 0, 0, 0,
                 0, 0.05882352941, 0.2352941176, 0.4117647059, 0.2352941176, 0.05882352941, 0,
                 0, 0, 0, 0, 0.2142857143, 0.4285714286, 0.3571428571}, 1e-9);
  expect_matrix(rz::axis_weights(7, 3, Filter::Bicubic, true),
                {0.3830645161, 0.439516129, 0.2137096774, 0, -0.03225806452, -0.004032258065, 0,
                 -0.03052503053, 0.04517704518, 0.2759462759, 0.4188034188, 0.2759462759,
                 0.04517704518, -0.03052503053,
                 0, -0.004032258065, -0.03225806452, 0, 0.2137096774, 0.439516129, 0.3830645161},
                1e-9);
  // Upsampling with antialias: a = -0.5 and normalised borders, which is
  // not plain bicubic (a = -0.75, clamped borders).
  expect_matrix(rz::axis_weights(5, 8, Filter::Bicubic, true),
                {1.07195572, -0.07195571956, 0, 0, 0,
                 0.6052060738, 0.4451421395, -0.05034821327, 0, 0,
                 -0.02746582031, 0.9906005859, 0.03869628906, -0.001831054688, 0,
                 -0.03356933594, 0.3057861328, 0.8016357422, -0.07385253906, 0,
                 0, -0.07385253906, 0.8016357422, 0.3057861328, -0.03356933594,
                 0, -0.001831054688, 0.03869628906, 0.9906005859, -0.02746582031,
                 0, 0, -0.05034821327, 0.4451421395, 0.6052060738,
                 0, 0, 0, -0.07195571956, 1.07195572}, 1e-9);
  expect_matrix(rz::axis_weights(7, 3, Filter::Bicubic, false),
                {0.3148148148, 0.7962962963, -0.1111111111, 0, 0, 0, 0,
                 0, 0, 0, 1, 0, 0, 0,
                 0, 0, 0, 0, -0.1111111111, 0.7962962963, 0.3148148148}, 1e-9);
  expect_matrix(rz::axis_weights(3, 5, Filter::Bicubic, false),
                {1.096, -0.096, 0, 0.612, 0.46, -0.072, 0, 1, 0, -0.072, 0.46, 0.612,
                 0, -0.096, 1.096}, 1e-12);
  expect_matrix(rz::axis_weights(3, 5, Filter::Bilinear, false),
                {1, 0, 0, 0.6, 0.4, 0, 0, 1, 0, 0, 0.4, 0.6, 0, 0, 1}, 1e-12);
  expect_matrix(rz::axis_weights(10, 4, Filter::Bilinear, false),
                {0.25, 0.75, 0, 0, 0, 0, 0, 0, 0, 0,
                 0, 0, 0, 0.75, 0.25, 0, 0, 0, 0, 0,
                 0, 0, 0, 0, 0, 0.25, 0.75, 0, 0, 0,
                 0, 0, 0, 0, 0, 0, 0, 0, 0.75, 0.25}, 1e-12);
}

TEST(Resize, EveryRowSumsToOne) {
  for (Filter f : {Filter::Bilinear, Filter::Bicubic}) {
    for (bool aa : {true, false}) {
      for (int64_t in : {1, 2, 3, 17, 300}) {
        for (int64_t out : {1, 2, 5, 224}) {
          std::vector<double> w = rz::axis_weights(in, out, f, aa);
          for (int64_t i = 0; i < out; ++i) {
            double s = 0;
            for (int64_t j = 0; j < in; ++j) s += w[static_cast<size_t>(i * in + j)];
            EXPECT_NEAR(s, 1, 1e-12) << in << " -> " << out << " row " << i;
          }
        }
      }
    }
  }
}

TEST(Resize, OutputSizeFollowsTorchvision) {
  // Shorter edge to 256; the longer is int(256 * long / short).
  rz::Size s = rz::resized_size(480, 640, {256});
  EXPECT_EQ(s.height, 256);
  EXPECT_EQ(s.width, 341);  // 341.33
  s = rz::resized_size(500, 333, {224});
  EXPECT_EQ(s.height, 336);  // 224 * 500 / 333 = 336.34
  EXPECT_EQ(s.width, 224);
  s = rz::resized_size(300, 300, {7});
  EXPECT_EQ(s.height, 7);
  EXPECT_EQ(s.width, 7);
  s = rz::resized_size(30, 40, {});
  EXPECT_EQ(s.height, 30);
  EXPECT_EQ(s.width, 40);
  s = rz::resized_size(30, 40, {5, 9});
  EXPECT_EQ(s.height, 5);
  EXPECT_EQ(s.width, 9);
  rz::Spec spec;
  spec.size = {256};
  spec.crop = {224, 200};
  s = rz::output_size(spec, 1000, 10);
  EXPECT_EQ(s.height, 224);
  EXPECT_EQ(s.width, 200);
  EXPECT_THROW(rz::resized_size(0, 4, {}), std::invalid_argument);
  EXPECT_THROW(rz::resized_size(4, 4, {0}), std::invalid_argument);
  EXPECT_THROW(rz::resized_size(4, 4, {1, 2, 3}), std::invalid_argument);
}

TEST(Resize, CropStartRoundsHalfToEven) {
  // Python: int(round((length - crop) / 2.0)).
  EXPECT_EQ(rz::crop_start(10, 4), 3);
  EXPECT_EQ(rz::crop_start(5, 4), 0);   // round(0.5) = 0
  EXPECT_EQ(rz::crop_start(7, 4), 2);   // round(1.5) = 2
  EXPECT_EQ(rz::crop_start(9, 4), 2);   // round(2.5) = 2
  EXPECT_EQ(rz::crop_start(11, 4), 4);  // round(3.5) = 4
  EXPECT_EQ(rz::crop_start(4, 4), 0);
  // Larger crops pad (crop - length) // 2 zeros before.
  EXPECT_EQ(rz::crop_start(4, 7), -1);
  EXPECT_EQ(rz::crop_start(4, 8), -2);
}

TEST(Resize, CropKeepsRowsAndPadsWithZeros) {
  // No resize (3 -> 3), crop 2: rows 0..1 of the identity (round(0.5) = 0).
  expect_matrix(rz::axis_matrix(3, 3, 2, Filter::Bilinear, true), {1, 0, 0, 0, 1, 0}, 0);
  // Crop 5 of 2 pixels: one zero row before, two after.
  expect_matrix(rz::axis_matrix(2, 2, 5, Filter::Bicubic, true),
                {0, 0, 1, 0, 0, 1, 0, 0, 0, 0}, 0);
  // Resize 4 -> 2, then crop 1: round(0.5) = 0, the first row.
  expect_matrix(rz::axis_matrix(4, 2, 1, Filter::Bilinear, false), {0.5, 0.5, 0, 0}, 1e-15);
  rz::Spec spec;
  spec.size = {2};
  spec.crop = {2, 1};
  rz::Matrices m = rz::matrices(spec, 4, 6);  // resized to 2 x 3, then 2 x 1
  EXPECT_EQ(m.out.height, 2);
  EXPECT_EQ(m.out.width, 1);
  EXPECT_EQ(m.rows.size(), 2u * 4u);
  // Columns: 6 -> 3, then the middle one of three (round(1.0) = 1).
  const std::vector<double> w = rz::axis_weights(6, 3, Filter::Bilinear, true);
  EXPECT_EQ(m.cols, std::vector<double>(w.begin() + 6, w.begin() + 12));
}

TEST(Resize, BandAppliesLikeTheDenseMatrix) {
  // Shrinking, enlarging, cropped with padding rows, both filters.
  struct Case { int64_t in, resized, crop; Filter f; bool aa; };
  for (const Case& c : {Case{300, 37, 0, Filter::Bilinear, true}, Case{300, 37, 30, Filter::Bicubic, true},
                        Case{9, 20, 24, Filter::Bicubic, false}, Case{5, 5, 8, Filter::Bilinear, true},
                        Case{1, 3, 0, Filter::Bicubic, true}}) {
    const int64_t out = c.crop > 0 ? c.crop : c.resized;
    const std::vector<double> w = rz::axis_matrix(c.in, c.resized, c.crop, c.f, c.aa);
    const rz::Band b = rz::band(w, out, c.in);
    std::vector<double> x(static_cast<size_t>(c.in));
    for (int64_t j = 0; j < c.in; ++j) x[static_cast<size_t>(j)] = std::sin(1.0 + 0.7 * j) + 0.01 * j;
    for (int64_t i = 0; i < out; ++i) {
      double dense = 0, banded = 0;
      for (int64_t j = 0; j < c.in; ++j) dense += w[static_cast<size_t>(i * c.in + j)] * x[static_cast<size_t>(j)];
      for (int64_t k = 0; k < b.width; ++k) {
        const size_t at = static_cast<size_t>(i * b.width + k);
        ASSERT_GE(b.index[at], 0);
        ASSERT_LT(b.index[at], c.in);
        banded += b.weights[at] * x[static_cast<size_t>(b.index[at])];
      }
      EXPECT_NEAR(banded, dense, 1e-14) << c.in << " -> " << out << " row " << i;
    }
  }
  // The band of a 300 -> 37 bilinear shrink (scale 8.1) spans about
  // 2 * 8.1 + 1 pixels, not 300.
  const rz::Band b = rz::band(rz::axis_weights(300, 37, Filter::Bilinear, true), 37, 300);
  EXPECT_LE(b.width, 18);
  EXPECT_GE(b.width, 16);
}
