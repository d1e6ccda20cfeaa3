// Sequential Monte Carlo multiple testing in the spirit of MMCTest (Gandy &
// Hahn 2014; CRAN simctest::mmctest): every series keeps a confidence
// interval for its permutation p-value (the probability that one random
// shuffle is at least as extreme, i.e. the p of infinitely many shuffles);
// the procedure (Bonferroni, Holm, Hochberg, BH, BY) is applied to the
// upper and to the lower bounds; a series is decided when both agree, and
// only undecided series get more shuffles, in geometrically growing
// batches. The error epsilon is spent over series and batches
// (rho(n) = n / (n + r) per series, epsilon / m each), so with probability
// at least 1 - epsilon every interval holds at every step and every
// decision equals the one the procedure makes on the exact permutation
// p-values. Series are drawn in parallel; decisions are made serially, so
// results are identical for any thread count.
#pragma once
#include <cstdint>
#include <vector>

#include "pvalue.h"
#include "shuffle.h"

namespace propgrad {

struct AdaptiveOptions {
  Procedure procedure = Procedure::Holm;
  double alpha = 0.01;
  double epsilon = 1e-3;           // bound on P(any decision differs)
  int64_t max_per_series = 10000000;
  double max_total = 0.0;          // > 0: stop before drawing past this many shuffles
  int64_t first_batch = 10;        // grown by `growth` before every batch
  double growth = 1.25;
  int64_t max_batch = 100000;
  double spending = 10000.0;       // r of the spending sequence n / (n + r)
};

enum class Decision : int { Undecided = -1, NotSignificant = 0, Significant = 1 };

struct AdaptiveRun {
  // Per series: p_value = (b + 1)/(n + 1) at the end (an estimate; exact
  // p for enumerated series), p_low/p_high the confidence bounds the
  // decision rests on, n_used the shuffles counted, n_pilot a pilot's.
  std::vector<ShuffleResult> results;
  std::vector<Decision> decision;  // Undecided also where T0 is not finite
  int iterations = 0;
  double total_shuffles = 0.0;     // all draws, pilots and enumerations included
  bool budget_spent = false;       // stopped by max_total or max_per_series
};

AdaptiveRun adaptive_many(const std::vector<SeriesData>& series, const ShuffleOptions& opt,
                          const AdaptiveOptions& aopt, int nthreads, StopSignal& stop);

}  // namespace propgrad
