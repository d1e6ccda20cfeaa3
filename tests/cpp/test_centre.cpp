// Tests of how a two-sided test is centred and how series get their
// streams: the closed-form permutation mean (checked against all n!
// orderings) and where it applies, the K + 1 mean keeping the small-K test
// at its level (a simulation with a binomial 99% band), data-keyed streams,
// non-finite statistics getting no p, and the master thread answering
// interrupts after its own series are done.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <numeric>
#include <vector>

#include "helpers.h"
#include "rng.h"
#include "shuffle.h"

using propgrad::Alternative;
using propgrad::CentreKind;
using propgrad::GradientOptions;
using propgrad::SeriesData;
using propgrad::SeriesStatistic;
using propgrad::ShuffleOptions;
using propgrad::ShuffleResult;
using propgrad::StatisticKind;
using propgrad::StopSignal;

namespace {

using test_helpers::uniform;

// Mean of the statistic (on the engine's scale, as exact_null_mean gives
// it) over all n! orderings of the rows of y.
double brute_mean(const SeriesStatistic& stat, const std::vector<double>& y, std::size_t n,
                  std::size_t d) {
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::vector<double> yp(y.size());
  double sum = 0.0;
  long count = 0;
  do {
    for (std::size_t c = 0; c < d; ++c)
      for (std::size_t i = 0; i < n; ++i) yp[c * n + i] = y[c * n + order[i]];
    sum += stat.scaled(yp.data());
    ++count;
  } while (std::next_permutation(order.begin(), order.end()));
  return sum / count;
}

std::vector<double> noise(std::size_t count, uint64_t seed) {
  propgrad::Xoshiro256pp r(seed, 3);
  std::vector<double> v(count);
  for (auto& x : v) x = uniform(r) - 0.3;
  return v;
}

}  // namespace

// Evenly spaced steps (index or property spacing, periodic or not, scalar
// or vector outputs): the closed form equals the mean over all 7! orders.
TEST(ExactCentre, EqualsTheMeanOverAllOrderings) {
  const std::size_t n = 7;
  std::vector<double> t(n);
  for (std::size_t i = 0; i < n; ++i) t[i] = 0.25 * i + 1.0;
  struct Case {
    propgrad::Spacing spacing;
    double period;
    bool rescale;
    std::size_t d;
  };
  const Case cases[] = {{propgrad::Spacing::Index, 0, false, 1},
                        {propgrad::Spacing::Property, 0, false, 1},
                        {propgrad::Spacing::Property, 0, true, 1},
                        {propgrad::Spacing::Property, 1.75, false, 1},
                        {propgrad::Spacing::Index, 7, false, 2},
                        {propgrad::Spacing::Property, 0, false, 3}};
  for (const auto& c : cases) {
    SCOPED_TRACE(testing::Message() << "spacing=" << int(c.spacing) << " period=" << c.period
                                    << " d=" << c.d);
    GradientOptions g;
    g.spacing = c.spacing;
    g.period = c.period;
    g.rescale = c.rescale;
    const auto y = noise(n * c.d, 11 + c.d);
    const SeriesStatistic stat(StatisticKind::Grad, y.data(), t.data(), n, c.d, g);
    double mean = -1;
    ASSERT_TRUE(stat.exact_null_mean(y.data(), mean));
    EXPECT_NEAR(mean, brute_mean(stat, y, n, c.d), 1e-12 * mean);
  }
  // corr: the mean of r over all orderings is 0.
  const auto y = noise(n, 5);
  const SeriesStatistic corr(StatisticKind::Corr, y.data(), t.data(), n, 1, GradientOptions{});
  double mean = -1;
  ASSERT_TRUE(corr.exact_null_mean(y.data(), mean));
  EXPECT_EQ(mean, 0.0);
  EXPECT_NEAR(brute_mean(corr, y, n, 1), 0.0, 1e-14);
}

TEST(ExactCentre, NotClaimedWithoutAClosedForm) {
  const std::size_t n = 9;
  std::vector<double> t = {0, 1, 2, 3.5, 4, 5, 6, 7, 8};  // one uneven step
  const auto y = noise(n, 2);
  double mean;
  EXPECT_FALSE(SeriesStatistic(StatisticKind::Grad, y.data(), t.data(), n, 1, GradientOptions{})
                   .exact_null_mean(y.data(), mean));
  std::vector<double> even(n);
  std::iota(even.begin(), even.end(), 0.0);
  GradientOptions smooth;
  smooth.smooth_window = 5;
  EXPECT_FALSE(SeriesStatistic(StatisticKind::Grad, y.data(), even.data(), n, 1, smooth)
                   .exact_null_mean(y.data(), mean));
  EXPECT_FALSE(SeriesStatistic(StatisticKind::MI, y.data(), even.data(), n, 1, GradientOptions{})
                   .exact_null_mean(y.data(), mean));
}

