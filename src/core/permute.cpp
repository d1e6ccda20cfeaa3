// Bulk draws for inside-out shuffles (see permute.h). Word w of a step
// comes from lane w / 2 (low half first), and position i of a permutation
// uses word i - 1 of its steps, so the portable loop and the AVX2 loop
// below produce the same j. Rejections (probability below n / 2^32 per
// word) are redrawn, in position order, from the fallback stream.
#include "permute.h"

#include <atomic>
#include <cstring>
#include <vector>

#ifdef PROPGRAD_AVX2_DISPATCH
#include <immintrin.h>
#endif

namespace propgrad {

namespace {

constexpr uint64_t kFallbackStream = 0x5851f42d4c957f2dULL;
constexpr int kLanes = PermutationSource::kLanes;
constexpr std::size_t kWordsPerStep = 2 * kLanes;

std::atomic<int> simd_level{2};  // highest vector path allowed

inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

// One xoshiro256++ step of the eight lanes: sixteen words, lane l's low
// half as word 2l and its high half as word 2l + 1.
inline void lane_step(uint64_t (&s)[4][kLanes], uint32_t* words) {
  for (int l = 0; l < kLanes; ++l) {
    const uint64_t result = rotl(s[0][l] + s[3][l], 23) + s[0][l];
    const uint64_t t = s[1][l] << 17;
    s[2][l] ^= s[0][l];
    s[3][l] ^= s[1][l];
    s[1][l] ^= s[2][l];
    s[0][l] ^= s[3][l];
    s[2][l] ^= t;
    s[3][l] = rotl(s[3][l], 45);
    words[2 * l] = static_cast<uint32_t>(result);
    words[2 * l + 1] = static_cast<uint32_t>(result >> 32);
  }
}

// Lemire's bound of one word for position i (range i + 1); false when the
// word falls in the rejection zone and must be redrawn.
inline bool bounded_word(uint32_t word, uint32_t range, uint32_t& out) {
  const uint64_t m = static_cast<uint64_t>(word) * range;
  out = static_cast<uint32_t>(m >> 32);
  const uint32_t low = static_cast<uint32_t>(m);
  return low >= range || low >= static_cast<uint32_t>(-range) % range;
}

// Steps of the eight lanes, each word bounded into its position's j; true
// when some word may lie in the rejection zone (low half below its range),
// which redraw_rejected() then settles exactly.
bool draw_portable(uint64_t (&s)[4][kLanes], uint32_t* j, std::size_t n) {
  bool rejected = false;
  uint32_t words[kWordsPerStep];
  for (std::size_t first = 1; first < n; first += kWordsPerStep) {
    lane_step(s, words);
    const std::size_t last = first + kWordsPerStep < n ? first + kWordsPerStep : n;
    for (std::size_t i = first; i < last; ++i) {
      const uint32_t range = static_cast<uint32_t>(i + 1);
      const uint64_t m = static_cast<uint64_t>(words[i - first]) * range;
      j[i] = static_cast<uint32_t>(m >> 32);
      rejected |= static_cast<uint32_t>(m) < range;  // the exact test follows
    }
  }
  return rejected;
}

#ifdef PROPGRAD_AVX2_DISPATCH
__attribute__((target("avx2"))) inline __m256i rotl_avx2(__m256i x, int k) {
  return _mm256_or_si256(_mm256_slli_epi64(x, k), _mm256_srli_epi64(x, 64 - k));
}

// Four lanes' step and bounds in AVX2: words for eight positions.
struct Avx2Lanes {
  __m256i s0, s1, s2, s3;
};

__attribute__((target("avx2"))) inline Avx2Lanes load_lanes(uint64_t (&s)[4][kLanes], int from) {
  return {_mm256_loadu_si256(reinterpret_cast<const __m256i*>(&s[0][from])),
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(&s[1][from])),
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(&s[2][from])),
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(&s[3][from]))};
}

__attribute__((target("avx2"))) inline void store_lanes(const Avx2Lanes& v, uint64_t (&s)[4][kLanes],
                                                        int from) {
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(&s[0][from]), v.s0);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(&s[1][from]), v.s1);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(&s[2][from]), v.s2);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(&s[3][from]), v.s3);
}

