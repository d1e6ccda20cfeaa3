// Random streams for the shuffle engine: xoshiro256++ seeded through
// splitmix64 from (seed, stream key), so each series owns an independent,
// reproducible stream whatever thread or chunk runs it (the dqrng idea).
// Bounded integers use Lemire's nearly divisionless method; the shuffle
// draws two indices from each 64-bit output (Brackett-Rozinsky and Lemire,
// "Batched ranged random integer generation", 2024), halving generator calls.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

namespace propgrad {

__extension__ typedef unsigned __int128 uint128_t;

inline uint64_t splitmix64_next(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// FNV-1a: a stable 64-bit key for a series name, so a series draws the same
// permutations whether it is tested alone, in a split call or in one call.
inline uint64_t stream_key(const std::string& name) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : name) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

// The stream key of a series from its data: a hash of n, d, the property
// positions and the outputs (after sorting by t). The same series gets the
// same permutations from every verb, in any call, split or order, and
// different series get different streams even under one seed.
inline uint64_t series_stream_key(const double* y, std::size_t n, std::size_t d, const double* t) {
  uint64_t h = 0x6a09e667f3bcc908ULL;
  auto mix = [&h](uint64_t w) {
    h ^= w;
    h = splitmix64_next(h);
  };
  auto bits = [](double v) {
    if (v == 0.0) v = 0.0;  // -0 and +0 are the same value
    uint64_t w;
    std::memcpy(&w, &v, sizeof w);
    return w;
  };
  mix(static_cast<uint64_t>(n));
  mix(static_cast<uint64_t>(d));
  for (std::size_t i = 0; t != nullptr && i < n; ++i) mix(bits(t[i]));
  for (std::size_t i = 0; i < n * d; ++i) mix(bits(y[i]));
  return h;
}

// The stream key of values propgrad computed itself (EPGMs, their
// differences, scores) for the study-level resampling. Such values can
// differ in their last bits between compilers and optimisation levels, and
// a key from their exact bits would then give another stream, and other
// intervals, for the same seed. Rounding each mantissa to 32 of its 52 bits
// first keeps the key unless a value moves by more than about 1e-10 of
// itself (or a last-bit change happens to cross a rounding boundary, about
// once in a million values).
inline uint64_t rounded_stream_key(const double* x, std::size_t n) {
  std::vector<double> rounded(n);
  for (std::size_t i = 0; i < n; ++i) {
    double v = x[i] == 0.0 ? 0.0 : x[i];
    uint64_t w;
    std::memcpy(&w, &v, sizeof w);
    if (std::isfinite(v)) w = (w + (uint64_t(1) << 19)) & ~((uint64_t(1) << 20) - 1);
    std::memcpy(&rounded[i], &w, sizeof w);
  }
  return series_stream_key(rounded.data(), n, 1, nullptr) ^ 0x9e3779b97f4a7c15ULL;
}

class Xoshiro256pp {
 public:
  Xoshiro256pp(uint64_t seed, uint64_t key) { reseed(seed, key); }

  void reseed(uint64_t seed, uint64_t key) {
    uint64_t sm = seed;
    uint64_t mixed = splitmix64_next(sm) ^ key;
    mixed = splitmix64_next(mixed);
    for (auto& s : s_) s = splitmix64_next(mixed);
    have_half_ = false;
  }

  uint64_t next() {
    const uint64_t result = rotl(s_[0] + s_[3], 23) + s_[0];
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  uint32_t next32() {
    if (have_half_) {
      have_half_ = false;
      return half_;
    }
    const uint64_t r = next();
    half_ = static_cast<uint32_t>(r);
    have_half_ = true;
    return static_cast<uint32_t>(r >> 32);
  }

  // Uniform integer in [0, range), range >= 1 (Lemire 2019).
  uint32_t bounded(uint32_t range) {
    uint64_t m = static_cast<uint64_t>(next32()) * range;
    uint32_t low = static_cast<uint32_t>(m);
    if (low < range) {
      const uint32_t threshold = static_cast<uint32_t>(-range) % range;
      while (low < threshold) {
        m = static_cast<uint64_t>(next32()) * range;
        low = static_cast<uint32_t>(m);
      }
    }
    return static_cast<uint32_t>(m >> 32);
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
  uint32_t half_ = 0;
  bool have_half_ = false;
};

// Two independent uniform integers in [0, range1) and [0, range2) from one
// 64-bit draw; exact (rejection on the product bound), range1 * range2 < 2^64.
inline void bounded_pair(Xoshiro256pp& rng, uint64_t range1, uint64_t range2, uint64_t& out1,
                         uint64_t& out2) {
  const uint64_t bound = range1 * range2;
  uint128_t m = static_cast<uint128_t>(rng.next()) * range1;
  out1 = static_cast<uint64_t>(m >> 64);
  m = static_cast<uint128_t>(static_cast<uint64_t>(m)) * range2;
  out2 = static_cast<uint64_t>(m >> 64);
  uint64_t leftover = static_cast<uint64_t>(m);
  if (leftover < bound) {
    const uint64_t threshold = (0 - bound) % bound;
    while (leftover < threshold) {
      m = static_cast<uint128_t>(rng.next()) * range1;
      out1 = static_cast<uint64_t>(m >> 64);
      m = static_cast<uint128_t>(static_cast<uint64_t>(m)) * range2;
      out2 = static_cast<uint64_t>(m >> 64);
      leftover = static_cast<uint64_t>(m);
    }
  }
}

// In-place Fisher-Yates, two positions per generator call. Shuffling an
// already shuffled array again gives a fresh uniform permutation, so callers
// never need to restore the original. n < 2^32.
template <typename T>
inline void fisher_yates(T* a, std::size_t n, Xoshiro256pp& rng) {
  std::size_t i = n;
  for (; i > 2; i -= 2) {
    uint64_t j1, j2;
    bounded_pair(rng, i, i - 1, j1, j2);
    T tmp = a[i - 1];
    a[i - 1] = a[j1];
    a[j1] = tmp;
    tmp = a[i - 2];
    a[i - 2] = a[j2];
    a[j2] = tmp;
  }
  if (i == 2) {
    const std::size_t j = rng.bounded(2);
    T tmp = a[1];
    a[1] = a[j];
    a[j] = tmp;
  }
}

}  // namespace propgrad
