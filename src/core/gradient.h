// Property gradients as linear stencils. For a fixed set of property values
// t, every gradient the package offers (unit or uneven spacing, periodic
// wrap, local-polynomial smoothing) is a linear map g = D y with a few
// non-zeros per row. The stencil is built once per series and then applied
// to each of the K shuffled outputs, which is what makes the shuffle test
// cheap. Plain C++17; no R headers.
//
// Any finite, strictly increasing t works: the stencil is built on
// positions u = t * 2^-e, with 2^e close to the mean step, so the weights
// are of order one whatever the units of t. Scaling by a power of two is
// exact, so results equal those on t itself wherever those are
// representable. The scaled_* reductions return gradients per unit of u
// (what the shuffle engine compares, invariant to the units of t);
// to_user() turns them into gradients per unit of t.
#pragma once
#include <cmath>
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

  // g[i] for one output column y (length n), per unit of t.
  void apply(const double* y, double* g) const;

  // Mean |g_i| of one column (the EPGM of a scalar output), per unit of t.
  double mean_abs(const double* y) const { return to_user(scaled_mean_abs(y)); }

  // Mean Euclidean norm of the gradient rows of an n x d column-major
  // matrix (the EPGM of a vector output), per unit of t. work must hold n
  // doubles.
  double mean_norm(const double* y, std::size_t d, double* work) const {
    return to_user(scaled_mean_norm(y, d, work));
  }

  // The same per unit of the internal positions u. Interior rows are
  // summed in the fixed order of kernels.h, on any instruction set.
  double scaled_mean_abs(const double* y) const;
  double scaled_mean_norm(const double* y, std::size_t d, double* work) const;

  // A gradient per unit of u as a gradient per unit of t (exact, unless the
  // value itself lies beyond double range).
  double to_user(double v) const { return exponent_ == 0 ? v : std::ldexp(v, -exponent_); }

  // When every row is a scaled difference of two distinct steps,
  // g_i = w_i (y_a - y_b) (three-point rows on evenly spaced steps, and the
  // one-sided ends), fills |w_i| (per unit of u) and returns true; else
  // false. Such rows make the mean of the EPGM over all orderings of y
  // known in closed form.
  bool difference_weights(std::vector<double>& w) const;

  // The three-point rows (per unit of u) for kernels that apply them to
  // many series at once: row i is lo[i] y[i-1] + mid[i] y[i] + hi[i] y[i+1]
  // inside, with neighbours first_lo / last_hi at rows 0 and n-1.
  // interior_mid is nullptr when every interior mid is 0 (kernels.h skips
  // it); end rows always use mid. False for smoothed stencils.
  struct ThreePoint {
    const double *lo, *mid, *hi, *interior_mid;
    std::size_t first_lo, last_hi;
  };
  bool three_point(ThreePoint& rows) const {
    if (!banded_) return false;
    rows = {lo_.data(), mid_.data(), hi_.data(), mid_zero_ ? nullptr : mid_.data(), first_lo_, last_hi_};
    return true;
  }

 private:
  void build_three_point(const std::vector<double>& x, double period);
  void build_local_polynomial(const std::vector<double>& x, double period,
                              int window, int degree);
  double row(const double* y, std::size_t i) const;

  std::size_t n_ = 0;
  int exponent_ = 0;    // positions u = x * 2^-exponent_ (see the top)
  bool banded_ = true;  // three-point rows: lo/mid/hi with fixed neighbours
  bool mid_zero_ = false;  // every interior mid_ is 0 (evenly spaced steps)
  std::vector<double> lo_, mid_, hi_;
  std::size_t first_lo_ = 0, last_hi_ = 0;  // neighbour of rows 0 and n-1
  // General rows (smoothing): compressed sparse rows.
  std::vector<std::size_t> start_, col_;
  std::vector<double> w_;
};

// e such that 2^e is within a factor of two of the mean step of the n
// increasing values x (0 when there is no usable step). Never overflows,
// even when x[n-1] - x[0] is beyond double range.
int step_exponent(const double* x, std::size_t n);

// Positions the stencil is built on: 0..n-1 for index spacing, else t;
// rescaled to [0, 1] when asked; then divided by 2^exponent (the step
// exponent of those positions). Returns the period on the same scale (0 if
// none). Throws std::invalid_argument when t is not strictly increasing, or
// its steps differ by more than double precision can hold.
double gradient_positions(const double* t, std::size_t n, const GradientOptions& opt,
                          std::vector<double>& x, int& exponent);

}  // namespace propgrad
