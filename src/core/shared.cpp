// Shared permutations (see shared.h). The grad kernel keeps the group's
// outputs and stencil weights row-major (a row holds every series' value at
// one step), so under one order of the positions each gradient row of four
// series is a few vector loads from three gathered rows. The sums follow
// kernels.h: eight sums per series by (r - 1) mod 8, combined in its order,
// then the two end rows are added as scaled_mean_abs() adds them.
#include "shared.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <stdexcept>

#include "permute.h"

namespace propgrad {

namespace {

const uint64_t kSharedKey = stream_key("shared_permutations");

// Four doubles: SSE2 pairs by default, one AVX2 register in the avx2 copy.
typedef double v4d __attribute__((vector_size(32)));
typedef long long v4i __attribute__((vector_size(32)));

// Four doubles from unaligned memory.
#define PROPGRAD_LOAD4(dst, p) std::memcpy(&(dst), (p), sizeof(v4d))

// |row r| of four series into `g` (rows: the gathered step rows).
#define PROPGRAD_SHARED_ROW(g, ROWS, LO, MID, HI, WSTRIDE, WOFFSET, OFFSET, r)           \
  do {                                                                                    \
    const std::size_t w_ = (r) * (WSTRIDE) + (WOFFSET);                                   \
    v4d a_, b_;                                                                           \
    PROPGRAD_LOAD4(a_, (LO) + w_);                                              \
    PROPGRAD_LOAD4(b_, (ROWS)[(r) - 1] + (OFFSET));                                       \
    g = a_ * b_;                                                                          \
    if (MID) {                                                                            \
      PROPGRAD_LOAD4(a_, (MID) + w_);                                           \
      PROPGRAD_LOAD4(b_, (ROWS)[(r)] + (OFFSET));                                         \
      g = g + a_ * b_;                                                                    \
    }                                                                                     \
    PROPGRAD_LOAD4(a_, (HI) + w_);                                              \
    PROPGRAD_LOAD4(b_, (ROWS)[(r) + 1] + (OFFSET));                                       \
    g = g + a_ * b_;                                                                      \
    g = reinterpret_cast<v4d>(reinterpret_cast<v4i>(g) & abs_mask);                       \
  } while (0)

// One block of four series: the eight sums of every interior row, combined.
// A macro so the portable and the AVX2 function share one text (vector
// values never cross a function boundary, whose ABI differs between them).
#define PROPGRAD_SHARED_BLOCK(ROWS, LO, MID, HI, N, WSTRIDE, WOFFSET, OFFSET, OUT)                          \
  do {                                                                                           \
    const v4i abs_mask = {0x7fffffffffffffffLL, 0x7fffffffffffffffLL, 0x7fffffffffffffffLL,     \
                          0x7fffffffffffffffLL};                                                 \
    v4d acc[8];                                                                                  \
    for (auto& a : acc) a = v4d{0.0, 0.0, 0.0, 0.0};                                             \
    v4d g;                                                                                       \
    std::size_t r = 1;                                                                           \
    for (; r + 8 < (N); r += 8) {                                                                \
      for (int k = 0; k < 8; ++k) {                                                              \
        PROPGRAD_SHARED_ROW(g, ROWS, LO, MID, HI, WSTRIDE, WOFFSET, OFFSET, r + k);                         \
        acc[k] = acc[k] + g;                                                                     \
      }                                                                                          \
    }                                                                                            \
    for (; r + 1 < (N); ++r) {                                                                   \
      PROPGRAD_SHARED_ROW(g, ROWS, LO, MID, HI, WSTRIDE, WOFFSET, OFFSET, r);                               \
      acc[(r - 1) & 7] = acc[(r - 1) & 7] + g;                                                   \
    }                                                                                            \
    const v4d sum = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])); \
    std::memcpy((OUT), &sum, sizeof sum);                                                        \
  } while (0)

// Blocks of four series up to `width`. A row of weights is `wstride`
// doubles long: the rows' stride, or 4 when one stencil serves every series
// (its weights then repeat four times and every block reads the same ones).
void interior_blocks_portable(const double* const* rows, const double* lo, const double* mid,
                              const double* hi, std::size_t n, std::size_t wstride,
                              std::size_t width, double* out) {
  for (std::size_t o = 0; o < width; o += 4) {
    PROPGRAD_SHARED_BLOCK(rows, lo, mid, hi, n, wstride, wstride == 4 ? 0 : o, o, out + o);
  }
}

#ifdef PROPGRAD_AVX2_DISPATCH
__attribute__((target("avx2"))) void interior_blocks_avx2(const double* const* rows, const double* lo,
                                                          const double* mid, const double* hi,
                                                          std::size_t n, std::size_t wstride,
                                                          std::size_t width, double* out) {
  for (std::size_t o = 0; o < width; o += 4) {
    PROPGRAD_SHARED_BLOCK(rows, lo, mid, hi, n, wstride, wstride == 4 ? 0 : o, o, out + o);
  }
}
#endif

}  // namespace

bool SharedGradKernel::usable(const SeriesStatistic& stat) {
  GradientStencil::ThreePoint rows;
  return stat.kind() == StatisticKind::Grad && stat.d() == 1 && stat.stencil().three_point(rows);
}

