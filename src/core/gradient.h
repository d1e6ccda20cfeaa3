// Property gradients as linear stencils. For a fixed set of property values
// t, every gradient the package offers (unit or uneven spacing, periodic
// wrap, local-polynomial smoothing) is a linear map g = D y with a few
// non-zeros per row. The stencil is built once per series and then applied
// to each of the K shuffled outputs, which is what makes the shuffle test
// cheap. Plain C++17; no R headers.
#pragma once
#include <cstddef>
#include <stdexcept>
#include <vector>

namespace propgrad {

enum class Spacing { Index, Property };

struct GradientOptions {
  Spacing spacing = Spacing::Property;
  bool rescale = false;       // map t to [0, 1] (or a period to length 1)
  double period = 0.0;        // > 0: periodic property with this period
  int smooth_window = 0;      // 0: no smoothing; else odd window >= degree + 2
  int smooth_degree = 2;      // local polynomial degree (1..6)
};

class GradientStencil {
 public:
  // t may be nullptr for Spacing::Index. Throws std::invalid_argument on
  // input the R layer should already have refused (n < 2, unsorted t, ...).
  GradientStencil(const double* t, std::size_t n, const GradientOptions& opt);

  std::size_t size() const { return n_; }

  // g[i] for one output column y (length n).
  void apply(const double* y, double* g) const;

  // Mean |g_i| of one column (the EPGM of a scalar output).
  double mean_abs(const double* y) const;

  // Mean Euclidean norm of the gradient rows of an n x d column-major
  // matrix (the EPGM of a vector output). work must hold n doubles.
  double mean_norm(const double* y, std::size_t d, double* work) const;

  // When every row is a scaled difference of two distinct steps,
  // g_i = w_i (y_a - y_b) (three-point rows on evenly spaced steps, and the
  // one-sided ends), fills |w_i| and returns true; else false. Such rows
  // make the mean of the EPGM over all orderings of y known in closed form.
  bool difference_weights(std::vector<double>& w) const;

 private:
  void build_three_point(const std::vector<double>& x, double period);
  void build_local_polynomial(const std::vector<double>& x, double period,
                              int window, int degree);
  double row(const double* y, std::size_t i) const;

  std::size_t n_ = 0;
  bool banded_ = true;  // three-point rows: lo/mid/hi with fixed neighbours
  std::vector<double> lo_, mid_, hi_;
  std::size_t first_lo_ = 0, last_hi_ = 0;  // neighbour of rows 0 and n-1
  // General rows (smoothing): compressed sparse rows.
  std::vector<std::size_t> start_, col_;
  std::vector<double> w_;
};

// Positions the stencil is built on: 0..n-1 for index spacing, else t;
// rescaled when asked. Returns the period on the same scale (0 if none).
double gradient_positions(const double* t, std::size_t n,
                          const GradientOptions& opt, std::vector<double>& x);

}  // namespace propgrad
