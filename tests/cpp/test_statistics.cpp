// Tests of the per-series statistics in src/core/statistics.{h,cpp}: the
// KSG mutual-information estimator (near 0 for independent data, large for
// y = x, and equal to a brute-force O(n^2) transcription of KSG algorithm 1
// written here with its own digamma), its argument checks, and the
// SeriesStatistic wrapper (grad = EPGM, corr = Pearson r, mi = KSG on data
// scaled to unit variance, constant outputs giving 0).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "rng.h"
#include "statistics.h"

using propgrad::GradientOptions;
using propgrad::SeriesStatistic;
using propgrad::StatisticKind;

namespace {

const double kPi = std::acos(-1.0);

// Uniform double in [0, 1) from the top 53 bits.
double uniform(propgrad::Xoshiro256pp& r) { return (r.next() >> 11) * 0x1.0p-53; }

// Standard normal by Box-Muller; signs vary, so values straddle zero (where
// floating-point differences are least exact).
double normal(propgrad::Xoshiro256pp& r) {
  const double u1 = 1.0 - uniform(r), u2 = uniform(r);
  return std::sqrt(-2 * std::log(u1)) * std::cos(2 * kPi * u2);
}

// Digamma by recurrence up to x >= 16 and the asymptotic series (next term
// ~1e-14 there): independent of the harmonic-number table the core uses.
double digamma(double x) {
  double acc = 0;
  while (x < 16) {
    acc -= 1 / x;
    x += 1;
  }
  const double x2 = 1 / (x * x);
  return acc + std::log(x) - 0.5 / x -
         x2 * (1.0 / 12 - x2 * (1.0 / 120 - x2 * (1.0 / 252 - x2 * (1.0 / 240))));
}

// KSG algorithm 1 straight from the definition: eps_i is the max-norm
// distance to the k-th nearest neighbour; n_x, n_y count points strictly
// closer than eps_i in each marginal, the point itself excluded.
double brute_force_ksg(const std::vector<double>& x, const std::vector<double>& y, int k) {
  const std::size_t n = x.size();
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<double> dist;
    for (std::size_t j = 0; j < n; ++j) {
      if (j != i) dist.push_back(std::max(std::abs(x[j] - x[i]), std::abs(y[j] - y[i])));
    }
    std::nth_element(dist.begin(), dist.begin() + (k - 1), dist.end());
    const double eps = dist[k - 1];
    int nx = 0, ny = 0;
    for (std::size_t j = 0; j < n; ++j) {
      if (j == i) continue;
      nx += std::abs(x[j] - x[i]) < eps;
      ny += std::abs(y[j] - y[i]) < eps;
    }
    sum += digamma(nx + 1) + digamma(ny + 1);
  }
  return std::max(0.0, digamma(n) + digamma(k) - sum / n);
}

struct Sample {
  std::vector<double> x, y;  // x sorted ascending
};

// Random pairs with y = beta * x + noise, x sorted (the core's contract).
// Standard normals straddle zero, so differences x_j - x_i are often
// inexact in floating point.
Sample normal_sample(std::size_t n, double beta, uint64_t seed) {
  propgrad::Xoshiro256pp r(seed, 77);
  Sample s;
  s.x.resize(n);
  for (auto& v : s.x) v = normal(r);
  std::sort(s.x.begin(), s.x.end());
  for (double v : s.x) s.y.push_back(beta * v + normal(r));
  return s;
}

// Pairs in [lo, 2 lo): any two values are within a factor 2 of each other,
// so every difference is exact (Sterbenz) and "strictly closer than eps" has
// one unambiguous floating-point answer. y mixes x with uniform noise
// (weight beta on x, 0 <= beta <= 1).
Sample exact_sample(std::size_t n, double beta, uint64_t seed, double lo = 1.0) {
  propgrad::Xoshiro256pp r(seed, 78);
  Sample s;
  s.x.resize(n);
  for (auto& v : s.x) v = lo + lo * uniform(r);
  std::sort(s.x.begin(), s.x.end());
  for (double v : s.x) s.y.push_back(lo + beta * (v - lo) + (1 - beta) * lo * uniform(r));
  return s;
}

}  // namespace

