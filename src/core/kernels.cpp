// Implementation of the fixed-order sums of kernels.h. Both paths give each
// of the eight sums the same additions in the same order; the AVX2 path
// only does four rows per instruction, in two registers so the two chains
// of additions overlap.
#include "kernels.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "permute.h"

#ifdef PROPGRAD_AVX2_DISPATCH
#include <immintrin.h>
#endif

namespace propgrad {

namespace {

inline double row_value(const double* lo, const double* mid, const double* hi, const double* y,
                        std::size_t r) {
  return mid ? lo[r] * y[r - 1] + mid[r] * y[r] + hi[r] * y[r + 1]
             : lo[r] * y[r - 1] + hi[r] * y[r + 1];
}

// Rows from..n-2 into acc, sum (r - 1) % 8.
inline void scalar_rows(const double* lo, const double* mid, const double* hi, const double* y,
                        std::size_t n, std::size_t from, double (&acc)[8]) {
  for (std::size_t r = from; r + 1 < n; ++r) acc[(r - 1) & 7] += std::abs(row_value(lo, mid, hi, y, r));
}

inline double combine(const double (&acc)[8]) {
  return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

#ifdef PROPGRAD_AVX2_DISPATCH
__attribute__((target("avx2"))) inline __m256d abs_rows(const double* lo, const double* mid,
                                                        const double* hi, const double* y,
                                                        std::size_t r) {
  __m256d g = _mm256_mul_pd(_mm256_loadu_pd(lo + r), _mm256_loadu_pd(y + r - 1));
  if (mid) g = _mm256_add_pd(g, _mm256_mul_pd(_mm256_loadu_pd(mid + r), _mm256_loadu_pd(y + r)));
  g = _mm256_add_pd(g, _mm256_mul_pd(_mm256_loadu_pd(hi + r), _mm256_loadu_pd(y + r + 1)));
  return _mm256_andnot_pd(_mm256_set1_pd(-0.0), g);
}

// Sums 0-3 in one register and 4-7 in another: two independent chains.
__attribute__((target("avx2"))) double interior_abs_sum_avx2(const double* lo, const double* mid,
                                                              const double* hi, const double* y,
                                                              std::size_t n) {
  __m256d first = _mm256_setzero_pd(), second = _mm256_setzero_pd();
  std::size_t r = 1;
  for (; r + 8 < n; r += 8) {  // rows r..r+7, all interior (r + 7 <= n - 2)
    first = _mm256_add_pd(first, abs_rows(lo, mid, hi, y, r));
    second = _mm256_add_pd(second, abs_rows(lo, mid, hi, y, r + 4));
  }
  alignas(32) double acc[8];
  _mm256_store_pd(acc, first);
  _mm256_store_pd(acc + 4, second);
  scalar_rows(lo, mid, hi, y, n, r, acc);
  return combine(acc);
}

// corr's sums: lanes i..i+3 and i+4..i+7 are the sums i mod 8.
__attribute__((target("avx2"))) double centred_dot_avx2(const double* w, const double* y, double m,
                                                        std::size_t n) {
  const __m256d mean = _mm256_set1_pd(m);
  __m256d first = _mm256_setzero_pd(), second = _mm256_setzero_pd();
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    first = _mm256_add_pd(first, _mm256_mul_pd(_mm256_loadu_pd(w + i),
                                               _mm256_sub_pd(_mm256_loadu_pd(y + i), mean)));
    second = _mm256_add_pd(second, _mm256_mul_pd(_mm256_loadu_pd(w + i + 4),
                                                 _mm256_sub_pd(_mm256_loadu_pd(y + i + 4), mean)));
  }
  alignas(32) double acc[8];
  _mm256_store_pd(acc, first);
  _mm256_store_pd(acc + 4, second);
  for (; i < n; ++i) acc[i & 7] += w[i] * (y[i] - m);
  return combine(acc);
}
#endif

// Welford's update of RunningMoments::add() for 4 V series side by side:
// series first + l at values + (first + l) * stride (lanes past m repeat
// the last series and are dropped).
typedef double v4d_m __attribute__((vector_size(32)));

template <int V>
inline __attribute__((always_inline)) void moments_lanes(const double* values, std::size_t stride,
                                                         std::size_t count, std::size_t first,
                                                         std::size_t m, RunningMoments* out) {
  const double* p[4 * V];
  for (int l = 0; l < 4 * V; ++l) p[l] = values + std::min(first + l, m - 1) * stride;
  v4d_m mean[V], m2[V];
  for (int v = 0; v < V; ++v) mean[v] = m2[v] = v4d_m{0.0, 0.0, 0.0, 0.0};
  for (std::size_t k = 0; k < count; ++k) {
    const double c = static_cast<double>(static_cast<int64_t>(k + 1));
    const v4d_m kk = {c, c, c, c};
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) {
      const v4d_m x = {p[4 * v][k], p[4 * v + 1][k], p[4 * v + 2][k], p[4 * v + 3][k]};
      const v4d_m delta = x - mean[v];
      mean[v] = mean[v] + delta / kk;
      m2[v] = m2[v] + delta * (x - mean[v]);
    }
  }
  for (int l = 0; l < 4 * V && first + l < m; ++l) {
    out[first + l].count = static_cast<int64_t>(count);
    out[first + l].mean = mean[l / 4][l % 4];
    out[first + l].m2 = m2[l / 4][l % 4];
  }
}

// Twelve series at a time, then four.
#define PROPGRAD_MOMENTS_BODY                                                                   \
  do {                                                                                          \
    std::size_t s = 0;                                                                          \
    for (; s + 8 < m; s += 12) moments_lanes<3>(values, stride, count, s, m, out);              \
    for (; s < m; s += 4) moments_lanes<1>(values, stride, count, s, m, out);                   \
  } while (0)

void moments_portable(const double* values, std::size_t stride, std::size_t count, std::size_t m,
                      RunningMoments* out) {
  PROPGRAD_MOMENTS_BODY;
}

#ifdef PROPGRAD_AVX2_DISPATCH
__attribute__((target("avx2"))) void moments_avx2(const double* values, std::size_t stride, std::size_t count,
                                                  std::size_t m, RunningMoments* out) {
  PROPGRAD_MOMENTS_BODY;
}
#endif

}  // namespace

