// Shared permutations (opt-in: ShuffleOptions::share_permutations). Series
// with the same number of steps take their shuffles from one stream keyed by
// (seed, n) instead of their own: the k-th shuffle of every such series uses
// the same permutation of the positions. One draw then serves the whole
// group, and for the grad statistic of single outputs a kernel evaluates
// all the group's series at once (shared_kernel.cpp). Each series' p-value
// stays valid (its shuffles are still uniform and independent of its own
// observed order), but the series' results become dependent: fine for
// per-series tests and for FWER or FDR adjustments valid under dependence
// (Holm, BY, Westfall-Young), to be kept in mind for BH. Series whose
// orderings are enumerated exactly (n! <= K) do not share.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "shuffle.h"

namespace propgrad {

// Draws per block of a shared stream; blocks are the unit of parallel work
// (and have their own streams), so results do not depend on threads.
constexpr int64_t kSharedBlock = 256;

// The grad statistic of single-output series with three-point stencils,
// evaluated for a whole group under one order of the positions. Each value
// equals SeriesStatistic::scaled() of that series in that order, bit for
// bit (same rows, same fixed order of sums as kernels.h).
class SharedGradKernel {
 public:
  // stats[s] is the grad statistic of series[s] (d == 1, three-point); all
  // have the same n. Check usable() first.
  SharedGradKernel(const std::vector<const SeriesData*>& series,
                   const std::vector<const SeriesStatistic*>& stats);
  static bool usable(const SeriesStatistic& stat);

  // Scratch space of one thread, reused across draws.
  struct Workspace {
    std::vector<const double*> rows;
    std::vector<double> interior;
  };
  // values[s] for series s, positions in `order` (order[i] is the step
  // whose output sits at position i). Thread-safe with a workspace each.
  void evaluate(const uint32_t* order, double* values, Workspace& work) const;
  // The same for the order order_inside_out() makes of `draws`
  // (PermutationSource::draw()), without building that order.
  void evaluate_draws(const uint32_t* draws, double* values, Workspace& work) const;

 private:
  SharedGradKernel(const SharedGradKernel&) = delete;  // holds pointers into itself
  SharedGradKernel& operator=(const SharedGradKernel&) = delete;
  void evaluate_rows(double* values, Workspace& work) const;  // work.rows set

  std::size_t n_ = 0, count_ = 0;
  std::size_t width_ = 0;   // count_ rounded up to 4: the series computed
  std::size_t stride_ = 0;  // count_ rounded up to 8: doubles per row (64 bytes)
  bool uniform_ = false;    // one stencil for every series (one grid)
  bool has_mid_ = false;
  // n_ x stride_, row-major, each row 64-byte aligned inside its storage.
  std::vector<double> y_store_;
  double* y_ = nullptr;
  // Uniform: one weight per row (n_); else n_ x stride_ like y_.
  std::vector<double> lo_, mid_, hi_;
  std::vector<double> end_weights_;            // per series: row 0 and row n-1 (3 + 3)
  std::vector<std::size_t> end_neighbours_;    // per series: first_lo, last_hi
};

// The null statistics (engine's scale) of the series in `group`, all with
// n steps, under the shared stream: out[s * n_perm + k]. False when
// interrupted. Throws what a SeriesStatistic constructor throws.
bool shared_null_values(const std::vector<const SeriesData*>& group, const ShuffleOptions& opt,
                        int nthreads, StopSignal& stop, double* out);

// Series of one length whose null values are held at once (the rest of a
// group follows in further parts with the same permutations), and the
// bytes that takes for a largest group of `group` series.
std::size_t shared_part_size(int64_t n_perm);
double shared_permutation_bytes(std::size_t group, int64_t n_perm);

// shuffle_many() with shared permutations.
std::vector<ShuffleResult> shuffle_many_shared(const std::vector<SeriesData>& series,
                                               const ShuffleOptions& opt, int nthreads,
                                               double* null_out, std::size_t null_length,
                                               StopSignal& stop);

}  // namespace propgrad
