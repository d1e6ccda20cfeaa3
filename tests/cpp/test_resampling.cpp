// Tests of the study-level intervals and resampling tests in
// src/core/intervals.{h,cpp} and src/core/resampling.{h,cpp}: the t interval
// and Spearman's rho against R, the studentized bootstrap's coverage by
// simulation (binomial 99% band) and its edge cases, the sign-flip test
// against a brute-force enumeration, its floor 2^(1 - n) and its level under
// a symmetric null, and the blocked permutation correlation keeping
// permutations inside blocks and its level under block effects.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <vector>

#include "intervals.h"
#include "resampling.h"
#include "helpers.h"
#include "rng.h"

namespace {

using test_helpers::normal;
using test_helpers::uniform;

}  // namespace

// Reference values: t.test(x, conf.level = .)$conf.int and cor(x, y, method = "spearman") in R.
TEST(Intervals, TIntervalMatchesR) {
  const std::vector<double> x = {1.2, 0.4, 2.2, 1.9, 0.7, 1.1, 3.0, 0.2};
  auto ci = propgrad::t_interval(x, 0.95);
  EXPECT_NEAR(ci.low, 0.533208022476, 1e-10);
  EXPECT_NEAR(ci.high, 2.141791977524, 1e-10);
  ci = propgrad::t_interval(x, 0.9);
  EXPECT_NEAR(ci.low, 0.693087099373, 1e-10);
  EXPECT_NEAR(ci.high, 1.981912900627, 1e-10);
  EXPECT_TRUE(std::isnan(propgrad::t_interval({1.0}, 0.95).low));
}

TEST(Intervals, StudentizedBootstrapEdgeCases) {
  const std::vector<double> x = {1.2, 0.4, 2.2, 1.9, 0.7, 1.1, 3.0, 0.2};
  const auto a = propgrad::studentized_bootstrap(x, 2000, 0.95, 7, 1e-9).equal;
  const auto b = propgrad::studentized_bootstrap(x, 2000, 0.95, 7, 1e-9).equal;
  EXPECT_EQ(a.low, b.low);  // seeded
  EXPECT_EQ(a.high, b.high);
  const double mean = std::accumulate(x.begin(), x.end(), 0.0) / x.size();
  EXPECT_LT(a.low, mean);
  EXPECT_GT(a.high, mean);
  const auto c = propgrad::studentized_bootstrap(x, 2000, 0.95, 8, 1e-9).equal;
  EXPECT_NE(a.low, c.low);
  const auto flat = propgrad::studentized_bootstrap({2.0, 2.0, 2.0}, 500, 0.95, 1, 1e-9).equal;
  EXPECT_EQ(flat.low, 2.0);
  EXPECT_EQ(flat.high, 2.0);
  EXPECT_TRUE(std::isnan(propgrad::studentized_bootstrap({1.0}, 500, 0.95, 1, 1e-9).equal.low));
}

// 95% intervals of normal samples of 10: coverage of the equal-tailed
// interval in 1500 replicates inside the binomial 99% band [0.935, 0.964];
// the symmetric one may over-cover (0.96-0.97 in validation/) but not
// under-cover. Its test of mean = 0 keeps the level: at mean 0, rejection
// at 0.05 at most the band's top, 0.065 (it is conservative at n = 10).
TEST(Intervals, StudentizedBootstrapCoversANormalMean) {
  propgrad::Xoshiro256pp r(11, 2);
  int covered = 0, sym_covered = 0, rejected = 0;
  const int reps = 1500;
  for (int k = 0; k < reps; ++k) {
    std::vector<double> x(10), z(10);
    for (auto& v : x) v = 3.0 + normal(r);
    for (auto& v : z) v = normal(r);
    const auto boot = propgrad::studentized_bootstrap(x, 999, 0.95, static_cast<uint64_t>(k), 1e-9);
    covered += boot.equal.low <= 3.0 && 3.0 <= boot.equal.high;
    sym_covered += boot.symmetric.low <= 3.0 && 3.0 <= boot.symmetric.high;
    rejected += propgrad::studentized_bootstrap(z, 999, 0.95, static_cast<uint64_t>(k), 1e-9).p_value <= 0.05;
  }
  EXPECT_GE(covered / 1500.0, 0.935);
  EXPECT_LE(covered / 1500.0, 0.964);
  EXPECT_GE(sym_covered / 1500.0, 0.935);
  EXPECT_LE(rejected / 1500.0, 0.065);
  EXPECT_GE(rejected / 1500.0, 0.015);
}

