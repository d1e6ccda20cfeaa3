// A series' stream of shuffled statistics: each draw orders the original
// outputs by a fresh uniform permutation from the series' PermutationSource
// keyed by (seed, key) (permute.h, stream version 2) and returns the
// statistic of that order. The k-th draw uses the stream's k-th
// permutation whatever came before, so it is the same whether the draws
// are taken all at once (fixed K), until a stop (Besag-Clifford) or in
// batches (the adaptive mode).
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "permute.h"
#include "statistics.h"

namespace propgrad {

// Everything the engine needs to know about one series: a view of R (or
// test) memory.
struct SeriesData {
  const double* y = nullptr;  // n x d, column-major
  const double* t = nullptr;  // n property values, strictly increasing (or nullptr)
  std::size_t n = 0;
  std::size_t d = 1;
  uint64_t key = 0;           // stream key, normally series_stream_key() of the data
};

// Key of the independent pilot stream that centres a two-sided test under
// sequential stopping (see shuffle.cpp).
constexpr uint64_t kPilotStream = 0x9b05688c2b3e6c1fULL;

// y (n x d, column-major) with its rows in `order`: out[i] = y[order[i]].
template <typename Index>
inline void gather_rows(const SeriesData& s, const Index* order, double* out) {
  for (std::size_t c = 0; c < s.d; ++c)
    for (std::size_t i = 0; i < s.n; ++i) out[c * s.n + i] = s.y[c * s.n + order[i]];
}

// Welford running mean and variance of null statistics.
struct RunningMoments {
  int64_t count = 0;
  double mean = 0.0, m2 = 0.0;
  void add(double v) {
    ++count;
    const double delta = v - mean;
    mean += delta / static_cast<double>(count);
    m2 += delta * (v - mean);
  }
  double sd() const { return count > 1 ? std::sqrt(m2 / static_cast<double>(count - 1)) : 0.0; }
};

class ShuffleStream {
 public:
  ShuffleStream(const SeriesData& s, uint64_t seed, uint64_t key)
      : s_(&s), source_(seed, key), draws_(s.n), y_(s.n * s.d), order_(s.d > 1 ? s.n : 0) {}

  // The statistic (engine's scale) of the next uniformly random ordering of the rows.
  double next(const SeriesStatistic& stat) {
    const std::size_t n = s_->n;
    source_.draw(draws_.data(), n);
    if (s_->d == 1) {
      permute_inside_out(s_->y, y_.data(), draws_.data(), n);  // scalar output: values directly
    } else {
      order_inside_out(order_.data(), draws_.data(), n);
      gather_rows(*s_, order_.data(), y_.data());
    }
    return stat.scaled(y_.data());
  }

 private:
  const SeriesData* s_;
  PermutationSource source_;
  std::vector<uint32_t> draws_;
  std::vector<double> y_;
  std::vector<uint32_t> order_;
};

}  // namespace propgrad