// Centred on the K + 1 mean, the two-sided test keeps its level even at
// K = 19 (uneven steps, so no closed form); 20,000 null series of N = 30,
// rejection at 0.05 inside the binomial 99% band [0.0461, 0.0540].
TEST(TwoSidedCentre, SmallKStaysInsideItsBand) {
  const std::size_t n = 30, reps = 20000;
  propgrad::Xoshiro256pp r(2024, 7);
  std::vector<double> t(n);
  double acc = 0;
  for (auto& v : t) v = acc += 0.5 + uniform(r);
  ShuffleOptions opt;
  opt.n_perm = 19;
  int rejected = 0;
  std::vector<double> y(n);
  for (std::size_t k = 0; k < reps; ++k) {
    for (auto& v : y) v = uniform(r);
    SeriesData s{y.data(), t.data(), n, 1, propgrad::series_stream_key(y.data(), n, 1, t.data())};
    StopSignal stop;
    const ShuffleResult res = propgrad::shuffle_series(s, opt, nullptr, stop, true);
    ASSERT_EQ(res.centre_kind, CentreKind::AllStatistics);
    rejected += res.p_value <= 0.05;
  }
  const double rate = static_cast<double>(rejected) / reps;
  EXPECT_GE(rate, 0.0461);
  EXPECT_LE(rate, 0.0540);
}

// Uneven steps: the centre is estimated, so the interval of p is at least
// the Clopper-Pearson interval of the count (wider, to cover the centre's
// error); evenly spaced steps keep the plain interval.
TEST(TwoSidedCentre, EstimatedCentreWidensTheInterval) {
  propgrad::Xoshiro256pp r(8, 1);
  std::vector<double> t(30), y(30);
  double acc = 0;
  for (auto& v : t) v = acc += 0.5 + uniform(r);
  for (std::size_t i = 0; i < 30; ++i) y[i] = uniform(r) + 0.02 * i;
  SeriesData s{y.data(), t.data(), 30, 1, 3};
  ShuffleOptions opt;
  opt.n_perm = 999;
  StopSignal stop;
  const ShuffleResult res = propgrad::shuffle_series(s, opt, nullptr, stop, true);
  ASSERT_EQ(res.centre_kind, CentreKind::AllStatistics);
  double lo, hi;
  propgrad::clopper_pearson(res.exceedances, 999, 0.99, lo, hi);
  EXPECT_LE(res.p_low, lo);
  EXPECT_GE(res.p_high, hi);
  EXPECT_LT(res.p_high - res.p_low, 1.0);
  std::vector<double> even(30);
  for (std::size_t i = 0; i < 30; ++i) even[i] = static_cast<double>(i);
  SeriesData e{y.data(), even.data(), 30, 1, 3};
  const ShuffleResult plain = propgrad::shuffle_series(e, opt, nullptr, stop, true);
  ASSERT_EQ(plain.centre_kind, CentreKind::Exact);
  propgrad::clopper_pearson(plain.exceedances, 999, 0.99, lo, hi);
  EXPECT_EQ(plain.p_low, lo);
  EXPECT_EQ(plain.p_high, hi);
}

TEST(StreamKey, FollowsTheData) {
  std::vector<double> y = {0.1, 0.5, -0.2, 0.0}, t = {1, 2, 3, 4};
  const auto key = propgrad::series_stream_key(y.data(), 4, 1, t.data());
  EXPECT_EQ(key, propgrad::series_stream_key(y.data(), 4, 1, t.data()));
  std::vector<double> negzero = y;
  negzero[3] = -0.0;
  EXPECT_EQ(key, propgrad::series_stream_key(negzero.data(), 4, 1, t.data()));
  std::vector<double> other = y;
  other[1] = 0.5000000001;
  EXPECT_NE(key, propgrad::series_stream_key(other.data(), 4, 1, t.data()));
  std::vector<double> t2 = {1, 2, 3, 5};
  EXPECT_NE(key, propgrad::series_stream_key(y.data(), 4, 1, t2.data()));
  EXPECT_NE(key, propgrad::series_stream_key(y.data(), 2, 2, t.data()));
}

TEST(NonFinite, NoPValueForANonFiniteStatistic) {
  // Outputs 2e308 apart: their difference overflows whatever the steps.
  std::vector<double> t = {0, 1, 2, 3, 4}, y = {1e308, -1e308, 0, 5, 3};
  SeriesData s{y.data(), t.data(), 5, 1, 1};
  ShuffleOptions opt;
  opt.n_perm = 99;
  opt.allow_exact = false;
  StopSignal stop;
  std::vector<double> null(99, 0.0);
  const ShuffleResult res = propgrad::shuffle_series(s, opt, null.data(), stop, true);
  EXPECT_FALSE(res.finite);
  EXPECT_TRUE(std::isnan(res.p_value));
  EXPECT_EQ(res.n_used, 0);
  EXPECT_TRUE(std::isnan(null[0]));
}

// Two series at 2 threads: the master finishes the short one and must keep
// polling, so an interrupt stops the long one within a fraction of a second.
TEST(ParallelFor, MasterKeepsPollingAfterItsOwnWork) {
  std::vector<double> t(60), y_long(60), y_short = {1, 3, 2, 5, 4};
  std::iota(t.begin(), t.end(), 0.0);
  for (std::size_t i = 0; i < 60; ++i) y_long[i] = std::sin(0.3 * i);
  std::vector<SeriesData> data = {SeriesData{y_short.data(), t.data(), 5, 1, 1},
                                  SeriesData{y_long.data(), t.data(), 60, 1, 2}};
  ShuffleOptions opt;
  opt.n_perm = 100000000;  // tens of seconds if nothing stops it
  opt.allow_exact = false;
  const auto start = std::chrono::steady_clock::now();
  StopSignal stop([start] {
    return std::chrono::steady_clock::now() - start > std::chrono::milliseconds(300);
  });
  propgrad::shuffle_many(data, opt, 2, nullptr, 0, stop);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(stop.stopped());
  EXPECT_LT(seconds, 1.5);
}
