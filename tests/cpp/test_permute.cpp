// Tests of stream version 2 (src/core/permute.h) and the fixed-order sums
// (src/core/kernels.h): draws pinned against an independent Python
// transcription; the AVX-512, AVX2 and portable paths give the same draws (also
// across Lemire rejections, which a million positions make certain) and the
// same sums bit for bit; every draw is in range; inside-out shuffles are
// permutations, uniform over all 4! orders by a chi-square check; and the
// stencil's sum and corr's sum are the documented order on any instruction
// set.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <numeric>
#include <vector>

#include "helpers.h"
#include "kernels.h"
#include "permute.h"
#include "statistics.h"

using propgrad::PermutationSource;

namespace {

// Restores the AVX2 switch when a test ends, failed or not.
struct SimdGuard {
  ~SimdGuard() { PermutationSource::set_simd(true); }
};

// level: 0 portable, 1 AVX2, 2 AVX-512 (each where the CPU has it, else
// the next lower path).
std::vector<uint32_t> draws(uint64_t seed, uint64_t key, std::size_t n, int count, int level) {
  SimdGuard guard;
  PermutationSource::set_simd_level(level);
  PermutationSource source(seed, key);
  std::vector<uint32_t> all, j(n);
  for (int k = 0; k < count; ++k) {
    source.draw(j.data(), n);
    all.insert(all.end(), j.begin(), j.end());
  }
  return all;
}

}  // namespace

// From a Python transcription of the seeding, the eight lanes and the bound
// (seed 42, key stream_key("a"), n = 20, two permutations). A change here
// changes every p-value computed with a seed: bump kStreamVersion.
TEST(Permute, PinnedDraws) {
  const std::vector<uint32_t> expected = {
      0, 1, 0, 0, 1, 2, 1, 3, 8, 2, 5, 10, 6, 2, 8, 13, 4, 5, 8, 7,
      0, 1, 1, 2, 0, 3, 5, 3, 8, 2, 6, 5, 1, 9, 6, 3, 9, 1, 0, 13};
  for (int level = 0; level <= 2; ++level) {
    EXPECT_EQ(draws(42, propgrad::stream_key("a"), 20, 2, level), expected) << "level " << level;
  }
  EXPECT_EQ(propgrad::kStreamVersion, 2);
}

TEST(Permute, PathsAgreeAndStayInRange) {
  for (std::size_t n : {1u, 2u, 3u, 8u, 9u, 16u, 17u, 18u, 33u, 100u, 257u, 1000u}) {
    const auto a = draws(7, n, n, 50, 2), b = draws(7, n, n, 50, 1), c = draws(7, n, n, 50, 0);
    ASSERT_EQ(a, c) << "n = " << n;
    ASSERT_EQ(b, c) << "n = " << n;
    for (std::size_t k = 0; k < a.size(); ++k) ASSERT_LE(a[k], k % n) << "n = " << n;
  }
}

// At a million positions about 0.02% of the words fall below their range
// and some are rejected and redrawn: both paths must redraw the same way.
TEST(Permute, RejectionsAreRedrawnAlike) {
  const std::size_t n = 1000000;
  const auto portable = draws(3, 4, n, 2, 0);
  EXPECT_EQ(draws(3, 4, n, 2, 1), portable);
  EXPECT_EQ(draws(3, 4, n, 2, 2), portable);
}

TEST(Permute, InsideOutGivesUniformPermutations) {
  PermutationSource source(2026, 12);
  const std::size_t n = 4;
  std::vector<int> src = {0, 1, 2, 3}, dst(n);
  std::vector<uint32_t> j(n);
  std::map<std::vector<int>, int64_t> seen;
  const int draws_total = 240000;
  for (int k = 0; k < draws_total; ++k) {
    source.draw(j.data(), n);
    propgrad::permute_inside_out(src.data(), dst.data(), j.data(), n);
    ++seen[dst];
  }
  ASSERT_EQ(seen.size(), 24u);
  double x2 = 0;
  const double expected = draws_total / 24.0;
  for (const auto& kv : seen) {
    auto sorted = kv.first;
    std::sort(sorted.begin(), sorted.end());
    ASSERT_EQ(sorted, src);
    x2 += (kv.second - expected) * (kv.second - expected) / expected;
  }
  EXPECT_LT(x2, 49.7);  // chi-square, 23 df, upper 0.001 point
}

// The order of the positions is the reorder of 0..n-1, with no array of them.
TEST(Permute, OrderOfPositionsIsTheReorderOfTheIdentity) {
  PermutationSource source(11, 12);
  for (std::size_t n : {1u, 2u, 3u, 17u, 100u}) {
    std::vector<uint32_t> identity(n), expected(n), order(n), j(n);
    std::iota(identity.begin(), identity.end(), 0u);
    for (int k = 0; k < 20; ++k) {
      source.draw(j.data(), n);
      propgrad::permute_inside_out(identity.data(), expected.data(), j.data(), n);
      propgrad::order_inside_out(order.data(), j.data(), n);
      ASSERT_EQ(order, expected) << "n = " << n;
    }
  }
}

