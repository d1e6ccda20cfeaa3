// Implementation of the per-series statistics (see statistics.h). The KSG
// neighbour search walks outwards from each point in t order and stops once
// the t distance alone exceeds the current k-th distance; marginal counts are
// binary searches in the sorted t and sorted y, both fixed under permutation.
#include "statistics.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace propgrad {

namespace {

std::vector<double> digamma_table(std::size_t upto) {
  // digamma(1) = -Euler gamma; digamma(m + 1) = digamma(m) + 1 / m.
  std::vector<double> psi(upto + 1, 0.0);
  if (upto >= 1) psi[1] = -0.57721566490153286061;
  for (std::size_t m = 1; m < upto; ++m) psi[m + 1] = psi[m] + 1.0 / static_cast<double>(m);
  return psi;
}

double mean_of(const double* v, std::size_t n) {
  double s = 0.0;
  for (std::size_t i = 0; i < n; ++i) s += v[i];
  return s / static_cast<double>(n);
}

// Number of values in sorted v strictly inside (c - r, c + r), i.e. with
// |v - c| < r evaluated exactly as the neighbour distances were. The binary
// searches use fl(c -/+ r), which can be one value off, so the ends are then
// moved to the exact boundary.
std::size_t count_within(const std::vector<double>& v, double c, double r) {
  auto inside = [c, r](double a) { return std::abs(a - c) < r; };
  auto lo = std::upper_bound(v.begin(), v.end(), c - r);
  while (lo != v.begin() && inside(*(lo - 1))) --lo;
  while (lo != v.end() && *lo < c && !inside(*lo)) ++lo;
  auto hi = std::lower_bound(lo, v.end(), c + r);
  while (hi != v.end() && inside(*hi)) ++hi;
  while (hi != lo && *(hi - 1) > c && !inside(*(hi - 1))) --hi;
  return static_cast<std::size_t>(hi - lo);
}

double ksg_core(const std::vector<double>& x, const double* y,
                const std::vector<double>& y_sorted, int k, const std::vector<double>& psi) {
  const std::size_t n = x.size();
  double best[16];
  double sum_psi = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    int have = 0;
    long left = static_cast<long>(i) - 1;
    std::size_t right = i + 1;
    while (left >= 0 || right < n) {
      const double dl = left >= 0 ? x[i] - x[left] : INFINITY;
      const double dr = right < n ? x[right] - x[i] : INFINITY;
      // Written so a NaN distance can never step past either end.
      const bool take_left = left >= 0 && (right >= n || dl <= dr);
      const double dx = take_left ? dl : dr;
      if (have == k && dx >= best[k - 1]) break;
      const std::size_t j = take_left ? static_cast<std::size_t>(left--) : right++;
      const double dist = std::max(dx, std::abs(y[j] - y[i]));
      if (have < k) {
        best[have++] = dist;
        std::sort(best, best + have);
      } else if (dist < best[k - 1]) {
        int pos = k - 1;
        while (pos > 0 && best[pos - 1] > dist) {
          best[pos] = best[pos - 1];
          --pos;
        }
        best[pos] = dist;
      }
    }
    const double eps = best[k - 1];
    // Minus the point itself (absent from the count only when eps is 0).
    const std::size_t cx = count_within(x, x[i], eps), cy = count_within(y_sorted, y[i], eps);
    const std::size_t nx = cx > 0 ? cx - 1 : 0, ny = cy > 0 ? cy - 1 : 0;
    sum_psi += psi[nx + 1] + psi[ny + 1];
  }
  const double mi = psi[n] + psi[k] - sum_psi / static_cast<double>(n);
  return std::max(0.0, mi);
}

}  // namespace

double ksg_mutual_information(const std::vector<double>& x_sorted,
                              const std::vector<double>& y, int k) {
  if (x_sorted.size() != y.size() || k < 1 || static_cast<std::size_t>(k) >= y.size() || k > 16) {
    throw std::invalid_argument("ksg: need equal lengths and 1 <= k < n, k <= 16");
  }
  std::vector<double> ys(y);
  std::sort(ys.begin(), ys.end());
  return ksg_core(x_sorted, y.data(), ys, k, digamma_table(y.size() + 1));
}