TEST(Digamma, TestHelperIsAccurate) {
  // psi(1) = -gamma, psi(1/2) = -gamma - 2 ln 2: guards the reference itself.
  EXPECT_NEAR(digamma(1), -0.57721566490153286, 1e-13);
  EXPECT_NEAR(digamma(0.5), -0.57721566490153286 - 2 * std::log(2.0), 1e-13);
  EXPECT_NEAR(digamma(101) - digamma(100), 0.01, 1e-14);
}

TEST(Ksg, IndependentDataGiveNearZero) {
  const std::size_t n = 500;
  propgrad::Xoshiro256pp r(2718, 1);
  std::vector<double> x(n), y(n);
  for (std::size_t i = 0; i < n; ++i) {
    x[i] = static_cast<double>(i);
    y[i] = uniform(r) * n;  // same scale as x
  }
  const double mi = propgrad::ksg_mutual_information(x, y, 5);
  EXPECT_GE(mi, 0.0);
  EXPECT_LT(mi, 0.1);
}

TEST(Ksg, IdenticalDataGiveLargeValue) {
  const std::size_t n = 500;
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = std::sqrt(i + 1.0);  // uneven, no ties
  const double mi = propgrad::ksg_mutual_information(x, x, 5);
  EXPECT_GT(mi, 3.0);  // about psi(n) - psi(k) - 1/k for a deterministic relation
  EXPECT_NEAR(mi, brute_force_ksg(x, x, 5), 1e-9);
}

TEST(Ksg, MatchesBruteForceOnRandomData) {
  for (uint64_t seed : {1u, 2u, 3u, 4u, 5u}) {
    for (double beta : {0.0, 0.5, 0.9}) {
      for (int k : {1, 3, 5, 16}) {
        const auto s = exact_sample(200, beta, seed);
        SCOPED_TRACE(testing::Message() << "seed=" << seed << " beta=" << beta << " k=" << k);
        EXPECT_NEAR(propgrad::ksg_mutual_information(s.x, s.y, k), brute_force_ksg(s.x, s.y, k),
                    1e-9);
      }
    }
  }
}

// Small n exercises the search running off both ends of the sorted x.
TEST(Ksg, MatchesBruteForceForSmallN) {
  for (std::size_t n : {3u, 4u, 7u, 12u}) {
    const auto s = exact_sample(n, 0.7, 40 + n);
    for (int k = 1; k < static_cast<int>(n) && k <= 5; ++k) {
      SCOPED_TRACE(testing::Message() << "n=" << n << " k=" << k);
      EXPECT_NEAR(propgrad::ksg_mutual_information(s.x, s.y, k), brute_force_ksg(s.x, s.y, k),
                  1e-9);
    }
  }
}

// Four points, k = 1, worked by hand. A and B are each other's nearest
// neighbour at eps = |x_B - x_A| (their y gap 0.125 is smaller), so neither
// counts the other in n_x (not strictly inside) but does in n_y; C's nearest
// is B at |dy| = 4.875, D's is A at |dy| = 5, and both see all 3 others in x.
//   n_x + 1, n_y + 1:  A (1, 2), B (1, 2), C (4, 1), D (4, 1)
//   MI = psi(4) + psi(1) - (2 psi(1) + psi(2) + psi(4))/2
//      = (psi(4) - psi(2))/2 = (1/2 + 1/3)/2 = 5/12.
// Here all differences are exact binary fractions.
TEST(Ksg, FourPointsByHand) {
  const std::vector<double> x = {-0.25, 0.03125, 1.0, 2.0}, y = {0.0, 0.125, 5.0, -5.0};
  EXPECT_NEAR(propgrad::ksg_mutual_information(x, y, 1), 5.0 / 12, 1e-14);
  EXPECT_NEAR(brute_force_ksg(x, y, 1), 5.0 / 12, 1e-12);
}

