// Study-level resampling tests, on the p-value home of pvalue.h: the paired
// sign-flip test of a mean difference between two models, and the
// permutation test of a rank correlation whose permutations can be kept
// within blocks (repeated measures: the epochs of one image). Both draw from
// a xoshiro256++ stream keyed by the seed and a hash of their data.
#pragma once
#include <cstdint>
#include <vector>

#include "pvalue.h"
#include "stop.h"

namespace propgrad {

struct ResamplingResult {
  double estimate = NAN;   // mean difference, or Spearman's rho
  double statistic = NAN;  // the test statistic (studentized mean, rho)
  double p_value = NAN;
  double p_low = NAN, p_high = NAN;  // Monte Carlo interval of p
  double p_floor = NAN;    // smallest p the test can reach with these data
  int64_t n_used = 0;      // sign patterns or permutations counted
  bool exact = false;
  bool interrupted = false;  // stop was set: nothing else is valid
};

// Two-sided sign-flip test of d (H0: d symmetric about 0): every sign
// pattern when 2^n <= n_perm (p = b / 2^n), else n_perm random patterns
// (p = (b + 1)/(n_perm + 1)). The reported statistic is the studentized
// mean; under sign flips the sum of squares is fixed, so it orders patterns
// exactly as |mean| does, and patterns are counted on the mean. Centre 0
// (the sign-flip distribution is symmetric).
ResamplingResult sign_flip_test(const std::vector<double>& d, int64_t n_perm, uint64_t seed,
                                double tolerance, double level, StopSignal* stop = nullptr);

// Spearman's rho of x and y (average ranks for ties) and its permutation
// test: y is permuted within each block (block ids 0..B-1; one block for
// all rows means ordinary permutations). Two-sided, centred on 0 without
// blocks (the exact permutation mean) and on the mean of all K + 1
// statistics with blocks.
ResamplingResult rank_correlation_test(const std::vector<double>& x, const std::vector<double>& y,
                                       const std::vector<int>& block, int64_t n_perm,
                                       uint64_t seed, double tolerance, double level,
                                       StopSignal* stop = nullptr);

// Average ranks (1..n) of v, ties sharing the mean of their ranks.
std::vector<double> average_ranks(const std::vector<double>& v);

}  // namespace propgrad
