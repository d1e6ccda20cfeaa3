// Kraskov-Stoegbauer-Grassberger mutual information (algorithm 1, max norm)
// for the shuffle test, where x (the property values) is fixed and y only
// ever changes order. A KsgPlan is prepared once per series from x and the
// multiset of y values: x padded with infinite sentinels, each point's
// first steps of the walk through its x-neighbours (a byte per step, at
// most 127), the sorted y values with a bucket table, and the digamma
// values; about n * (min(n, 128) + 60) bytes. Each estimate then allocates
// nothing and gives bit for bit what the original walk (ksg_reference) gives:
// the same k-th neighbour distance, the same strict counts and the same sum
// in the same order.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace propgrad {

class KsgPlan {
 public:
  KsgPlan() = default;
  // x: n values sorted ascending; y: the n output values in any order (only
  // their multiset is used); 1 <= k < n, k <= 16 (not checked here).
  // order_cap > 0 stores at most that many neighbours per point (tests use
  // it to reach the merging walk that carries on beyond them).
  KsgPlan(const double* x_sorted, const double* y_values, std::size_t n, int k,
          std::size_t order_cap = 0);

  // The estimate for outputs y[i] * scale (a permutation of the values the
  // plan was made with), paired with x[i]. Not thread-safe: uses a workspace.
  double operator()(const double* y, double scale) const;

  // The same estimate by the original walk (what statistics.cpp ran before
  // the plan): the fallback for unsorted, non-finite or huge values, and the
  // tests' reference. Allocates nothing either.
  double reference(const double* y, double scale) const;

  std::size_t n() const { return n_; }
  int k() const { return k_; }
  // Heap bytes the plan holds (its vectors' capacities).
  std::size_t bytes() const;

 private:
  double fast(const double* yp) const;
  template <int K>
  double fast_k(const double* yp) const;  // K = k, or 0: any k
  void prepare_order(std::size_t order_cap);
  void prepare_buckets();
  // Bucket of a y value: monotone in v, clamped to [0, bucket_last_].
  std::size_t bucket(double v) const {
    const double b = (v - y_lo_) * bucket_scale_;
    if (!(b > 0)) return 0;
    return b < static_cast<double>(bucket_last_) ? static_cast<std::size_t>(b) : bucket_last_;
  }
  std::size_t count_y(double c, double r) const;
  double finish_point(std::size_t p, int lane, double* best, std::size_t m,
                      const double* yp) const;

  std::size_t n_ = 0;
  int k_ = 1;
  bool fast_ok_ = false;            // x finite, sorted, differences cannot overflow
  std::vector<double> xp_;          // -inf, x, +inf
  std::vector<double> y_sorted_;    // the y values, sorted, then +inf
  std::vector<double> psi_;         // digamma(m), m = 0..n+1
  double y_lo_ = 0, bucket_scale_ = 0;
  std::size_t bucket_last_ = 0;
  std::vector<uint32_t> bucket_start_;  // first sorted y in each bucket
  std::size_t order_len_ = 0;       // walk steps stored per point (<= 127)
  std::vector<int8_t> order_;       // per pair of points, neighbour offsets by x distance
  std::vector<uint8_t> order_left_;  // per point, how many of them lie left of it
  mutable std::vector<double> yp_;  // workspace: 0, y * scale, 0
};

// The KSG estimate for paired samples (x sorted ascending) through a
// KsgPlan; throws std::invalid_argument unless 1 <= k < n, k <= 16.
double ksg_mutual_information(const std::vector<double>& x_sorted,
                              const std::vector<double>& y, int k);

// The same by the original walk, for tests (same argument checks).
double ksg_reference(const std::vector<double>& x_sorted, const std::vector<double>& y, int k);

}  // namespace propgrad