// Regression: the same four-point configuration with x_A, x_B of opposite
// sign, where eps = fl(x_B - x_A) is rounded. Counting by fl(c -/+ eps)
// alone once counted the neighbour that defines eps as strictly inside
// (n_x = 1 instead of 0, MI clipped to 0 where the definition gives 5/12).
TEST(Ksg, BoundaryNeighbourIsNotStrictlyInside) {
  const std::vector<double> x = {-0.21217666966655399, 0.067928223443879832, 1.0, 2.0};
  const std::vector<double> y = {0.0, 0.125, 5.0, -5.0};
  EXPECT_NEAR(brute_force_ksg(x, y, 1), 5.0 / 12, 1e-12);
  EXPECT_NEAR(propgrad::ksg_mutual_information(x, y, 1), 5.0 / 12, 1e-12);
  // And on ordinary normal samples, which straddle zero.
  for (uint64_t seed : {1u, 2u, 3u}) {
    const auto s = normal_sample(200, 0.5, seed);
    SCOPED_TRACE(seed);
    EXPECT_NEAR(propgrad::ksg_mutual_information(s.x, s.y, 5), brute_force_ksg(s.x, s.y, 5),
                1e-9);
  }
}

TEST(Ksg, RejectsBadArguments) {
  const std::vector<double> x = {0, 1, 2, 3}, y = {1, 0, 3, 2}, short_y = {1, 2};
  EXPECT_THROW(propgrad::ksg_mutual_information(x, short_y, 1), std::invalid_argument);
  EXPECT_THROW(propgrad::ksg_mutual_information(x, y, 0), std::invalid_argument);
  EXPECT_THROW(propgrad::ksg_mutual_information(x, y, 4), std::invalid_argument);  // k >= n
  std::vector<double> big(40);
  std::iota(big.begin(), big.end(), 0.0);
  EXPECT_THROW(propgrad::ksg_mutual_information(big, big, 17), std::invalid_argument);
  EXPECT_NO_THROW(propgrad::ksg_mutual_information(x, y, 3));
}

TEST(SeriesStatistic, GradIsEpgm) {
  const std::vector<double> y = {4, 2, 1, 3};
  GradientOptions o;
  o.spacing = propgrad::Spacing::Index;
  SeriesStatistic s(StatisticKind::Grad, y.data(), nullptr, 4, 1, o);
  EXPECT_DOUBLE_EQ(s(y.data()), 1.5);  // numpy gradient {-2,-1.5,.5,2}
  EXPECT_DOUBLE_EQ(s.epgm(y.data()), 1.5);
}

// t = {1,2,3,4}, y = {2,4,5,9}: S_ty = 4.5 + 0.5 + 0 + 6 = 11, S_tt = 5,
// S_yy = 26, so r = 11 / sqrt(130).
TEST(SeriesStatistic, CorrIsPearsonByHand) {
  const std::vector<double> t = {1, 2, 3, 4}, y = {2, 4, 5, 9};
  SeriesStatistic s(StatisticKind::Corr, y.data(), t.data(), 4, 1, GradientOptions{});
  EXPECT_NEAR(s(y.data()), 11.0 / std::sqrt(130.0), 1e-14);
  const std::vector<double> reversed = {9, 5, 4, 2};  // a permutation of y
  EXPECT_NEAR(s(reversed.data()), -11.0 / std::sqrt(130.0), 1e-14);
  const std::vector<double> line = {2, 4, 6, 8};
  SeriesStatistic sl(StatisticKind::Corr, line.data(), t.data(), 4, 1, GradientOptions{});
  EXPECT_NEAR(sl(line.data()), 1.0, 1e-14);
  // The effect size is the EPGM whatever the statistic: gradient {2,1.5,2.5,4}.
  EXPECT_NEAR(s.epgm(y.data()), 10.0 / 4, 1e-14);
}

