// Tests of the random streams in src/core/rng.h: splitmix64 and the FNV-1a
// stream key against published test vectors, xoshiro256++ output pinned
// against an independent (Python) implementation of the same seeding, the
// reproducibility contract (same (seed, key) -> same stream, different key
// or seed -> different stream), Lemire's bounded integers and the batched
// bounded_pair (always in range, uniform by chi-square checks with fixed
// seeds), the split of one 64-bit draw into two 32-bit halves, and
// Fisher-Yates producing uniformly distributed permutations.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <numeric>
#include <vector>

#include "rng.h"

using propgrad::Xoshiro256pp;

namespace {

// Pearson chi-square statistic of observed counts against equal expectation.
double chi_square(const std::vector<int64_t>& counts) {
  const double total = std::accumulate(counts.begin(), counts.end(), 0.0);
  const double expected = total / counts.size();
  double x2 = 0;
  for (auto c : counts) x2 += (c - expected) * (c - expected) / expected;
  return x2;
}

}  // namespace

// Reference outputs of splitmix64 from state 0 (Vigna's splitmix64.c).
TEST(Rng, SplitmixReferenceVector) {
  uint64_t state = 0;
  EXPECT_EQ(propgrad::splitmix64_next(state), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(propgrad::splitmix64_next(state), 0x6e789e6aa1b965f4ULL);
  EXPECT_EQ(propgrad::splitmix64_next(state), 0x06c45d188009454fULL);
}

// FNV-1a 64 test vectors: the offset basis for "", and the published values
// for "a" and "foobar". R passes series names through this, so it must
// never change.
TEST(Rng, StreamKeyIsFnv1a) {
  EXPECT_EQ(propgrad::stream_key(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(propgrad::stream_key("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(propgrad::stream_key("foobar"), 0x85944171f73967e8ULL);
}

// Pinned first outputs, computed by a separate Python transcription of the
// splitmix seeding + xoshiro256++ step. A change here changes every p-value
// a user has published with a seed.
TEST(Rng, XoshiroPinnedOutputs) {
  Xoshiro256pp a(42, propgrad::stream_key("a"));
  EXPECT_EQ(a.next(), 0xeda57060948ccb8eULL);
  EXPECT_EQ(a.next(), 0x099ab0a5b67101c0ULL);
  EXPECT_EQ(a.next(), 0x7e3ad5e2a30b86d1ULL);
  Xoshiro256pp b(0, 0);
  EXPECT_EQ(b.next(), 0x3ed1653f0682083aULL);
  EXPECT_EQ(b.next(), 0x852cecd8e7418ff7ULL);
}

TEST(Rng, SameSeedAndKeyGiveSameStream) {
  Xoshiro256pp a(123, 456), b(123, 456);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.next(), b.next()) << i;
  // reseed restores the start of the stream, and forgets a pending half.
  Xoshiro256pp c(123, 456);
  a.next32();
  a.reseed(123, 456);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(a.next32(), c.next32()) << i;
}

TEST(Rng, DifferentKeyOrSeedGivesDifferentStream) {
  auto first = [](uint64_t seed, uint64_t key) {
    Xoshiro256pp r(seed, key);
    std::vector<uint64_t> v(8);
    for (auto& x : v) x = r.next();
    return v;
  };
  const auto base = first(7, 1);
  EXPECT_NE(base, first(7, 2));
  EXPECT_NE(base, first(8, 1));
  EXPECT_NE(first(7, 0), first(0, 7));  // seed and key are not interchangeable
  EXPECT_NE(first(7, propgrad::stream_key("series_a")), first(7, propgrad::stream_key("series_b")));
}

// next32 serves the high half of one 64-bit output, then its low half.
TEST(Rng, Next32SplitsOneDrawIntoTwoHalves) {
  Xoshiro256pp a(5, 9), b(5, 9);
  for (int i = 0; i < 50; ++i) {
    const uint64_t r = b.next();
    EXPECT_EQ(a.next32(), static_cast<uint32_t>(r >> 32));
    EXPECT_EQ(a.next32(), static_cast<uint32_t>(r));
  }
}

TEST(Rng, BoundedStaysInRange) {
  Xoshiro256pp r(2024, 1);
  const std::vector<uint32_t> ranges = {1u, 2u, 3u, 7u, 10u, 1000u, (1u << 31) + 1u,
                                        0xfffffffeu, 0xffffffffu};
  for (uint32_t range : ranges) {
    for (int i = 0; i < 20000; ++i) ASSERT_LT(r.bounded(range), range) << "range=" << range;
  }
  for (int i = 0; i < 100; ++i) ASSERT_EQ(r.bounded(1), 0u);
}

// 10 cells, 200000 draws: the chi-square (9 df) 0.999 quantile is 27.9. A
// modulo-style bias or a wrong half would show up far beyond that.
TEST(Rng, BoundedIsRoughlyUniform) {
  for (uint32_t range : {10u, 7u}) {
    Xoshiro256pp r(99, range);
    std::vector<int64_t> counts(range, 0);
    for (int i = 0; i < 200000; ++i) ++counts[r.bounded(range)];
    EXPECT_LT(chi_square(counts), 27.9) << "range=" << range;
  }
  // Large range where the rejection threshold matters: 2^31 + 1 splits the
  // 32-bit space almost in half; top and bottom halves must be balanced.
  Xoshiro256pp r(3, 3);
  const uint32_t big = (1u << 31) + 1u;
  std::vector<int64_t> halves(2, 0);
  for (int i = 0; i < 100000; ++i) ++halves[r.bounded(big) >= big / 2 ? 1 : 0];
  EXPECT_LT(chi_square(halves), 10.8);  // 1 df, 0.999 quantile
  // range = 3 * 2^30 = (3/4) 2^32: without Lemire's rejection step, values
  // v = 0 mod 3 would take half of all 32-bit inputs instead of a third.
  const uint32_t three_quarters = 3u << 30;
  int64_t zero = 0;
  for (int i = 0; i < 120000; ++i) zero += r.bounded(three_quarters) % 3 == 0;
  EXPECT_NEAR(zero / 120000.0, 1.0 / 3, 0.01);
}

// bounded_pair draws two indices from one 64-bit output; both must stay in
// range, including products near 2^64 where the rejection step matters.
TEST(Rng, BoundedPairStaysInRange) {
  Xoshiro256pp r(8, 8);
  const std::vector<std::pair<uint64_t, uint64_t>> ranges = {
      {1, 1}, {2, 1}, {3, 2}, {257, 256}, {1000003, 1000002}, {0xffffffffULL, 0xfffffffeULL},
      {(1ULL << 33) + 1, (1ULL << 30) + 3}};
  for (const auto& rr : ranges) {
    for (int i = 0; i < 20000; ++i) {
      uint64_t a = 0, b = 0;
      propgrad::bounded_pair(r, rr.first, rr.second, a, b);
      ASSERT_LT(a, rr.first);
      ASSERT_LT(b, rr.second);
    }
  }
}

// The pair must be jointly uniform (independent), not just each marginal:
// 6 x 5 = 30 cells, 300000 draws, chi-square 29 df, 0.999 quantile 58.3.
TEST(Rng, BoundedPairIsJointlyUniform) {
  Xoshiro256pp r(12, 34);
  std::vector<int64_t> counts(30, 0);
  for (int i = 0; i < 300000; ++i) {
    uint64_t a = 0, b = 0;
    propgrad::bounded_pair(r, 6, 5, a, b);
    ++counts[a * 5 + b];
  }
  EXPECT_LT(chi_square(counts), 58.3);
  // A product just below 2^64 rejects almost half of all draws; the top
  // half of the first index must still be as likely as the bottom half.
  const uint64_t r1 = (1ULL << 32) + 1, r2 = (1ULL << 31) + 1;  // r1 * r2 ~ 2^63
  std::vector<int64_t> halves(4, 0);
  for (int i = 0; i < 100000; ++i) {
    uint64_t a = 0, b = 0;
    propgrad::bounded_pair(r, r1, r2, a, b);
    ++halves[(a >= r1 / 2 ? 2 : 0) + (b >= r2 / 2 ? 1 : 0)];
  }
  EXPECT_LT(chi_square(halves), 16.3);  // 3 df, 0.999 quantile
  // r1 * r2 = 3 * 2^62 = (3/4) 2^64, and the combined cell is
  // c = out1 * 2^62 + out2 = floor(x * 3 / 4). Without the rejection step
  // cells c = 0 mod 3 get two of every four 64-bit inputs, the others one,
  // so (out1 + out2) mod 3 == c mod 3 would be 0 half the time, not a third.
  const uint64_t q1 = 3, q2 = 1ULL << 62;
  int64_t zero = 0;
  const int draws = 120000;
  for (int i = 0; i < draws; ++i) {
    uint64_t a = 0, b = 0;
    propgrad::bounded_pair(r, q1, q2, a, b);
    zero += ((a + b) % 3 == 0);
  }
  EXPECT_NEAR(static_cast<double>(zero) / draws, 1.0 / 3, 0.01);
}

TEST(Rng, FisherYatesGivesAPermutation) {
  Xoshiro256pp r(1, 2);
  std::vector<int> a(257);
  std::iota(a.begin(), a.end(), 0);
  for (int rep = 0; rep < 20; ++rep) {
    propgrad::fisher_yates(a.data(), a.size(), r);
    std::vector<int> sorted = a;
    std::sort(sorted.begin(), sorted.end());
    for (int i = 0; i < 257; ++i) ASSERT_EQ(sorted[i], i);
  }
  std::vector<int> id(257);
  std::iota(id.begin(), id.end(), 0);
  EXPECT_NE(a, id);
  // n = 1 is a no-op; n = 2 and 3 take the odd/even tails of the loop.
  int one = 42;
  propgrad::fisher_yates(&one, 1, r);
  EXPECT_EQ(one, 42);
  for (std::size_t n : {2u, 3u}) {
    std::vector<int> small(n);
    std::iota(small.begin(), small.end(), 0);
    std::vector<int> seen_first(n, 0);
    for (int rep = 0; rep < 600; ++rep) {
      propgrad::fisher_yates(small.data(), n, r);
      std::vector<int> sorted = small;
      std::sort(sorted.begin(), sorted.end());
      for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(sorted[i], static_cast<int>(i));
      ++seen_first[small[0]];
    }
    for (int c : seen_first) EXPECT_GT(c, 100) << "n=" << n;  // every item reaches slot 0
  }
}

// All n! orderings, each shuffle starting from the identity: each should
// appear ~1/n! of the time. (Reshuffling the same array instead would hide
// a biased shuffle: any shuffle that can reach every ordering converges to
// uniform when iterated.) n = 4 (even) and 5 (odd) cover both ends of the
// two-at-a-time loop.
TEST(Rng, FisherYatesIsUniformOverPermutations) {
  struct Case {
    int n, perms;
    double q999;  // chi-square 0.999 quantile, perms - 1 df
  };
  for (const Case c : {Case{4, 24, 49.73}, Case{5, 120, 172.5}}) {
    Xoshiro256pp r(17, c.n);
    std::vector<int> a(c.n);
    std::map<std::vector<int>, int64_t> seen;
    for (int i = 0; i < 4000 * c.perms; ++i) {
      std::iota(a.begin(), a.end(), 0);
      propgrad::fisher_yates(a.data(), a.size(), r);
      ++seen[a];
    }
    ASSERT_EQ(seen.size(), static_cast<std::size_t>(c.perms));
    std::vector<int64_t> counts;
    for (auto& kv : seen) counts.push_back(kv.second);
    EXPECT_LT(chi_square(counts), c.q999) << "n=" << c.n;
  }
}

// The study-level resampling key ignores last-bit differences (what another
// compiler or optimisation level gives for the same EPGMs) but not values
// that really differ.
TEST(Rng, RoundedStreamKeyIgnoresLastBits) {
  std::vector<double> x = {0.2132860733, 0.1957376941, 0.6360349952, 1e-300, 0.0, 123456.789};
  const uint64_t key = propgrad::rounded_stream_key(x.data(), x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    for (double dir : {-1.0, 1.0}) {
      std::vector<double> y = x;
      y[i] = std::nextafter(y[i], dir * INFINITY);
      EXPECT_EQ(propgrad::rounded_stream_key(y.data(), y.size()), key) << "i=" << i;
    }
  }
  std::vector<double> negzero = x;
  negzero[4] = -0.0;
  EXPECT_EQ(propgrad::rounded_stream_key(negzero.data(), negzero.size()), key);
  std::vector<double> other = x;
  other[0] *= 1.0 + 1e-8;
  EXPECT_NE(propgrad::rounded_stream_key(other.data(), other.size()), key);
  EXPECT_NE(propgrad::rounded_stream_key(x.data(), x.size() - 1), key);
}
