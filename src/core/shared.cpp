// Shared permutations (see shared.h): one stream of permutations per number
// of steps, drawn in blocks of kSharedBlock, each block keyed by its index
// so the values do not depend on threads; the grad kernel of single
// outputs lives in shared_kernel.cpp, other statistics evaluate each
// series' own statistic under the shared order.
#include "shared.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <stdexcept>

#include "kernels.h"
#include "permute.h"

namespace propgrad {

namespace {

const uint64_t kSharedKey = stream_key("shared_permutations");

// Series whose moments one task computes (running_moments_many()'s widest step).
constexpr std::size_t kMomentSeries = 12;

}  // namespace

bool shared_null_values(const std::vector<const SeriesData*>& group, const ShuffleOptions& opt,
                        int nthreads, StopSignal& stop, double* out) {
  if (group.empty()) return true;
  const std::size_t n = group[0]->n, m = group.size();
  const int64_t K = opt.n_perm;
  auto make_stats = [&]() {
    std::vector<std::unique_ptr<SeriesStatistic>> own;
    for (const auto* s : group) {
      own.push_back(std::make_unique<SeriesStatistic>(opt.statistic, s->y, s->t, s->n, s->d, opt.gradient));
    }
    return own;
  };
  const auto stats = make_stats();
  bool all_kernel = true;
  for (const auto& st : stats) all_kernel = all_kernel && SharedGradKernel::usable(*st);
  std::unique_ptr<SharedGradKernel> kernel;
  if (all_kernel) {
    std::vector<const SeriesStatistic*> views;
    for (const auto& st : stats) views.push_back(st.get());
    kernel = std::make_unique<SharedGradKernel>(group, views);
  }
  std::size_t work = 0;  // one draw reorders every series
  for (const auto* s : group) work += s->n * s->d;
  uint64_t n_state = static_cast<uint64_t>(n);
  const uint64_t group_key = kSharedKey ^ splitmix64_next(n_state);
  const long n_blocks = static_cast<long>((K + kSharedBlock - 1) / kSharedBlock);
  parallel_for_polled(n_blocks, nthreads, stop, [&](long b, bool is_master) {
    uint64_t block_state = static_cast<uint64_t>(b);
    PermutationSource source(opt.seed, group_key ^ splitmix64_next(block_state));
    // The generic path evaluates each series' own statistic (not thread-safe: a copy per block).
    const auto own = kernel ? decltype(make_stats()){} : make_stats();
    std::vector<uint32_t> order(n), draws(n);
    std::vector<double> values(m), y;
    SharedGradKernel::Workspace scratch;
    WorkPoll poll(&stop, work, is_master);
    const int64_t first = b * kSharedBlock, count = std::min<int64_t>(kSharedBlock, K - first);
    for (int64_t k = 0; k < count; ++k) {
      if (poll.stop()) return;
      source.draw(draws.data(), n);
      if (kernel) {
        kernel->evaluate_draws(draws.data(), values.data(), scratch);
      } else {
        order_inside_out(order.data(), draws.data(), n);
        for (std::size_t s = 0; s < m; ++s) {
          y.resize(group[s]->n * group[s]->d);
          gather_rows(*group[s], order.data(), y.data());
          values[s] = own[s]->scaled(y.data());
        }
      }
      for (std::size_t s = 0; s < m; ++s) out[s * static_cast<std::size_t>(K) + first + k] = values[s];
    }
  });
  return !stop.stopped();
}

std::size_t shared_part_size(int64_t n_perm) {
  return std::max<std::size_t>(1, (std::size_t(32) << 20) / static_cast<std::size_t>(std::max<int64_t>(1, n_perm)));
}

double shared_permutation_bytes(std::size_t group, int64_t n_perm) {
  return 8.0 * static_cast<double>(n_perm) * static_cast<double>(std::min(group, shared_part_size(n_perm)));
}

std::vector<ShuffleResult> shuffle_many_shared(const std::vector<SeriesData>& series,
                                               const ShuffleOptions& opt, int nthreads,
                                               double* null_out, std::size_t null_length,
                                               StopSignal& stop) {
  std::vector<ShuffleResult> results(series.size());
  auto run_one = [&](long i, bool is_master, const SharedNull* shared) {
    try {
      double* out = null_out ? null_out + static_cast<std::size_t>(i) * null_length : nullptr;
      results[i] = shuffle_series(series[i], opt, out, stop, is_master, shared);
    } catch (const std::exception& e) {
      results[i].error = e.what();
    }
  };
  // Enumerated, broken or empty series run alone; the rest share by length.
  std::vector<long> alone;
  std::map<std::size_t, std::vector<long>> groups;
  for (long i = 0; i < static_cast<long>(series.size()); ++i) {
    const SeriesData& s = series[i];
    bool ok = s.n >= 2 && s.y != nullptr && opt.n_perm >= 1 &&
              !(opt.allow_exact && exact_permutation_count(s.n, opt.n_perm) > 0);
    if (ok) {
      try {
        SeriesStatistic probe(opt.statistic, s.y, s.t, s.n, s.d, opt.gradient);
      } catch (const std::exception&) {
        ok = false;
      }
    }
    if (ok) groups[s.n].push_back(i); else alone.push_back(i);
  }
  parallel_for_polled(static_cast<long>(alone.size()), nthreads, stop,
                      [&](long a, bool is_master) { run_one(alone[a], is_master, nullptr); });
  // A group's null values are held at once: split wide groups so they stay
  // within about 256 MB (the permutations are the same in every part).
  const std::size_t K = static_cast<std::size_t>(opt.n_perm);
  const std::size_t per_part = shared_part_size(opt.n_perm);
  for (const auto& kv : groups) {
    const auto& members = kv.second;
    for (std::size_t from = 0; from < members.size() && !stop.stopped(); from += per_part) {
      const std::size_t to = std::min(members.size(), from + per_part);
      std::vector<const SeriesData*> part;
      for (std::size_t p = from; p < to; ++p) part.push_back(&series[members[p]]);
      std::vector<double> values(part.size() * K);
      if (!shared_null_values(part, opt, nthreads, stop, values.data())) break;
      // The moments of twelve series at a time (kernels.h), before each is counted.
      std::vector<RunningMoments> moments(part.size());
      const long tasks = static_cast<long>((part.size() + kMomentSeries - 1) / kMomentSeries);
      parallel_for_polled(tasks, nthreads, stop, [&](long q, bool) {
        const std::size_t first = static_cast<std::size_t>(q) * kMomentSeries;
        running_moments_many(values.data() + first * K, K, K, std::min(kMomentSeries, part.size() - first),
                             moments.data() + first);
      });
      parallel_for_polled(static_cast<long>(part.size()), nthreads, stop, [&](long p, bool is_master) {
        const SharedNull shared{values.data() + static_cast<std::size_t>(p) * K, &moments[p]};
        run_one(members[from + p], is_master, &shared);
      });
    }
  }
  return results;
}

}  // namespace propgrad
