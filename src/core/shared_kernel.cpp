// The grad kernel of shared permutations (SharedGradKernel, shared.h). It
// keeps the group's outputs row-major (a row holds every series' value at
// one step), so under one order of the positions a gradient row of four
// series is a few vector loads from three gathered rows. The sums follow
// kernels.h bit for bit: eight sums per series by (r - 1) mod 8, combined
// in its order, then the two end rows are added as scaled_mean_abs() adds
// them. When every series has the same stencil (one grid: the usual case)
// the weights are one double per row, broadcast, and eight series go
// through each row at once, so a row's weights and pointers are loaded once
// for two vectors (with the reorder, 250 against 310 ns per draw for ten
// series); otherwise each series' weights are loaded with it.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>

#include "permute.h"
#include "shared.h"

namespace propgrad {

namespace {

// Four doubles: SSE2 pairs by default, one AVX2 register in the avx2 copy.
typedef double v4d __attribute__((vector_size(32)));
typedef long long v4i __attribute__((vector_size(32)));

#define PROPGRAD_LOAD4(dst, p) std::memcpy(&(dst), (p), sizeof(v4d))

#define PROPGRAD_SPLAT(x) (v4d{(x), (x), (x), (x)})

// |g|: the sign bits cleared.
#define PROPGRAD_ABS4(g) \
  reinterpret_cast<v4d>(reinterpret_cast<v4i>(g) & v4i{kAbsMask, kAbsMask, kAbsMask, kAbsMask})
constexpr long long kAbsMask = 0x7fffffffffffffffLL;

// g = lo a + mid b + hi c, left to right (b skipped without a middle term).
// Macros, not functions: vectors never cross a call (the portable and the
// AVX2 copies pass them differently).
#define PROPGRAD_ROW4(g, MID, l, m, h, a, b, c) \
  do {                                          \
    v4d x_;                                     \
    PROPGRAD_LOAD4(x_, a);                      \
    g = (l) * x_;                               \
    if (MID) {                                  \
      PROPGRAD_LOAD4(x_, b);                    \
      g = g + (m) * x_;                         \
    }                                           \
    PROPGRAD_LOAD4(x_, c);                      \
    g = g + (h) * x_;                           \
  } while (0)

// One stencil for all: the final values of lanes [o, o + 4 Blocks). Inlined
// into a portable and an AVX2 function (vector values never cross a call).
template <int Blocks, bool Mid>
inline __attribute__((always_inline)) void uniform_lanes(const double* const* rows, const double* lo,
                                                         const double* mid, const double* hi,
                                                         const double* ends, std::size_t first_lo,
                                                         std::size_t last_hi, std::size_t n,
                                                         std::size_t o, double* out) {
  v4d acc[Blocks][8];
  for (auto& block : acc) {
    for (auto& a : block) a = v4d{0.0, 0.0, 0.0, 0.0};
  }
  std::size_t r = 1;
  for (; r + 8 < n; r += 8) {
#pragma GCC unroll 8
    for (int k = 0; k < 8; ++k) {
      const std::size_t q = r + k;
      const v4d l = PROPGRAD_SPLAT(lo[q]), m = PROPGRAD_SPLAT(Mid ? mid[q] : 0.0), h = PROPGRAD_SPLAT(hi[q]);
#pragma GCC unroll 4
      for (int b = 0; b < Blocks; ++b) {
        const std::size_t lane = o + 4 * b;
        v4d g;
        PROPGRAD_ROW4(g, Mid, l, m, h, rows[q - 1] + lane, rows[q] + lane, rows[q + 1] + lane);
        acc[b][k] = acc[b][k] + PROPGRAD_ABS4(g);
      }
    }
  }
  for (; r + 1 < n; ++r) {
    const v4d l = PROPGRAD_SPLAT(lo[r]), m = PROPGRAD_SPLAT(Mid ? mid[r] : 0.0), h = PROPGRAD_SPLAT(hi[r]);
    for (int b = 0; b < Blocks; ++b) {
      const std::size_t lane = o + 4 * b;
      v4d g;
      PROPGRAD_ROW4(g, Mid, l, m, h, rows[r - 1] + lane, rows[r] + lane, rows[r + 1] + lane);
      acc[b][(r - 1) & 7] = acc[b][(r - 1) & 7] + PROPGRAD_ABS4(g);
    }
  }
  const double n_steps = static_cast<double>(n);
  for (int b = 0; b < Blocks; ++b) {
    const std::size_t lane = o + 4 * b;
    const v4d* a = acc[b];
    const v4d interior = ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]));
    v4d first, last;
    PROPGRAD_ROW4(first, true, PROPGRAD_SPLAT(ends[0]), PROPGRAD_SPLAT(ends[1]), PROPGRAD_SPLAT(ends[2]),
                  rows[first_lo] + lane, rows[0] + lane, rows[1] + lane);
    PROPGRAD_ROW4(last, true, PROPGRAD_SPLAT(ends[3]), PROPGRAD_SPLAT(ends[4]), PROPGRAD_SPLAT(ends[5]),
                  rows[n - 2] + lane, rows[n - 1] + lane, rows[last_hi] + lane);
    const v4d total = (PROPGRAD_ABS4(first) + PROPGRAD_ABS4(last)) + interior;
    const v4d value = total / PROPGRAD_SPLAT(n_steps);
    std::memcpy(out + lane, &value, sizeof value);
  }
}