// One step of four lanes; the bounded words for ranges lo_range (low
// halves) and hi_range (high halves), in word order; flags any low part of
// a product below its range.
__attribute__((target("avx2"))) inline __m256i step_bounded(Avx2Lanes& v, __m256i lo_range,
                                                            __m256i hi_range, __m256i& flagged) {
  const __m256i result = _mm256_add_epi64(rotl_avx2(_mm256_add_epi64(v.s0, v.s3), 23), v.s0);
  const __m256i t = _mm256_slli_epi64(v.s1, 17);
  v.s2 = _mm256_xor_si256(v.s2, v.s0);
  v.s3 = _mm256_xor_si256(v.s3, v.s1);
  v.s1 = _mm256_xor_si256(v.s1, v.s2);
  v.s0 = _mm256_xor_si256(v.s0, v.s3);
  v.s2 = _mm256_xor_si256(v.s2, t);
  v.s3 = rotl_avx2(v.s3, 45);
  // Low and high halves times their ranges (32 x 32 -> 64 bits); the
  // bound is each product's upper half, put back in word order.
  const __m256i m_lo = _mm256_mul_epu32(result, lo_range);
  const __m256i m_hi = _mm256_mul_epu32(_mm256_srli_epi64(result, 32), hi_range);
  const __m256i bounded = _mm256_or_si256(_mm256_srli_epi64(m_lo, 32),
                                          _mm256_and_si256(m_hi, _mm256_set1_epi64x(~0xffffffffLL)));
  // Unsigned low half < range, through the sign bit.
  const __m256i low_mask = _mm256_set1_epi64x(0xffffffffLL);
  const __m256i bias = _mm256_set1_epi64x(static_cast<long long>(0x8000000000000000ULL));
  const __m256i low_lo = _mm256_xor_si256(_mm256_and_si256(m_lo, low_mask), bias);
  const __m256i low_hi = _mm256_xor_si256(_mm256_and_si256(m_hi, low_mask), bias);
  flagged = _mm256_or_si256(flagged, _mm256_cmpgt_epi64(_mm256_xor_si256(lo_range, bias), low_lo));
  flagged = _mm256_or_si256(flagged, _mm256_cmpgt_epi64(_mm256_xor_si256(hi_range, bias), low_hi));
  return bounded;
}

__attribute__((target("avx2"))) inline void store_bounded(__m256i bounded, uint32_t* j,
                                                          std::size_t first, std::size_t n) {
  if (first >= n) return;
  if (first + 8 <= n) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(j + first), bounded);
    return;
  }
  alignas(32) uint32_t out[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(out), bounded);
  for (std::size_t w = 0; first + w < n; ++w) j[first + w] = out[w];
}

// The same steps and bounds as draw_portable(), lanes 0-3 and 4-7 side by side.
__attribute__((target("avx2"))) bool draw_avx2(uint64_t (&s)[4][kLanes], uint32_t* j, std::size_t n) {
  Avx2Lanes a = load_lanes(s, 0), b = load_lanes(s, 4);
  // Ranges (i + 1) of positions first..first+15 in word order: lanes 0-3
  // hold words 0-7 (low halves even), lanes 4-7 words 8-15.
  __m256i a_lo = _mm256_setr_epi64x(2, 4, 6, 8), a_hi = _mm256_setr_epi64x(3, 5, 7, 9);
  __m256i b_lo = _mm256_setr_epi64x(10, 12, 14, 16), b_hi = _mm256_setr_epi64x(11, 13, 15, 17);
  const __m256i step = _mm256_set1_epi64x(static_cast<long long>(kWordsPerStep));
  __m256i flagged = _mm256_setzero_si256();
  for (std::size_t first = 1; first < n; first += kWordsPerStep) {
    const __m256i ja = step_bounded(a, a_lo, a_hi, flagged);
    const __m256i jb = step_bounded(b, b_lo, b_hi, flagged);
    store_bounded(ja, j, first, n);
    store_bounded(jb, j, first + 8, n);
    a_lo = _mm256_add_epi64(a_lo, step);
    a_hi = _mm256_add_epi64(a_hi, step);
    b_lo = _mm256_add_epi64(b_lo, step);
    b_hi = _mm256_add_epi64(b_hi, step);
  }
  store_lanes(a, s, 0);
  store_lanes(b, s, 4);
  // Words beyond n in the last step may be flagged too; the exact pass
  // looks only at positions < n.
  return !_mm256_testz_si256(flagged, flagged);
}

