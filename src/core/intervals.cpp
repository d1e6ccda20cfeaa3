// Implementation of the intervals of a mean (see intervals.h). Student t
// quantiles come from Boost.Math.
#include "intervals.h"

#include <algorithm>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>

#include "pvalue.h"
#include "rng.h"

namespace propgrad {

namespace {

void mean_sd(const double* x, std::size_t n, double& mean, double& sd) {
  double s = 0.0;
  for (std::size_t i = 0; i < n; ++i) s += x[i];
  mean = s / static_cast<double>(n);
  double ss = 0.0;
  for (std::size_t i = 0; i < n; ++i) ss += (x[i] - mean) * (x[i] - mean);
  sd = n > 1 ? std::sqrt(ss / static_cast<double>(n - 1)) : NAN;
}

// R's quantile type 7 of sorted v.
double quantile7(const std::vector<double>& v, double p) {
  const double h = (static_cast<double>(v.size()) - 1.0) * p;
  const std::size_t lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  if (v[lo] == v[hi]) return v[lo];  // also keeps two infinite ends from giving NaN
  return v[lo] + (h - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

}  // namespace

Interval t_interval(const std::vector<double>& x, double level) {
  Interval out;
  const std::size_t n = x.size();
  if (n < 2) return out;
  for (double v : x)
    if (!std::isfinite(v)) return out;
  double mean, sd;
  mean_sd(x.data(), n, mean, sd);
  const boost::math::students_t dist(static_cast<double>(n - 1));
  const double q = boost::math::quantile(dist, 0.5 + level / 2.0);
  const double half = q * sd / std::sqrt(static_cast<double>(n));
  out.low = mean - half;
  out.high = mean + half;
  return out;
}

BootstrapT studentized_bootstrap(const std::vector<double>& x, int64_t n_boot, double level,
                                 uint64_t seed, double tolerance, StopSignal* stop) {
  BootstrapT out;
  const std::size_t n = x.size();
  if (n < 2 || n_boot < 1) return out;
  for (double v : x)
    if (!std::isfinite(v)) return out;  // no interval from values that are not numbers
  double mean, sd;
  mean_sd(x.data(), n, mean, sd);
  const double se = sd / std::sqrt(static_cast<double>(n));
  if (!(se > 0)) {
    out.equal.low = out.equal.high = out.symmetric.low = out.symmetric.high = mean;
    return out;
  }
  out.t0 = mean / se;
  const ExtremeRule rule = extreme_rule(Alternative::TwoSided, out.t0, 0.0, tolerance);
  Xoshiro256pp rng(seed, rounded_stream_key(x.data(), n));
  std::vector<double> t_star, abs_star, resample(n);
  t_star.reserve(static_cast<std::size_t>(n_boot));
  const uint32_t range = static_cast<uint32_t>(n);
  int64_t b = 0;
  WorkPoll poll(stop, 3 * n);
  for (int64_t k = 0; k < n_boot; ++k) {
    if (poll.stop()) {
      out.interrupted = true;
      return out;
    }
    for (std::size_t i = 0; i < n; ++i) resample[i] = x[rng.bounded(range)];
    double m, s;
    mean_sd(resample.data(), n, m, s);
    const double se_b = s / std::sqrt(static_cast<double>(n));
    double t;
    if (se_b > 0) {
      t = (m - mean) / se_b;
      b += rule(t);
    } else if (m != mean) {
      t = m > mean ? INFINITY : -INFINITY;
      ++b;  // farther from 0 than any finite t0
    } else {
      continue;
    }
    t_star.push_back(t);
    abs_star.push_back(std::abs(t));
  }
  out.n_valid = static_cast<int64_t>(t_star.size());
  if (t_star.empty()) return out;
  std::sort(t_star.begin(), t_star.end());
  std::sort(abs_star.begin(), abs_star.end());
  const double a = (1.0 - level) / 2.0;
  out.equal.low = mean - quantile7(t_star, 1.0 - a) * se;
  out.equal.high = mean - quantile7(t_star, a) * se;
  const double q = quantile7(abs_star, level);
  out.symmetric.low = mean - q * se;
  out.symmetric.high = mean + q * se;
  out.p_value = monte_carlo_p(PKind::PlusOne, b, out.n_valid, 0.99).p;
  return out;
}

}  // namespace propgrad