// Eight lanes at a time, then four: `width` is a multiple of four.
#define PROPGRAD_UNIFORM_BODY(MID)                                                                      \
  do {                                                                                                  \
    std::size_t o = 0;                                                                                  \
    for (; o + 8 <= width; o += 8) uniform_lanes<2, MID>(rows, lo, mid, hi, ends, first_lo, last_hi, n, o, out); \
    if (o < width) uniform_lanes<1, MID>(rows, lo, mid, hi, ends, first_lo, last_hi, n, o, out);        \
  } while (0)

void uniform_portable(const double* const* rows, const double* lo, const double* mid, const double* hi,
                      const double* ends, std::size_t first_lo, std::size_t last_hi, std::size_t n,
                      std::size_t width, double* out) {
  if (mid) PROPGRAD_UNIFORM_BODY(true); else PROPGRAD_UNIFORM_BODY(false);
}

#ifdef PROPGRAD_AVX2_DISPATCH
__attribute__((target("avx2"))) void uniform_avx2(const double* const* rows, const double* lo,
                                                  const double* mid, const double* hi, const double* ends,
                                                  std::size_t first_lo, std::size_t last_hi, std::size_t n,
                                                  std::size_t width, double* out) {
  if (mid) PROPGRAD_UNIFORM_BODY(true); else PROPGRAD_UNIFORM_BODY(false);
}
#endif

// Stencils that differ between series: each block of four loads its own
// weights (rows of `stride` doubles) and sums its interior rows.
template <bool Mid>
inline __attribute__((always_inline)) void mixed_block(const double* const* rows, const double* lo,
                                                       const double* mid, const double* hi, std::size_t n,
                                                       std::size_t stride, std::size_t o, double* out) {
  v4d acc[8];
  for (auto& a : acc) a = v4d{0.0, 0.0, 0.0, 0.0};
  auto add_row = [&](std::size_t r, v4d& sum) {
    const std::size_t w = r * stride + o;
    v4d l, m = v4d{0.0, 0.0, 0.0, 0.0}, h;
    PROPGRAD_LOAD4(l, lo + w);
    if (Mid) PROPGRAD_LOAD4(m, mid + w);
    PROPGRAD_LOAD4(h, hi + w);
    v4d g;
    PROPGRAD_ROW4(g, Mid, l, m, h, rows[r - 1] + o, rows[r] + o, rows[r + 1] + o);
    sum = sum + PROPGRAD_ABS4(g);
  };
  std::size_t r = 1;
  for (; r + 8 < n; r += 8) {
#pragma GCC unroll 8
    for (int k = 0; k < 8; ++k) add_row(r + k, acc[k]);
  }
  for (; r + 1 < n; ++r) add_row(r, acc[(r - 1) & 7]);
  const v4d sum = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
  std::memcpy(out + o, &sum, sizeof sum);
}

