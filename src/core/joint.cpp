// Westfall-Young max-T (see joint.h). Two passes over the same joint
// permutations: the first gathers each series' moments, the second counts,
// for every draw, how often the running maximum of the standardised scores
// over the less significant series reaches each observed score. Each block
// of draws regenerates its permutations from its own stream, and blocks run
// in groups, so memory is about kJointGroup x series whatever K is.
#include "joint.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>

#include "permute.h"
#include "rng.h"

namespace propgrad {

namespace {

const uint64_t kJointKey = stream_key("westfall_young");

// Calls visit(stats) for each joint draw of block `block`: stats[j] is the
// statistic of series j under the draw's permutation.
template <typename Visit>
bool joint_block(const std::vector<SeriesData>& series,
                 const std::vector<std::unique_ptr<SeriesStatistic>>& stats, const ShuffleOptions& opt,
                 int64_t block, StopSignal& stop, bool is_master, Visit&& visit) {
  const std::size_t m = series.size(), n = series[0].n;
  uint64_t block_state = static_cast<uint64_t>(block);
  PermutationSource source(opt.seed, kJointKey ^ splitmix64_next(block_state));
  std::vector<uint32_t> perm(n), draws(n);
  std::vector<double> y, values(m);
  const int64_t first = block * kJointBlock;
  const int64_t count = std::min<int64_t>(kJointBlock, opt.n_perm - first);
  std::size_t work = 0;  // one draw reorders every series
  for (const auto& s : series) work += s.n * s.d;
  WorkPoll poll(&stop, work, is_master);
  for (int64_t k = 0; k < count; ++k) {
    if (poll.stop()) return false;
    source.draw(draws.data(), n);
    order_inside_out(perm.data(), draws.data(), n);
    for (std::size_t j = 0; j < m; ++j) {
      y.resize(series[j].n * series[j].d);
      gather_rows(series[j], perm.data(), y.data());
      values[j] = stats[j]->scaled(y.data());
    }
    visit(values);
  }
  return true;
}

std::vector<std::unique_ptr<SeriesStatistic>> make_statistics(const std::vector<SeriesData>& series,
                                                              const ShuffleOptions& opt) {
  std::vector<std::unique_ptr<SeriesStatistic>> out;
  for (const auto& s : series) {
    if (s.n != series[0].n) throw std::invalid_argument("Westfall-Young needs equal series lengths");
    out.push_back(std::make_unique<SeriesStatistic>(opt.statistic, s.y, s.t, s.n, s.d, opt.gradient));
  }
  return out;
}

}  // namespace

std::vector<double> joint_null_values(const std::vector<SeriesData>& series,
                                      const ShuffleOptions& opt) {
  std::vector<double> out;
  if (series.empty()) return out;
  const auto stats = make_statistics(series, opt);
  StopSignal never;
  const long n_blocks = static_cast<long>((opt.n_perm + kJointBlock - 1) / kJointBlock);
  for (long b = 0; b < n_blocks; ++b) {
    joint_block(series, stats, opt, b, never, true, [&](const std::vector<double>& v) {
      for (std::size_t j = 0; j < v.size(); ++j) out.push_back(stats[j]->user(v[j]));
    });
  }
  return out;
}

double westfall_young_bytes(std::size_t m, std::size_t n, std::size_t d, int64_t n_perm,
                            int nthreads, StatisticKind kind) {
  const double n_blocks = std::ceil(static_cast<double>(n_perm) / kJointBlock);
  const double blocks = std::min<double>(kJointGroup, n_blocks);
  const double copies = std::max(1, nthreads) + 1.0;
  const double md = static_cast<double>(m);
  return 24.0 * md * blocks + copies * md * statistic_bytes(kind, n, d);
}

JointResult westfall_young(const std::vector<SeriesData>& series, const ShuffleOptions& opt,
                           int nthreads, StopSignal& stop) {
  JointResult out;
  const std::size_t m = series.size();
  out.adjusted.assign(m, NAN);
  if (m == 0) return out;
  const auto stats = make_statistics(series, opt);
  std::vector<double> observed(m);
  for (std::size_t j = 0; j < m; ++j) observed[j] = stats[j]->scaled(series[j].y);
  const int64_t K = opt.n_perm;
  const long n_blocks = static_cast<long>((K + kJointBlock - 1) / kJointBlock);
  // Statistics share a workspace each, so a block works on its own copies.
  auto block_stats = [&]() { return make_statistics(series, opt); };

  // Blocks run in groups of kJointGroup: per-block buffers (m values each)
  // exist for one group at a time and are added to running totals in block
  // order, so memory does not grow with K and sums do not depend on threads.
  const long group = kJointGroup;

  // Pass 1: sums of (T - T0) and (T - T0)^2 per block, added in block order.
  std::vector<double> a(m, 0.0), q(m, 0.0);
  {
    std::vector<double> sum1(static_cast<std::size_t>(std::min<long>(group, n_blocks)) * m), sum2(sum1.size());
    for (long g0 = 0; g0 < n_blocks; g0 += group) {
      const long gn = std::min<long>(group, n_blocks - g0);
      std::fill(sum1.begin(), sum1.end(), 0.0);
      std::fill(sum2.begin(), sum2.end(), 0.0);
      parallel_for_polled(gn, nthreads, stop, [&](long i, bool is_master) {
        const auto own = block_stats();
        double* s1 = &sum1[static_cast<std::size_t>(i) * m];
        double* s2 = &sum2[static_cast<std::size_t>(i) * m];
        joint_block(series, own, opt, g0 + i, stop, is_master, [&](const std::vector<double>& v) {
          for (std::size_t j = 0; j < m; ++j) {
            const double dv = v[j] - observed[j];
            s1[j] += dv;
            s2[j] += dv * dv;
          }
        });
      });
      if (stop.stopped()) return out;
      for (long i = 0; i < gn; ++i) {
        for (std::size_t j = 0; j < m; ++j) {
          a[j] += sum1[static_cast<std::size_t>(i) * m + j];
          q[j] += sum2[static_cast<std::size_t>(i) * m + j];
        }
      }
    }
  }
  const double total = static_cast<double>(K + 1);
  std::vector<double> centre(m), scale(m), score(m);
  for (std::size_t j = 0; j < m; ++j) {
    centre[j] = observed[j] + a[j] / total;
    const double var = std::max(0.0, (q[j] - a[j] * a[j] / total) / (total - 1.0));
    scale[j] = var > 0 ? std::sqrt(var) : 1.0;
  }
  auto standardise = [&](double v, std::size_t j) {
    const double z = (v - centre[j]) / scale[j];
    switch (opt.alternative) {
      case Alternative::TwoSided: return std::abs(z);
      case Alternative::Less: return -z;
      case Alternative::Greater: return z;
    }
    return z;
  };
  // Most significant first; series with a non-finite T0 take no part.
  std::vector<std::size_t> order;
  for (std::size_t j = 0; j < m; ++j) {
    score[j] = standardise(observed[j], j);
    if (std::isfinite(score[j])) order.push_back(j);
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return score[a] > score[b]; });
  const std::size_t r_max = order.size();
  std::vector<ExtremeRule> rules(r_max);
  for (std::size_t r = 0; r < r_max; ++r) {
    rules[r] = extreme_rule(Alternative::Greater, score[order[r]], 0.0, opt.tolerance);
  }