SeriesStatistic::SeriesStatistic(StatisticKind kind, const double* y, const double* t,
                                 std::size_t n, std::size_t d, const GradientOptions& opt)
    : kind_(kind), n_(n), d_(d), stencil_(t, n, opt), work_(n) {
  if (kind == StatisticKind::Grad) return;
  if (d != 1) throw std::invalid_argument("corr and mi need a single output column");
  // t divided by a power of two near its step: exact, and no sum of
  // squares below overflows or underflows, whatever the units of t.
  const int e = step_exponent(t, n);
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = t ? std::ldexp(t[i], -e) : static_cast<double>(i);
  const double xbar = mean_of(x.data(), n), ybar = mean_of(y, n);
  double sxx = 0.0, syy = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    sxx += (x[i] - xbar) * (x[i] - xbar);
    syy += (y[i] - ybar) * (y[i] - ybar);
  }
  if (!(sxx > 0) || !std::isfinite(sxx)) {
    throw std::invalid_argument("corr and mi need finite property values that vary");
  }
  if (kind == StatisticKind::Corr) {
    t_weights_.resize(n);
    for (std::size_t i = 0; i < n; ++i) t_weights_[i] = (x[i] - xbar) / std::sqrt(sxx);
    y_norm_ = std::sqrt(syy);
    y_mean_ = ybar;
    return;
  }
  k_ = static_cast<int>(std::min<std::size_t>(5, n - 1));
  const double sdx = std::sqrt(sxx / static_cast<double>(n));
  const double sdy = std::sqrt(syy / static_cast<double>(n));
  y_scale_ = sdy > 0 ? 1.0 / sdy : 0.0;
  x_std_.resize(n);
  for (std::size_t i = 0; i < n; ++i) x_std_[i] = x[i] / sdx;
  y_sorted_.resize(n);
  for (std::size_t i = 0; i < n; ++i) y_sorted_[i] = y[i] * y_scale_;
  std::sort(y_sorted_.begin(), y_sorted_.end());
  digamma_ = digamma_table(n + 1);
  y_std_.resize(n);
}

double SeriesStatistic::correlation(const double* y) const {
  if (!(y_norm_ > 0)) return 0.0;
  double s = 0.0;
  // Centring by the (permutation-invariant) mean avoids cancellation.
  for (std::size_t i = 0; i < n_; ++i) s += t_weights_[i] * (y[i] - y_mean_);
  return s / y_norm_;
}

double SeriesStatistic::mutual_information(const double* y) const {
  if (!(y_scale_ > 0)) return 0.0;
  for (std::size_t i = 0; i < n_; ++i) y_std_[i] = y[i] * y_scale_;
  return ksg_core(x_std_, y_std_.data(), y_sorted_, k_, digamma_);
}

bool SeriesStatistic::exact_null_mean(const double* y, double& mean) const {
  if (kind_ == StatisticKind::Corr) {
    mean = 0.0;
    return true;
  }
  if (kind_ != StatisticKind::Grad) return false;
  std::vector<double> w;
  if (!stencil_.difference_weights(w)) return false;
  // Mean over ordered pairs of distinct rows j != k of ||y_j - y_k||.
  double pair_mean = 0.0;
  const double pairs = static_cast<double>(n_) * static_cast<double>(n_ - 1);
  if (d_ == 1) {
    // Sorted values: sum_{j<k} (v_k - v_j) = sum_k (2k - n + 1) v_k.
    std::vector<double> v(y, y + n_);
    std::sort(v.begin(), v.end());
    double s = 0.0;
    for (std::size_t k = 0; k < n_; ++k) {
      s += (2.0 * static_cast<double>(k) - static_cast<double>(n_) + 1.0) * v[k];
    }
    pair_mean = 2.0 * s / pairs;
  } else {
    // O(n^2 d); beyond a few thousand steps the estimate from the shuffles
    // is cheaper and as good.
    if (n_ > 3000) return false;
    double s = 0.0;
    for (std::size_t j = 0; j < n_; ++j) {
      for (std::size_t k = j + 1; k < n_; ++k) {
        double sq = 0.0;
        for (std::size_t c = 0; c < d_; ++c) {
          const double diff = y[c * n_ + j] - y[c * n_ + k];
          sq += diff * diff;
        }
        s += std::sqrt(sq);
      }
    }
    pair_mean = 2.0 * s / pairs;
  }
  double wsum = 0.0;
  for (double v : w) wsum += v;
  mean = wsum / static_cast<double>(n_) * pair_mean;
  return true;
}

double SeriesStatistic::scaled(const double* y) const {
  switch (kind_) {
    case StatisticKind::Grad: return stencil_.scaled_mean_norm(y, d_, work_.data());
    case StatisticKind::Corr: return correlation(y);
    case StatisticKind::MI: return mutual_information(y);
  }
  return 0.0;
}

}  // namespace propgrad