#define PROPGRAD_MIXED_BODY(MID) \
  for (std::size_t o = 0; o < width; o += 4) mixed_block<MID>(rows, lo, mid, hi, n, stride, o, out)

void mixed_portable(const double* const* rows, const double* lo, const double* mid, const double* hi,
                    std::size_t n, std::size_t stride, std::size_t width, double* out) {
  if (mid) PROPGRAD_MIXED_BODY(true); else PROPGRAD_MIXED_BODY(false);
}

#ifdef PROPGRAD_AVX2_DISPATCH
__attribute__((target("avx2"))) void mixed_avx2(const double* const* rows, const double* lo, const double* mid,
                                                const double* hi, std::size_t n, std::size_t stride,
                                                std::size_t width, double* out) {
  if (mid) PROPGRAD_MIXED_BODY(true); else PROPGRAD_MIXED_BODY(false);
}
#endif

// The vector path where the CPU has it, as kernels.h's sums choose theirs.
void uniform_values(const double* const* rows, const double* lo, const double* mid, const double* hi,
                    const double* ends, std::size_t first_lo, std::size_t last_hi, std::size_t n,
                    std::size_t width, double* out) {
#ifdef PROPGRAD_AVX2_DISPATCH
  if (PermutationSource::simd_active()) {
    return uniform_avx2(rows, lo, mid, hi, ends, first_lo, last_hi, n, width, out);
  }
#endif
  uniform_portable(rows, lo, mid, hi, ends, first_lo, last_hi, n, width, out);
}

void mixed_sums(const double* const* rows, const double* lo, const double* mid, const double* hi,
                std::size_t n, std::size_t stride, std::size_t width, double* out) {
#ifdef PROPGRAD_AVX2_DISPATCH
  if (PermutationSource::simd_active()) return mixed_avx2(rows, lo, mid, hi, n, stride, width, out);
#endif
  mixed_portable(rows, lo, mid, hi, n, stride, width, out);
}

bool same_stencil(const GradientStencil::ThreePoint& a, const GradientStencil::ThreePoint& b, std::size_t n) {
  const std::size_t bytes = n * sizeof(double);
  return std::memcmp(a.lo, b.lo, bytes) == 0 && std::memcmp(a.mid, b.mid, bytes) == 0 &&
         std::memcmp(a.hi, b.hi, bytes) == 0 && (a.interior_mid == nullptr) == (b.interior_mid == nullptr) &&
         a.first_lo == b.first_lo && a.last_hi == b.last_hi;
}

}  // namespace

bool SharedGradKernel::usable(const SeriesStatistic& stat) {
  GradientStencil::ThreePoint rows;
  return stat.kind() == StatisticKind::Grad && stat.d() == 1 && stat.stencil().three_point(rows);
}

