// A series' stream of shuffled statistics: the outputs are permuted in place
// by Fisher-Yates from a xoshiro256++ stream keyed by (seed, key), and each
// draw returns the statistic of the new order. Shuffling an already shuffled
// array gives a fresh uniform permutation, so the k-th draw is the same
// whether the draws are taken all at once (fixed K), until a stop
// (Besag-Clifford) or in batches (the adaptive mode).
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <vector>

#include "rng.h"
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
      : s_(&s), rng_(seed, key), y_(s.y, s.y + s.n * s.d), order_(s.d > 1 ? s.n : 0) {
    std::iota(order_.begin(), order_.end(), 0u);
  }

  // The statistic (engine's scale) of the next uniformly random ordering of the rows.
  double next(const SeriesStatistic& stat) {
    const std::size_t n = s_->n;
    if (s_->d == 1) {
      fisher_yates(y_.data(), n, rng_);  // scalar output: shuffle values directly
    } else {
      fisher_yates(order_.data(), n, rng_);
      gather_rows(*s_, order_.data(), y_.data());
    }
    return stat.scaled(y_.data());
  }

 private:
  const SeriesData* s_;
  Xoshiro256pp rng_;
  std::vector<double> y_;
  std::vector<uint32_t> order_;
};

}  // namespace propgrad
