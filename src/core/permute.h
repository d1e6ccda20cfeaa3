// Permutations for the shuffle engine (stream version 2). A permutation of
// n positions is an inside-out Fisher-Yates shuffle (Durstenfeld 1964, in
// the form of Knuth's Algorithm P run forwards): position i takes a uniform
// j in [0, i]. The j are drawn in bulk from eight interleaved xoshiro256++
// lanes, one 32-bit word per position, bounded by Lemire's multiply-shift
// (Lemire 2019) with exact rejection from a separate fallback stream. Each
// permutation is built afresh from the original order, so the k-th
// permutation of a stream never depends on the ones before it, and the
// words it uses are fixed by (seed, key, k): the same on every thread
// count, schedule and instruction set (an AVX2 path and a portable path
// compute the same integers, as does an AVX-512 path; tests compare them). Version 1 (builds before
// December 2026) reshuffled the previous order in place with two indices
// per 64-bit draw: other, equally valid, permutations, at twice the cost.
#pragma once
#include <cstddef>
#include <cstdint>

#include "rng.h"

// The vector paths of the core (permute.cpp, kernels.cpp, shared_kernel.cpp) are
// chosen at run time on x86-64 with GCC or clang.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(PROPGRAD_NO_SIMD)
#define PROPGRAD_AVX2_DISPATCH 1
#endif

namespace propgrad {

// Recorded in results so a p-value can be traced to the permutations it used.
constexpr int kStreamVersion = 2;

class PermutationSource {
 public:
  static constexpr int kLanes = 8;

  PermutationSource(uint64_t seed, uint64_t key);

  // j[i] uniform in [0, i] for i = 1..n-1 (j[0] = 0): the draws of one
  // permutation of n < 2^32 positions. Consumes ceil((n - 1) / 16) steps of
  // the eight lanes (sixteen 32-bit words per step; spare words are dropped),
  // plus fallback words for the rare rejections.
  void draw(uint32_t* j, std::size_t n);

  // Tests switch the vector paths off to check that all give the same
  // draws: set_simd(false) is the portable code everywhere; set_simd_level
  // caps the draws at 0 (portable), 1 (AVX2) or 2 (AVX-512, the default
  // where the CPU has it). simd_active(): the AVX2 kernels are in use.
  static void set_simd(bool enabled);
  static void set_simd_level(int level);
  static bool simd_active();

 private:
  void redraw_rejected(const uint64_t (&saved)[4][kLanes], uint32_t* j, std::size_t n);

  uint64_t s_[4][kLanes];  // s_[word][lane]
  Xoshiro256pp fallback_;
};

// The inside-out Fisher-Yates of the draws j over the items at(0), ...,
// at(n-1): dst[i] = dst[j[i]], then dst[j[i]] = at(i). Every reordering
// below is this one loop, so they all give the same order.
template <typename T, typename At>
inline void inside_out(T* dst, const uint32_t* j, std::size_t n, At at) {
  dst[0] = at(0);
  for (std::size_t i = 1; i < n; ++i) {
    const uint32_t q = j[i];
    dst[i] = dst[q];
    dst[q] = at(i);
  }
}

// dst = src in the order given by the draws j. dst must not alias src.
template <typename T>
inline void permute_inside_out(const T* src, T* dst, const uint32_t* j, std::size_t n) {
  inside_out(dst, j, n, [src](std::size_t i) { return src[i]; });
}

// The positions themselves in that order: what permute_inside_out() makes
// of 0, 1, ..., n-1, without an array holding them.
inline void order_inside_out(uint32_t* order, const uint32_t* j, std::size_t n) {
  inside_out(order, j, n, [](std::size_t i) { return static_cast<uint32_t>(i); });
}

// Row pointers in that order: rows[i] = base + order[i] * stride, without
// the order itself (the shared kernel reads rows of many series at once).
inline void rows_inside_out(const double** rows, const uint32_t* j, std::size_t n, const double* base,
                            std::size_t stride) {
  inside_out(rows, j, n, [base, stride](std::size_t i) { return base + i * stride; });
}

}  // namespace propgrad
