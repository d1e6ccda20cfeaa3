// Rcpp glue for the resize and crop weights of core/resize.h, which need no
// LibTorch: R asks for output sizes (to check that images of different
// sizes end the same size) and for the two matrices of resize_images().
#include "rcpp_glue.h"

namespace rz = propgrad::resize;

namespace {

// A row-major rows x cols matrix from the core as an R matrix.
Rcpp::NumericMatrix r_matrix(const std::vector<double>& w, int64_t rows, int64_t cols) {
  Rcpp::NumericMatrix out(static_cast<int>(rows), static_cast<int>(cols));
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) {
      out(static_cast<int>(i), static_cast<int>(j)) = w[static_cast<size_t>(i * cols + j)];
    }
  }
  return out;
}

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

// rows (out height x height) and cols (out width x width): the image X of
// one channel becomes rows %*% X %*% t(cols).
// [[Rcpp::export(rng = false)]]
Rcpp::List pg_resize_matrices(int height, int width, Rcpp::List spec) {
  return checked([&] {
    rz::Matrices m = rz::matrices(resize_spec_from_r(spec), height, width);
    return Rcpp::List::create(Rcpp::Named("rows") = r_matrix(m.rows, m.out.height, height),
                              Rcpp::Named("cols") = r_matrix(m.cols, m.out.width, width));
  });
}
