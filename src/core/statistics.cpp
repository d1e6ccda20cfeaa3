// Implementation of the per-series statistics (see statistics.h); the KSG
// estimator itself, prepared once per series, lives in ksg.cpp.
#include "statistics.h"

#include "kernels.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace propgrad {

namespace {

double mean_of(const double* v, std::size_t n) {
  double s = 0.0;
  for (std::size_t i = 0; i < n; ++i) s += v[i];
  return s / static_cast<double>(n);
}

}  // namespace

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
  const double sdx = std::sqrt(sxx / static_cast<double>(n));
  const double sdy = std::sqrt(syy / static_cast<double>(n));
  y_scale_ = sdy > 0 ? 1.0 / sdy : 0.0;
  if (!(y_scale_ > 0)) return;  // constant (or non-finite) y: mi is 0
  // x is left sorted by the division (t is strictly increasing).
  std::vector<double> y_std(n);
  for (std::size_t i = 0; i < n; ++i) {
    x[i] = x[i] / sdx;
    y_std[i] = y[i] * y_scale_;
  }
  ksg_ = KsgPlan(x.data(), y_std.data(), n, static_cast<int>(std::min<std::size_t>(5, n - 1)));
}

double SeriesStatistic::correlation(const double* y) const {
  if (!(y_norm_ > 0)) return 0.0;
  // Centring by the (permutation-invariant) mean avoids cancellation; the
  // sum runs in kernels.h's fixed eight-way order.
  return centred_dot(t_weights_.data(), y, y_mean_, n_) / y_norm_;
}

double SeriesStatistic::mutual_information(const double* y) const {
  if (!(y_scale_ > 0)) return 0.0;
  return ksg_(y, y_scale_);
}

double SeriesStatistic::mi_reference(const double* y) const {
  if (kind_ != StatisticKind::MI || !(y_scale_ > 0)) return scaled(y);
  return ksg_.reference(y, y_scale_);
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

double statistic_bytes(StatisticKind kind, std::size_t n, std::size_t d) {
  const double values = static_cast<double>(n) * static_cast<double>(d);
  double bytes = 40.0 * values + 256.0;
  if (kind == StatisticKind::MI) {
    bytes += 512.0 + static_cast<double>(n) * (static_cast<double>(std::min<std::size_t>(n, 128)) + 60.0);
  }
  return bytes;
}

}  // namespace propgrad
