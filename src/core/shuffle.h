// The shuffle (permutation) test engine. Each series keeps its property
// values fixed and permutes its outputs K times (or enumerates all n!
// orderings when n! <= K), with a random stream keyed by (seed, series key)
// so results do not depend on threads, chunking or call order. Series run in
// parallel under OpenMP; a caller-supplied poll is consulted by the master
// thread only, and the master keeps polling until every worker is done, so
// an R interrupt stops every schedule promptly. Extremeness, p-values and
// their Monte Carlo intervals come from pvalue.h.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "pvalue.h"
#include "statistics.h"
#include "stop.h"
#include "stream.h"

namespace propgrad {

enum class PMethod { PlusOne, Zollstock };

struct ShuffleOptions {
  StatisticKind statistic = StatisticKind::Grad;
  Alternative alternative = Alternative::TwoSided;
  PMethod p_method = PMethod::PlusOne;
  GradientOptions gradient;
  int64_t n_perm = 10000;
  int64_t sequential = 0;          // Besag-Clifford h; 0 = off
  int64_t pilot = 1000;            // pilot shuffles centring a two-sided sequential test
  uint64_t seed = 0;
  double tolerance = kDefaultTolerance;
  double conf_level = 0.99;        // level of the Monte Carlo interval of p
  bool allow_exact = true;         // enumerate all n! orders when n! <= n_perm
  bool share_permutations = false;  // series of equal length share one stream (shared.h)
  std::size_t null_buffer_max = std::size_t(1) << 17;  // beyond: two passes
};

// Where the centre of a two-sided test comes from.
enum class CentreKind {
  None,           // one-sided test
  Exact,          // the mean over all orderings, in closed form (corr: 0)
  AllStatistics,  // mean of the observed and all shuffled statistics (K + 1, or all n!)
  Pilot,          // mean of an independent pilot stream (sequential stopping)
  Shuffles        // mean of the K shuffles only: the reference's rule (zollstock)
};

struct ShuffleResult {
  double statistic = 0.0;  // T0
  double estimate = 0.0;   // EPGM of the observed outputs
  double null_mean = 0.0;  // mean and sd of the shuffled statistics drawn
  double null_sd = 0.0;
  double z = 0.0;          // (T0 - null_mean) / null_sd
  double centre = 0.0;     // centre of a two-sided test
  CentreKind centre_kind = CentreKind::None;
  double centre_sd = 0.0;  // sd of the pilot's statistics (its centre's error, pvalue.h)
  double p_value = NAN;
  double p_low = NAN;      // Monte Carlo interval of p (PValue in pvalue.h)
  double p_high = NAN;
  int64_t exceedances = 0;  // b
  int64_t n_used = 0;       // shuffles counted (n! when exact), pilot excluded
  int64_t n_pilot = 0;
  bool exact = false;
  bool stopped_early = false;
  bool finite = true;       // false: T0 is not finite, so no p is reported
  std::string error;        // non-empty: this series failed
};

// Number of permutations the exact mode enumerates (n!), or 0 when n! is
// larger than limit.
int64_t exact_permutation_count(std::size_t n, int64_t limit);

// The smallest p-value a series of n steps can reach under opt: 1/n! when
// enumerated, 0 for zollstock's b/K, else 1/(K + 1).
double smallest_p_value(std::size_t n, const ShuffleOptions& opt);

// A series' n_perm null statistics from its group's shared permutations
// (shared.h), in stream order, and optionally their RunningMoments (what
// adding all of them one by one gives; computed for the group at once).
struct SharedNull {
  const double* values = nullptr;
  const RunningMoments* moments = nullptr;
};

// One series. null_out, when given, receives n_perm values (n! when exact;
// NaN after an early sequential stop). shared, when given, replaces the
// series' own stream.
ShuffleResult shuffle_series(const SeriesData& series, const ShuffleOptions& opt,
                             double* null_out, StopSignal& stop, bool is_master,
                             const SharedNull* shared = nullptr);

// Many series in parallel (sharing permutations when opt says so). null_out: nullptr or series-major storage for
// n_series x null_length values. Returns early (stop.stopped()) on interrupt.
std::vector<ShuffleResult> shuffle_many(const std::vector<SeriesData>& series,
                                        const ShuffleOptions& opt, int nthreads,
                                        double* null_out, std::size_t null_length,
                                        StopSignal& stop);

// An estimated two-sided centre's bracket: the counts at centre -/+ delta
// that widen the Monte Carlo interval of p (centred_monte_carlo_p() in
// pvalue.h). Inactive, it counts nothing and gives the plain interval.
struct CentreBracket {
  bool active = false;
  ExtremeRule below, above;
  bool reaches_one = false;  // T0 lies within delta of the centre
  int64_t b_minus = 0, b_plus = 0;

  void count(double t) {
    if (!active) return;
    b_minus += below(t);
    b_plus += above(t);
  }
  PValue p_value(PKind kind, int64_t b, int64_t n, double level) const {
    return active ? centred_monte_carlo_p(kind, b, b_minus, b_plus, n, reaches_one, level)
                  : monte_carlo_p(kind, b, n, level);
  }
};

// The bracket of res.centre at margin delta (centre_margin() in pvalue.h).
CentreBracket centre_bracket(const ShuffleOptions& opt, const ShuffleResult& res, double delta);

// Building blocks shared with the adaptive mode (adaptive.cpp):
// T0, the EPGM and a closed-form centre into res; false when T0 is not finite.
bool prepare_series_result(const SeriesStatistic& stat, const SeriesData& s,
                           const ShuffleOptions& opt, ShuffleResult& res);
// The rule of a test whose number of shuffles is open (sequential, adaptive).
// A two-sided test without a closed-form centre is centred on the mean of
// min(opt.pilot, max_draws) shuffles from an independent pilot stream: it is
// independent of T0 and of the counted shuffles given the data, so the
// counted shuffles stay exchangeable with T0. False when interrupted.
bool open_ended_rule(const SeriesData& s, const SeriesStatistic& stat, const ShuffleOptions& opt,
                     int64_t max_draws, ShuffleResult& res, StopSignal& stop, bool is_master,
                     ExtremeRule& rule);
// null_mean, null_sd and z from the moments of the shuffles drawn.
void finish_moments(const RunningMoments& moments, ShuffleResult& res);
// The engine counts on the statistic's own scale (per unit of the
// stencil's positions for grad, statistics.h); this turns the statistic,
// its null moments and centre, and `count` null values into the user's
// units once a series is done. z and p are the same in both.
void report_in_user_units(const SeriesStatistic& stat, ShuffleResult& res, double* null_values,
                          std::size_t count);

// Runs body(i) for i in [0, count) on nthreads threads (dynamic schedule).
// The master polls `stop` every few milliseconds until all are done, also
// after its own share is finished. body must not throw.
void parallel_for_polled(long count, int nthreads, StopSignal& stop,
                         const std::function<void(long, bool)>& body);

int available_threads();

}  // namespace propgrad