SharedGradKernel::SharedGradKernel(const std::vector<const SeriesData*>& series,
                                   const std::vector<const SeriesStatistic*>& stats)
    : n_(series.empty() ? 0 : series[0]->n), count_(series.size()), width_((series.size() + 3) / 4 * 4),
      stride_((series.size() + 7) / 8 * 8) {
  std::vector<GradientStencil::ThreePoint> stencils(count_);
  for (std::size_t s = 0; s < count_; ++s) {
    if (series[s]->n != n_ || !usable(*stats[s]) || !stats[s]->stencil().three_point(stencils[s])) {
      throw std::invalid_argument("shared kernel: grad statistics of single outputs, equal n");
    }
  }
  uniform_ = true;
  for (std::size_t s = 1; s < count_ && uniform_; ++s) uniform_ = same_stencil(stencils[0], stencils[s], n_);
  // Rows start on 64-byte boundaries, so no 4-double load splits a cache line.
  y_store_.assign(n_ * stride_ + 8, 0.0);
  const auto address = reinterpret_cast<std::uintptr_t>(y_store_.data());
  y_ = y_store_.data() + ((64 - address % 64) % 64) / sizeof(double);
  for (std::size_t s = 0; s < count_; ++s) {
    has_mid_ = has_mid_ || stencils[s].interior_mid != nullptr;
    for (std::size_t i = 0; i < n_; ++i) y_[i * stride_ + s] = series[s]->y[i];
  }
  if (uniform_ && count_ > 0) {
    const GradientStencil::ThreePoint& rows = stencils[0];
    lo_.assign(rows.lo, rows.lo + n_);
    mid_.assign(rows.mid, rows.mid + n_);
    hi_.assign(rows.hi, rows.hi + n_);
  } else {
    lo_.assign(n_ * stride_, 0.0);
    mid_.assign(n_ * stride_, 0.0);
    hi_.assign(n_ * stride_, 0.0);
    for (std::size_t s = 0; s < count_; ++s) {
      for (std::size_t i = 0; i < n_; ++i) {
        lo_[i * stride_ + s] = stencils[s].lo[i];
        mid_[i * stride_ + s] = stencils[s].mid[i];
        hi_[i * stride_ + s] = stencils[s].hi[i];
      }
    }
  }
  end_weights_.resize(6 * count_);
  end_neighbours_.resize(2 * count_);
  for (std::size_t s = 0; s < count_; ++s) {
    const GradientStencil::ThreePoint& rows = stencils[s];
    const double ends[6] = {rows.lo[0], rows.mid[0], rows.hi[0], rows.lo[n_ - 1], rows.mid[n_ - 1], rows.hi[n_ - 1]};
    std::copy(ends, ends + 6, end_weights_.begin() + 6 * s);
    end_neighbours_[2 * s] = rows.first_lo;
    end_neighbours_[2 * s + 1] = rows.last_hi;
  }
}

void SharedGradKernel::evaluate(const uint32_t* order, double* values, Workspace& work) const {
  work.rows.resize(n_);
  for (std::size_t i = 0; i < n_; ++i) work.rows[i] = y_ + static_cast<std::size_t>(order[i]) * stride_;
  evaluate_rows(values, work);
}

void SharedGradKernel::evaluate_draws(const uint32_t* draws, double* values, Workspace& work) const {
  work.rows.resize(n_);
  rows_inside_out(work.rows.data(), draws, n_, y_, stride_);
  evaluate_rows(values, work);
}

void SharedGradKernel::evaluate_rows(double* values, Workspace& work) const {
  const std::size_t n = n_, w = width_;
  work.interior.resize(w);
  const double* const* rows = work.rows.data();
  double* out = work.interior.data();
  const double* mid = has_mid_ ? mid_.data() : nullptr;
  if (uniform_) {
    uniform_values(rows, lo_.data(), mid, hi_.data(), end_weights_.data(), end_neighbours_[0],
                   end_neighbours_[1], n, w, out);
    std::copy(out, out + count_, values);
    return;
  }
  mixed_sums(rows, lo_.data(), mid, hi_.data(), n, stride_, w, out);
  for (std::size_t s = 0; s < count_; ++s) {
    const double* e = &end_weights_[6 * s];
    const double first = e[0] * rows[end_neighbours_[2 * s]][s] + e[1] * rows[0][s] + e[2] * rows[1][s];
    const double last = e[3] * rows[n - 2][s] + e[4] * rows[n - 1][s] + e[5] * rows[end_neighbours_[2 * s + 1]][s];
    double total = std::abs(first) + std::abs(last);
    total += out[s];
    values[s] = total / static_cast<double>(n);
  }
}

}  // namespace propgrad
