// Implementation of the fixed-order sums of kernels.h. Both paths give each
// of the eight sums the same additions in the same order; the AVX2 path
// only does four rows per instruction, in two registers so the two chains
// of additions overlap.
#include "kernels.h"

#include <cmath>

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
#endif

}  // namespace

double interior_abs_sum_portable(const double* lo, const double* mid, const double* hi,
                                 const double* y, std::size_t n) {
  double acc[8] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
  scalar_rows(lo, mid, hi, y, n, 1, acc);
  return combine(acc);
}

double interior_abs_sum(const double* lo, const double* mid, const double* hi, const double* y,
                        std::size_t n) {
#ifdef PROPGRAD_AVX2_DISPATCH
  if (PermutationSource::simd_active()) return interior_abs_sum_avx2(lo, mid, hi, y, n);
#endif
  return interior_abs_sum_portable(lo, mid, hi, y, n);
}

}  // namespace propgrad
