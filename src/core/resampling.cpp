// Implementation of the study-level resampling tests (see resampling.h).
#include "resampling.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "rng.h"

namespace propgrad {

namespace {

bool all_finite(const std::vector<double>& v) {
  for (double x : v)
    if (!std::isfinite(x)) return false;
  return true;
}

uint64_t data_key(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> both(a);
  both.insert(both.end(), b.begin(), b.end());
  return rounded_stream_key(both.data(), both.size());
}

// Studentized mean of d given its sum and sum of squares q.
double studentized(double sum, double q, std::size_t n) {
  const double nd = static_cast<double>(n);
  const double mean = sum / nd;
  const double var = (q - nd * mean * mean) / (nd - 1.0);
  if (var <= 0) return mean == 0 ? 0.0 : std::copysign(INFINITY, mean);
  return mean / std::sqrt(var / nd);
}

}  // namespace

std::vector<double> average_ranks(const std::vector<double>& v) {
  const std::size_t n = v.size();
  std::vector<std::size_t> o(n);
  std::iota(o.begin(), o.end(), 0);
  std::stable_sort(o.begin(), o.end(), [&v](std::size_t a, std::size_t b) { return v[a] < v[b]; });
  std::vector<double> r(n);
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j + 1 < n && v[o[j + 1]] == v[o[i]]) ++j;
    const double rank = 0.5 * static_cast<double>(i + j) + 1.0;
    for (std::size_t k = i; k <= j; ++k) r[o[k]] = rank;
    i = j + 1;
  }
  return r;
}

ResamplingResult sign_flip_test(const std::vector<double>& d, int64_t n_perm, uint64_t seed,
                                double tolerance, double level, StopSignal* stop) {
  ResamplingResult out;
  const std::size_t n = d.size();
  // R refuses non-finite differences; here they give no result rather than a p.
  if (n < 2 || n_perm < 1 || !all_finite(d)) return out;
  double sum = 0.0, q = 0.0;
  for (double v : d) {
    sum += v;
    q += v * v;
  }
  out.estimate = sum / static_cast<double>(n);
  if (!std::isfinite(out.estimate)) return out;  // sums beyond double range
  out.statistic = studentized(sum, q, n);
  // Patterns are counted on the mean, which orders them as the studentized
  // mean does and stays finite when every |d_i| is the same.
  const double nd = static_cast<double>(n);
  const ExtremeRule rule = extreme_rule(Alternative::TwoSided, out.estimate, 0.0, tolerance);
  int64_t b = 0;
  WorkPoll poll(stop, n);
  // Every pattern when 2^n <= n_perm (n <= 62 keeps the shift defined).
  out.exact = n < 62 && (int64_t(1) << n) <= n_perm;
  if (out.exact) {
    const int64_t total = int64_t(1) << n;
    for (int64_t mask = 0; mask < total; ++mask) {
      if (poll.stop()) {
        out.interrupted = true;
        return out;
      }
      double s = 0.0;
      for (std::size_t i = 0; i < n; ++i) s += ((mask >> i) & 1) ? -d[i] : d[i];
      b += rule(s / nd);
    }
    out.n_used = total;
  } else {
    Xoshiro256pp rng(seed, data_key(d, {}));
    for (int64_t k = 0; k < n_perm; ++k) {
      if (poll.stop()) {
        out.interrupted = true;
        return out;
      }
      double s = 0.0;
      for (std::size_t i = 0; i < n; i += 64) {
        uint64_t bits = rng.next();
        for (std::size_t j = i; j < std::min(n, i + 64); ++j, bits >>= 1) s += (bits & 1) ? -d[j] : d[j];
      }
      b += rule(s / nd);
    }
    out.n_used = n_perm;
  }
  const PValue p = monte_carlo_p(out.exact ? PKind::Exact : PKind::PlusOne, b, out.n_used, level);
  out.p_value = p.p;
  out.p_low = p.low;
  out.p_high = p.high;
  // The observed pattern and its mirror image are always as extreme.
  out.p_floor = n < 62 ? std::ldexp(1.0, 1 - static_cast<int>(n)) : 0.0;
  if (!out.exact) out.p_floor = std::max(out.p_floor, 1.0 / (static_cast<double>(n_perm) + 1.0));
  return out;
}

ResamplingResult rank_correlation_test(const std::vector<double>& x, const std::vector<double>& y,
                                       const std::vector<int>& block, int64_t n_perm,
                                       uint64_t seed, double tolerance, double level,
                                       StopSignal* stop) {
  ResamplingResult out;
  const std::size_t n = x.size();
  if (n < 3 || y.size() != n || block.size() != n || n_perm < 1 || !all_finite(x) || !all_finite(y)) {
    return out;
  }
  for (int b : block)
    if (b < 0) return out;
  const std::vector<double> rx = average_ranks(x), ry = average_ranks(y);
  const double mean = (static_cast<double>(n) + 1.0) / 2.0;
  double sxx = 0.0, syy = 0.0;
  std::vector<double> wx(n);
  for (std::size_t i = 0; i < n; ++i) {
    wx[i] = rx[i] - mean;
    sxx += wx[i] * wx[i];
    syy += (ry[i] - mean) * (ry[i] - mean);
  }
  if (!(sxx > 0) || !(syy > 0)) return out;
  const double norm = std::sqrt(sxx * syy);
  auto rho = [&](const std::vector<double>& r) {
    double s = 0.0;
    for (std::size_t i = 0; i < n; ++i) s += wx[i] * (r[i] - mean);
    return s / norm;
  };
  out.estimate = out.statistic = rho(ry);
  // Rows of each block, so a shuffle permutes y's ranks only among them.
  const int n_blocks = *std::max_element(block.begin(), block.end()) + 1;
  std::vector<std::vector<std::size_t>> rows(static_cast<std::size_t>(n_blocks));
  for (std::size_t i = 0; i < n; ++i) rows[static_cast<std::size_t>(block[i])].push_back(i);
  Xoshiro256pp rng(seed, data_key(x, y));
  std::vector<double> r = ry, values;
  std::vector<double> null(static_cast<std::size_t>(n_perm));
  double sum = 0.0;
  WorkPoll poll(stop, 3 * n);
  for (int64_t k = 0; k < n_perm; ++k) {
    if (poll.stop()) {
      out.interrupted = true;
      return out;
    }
    for (const auto& idx : rows) {
      values.resize(idx.size());
      for (std::size_t j = 0; j < idx.size(); ++j) values[j] = r[idx[j]];
      fisher_yates(values.data(), values.size(), rng);
      for (std::size_t j = 0; j < idx.size(); ++j) r[idx[j]] = values[j];
    }
    null[static_cast<std::size_t>(k)] = rho(r);
    sum += null[static_cast<std::size_t>(k)];
  }
  // Without blocks the permutation mean of rho is exactly 0.
  const double centre = n_blocks == 1 ? 0.0 : (out.statistic + sum) / (static_cast<double>(n_perm) + 1.0);
  const ExtremeRule rule = extreme_rule(Alternative::TwoSided, out.statistic, centre, tolerance);
  int64_t b = 0;
  for (double v : null) b += rule(v);
  const PValue p = monte_carlo_p(PKind::PlusOne, b, n_perm, level);
  out.p_value = p.p;
  out.p_low = p.low;
  out.p_high = p.high;
  out.p_floor = 1.0 / (static_cast<double>(n_perm) + 1.0);
  out.n_used = n_perm;
  return out;
}

}  // namespace propgrad
