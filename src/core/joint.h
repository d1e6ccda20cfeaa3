// Westfall-Young step-down max-T adjusted p-values (Westfall & Young 1993)
// from joint permutations: every series (all with the same number of
// steps) is reordered by the same permutation in each draw, so the maximum
// over series is a draw from the joint null. The joint stream is separate
// from the series' own streams: it feeds only the adjusted p-values, and
// the raw p-values are the same whatever the adjustment.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "shuffle.h"

namespace propgrad {

// Draws per block of the joint stream; blocks are the unit of parallel
// work, so results are identical for any thread count.
constexpr int64_t kJointBlock = 256;
// Blocks whose per-series buffers exist at once (memory: about 24 bytes x
// series x kJointGroup, whatever K is).
constexpr long kJointGroup = 64;

struct JointResult {
  std::vector<double> adjusted;  // one per series; NaN where T0 is not finite
  int64_t n_used = 0;            // joint permutations
};

// Each series is standardised by the mean and sd of its K + 1 statistics
// (observed and K joint shuffles, a symmetric function of all of them, so
// the observed draw stays exchangeable with the others), turned into a
// one-sided score by opt.alternative (|z|, -z or z) and compared with the
// running maxima over the less significant series with the tie rule of
// pvalue.h. Uses opt.statistic, gradient, alternative, n_perm, seed and
// tolerance. Throws std::invalid_argument on unequal lengths.
// The joint null itself, draw-major (K x series, column k * m + j), as
// westfall_young() generates it; for tests and small studies.
std::vector<double> joint_null_values(const std::vector<SeriesData>& series,
                                      const ShuffleOptions& opt);

JointResult westfall_young(const std::vector<SeriesData>& series, const ShuffleOptions& opt,
                           int nthreads, StopSignal& stop);

// Bytes westfall_young() holds at once for m series of n values (steps x
// outputs) and n_perm joint draws on nthreads threads: two sums and a count
// per series for one group of blocks, plus every running block's copies of
// the series' statistics (statistic_bytes() each: the KSG plan makes mi's
// up to 4x larger than grad's).
double westfall_young_bytes(std::size_t m, std::size_t n, std::size_t d, int64_t n_perm,
                            int nthreads, StatisticKind kind);

}  // namespace propgrad
