// Rcpp glue for the resize and crop weights of core/resize.h, which need no
// LibTorch: R asks for output sizes (to check that images of different
// sizes end the same size) and for the two axes' weights, as bands, for
// resize_images().
#include "rcpp_glue.h"

namespace rz = propgrad::resize;

namespace {

template <typename F>
auto checked(F body) -> decltype(body()) {
  try {
    return body();
  } catch (const std::invalid_argument& e) {
    Rcpp::stop("internal error: %s", e.what());
  }
}

}  // namespace

// c(height, width) of an image of height x width after spec.
// [[Rcpp::export(rng = false)]]
Rcpp::IntegerVector pg_resize_output_size(int height, int width, Rcpp::List spec) {
  return checked([&] {
    rz::Size s = rz::output_size(resize_spec_from_r(spec), height, width);
    return Rcpp::IntegerVector::create(static_cast<int>(s.height), static_cast<int>(s.width));
  });
}

// The two axes of spec for an image of height x width as bands (see
// resize::band): rows and cols, each a list of index (1-based) and weights,
// out x width matrices. Output row i of one channel X is
// sum over k of weights[i, k] * X[index[i, k], ], then the same for columns.
// [[Rcpp::export(rng = false)]]
Rcpp::List pg_resize_bands(int height, int width, Rcpp::List spec) {
  return checked([&] {
    rz::Matrices m = rz::matrices(resize_spec_from_r(spec), height, width);
    auto r_band = [](const rz::Band& b) {
      Rcpp::IntegerMatrix index(static_cast<int>(b.out), static_cast<int>(b.width));
      Rcpp::NumericMatrix weights(static_cast<int>(b.out), static_cast<int>(b.width));
      for (int64_t i = 0; i < b.out; ++i) {
        for (int64_t k = 0; k < b.width; ++k) {
          const size_t at = static_cast<size_t>(i * b.width + k);
          index(static_cast<int>(i), static_cast<int>(k)) = static_cast<int>(b.index[at] + 1);
          weights(static_cast<int>(i), static_cast<int>(k)) = b.weights[at];
        }
      }
      return Rcpp::List::create(Rcpp::Named("index") = index, Rcpp::Named("weights") = weights);
    };
    return Rcpp::List::create(Rcpp::Named("rows") = r_band(rz::band(m.rows, m.out.height, height)),
                              Rcpp::Named("cols") = r_band(rz::band(m.cols, m.out.width, width)));
  });
}