TEST(SeriesStatistic, ConstantOutputGivesZero) {
  const std::vector<double> t = {0, 1, 2, 3, 4, 5, 6}, y(7, 3.25);
  for (auto kind : {StatisticKind::Grad, StatisticKind::Corr, StatisticKind::MI}) {
    SeriesStatistic s(kind, y.data(), t.data(), 7, 1, GradientOptions{});
    EXPECT_EQ(s(y.data()), 0.0);
  }
}

// The MI statistic scales t and y to unit variance (t divided by its sd, y
// multiplied by 1/sd, as the core does), then applies KSG with
// k = min(5, n - 1). Data in [10, 20) stay within a factor 2 after scaling,
// so the brute force sees exactly the same distances (see the disabled test
// above for what happens otherwise).
TEST(SeriesStatistic, MiIsKsgOnStandardisedData) {
  auto standardise = [](std::vector<double> v, bool multiply) {
    double m = 0, ss = 0;
    for (double a : v) m += a;
    m /= v.size();
    for (double a : v) ss += (a - m) * (a - m);
    const double sd = std::sqrt(ss / v.size());
    for (auto& a : v) a = multiply ? a * (1.0 / sd) : a / sd;
    return v;
  };
  for (std::size_t n : {60u, 4u}) {  // n = 4 forces k = 3
    SCOPED_TRACE(n);
    const auto smp = exact_sample(n, 0.6, 9, 10.0);
    SeriesStatistic s(StatisticKind::MI, smp.y.data(), smp.x.data(), n, 1, GradientOptions{});
    const auto xs = standardise(smp.x, false), ys = standardise(smp.y, true);
    EXPECT_NEAR(s(smp.y.data()), brute_force_ksg(xs, ys, n > 5 ? 5 : 3), 1e-9);
    // A permuted copy goes through the same path (what the shuffle test does).
    std::vector<double> perm = smp.y;
    std::reverse(perm.begin(), perm.end());
    EXPECT_NEAR(s(perm.data()), brute_force_ksg(xs, standardise(perm, true), n > 5 ? 5 : 3), 1e-9);
  }
}

TEST(SeriesStatistic, CorrAndMiNeedOneColumn) {
  const std::vector<double> t = {0, 1, 2}, y = {1, 2, 3, 4, 5, 6};
  EXPECT_THROW(SeriesStatistic(StatisticKind::Corr, y.data(), t.data(), 3, 2, GradientOptions{}),
               std::invalid_argument);
  EXPECT_THROW(SeriesStatistic(StatisticKind::MI, y.data(), t.data(), 3, 2, GradientOptions{}),
               std::invalid_argument);
  EXPECT_NO_THROW(SeriesStatistic(StatisticKind::Grad, y.data(), t.data(), 3, 2, GradientOptions{}));
}

// Found by the fuzzer (tests/fuzz): a NaN position made the neighbour search
// step one past the end of y. It must stay inside the data (ASan checks it
// in the sanitizer build) and SeriesStatistic must refuse such t outright.
TEST(Ksg, NanPositionsStayInsideTheData) {
  const std::vector<double> x = {0.0, 1.0, NAN, 3.0, 4.0, 5.0, 6.0};
  const std::vector<double> y = {0.3, 0.1, 0.4, 0.1, 0.5, 0.9, 0.2};
  const double mi = propgrad::ksg_mutual_information(x, y, 3);
  EXPECT_FALSE(std::isinf(mi));
}

TEST(SeriesStatistic, CorrAndMiRefusePropertyValuesWithoutSpread) {
  const std::vector<double> y = {0.1, 0.5, 0.2, 0.8};
  const std::vector<double> flat = {1.0, 1.0, 1.0, 1.0};
  const std::vector<double> nan_t = {0.0, NAN, 2.0, 3.0};
  GradientOptions opt;
  opt.spacing = propgrad::Spacing::Index;
  for (auto kind : {StatisticKind::Corr, StatisticKind::MI}) {
    EXPECT_THROW(SeriesStatistic(kind, y.data(), flat.data(), 4, 1, opt), std::invalid_argument);
    EXPECT_THROW(SeriesStatistic(kind, y.data(), nan_t.data(), 4, 1, opt), std::invalid_argument);
  }
}
