// Two lanes of doubles for the KSG walk (ksg.cpp), which follows two points
// at once: SSE2 where the compiler targets it (all x86-64), plain code
// elsewhere or with PROPGRAD_NO_SIMD (tests/cpp builds both). Both compute
// the same selects, so the estimate does not depend on which is used:
// lower(a, b) is a < b ? a : b and upper(a, b) is a > b ? a : b, exactly
// what minpd and maxpd do, ties and all. Internal to the core.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>

#if defined(__SSE2__) && !defined(PROPGRAD_NO_SIMD)
#include <emmintrin.h>
#endif

namespace propgrad::simd {

#if defined(__SSE2__) && !defined(PROPGRAD_NO_SIMD)
struct Lanes {
  __m128d v;
};
inline Lanes lanes(double a0, double a1) { return {_mm_set_pd(a1, a0)}; }
inline double lane0(Lanes a) { return _mm_cvtsd_f64(a.v); }
inline double lane1(Lanes a) { return _mm_cvtsd_f64(_mm_unpackhi_pd(a.v, a.v)); }
inline Lanes lower(Lanes a, Lanes b) { return {_mm_min_pd(a.v, b.v)}; }
inline Lanes upper(Lanes a, Lanes b) { return {_mm_max_pd(a.v, b.v)}; }
inline Lanes abs_diff(Lanes a, Lanes b) {
  return {_mm_andnot_pd(_mm_set1_pd(-0.0), _mm_sub_pd(a.v, b.v))};
}
// Per-lane counters.
struct Counts {
  __m128i v;
};
inline Counts zero_counts() { return {_mm_setzero_si128()}; }
// Counts the lanes where a < b; false when there are none.
inline bool count_below(Lanes a, Lanes b, Counts& c) {
  const __m128d below = _mm_cmplt_pd(a.v, b.v);
  c.v = _mm_sub_epi64(c.v, _mm_castpd_si128(below));  // a true lane is all ones, i.e. -1
  return _mm_movemask_pd(below) != 0;
}
inline std::size_t count_of(Counts c, int lane) {
  alignas(16) int64_t v[2];
  _mm_store_si128(reinterpret_cast<__m128i*>(v), c.v);
  return static_cast<std::size_t>(v[lane]);
}
#else
struct Lanes {
  double v0, v1;
};
inline Lanes lanes(double a0, double a1) { return {a0, a1}; }
inline double lane0(Lanes a) { return a.v0; }
inline double lane1(Lanes a) { return a.v1; }
inline Lanes lower(Lanes a, Lanes b) {
  return {a.v0 < b.v0 ? a.v0 : b.v0, a.v1 < b.v1 ? a.v1 : b.v1};
}
inline Lanes upper(Lanes a, Lanes b) {
  return {a.v0 > b.v0 ? a.v0 : b.v0, a.v1 > b.v1 ? a.v1 : b.v1};
}
inline Lanes abs_diff(Lanes a, Lanes b) { return {std::abs(a.v0 - b.v0), std::abs(a.v1 - b.v1)}; }
struct Counts {
  std::size_t v0, v1;
};
inline Counts zero_counts() { return {0, 0}; }
inline bool count_below(Lanes a, Lanes b, Counts& c) {
  const bool below0 = a.v0 < b.v0, below1 = a.v1 < b.v1;
  c.v0 += below0;
  c.v1 += below1;
  return below0 | below1;
}
inline std::size_t count_of(Counts c, int lane) { return lane == 0 ? c.v0 : c.v1; }
#endif

// best[0..k) sorted ascending becomes the k smallest of best and d, lane by
// lane, without a data-dependent branch: slot q keeps its value, takes d,
// or takes the value shifted up from q - 1, i.e.
// upper(lower(best[q], d), best[q - 1]). Ties only differ in the sign of a
// zero, and eps is only ever compared. K is the compile-time k (the
// engine's is at most 5), or 0 for any k.
template <int Q>
struct InsertLanes {  // slots Q, Q - 1, ..., 0, unrolled whatever the optimiser does
  static void run(Lanes* best, Lanes d) {
    best[Q] = upper(lower(best[Q], d), best[Q - 1]);
    InsertLanes<Q - 1>::run(best, d);
  }
};
template <>
struct InsertLanes<0> {
  static void run(Lanes* best, Lanes d) { best[0] = lower(best[0], d); }
};
template <int K>
inline void insert_lanes(Lanes* best, int /*k*/, Lanes d) {
  InsertLanes<K - 1>::run(best, d);
}
template <>
inline void insert_lanes<0>(Lanes* best, int k, Lanes d) {
  for (int q = k - 1; q > 0; --q) best[q] = upper(lower(best[q], d), best[q - 1]);
  best[0] = lower(best[0], d);
}

}  // namespace propgrad::simd