SharedGradKernel::SharedGradKernel(const std::vector<const SeriesData*>& series,
                                   const std::vector<const SeriesStatistic*>& stats)
    : n_(series.empty() ? 0 : series[0]->n), count_(series.size()), width_((series.size() + 3) / 4 * 4),
      stride_((series.size() + 7) / 8 * 8) {
  // Rows start on 64-byte boundaries, so no 4-double load splits a cache line.
  auto place = [&](std::vector<double>& storage, std::size_t per_row) {
    storage.assign(n_ * per_row + 8, 0.0);
    const auto address = reinterpret_cast<std::uintptr_t>(storage.data());
    return storage.data() + ((64 - address % 64) % 64) / sizeof(double);
  };
  // One stencil for every series (the usual case: one grid) keeps its
  // weights once, four times over: the group's data then stay in L1.
  bool uniform = true;
  GradientStencil::ThreePoint first{};
  for (std::size_t s = 0; s < count_ && uniform; ++s) {
    GradientStencil::ThreePoint rows;
    if (!stats[s]->stencil().three_point(rows)) break;
    if (s == 0) first = rows;
    const std::size_t bytes = n_ * sizeof(double);
    uniform = std::memcmp(rows.lo, first.lo, bytes) == 0 && std::memcmp(rows.mid, first.mid, bytes) == 0 &&
              std::memcmp(rows.hi, first.hi, bytes) == 0;
  }
  weight_stride_ = uniform ? 4 : stride_;
  y_ = place(y_store_, stride_);
  lo_ = place(lo_store_, weight_stride_);
  mid_ = place(mid_store_, weight_stride_);
  hi_ = place(hi_store_, weight_stride_);
  end_weights_.resize(6 * count_);
  end_neighbours_.resize(2 * count_);
  for (std::size_t s = 0; s < count_; ++s) {
    GradientStencil::ThreePoint rows;
    if (series[s]->n != n_ || !usable(*stats[s]) || !stats[s]->stencil().three_point(rows)) {
      throw std::invalid_argument("shared kernel: grad statistics of single outputs, equal n");
    }
    has_mid_ = has_mid_ || rows.interior_mid != nullptr;
    for (std::size_t i = 0; i < n_; ++i) {
      y_[i * stride_ + s] = series[s]->y[i];
      if (weight_stride_ == 4 && s >= 4) continue;  // the four copies are written
      lo_[i * weight_stride_ + s] = rows.lo[i];
      mid_[i * weight_stride_ + s] = rows.mid[i];
      hi_[i * weight_stride_ + s] = rows.hi[i];
    }
    const double ends[6] = {rows.lo[0], rows.mid[0], rows.hi[0],
                            rows.lo[n_ - 1], rows.mid[n_ - 1], rows.hi[n_ - 1]};
    std::copy(ends, ends + 6, end_weights_.begin() + 6 * s);
    end_neighbours_[2 * s] = rows.first_lo;
    end_neighbours_[2 * s + 1] = rows.last_hi;
  }
}

void SharedGradKernel::evaluate(const uint32_t* order, double* values, Workspace& work) const {
  const std::size_t n = n_, w = width_, stride = stride_;
  work.rows.resize(n);
  work.interior.resize(w);
  const double** rows = work.rows.data();
  double* interior = work.interior.data();
  for (std::size_t i = 0; i < n; ++i) rows[i] = y_ + static_cast<std::size_t>(order[i]) * stride;
  const double* mid = has_mid_ ? mid_ : nullptr;
#ifdef PROPGRAD_AVX2_DISPATCH
  if (PermutationSource::simd_active()) {
    interior_blocks_avx2(rows, lo_, mid, hi_, n, weight_stride_, w, interior);
  } else {
    interior_blocks_portable(rows, lo_, mid, hi_, n, weight_stride_, w, interior);
  }
#else
  interior_blocks_portable(rows, lo_, mid, hi_, n, weight_stride_, w, interior);
#endif
  for (std::size_t s = 0; s < count_; ++s) {
    const double* e = &end_weights_[6 * s];
    const double first = e[0] * rows[end_neighbours_[2 * s]][s] + e[1] * rows[0][s] +
                         e[2] * rows[n > 1 ? 1 : 0][s];
    const double last = e[3] * rows[n - 2][s] + e[4] * rows[n - 1][s] +
                        e[5] * rows[end_neighbours_[2 * s + 1]][s];
    double total = std::abs(first) + std::abs(last);
    total += interior[s];
    values[s] = total / static_cast<double>(n);
  }
}

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
      order_inside_out(order.data(), draws.data(), n);
      if (kernel) {
        kernel->evaluate(order.data(), values.data(), scratch);
      } else {
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
  auto run_one = [&](long i, bool is_master, const double* shared) {
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
      parallel_for_polled(static_cast<long>(part.size()), nthreads, stop, [&](long p, bool is_master) {
        run_one(members[from + p], is_master, values.data() + static_cast<std::size_t>(p) * K);
      });
    }
  }
  return results;
}

}  // namespace propgrad