double interior_abs_sum_portable(const double* lo, const double* mid, const double* hi,
                                 const double* y, std::size_t n) {
  double acc[8] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
  scalar_rows(lo, mid, hi, y, n, 1, acc);
  return combine(acc);
}

double centred_dot_portable(const double* w, const double* y, double m, std::size_t n) {
  double acc[8] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
  for (std::size_t i = 0; i < n; ++i) acc[i & 7] += w[i] * (y[i] - m);
  return combine(acc);
}

double centred_dot(const double* w, const double* y, double m, std::size_t n) {
#ifdef PROPGRAD_AVX2_DISPATCH
  if (PermutationSource::simd_active()) return centred_dot_avx2(w, y, m, n);
#endif
  return centred_dot_portable(w, y, m, n);
}

double interior_abs_sum(const double* lo, const double* mid, const double* hi, const double* y,
                        std::size_t n) {
#ifdef PROPGRAD_AVX2_DISPATCH
  if (PermutationSource::simd_active()) return interior_abs_sum_avx2(lo, mid, hi, y, n);
#endif
  return interior_abs_sum_portable(lo, mid, hi, y, n);
}

void running_moments_many_portable(const double* values, std::size_t stride, std::size_t count,
                                   std::size_t m, RunningMoments* out) {
  if (m > 0) moments_portable(values, stride, count, m, out);
}

void running_moments_many(const double* values, std::size_t stride, std::size_t count, std::size_t m,
                          RunningMoments* out) {
  if (m == 0) return;
#ifdef PROPGRAD_AVX2_DISPATCH
  if (PermutationSource::simd_active()) return moments_avx2(values, stride, count, m, out);
#endif
  moments_portable(values, stride, count, m, out);
}

}  // namespace propgrad