TEST(SignFlip, ExactEqualsBruteForce) {
  const std::vector<double> d = {0.3, -0.1, 0.8, 0.25, 0.4, -0.05, 0.6};
  const std::size_t n = d.size();
  const double m0 = std::accumulate(d.begin(), d.end(), 0.0) / n;
  int b = 0;
  for (int mask = 0; mask < (1 << n); ++mask) {
    double s = 0;
    for (std::size_t i = 0; i < n; ++i) s += ((mask >> i) & 1) ? -d[i] : d[i];
    b += std::abs(s / n) >= std::abs(m0) * (1 - 1e-9);
  }
  const auto res = propgrad::sign_flip_test(d, 1000, 1, 1e-9, 0.99);
  EXPECT_TRUE(res.exact);
  EXPECT_EQ(res.n_used, 128);
  EXPECT_DOUBLE_EQ(res.p_value, b / 128.0);
  EXPECT_DOUBLE_EQ(res.estimate, m0);
  EXPECT_DOUBLE_EQ(res.p_floor, 2.0 / 128);
  // Studentized statistic as reported.
  double ss = 0;
  for (double v : d) ss += (v - m0) * (v - m0);
  EXPECT_NEAR(res.statistic, m0 / std::sqrt(ss / (n - 1) / n), 1e-12);
}

TEST(SignFlip, AllEqualDifferencesReachTheFloor) {
  const std::vector<double> d(6, 0.5);
  const auto res = propgrad::sign_flip_test(d, 10000, 1, 1e-9, 0.99);
  EXPECT_DOUBLE_EQ(res.p_value, 2.0 / 64);  // the pattern and its mirror
  EXPECT_TRUE(std::isinf(res.statistic));
}

// Symmetric differences, 25 pairs (random flips): p <= 0.05 in 2000
// replicates inside the band [0.038, 0.063].
TEST(SignFlip, RandomFlipsKeepTheLevel) {
  propgrad::Xoshiro256pp r(3, 4);
  int rejected = 0;
  for (int k = 0; k < 2000; ++k) {
    std::vector<double> d(25);
    for (auto& v : d) v = normal(r);
    const auto res = propgrad::sign_flip_test(d, 199, static_cast<uint64_t>(k), 1e-9, 0.99);
    ASSERT_FALSE(res.exact);
    rejected += res.p_value <= 0.05;
  }
  const double rate = rejected / 2000.0;
  EXPECT_GE(rate, 0.038);
  EXPECT_LE(rate, 0.063);
}

TEST(RankCorrelation, RhoMatchesRAndBlocksHoldPermutations) {
  const std::vector<double> x = {1.2, 0.4, 2.2, 1.9, 0.7, 1.1, 3.0, 0.2};
  const std::vector<double> y = {3, 1, 4, 1, 5, 9, 2, 6};
  const std::vector<int> one(8, 0);
  const auto res = propgrad::rank_correlation_test(x, y, one, 999, 1, 1e-9, 0.99);
  EXPECT_NEAR(res.estimate, -0.335335353336, 1e-10);
  EXPECT_GT(res.p_value, 0.05);
  // One row per block: nothing can move, every shuffle equals T0, p = 1.
  std::vector<int> own(8);
  std::iota(own.begin(), own.end(), 0);
  EXPECT_EQ(propgrad::rank_correlation_test(x, y, own, 199, 1, 1e-9, 0.99).p_value, 1.0);
  const std::vector<double> ranks = propgrad::average_ranks({2.0, 1.0, 2.0, 5.0});
  EXPECT_EQ(ranks, (std::vector<double>{2.5, 1.0, 2.5, 4.0}));
}