// The same steps and bounds with all eight lanes in one AVX-512 register:
// sixteen positions per step. Flags a word when its product's low half is
// below n (a superset of the rejection zone, settled exactly afterwards).
__attribute__((target("avx512f"))) bool draw_avx512(uint64_t (&s)[4][kLanes], uint32_t* j,
                                                   std::size_t n) {
  __m512i s0 = _mm512_loadu_si512(s[0]), s1 = _mm512_loadu_si512(s[1]);
  __m512i s2 = _mm512_loadu_si512(s[2]), s3 = _mm512_loadu_si512(s[3]);
  __m512i lo_range = _mm512_setr_epi64(2, 4, 6, 8, 10, 12, 14, 16);
  __m512i hi_range = _mm512_setr_epi64(3, 5, 7, 9, 11, 13, 15, 17);
  const __m512i step = _mm512_set1_epi64(static_cast<long long>(kWordsPerStep));
  const __m512i bound = _mm512_set1_epi32(static_cast<int>(n < 0xffffffffULL ? n : 0xffffffffULL));
  __mmask16 flagged = 0;
  for (std::size_t first = 1; first < n; first += kWordsPerStep) {
    const __m512i result = _mm512_add_epi64(_mm512_rol_epi64(_mm512_add_epi64(s0, s3), 23), s0);
    const __m512i t = _mm512_slli_epi64(s1, 17);
    s2 = _mm512_xor_si512(s2, s0);
    s3 = _mm512_xor_si512(s3, s1);
    s1 = _mm512_xor_si512(s1, s2);
    s0 = _mm512_xor_si512(s0, s3);
    s2 = _mm512_xor_si512(s2, t);
    s3 = _mm512_rol_epi64(s3, 45);
    const __m512i m_lo = _mm512_mul_epu32(result, lo_range);
    const __m512i m_hi = _mm512_mul_epu32(_mm512_srli_epi64(result, 32), hi_range);
    // Even 32-bit lanes: the low halves' products; odd: the high halves'.
    const __m512i bounded = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(m_lo, 32), m_hi);
    const __m512i lows = _mm512_mask_blend_epi32(0xAAAA, m_lo, _mm512_slli_epi64(m_hi, 32));
    flagged |= _mm512_cmplt_epu32_mask(lows, bound);
    if (first + kWordsPerStep <= n) {
      _mm512_storeu_si512(j + first, bounded);
    } else {
      const __mmask16 keep = static_cast<__mmask16>((1u << (n - first)) - 1u);
      _mm512_mask_storeu_epi32(j + first, keep, bounded);
    }
    lo_range = _mm512_add_epi64(lo_range, step);
    hi_range = _mm512_add_epi64(hi_range, step);
  }
  _mm512_storeu_si512(s[0], s0);
  _mm512_storeu_si512(s[1], s1);
  _mm512_storeu_si512(s[2], s2);
  _mm512_storeu_si512(s[3], s3);
  return flagged != 0;
}

bool cpu_has_avx512() {
  static const bool has = __builtin_cpu_supports("avx512f");
  return has;
}

bool cpu_has_avx2() {
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
}
#endif

}  // namespace

PermutationSource::PermutationSource(uint64_t seed, uint64_t key)
    : fallback_(seed, key ^ kFallbackStream) {
  for (int l = 0; l < kLanes; ++l) {
    Xoshiro256pp lane(seed, key ^ (0x9e3779b97f4a7c15ULL * static_cast<uint64_t>(l + 1)));
    for (int w = 0; w < 4; ++w) s_[w][l] = lane.next();
  }
}

void PermutationSource::set_simd(bool enabled) { simd_level.store(enabled ? 2 : 0); }
void PermutationSource::set_simd_level(int level) { simd_level.store(level); }

bool PermutationSource::simd_active() {
#ifdef PROPGRAD_AVX2_DISPATCH
  return cpu_has_avx2() && simd_level.load(std::memory_order_relaxed) >= 1;
#else
  return false;
#endif
}

void PermutationSource::draw(uint32_t* j, std::size_t n) {
  j[0] = 0;
  if (n < 2) return;
  uint64_t saved[4][kLanes];
  std::memcpy(saved, s_, sizeof saved);
  bool check = false;
#ifdef PROPGRAD_AVX2_DISPATCH
  if (cpu_has_avx512() && simd_level.load(std::memory_order_relaxed) >= 2) {
    check = draw_avx512(s_, j, n);
  } else {
    check = simd_active() ? draw_avx2(s_, j, n) : draw_portable(s_, j, n);
  }
#else
  check = draw_portable(s_, j, n);
#endif
  if (check) redraw_rejected(saved, j, n);
}

// Replays the steps from the saved state to recover each word, and redraws
// the positions whose word fell in Lemire's rejection zone, in order.
void PermutationSource::redraw_rejected(const uint64_t (&saved)[4][kLanes], uint32_t* j,
                                        std::size_t n) {
  uint64_t s[4][kLanes];
  std::memcpy(s, saved, sizeof s);
  std::vector<uint32_t> words(n);
  for (std::size_t first = 1; first < n; first += kWordsPerStep) {
    uint32_t step[kWordsPerStep];
    lane_step(s, step);
    for (std::size_t i = first; i < n && i < first + kWordsPerStep; ++i) words[i] = step[i - first];
  }
  for (std::size_t i = 1; i < n; ++i) {
    const uint32_t range = static_cast<uint32_t>(i + 1);
    uint32_t word = words[i];
    while (!bounded_word(word, range, j[i])) word = fallback_.next32();
  }
}

}  // namespace propgrad