  // Pass 2: per block and rank, draws whose running maximum reaches the score.
  std::vector<int64_t> hits(r_max, 0);
  {
    std::vector<int64_t> counts(static_cast<std::size_t>(std::min<long>(group, n_blocks)) * r_max);
    for (long g0 = 0; g0 < n_blocks; g0 += group) {
      const long gn = std::min<long>(group, n_blocks - g0);
      std::fill(counts.begin(), counts.end(), 0);
      parallel_for_polled(gn, nthreads, stop, [&](long i, bool is_master) {
        const auto own = block_stats();
        int64_t* c = counts.data() + static_cast<std::size_t>(i) * r_max;
        joint_block(series, own, opt, g0 + i, stop, is_master, [&](const std::vector<double>& v) {
          double running = -INFINITY;
          for (std::size_t r = r_max; r-- > 0;) {
            const double u = standardise(v[order[r]], order[r]);
            if (std::isfinite(u)) running = std::max(running, u);
            c[r] += rules[r](running);
          }
        });
      });
      if (stop.stopped()) return out;
      for (long i = 0; i < gn; ++i) {
        for (std::size_t r = 0; r < r_max; ++r) hits[r] += counts[static_cast<std::size_t>(i) * r_max + r];
      }
    }
  }
  double previous = 0.0;
  for (std::size_t r = 0; r < r_max; ++r) {
    const double p = monte_carlo_p(PKind::PlusOne, hits[r], K, 0.99).p;
    previous = std::min(1.0, std::max(previous, p));  // step-down monotonicity
    out.adjusted[order[r]] = previous;
  }
  out.n_used = K;
  return out;
}

}  // namespace propgrad
