// The shuffle (permutation) test engine. Each series keeps its property
// values fixed and permutes its outputs K times (or enumerates all n!
// orderings when n! <= K), with a random stream keyed by (seed, series key)
// so results do not depend on threads, chunking or call order. Series run in
// parallel under OpenMP; a caller-supplied poll is consulted by the master
// thread only, so an R interrupt can stop every worker promptly.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "statistics.h"

namespace propgrad {

enum class Alternative { TwoSided, Less, Greater };
enum class PMethod { PlusOne, Zollstock };

struct SeriesData {
  const double* y = nullptr;  // n x d, column-major
  const double* t = nullptr;  // n property values, strictly increasing (or nullptr)
  std::size_t n = 0;
  std::size_t d = 1;
  uint64_t key = 0;           // stream key, e.g. stream_key(series name)
};

struct ShuffleOptions {
  StatisticKind statistic = StatisticKind::Grad;
  Alternative alternative = Alternative::TwoSided;
  PMethod p_method = PMethod::PlusOne;
  GradientOptions gradient;
  int64_t n_perm = 10000;
  int64_t sequential = 0;          // Besag-Clifford h; 0 = off
  uint64_t seed = 0;
  double tolerance = 1e-9;         // relative tolerance for ties (plus_one)
  bool allow_exact = true;         // enumerate all n! orders when n! <= n_perm
  std::size_t null_buffer_max = std::size_t(1) << 17;  // beyond: two passes
};

struct ShuffleResult {
  double statistic = 0.0;  // T0
  double estimate = 0.0;   // EPGM of the observed outputs
  double null_mean = 0.0;
  double null_sd = 0.0;
  double p_value = 1.0;
  int64_t exceedances = 0;  // b (for sequential two-sided: the smaller tail)
  int64_t n_used = 0;       // permutations evaluated (n! when exact)
  bool exact = false;
  bool stopped_early = false;
  std::string error;        // non-empty: this series failed
};

// Number of permutations the exact mode enumerates (n!), or 0 when n! is
// larger than limit.
int64_t exact_permutation_count(std::size_t n, int64_t limit);

// Cooperative stop: workers read the flag; only the master thread polls.
class StopSignal {
 public:
  explicit StopSignal(std::function<bool()> poll = nullptr) : poll_(std::move(poll)) {}
  bool check(bool is_master) {
    if (is_master && poll_ && !flag_.load(std::memory_order_relaxed) && poll_()) {
      flag_.store(true, std::memory_order_relaxed);
    }
    return flag_.load(std::memory_order_relaxed);
  }
  bool stopped() const { return flag_.load(std::memory_order_relaxed); }

 private:
  std::function<bool()> poll_;
  std::atomic<bool> flag_{false};
};

// One series. null_out, when given, receives n_perm values (n! when exact;
// NaN after an early sequential stop).
ShuffleResult shuffle_series(const SeriesData& series, const ShuffleOptions& opt,
                             double* null_out, StopSignal& stop, bool is_master);

// Many series in parallel. null_out: nullptr or series-major storage for
// n_series x null_length values. Returns early (stop.stopped()) on interrupt.
std::vector<ShuffleResult> shuffle_many(const std::vector<SeriesData>& series,
                                        const ShuffleOptions& opt, int nthreads,
                                        double* null_out, std::size_t null_length,
                                        StopSignal& stop);

int available_threads();

}  // namespace propgrad