// Repeated measures: 10 blocks of 6 rows whose x and y share a block
// effect but are unrelated within blocks. The pooled correlation is large,
// the within-block test keeps its level: rejection at 0.05 in 1000
// replicates inside [0.033, 0.069].
TEST(RankCorrelation, WithinBlockTestIgnoresBlockEffects) {
  propgrad::Xoshiro256pp r(5, 6);
  int rejected = 0, pooled_rejected = 0;
  std::vector<int> block;
  for (int b = 0; b < 10; ++b)
    for (int k = 0; k < 6; ++k) block.push_back(b);
  const std::vector<int> one(60, 0);
  for (int rep = 0; rep < 1000; ++rep) {
    std::vector<double> x(60), y(60);
    for (int b = 0; b < 10; ++b) {
      const double effect = 2.0 * normal(r);
      for (int k = 0; k < 6; ++k) {
        x[b * 6 + k] = effect + normal(r);
        y[b * 6 + k] = effect + normal(r);
      }
    }
    rejected += propgrad::rank_correlation_test(x, y, block, 199, rep, 1e-9, 0.99).p_value <= 0.05;
    pooled_rejected += propgrad::rank_correlation_test(x, y, one, 199, rep, 1e-9, 0.99).p_value <= 0.05;
  }
  EXPECT_GE(rejected / 1000.0, 0.033);
  EXPECT_LE(rejected / 1000.0, 0.069);
  EXPECT_GT(pooled_rejected / 1000.0, 0.5);  // treating the rows as independent fails
}

// The study-level loops answer an interrupt: a poll that fires on its
// second call stops them (interrupted, no p), and a poll that never fires
// changes nothing.
TEST(ResamplingStop, InterruptsStopEveryLoop) {
  std::vector<double> d(300), x(300), y(300);
  for (int i = 0; i < 300; ++i) {
    d[i] = std::sin(0.7 * i) + 0.1;
    x[i] = i;
    y[i] = std::cos(0.3 * i);
  }
  const std::vector<int> block(300, 0);
  int calls = 0;
  propgrad::StopSignal fires([&calls] { return ++calls == 2; });
  const auto flip = propgrad::sign_flip_test(d, 1000000, 1, 1e-9, 0.99, &fires);
  EXPECT_TRUE(flip.interrupted);
  EXPECT_TRUE(std::isnan(flip.p_value));
  EXPECT_EQ(calls, 2);
  propgrad::StopSignal fires2([] { return true; });
  EXPECT_TRUE(propgrad::rank_correlation_test(x, y, block, 100000, 1, 1e-9, 0.99, &fires2).interrupted);
  propgrad::StopSignal fires3([] { return true; });
  EXPECT_TRUE(propgrad::studentized_bootstrap(d, 100000, 0.95, 1, 1e-9, &fires3).interrupted);

  propgrad::StopSignal never([] { return false; });
  const auto a = propgrad::sign_flip_test(d, 20000, 1, 1e-9, 0.99, &never);
  const auto b = propgrad::sign_flip_test(d, 20000, 1, 1e-9, 0.99);
  EXPECT_FALSE(a.interrupted);
  EXPECT_EQ(a.p_value, b.p_value);
  const auto ba = propgrad::studentized_bootstrap(d, 5000, 0.95, 1, 1e-9, &never);
  const auto bb = propgrad::studentized_bootstrap(d, 5000, 0.95, 1, 1e-9);
  EXPECT_EQ(ba.equal.low, bb.equal.low);
  EXPECT_EQ(ba.p_value, bb.p_value);
}