TEST(Permute, DifferentKeysGiveDifferentStreams) {
  EXPECT_NE(draws(1, 1, 50, 1, 2), draws(1, 2, 50, 1, 2));
  EXPECT_NE(draws(1, 1, 50, 1, 2), draws(2, 1, 50, 1, 2));
  // Consecutive permutations of one stream differ.
  const auto two = draws(1, 1, 50, 2, 2);
  EXPECT_FALSE(std::equal(two.begin(), two.begin() + 50, two.begin() + 50));
}

// The sum follows the documented order exactly, on both paths, with and
// without the middle weights, for lengths around the vector widths.
TEST(Kernels, InteriorSumHasTheDocumentedOrder) {
  propgrad::Xoshiro256pp r(99, 1);
  for (std::size_t n = 2; n < 40; ++n) {
    std::vector<double> lo(n), mid(n), hi(n), y(n);
    for (std::size_t i = 0; i < n; ++i) {
      lo[i] = test_helpers::normal(r);
      mid[i] = test_helpers::normal(r);
      hi[i] = test_helpers::normal(r);
      y[i] = test_helpers::normal(r) * 1e3;
    }
    for (const double* m : {static_cast<const double*>(mid.data()), static_cast<const double*>(nullptr)}) {
      double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      for (std::size_t row = 1; row + 1 < n; ++row) {
        double g = lo[row] * y[row - 1];
        if (m) g = g + m[row] * y[row];
        g = g + hi[row] * y[row + 1];
        acc[(row - 1) % 8] += std::abs(g);
      }
      const double expected =
          ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
      SimdGuard guard;
      for (bool simd : {true, false}) {
        PermutationSource::set_simd(simd);
        const double got = propgrad::interior_abs_sum(lo.data(), m, hi.data(), y.data(), n);
        ASSERT_EQ(std::memcmp(&got, &expected, sizeof got), 0) << "n = " << n << " simd " << simd;
      }
      EXPECT_EQ(propgrad::interior_abs_sum_portable(lo.data(), m, hi.data(), y.data(), n), expected);
    }
  }
}

// corr's sum: w[i] (y[i] - m) into eight sums by i mod 8, combined in the
// same order, on both paths; and SeriesStatistic's corr is that sum over
// the norm, so a shuffle's corr is the same on every instruction set.
TEST(Kernels, CentredDotHasTheDocumentedOrder) {
  propgrad::Xoshiro256pp r(41, 2);
  for (std::size_t n = 1; n < 45; ++n) {
    std::vector<double> w(n), y(n);
    for (std::size_t i = 0; i < n; ++i) {
      w[i] = test_helpers::normal(r);
      y[i] = test_helpers::normal(r) * 1e3 + 5e3;
    }
    const double m = 4999.75;
    double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (std::size_t i = 0; i < n; ++i) acc[i % 8] += w[i] * (y[i] - m);
    const double expected = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    SimdGuard guard;
    for (bool simd : {true, false}) {
      PermutationSource::set_simd(simd);
      const double got = propgrad::centred_dot(w.data(), y.data(), m, n);
      ASSERT_EQ(std::memcmp(&got, &expected, sizeof got), 0) << "n = " << n << " simd " << simd;
    }
    EXPECT_EQ(propgrad::centred_dot_portable(w.data(), y.data(), m, n), expected);
  }
  // Through the statistic: one series, both paths, the same double.
  std::vector<double> t(100), y(100);
  for (std::size_t i = 0; i < 100; ++i) {
    t[i] = 0.3 * static_cast<double>(i) + test_helpers::uniform(r) * 0.1;
    y[i] = test_helpers::normal(r);
  }
  const propgrad::SeriesStatistic corr(propgrad::StatisticKind::Corr, y.data(), t.data(), 100, 1,
                                       propgrad::GradientOptions{});
  SimdGuard guard;
  PermutationSource::set_simd(true);
  const double fast = corr.scaled(y.data());
  PermutationSource::set_simd(false);
  EXPECT_EQ(corr.scaled(y.data()), fast);
  EXPECT_GT(fast, -1.0 - 1e-12);
  EXPECT_LT(fast, 1.0 + 1e-12);
}

// A zero middle weight changes no |row| for finite values, so skipping it
// (evenly spaced steps) gives the same sum as computing it.
TEST(Kernels, SkippingZeroMiddleWeightsChangesNothing) {
  propgrad::Xoshiro256pp r(5, 5);
  const std::size_t n = 101;
  std::vector<double> lo(n), mid(n, 0.0), hi(n), y(n);
  for (int rep = 0; rep < 200; ++rep) {
    for (std::size_t i = 0; i < n; ++i) {
      hi[i] = std::ldexp(test_helpers::uniform(r), rep % 7 - 3);
      lo[i] = -hi[i];
      y[i] = rep % 3 == 0 ? std::round(test_helpers::normal(r) * 3) : test_helpers::normal(r);
    }
    EXPECT_EQ(propgrad::interior_abs_sum(lo.data(), mid.data(), hi.data(), y.data(), n),
              propgrad::interior_abs_sum(lo.data(), nullptr, hi.data(), y.data(), n));
  }
}
