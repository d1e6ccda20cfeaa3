// Builds and applies gradient stencils (see gradient.h). Three-point rows
// follow numpy.gradient for unit spacing and the second-order uneven-step
// formula otherwise; smoothed rows are the first-derivative weights of a
// least-squares polynomial over a window (Savitzky-Golay on uneven t), solved
// with Eigen fixed-capacity matrices so no heap is touched per row.
#include "gradient.h"

#include "kernels.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

namespace propgrad {

namespace {
constexpr int kMaxDegree = 6;
using SmallMatrix =
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, 0, kMaxDegree + 1, kMaxDegree + 1>;
using SmallVector = Eigen::Matrix<double, Eigen::Dynamic, 1, 0, kMaxDegree + 1, 1>;
}  // namespace

int step_exponent(const double* x, std::size_t n) {
  if (x == nullptr || n < 2) return 0;
  // Halves first: x[n-1] - x[0] itself may overflow.
  const double half_span = 0.5 * x[n - 1] - 0.5 * x[0];
  if (!(half_span > 0) || !std::isfinite(half_span)) return 0;
  const double half_step = half_span / static_cast<double>(n - 1);
  return (half_step > 0 ? std::ilogb(half_step) : std::ilogb(half_span)) + 1;
}

double gradient_positions(const double* t, std::size_t n, const GradientOptions& opt,
                          std::vector<double>& x, int& exponent) {
  x.resize(n);
  exponent = 0;
  double period = opt.period > 0 ? opt.period : 0.0;
  int t_exponent = 0;  // how far t itself was scaled
  if (opt.spacing == Spacing::Index) {
    for (std::size_t i = 0; i < n; ++i) x[i] = static_cast<double>(i);
    if (period > 0) period = static_cast<double>(n);  // unit steps all round
  } else {
    if (t == nullptr) throw std::invalid_argument("property spacing needs t");
    for (std::size_t i = 0; i < n; ++i) {
      if (!std::isfinite(t[i])) throw std::invalid_argument("t must be finite");
      if (i > 0 && !(t[i] > t[i - 1])) throw std::invalid_argument("t must be strictly increasing");
    }
    // Powers of two scale exactly, so this changes no digit of the result.
    t_exponent = step_exponent(t, n);
    for (std::size_t i = 0; i < n; ++i) x[i] = std::ldexp(t[i], -t_exponent);
    if (period > 0) period = std::ldexp(period, -t_exponent);
  }
  if (opt.rescale && n > 1) {
    const double lo = x.front();
    const double span = period > 0 ? period : x.back() - x.front();
    if (!(span > 0) || !std::isfinite(span)) throw std::invalid_argument("t has zero range");
    for (auto& v : x) v = (v - lo) / span;  // the user's unit is now the span
    if (period > 0) period = 1.0;
    t_exponent = 0;
  }
  // The weights are computed per unit of u = x / 2^e, of order one.
  const int e = step_exponent(x.data(), n);
  if (e != 0) {
    for (auto& v : x) v = std::ldexp(v, -e);
    if (period > 0) period = std::ldexp(period, -e);
  }
  exponent = t_exponent + e;
  return period;
}

GradientStencil::GradientStencil(const double* t, std::size_t n,
                                 const GradientOptions& opt)
    : n_(n) {
  if (n < 2) throw std::invalid_argument("a gradient needs at least 2 steps");
  std::vector<double> x;
  const double period = gradient_positions(t, n, opt, x, exponent_);
  for (std::size_t i = 1; i < n; ++i) {
    if (!(x[i] > x[i - 1])) {
      throw std::invalid_argument(
          "the steps of t differ by more orders of magnitude than double precision holds");
    }
  }
  if (period > 0 && !(x.back() - x.front() < period)) {
    throw std::invalid_argument("the range of t must be shorter than the period");
  }
  if (opt.smooth_window > 0) {
    build_local_polynomial(x, period, opt.smooth_window, opt.smooth_degree);
  } else {
    build_three_point(x, period);
  }
}

void GradientStencil::build_three_point(const std::vector<double>& x, double period) {
  banded_ = true;
  const std::size_t n = n_;
  lo_.assign(n, 0.0);
  mid_.assign(n, 0.0);
  hi_.assign(n, 0.0);
  auto set_row = [&](std::size_t i, double h1, double h2) {
    const double denom = h1 * h2 * (h1 + h2);
    lo_[i] = -h2 * h2 / denom;
    mid_[i] = (h2 * h2 - h1 * h1) / denom;
    hi_[i] = h1 * h1 / denom;
  };
  for (std::size_t i = 1; i + 1 < n; ++i) set_row(i, x[i] - x[i - 1], x[i + 1] - x[i]);
  if (period > 0) {
    // Wrap-around: the neighbour of step 0 is step n-1 one period earlier.
    const double gap = x[0] + period - x[n - 1];
    first_lo_ = n - 1;
    last_hi_ = 0;
    set_row(0, gap, x[1] - x[0]);
    set_row(n - 1, x[n - 1] - x[n - 2], gap);
  } else {
    // One-sided first differences at the ends, as numpy.gradient.
    const double h0 = x[1] - x[0], hn = x[n - 1] - x[n - 2];
    first_lo_ = 0;
    last_hi_ = n - 1;
    mid_[0] = -1.0 / h0;
    hi_[0] = 1.0 / h0;
    lo_[n - 1] = -1.0 / hn;
    mid_[n - 1] = 1.0 / hn;
  }
  // On evenly spaced steps the middle weight is 0; steps from seq() differ
  // in their last bits and leave a residue near 1e-14 of the outer weights,
  // which is rounding, not geometry: it is set to 0, so such grids get the
  // two-term rows (the same |row| to about 1e-14, and faster).
  mid_zero_ = true;
  for (std::size_t i = 1; i + 1 < n; ++i) {
    if (std::abs(mid_[i]) <= 1e-12 * (std::abs(lo_[i]) + std::abs(hi_[i]))) mid_[i] = 0.0;
    mid_zero_ = mid_zero_ && mid_[i] == 0.0;
  }
}

void GradientStencil::build_local_polynomial(const std::vector<double>& x, double period,
                                             int window, int degree) {
  const std::size_t n = n_;
  if (degree < 1 || degree > kMaxDegree) {
    throw std::invalid_argument("smoothing degree must be between 1 and 6");
  }
  if (window % 2 == 0 || window < degree + 2 || static_cast<std::size_t>(window) > n) {
    throw std::invalid_argument("smoothing window must be odd, > degree + 1 and <= n");
  }
  banded_ = false;
  start_.assign(n + 1, 0);
  col_.clear();
  w_.clear();
  const int half = window / 2;
  const int p = degree + 1;
  std::vector<double> dx(window);
  std::vector<std::size_t> idx(window);
  for (std::size_t i = 0; i < n; ++i) {
    for (int k = 0; k < window; ++k) {
      if (period > 0) {
        long j = static_cast<long>(i) - half + k;
        double shift = 0.0;
        if (j < 0) { j += static_cast<long>(n); shift = -period; }
        if (j >= static_cast<long>(n)) { j -= static_cast<long>(n); shift = period; }
        idx[k] = static_cast<std::size_t>(j);
        dx[k] = x[idx[k]] + shift - x[i];
      } else {
        // Near the ends the window slides inwards and stays full.
        const long first = std::clamp<long>(static_cast<long>(i) - half, 0,
                                            static_cast<long>(n) - window);
        idx[k] = static_cast<std::size_t>(first + k);
        dx[k] = x[idx[k]] - x[i];
      }
    }
    // Scale the abscissae for conditioning; undo it in the weights.
    double scale = 0.0;
    for (double v : dx) scale = std::max(scale, std::abs(v));
    SmallMatrix normal = SmallMatrix::Zero(p, p);
    for (int k = 0; k < window; ++k) {
      const double u = dx[k] / scale;
      double pw[2 * kMaxDegree + 1];
      pw[0] = 1.0;
      for (int e = 1; e <= 2 * degree; ++e) pw[e] = pw[e - 1] * u;
      for (int r = 0; r < p; ++r)
        for (int c = 0; c < p; ++c) normal(r, c) += pw[r + c];
    }
    SmallVector unit = SmallVector::Zero(p);
    unit(1) = 1.0;
    const SmallVector v = normal.ldlt().solve(unit);
    for (int k = 0; k < window; ++k) {
      const double u = dx[k] / scale;
      double weight = 0.0, pw = 1.0;
      for (int r = 0; r < p; ++r) {
        weight += v(r) * pw;
        pw *= u;
      }
      col_.push_back(idx[k]);
      w_.push_back(weight / scale);
    }
    start_[i + 1] = col_.size();
  }
}

inline double GradientStencil::row(const double* y, std::size_t i) const {
  if (banded_) {
    if (i == 0) return lo_[0] * y[first_lo_] + mid_[0] * y[0] + hi_[0] * y[n_ > 1 ? 1 : 0];
    if (i == n_ - 1) return lo_[i] * y[i - 1] + mid_[i] * y[i] + hi_[i] * y[last_hi_];
    return lo_[i] * y[i - 1] + mid_[i] * y[i] + hi_[i] * y[i + 1];
  }
  double s = 0.0;
  for (std::size_t k = start_[i]; k < start_[i + 1]; ++k) s += w_[k] * y[col_[k]];
  return s;
}

void GradientStencil::apply(const double* y, double* g) const {
  for (std::size_t i = 0; i < n_; ++i) g[i] = to_user(row(y, i));
}

double GradientStencil::scaled_mean_abs(const double* y) const {
  double total = std::abs(row(y, 0)) + std::abs(row(y, n_ - 1));
  if (banded_) {
    total += interior_abs_sum(lo_.data(), mid_zero_ ? nullptr : mid_.data(), hi_.data(), y, n_);
  } else {
    for (std::size_t i = 1; i + 1 < n_; ++i) total += std::abs(row(y, i));
  }
  return total / static_cast<double>(n_);
}

double GradientStencil::scaled_mean_norm(const double* y, std::size_t d, double* work) const {
  if (d == 1) return scaled_mean_abs(y);
  std::fill(work, work + n_, 0.0);
  for (std::size_t c = 0; c < d; ++c) {
    const double* col = y + c * n_;
    for (std::size_t i = 0; i < n_; ++i) {
      const double g = row(col, i);
      work[i] += g * g;
    }
  }
  double total = 0.0;
  for (std::size_t i = 0; i < n_; ++i) total += std::sqrt(work[i]);
  return total / static_cast<double>(n_);
}

bool GradientStencil::difference_weights(std::vector<double>& w) const {
  if (!banded_ || n_ < 3) return false;
  w.assign(n_, 0.0);
  for (std::size_t i = 0; i < n_; ++i) {
    // Which weights act on which steps (row 0 and n-1 may wrap around).
    const std::size_t left = i == 0 ? first_lo_ : i - 1;
    const std::size_t right = i == n_ - 1 ? last_hi_ : i + 1;
    double a = lo_[i], b = mid_[i], c = hi_[i];
    // Ends without wrap-around: the zero weight sits on the step itself.
    if (left == i) { a += b; b = 0.0; }
    if (right == i) { c += b; b = 0.0; }
    const double scale = std::abs(a) + std::abs(b) + std::abs(c);
    // Rounding of evenly spaced t leaves relative residues near 1e-14.
    const double eps = 1e-10 * scale;
    const bool two_point = std::abs(b) <= eps && std::abs(a + c) <= eps && left != right;
    if (!two_point) return false;
    w[i] = 0.5 * (std::abs(a) + std::abs(c));
  }
  return true;
}

}  // namespace propgrad
