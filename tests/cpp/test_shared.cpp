// Tests of shared permutations (src/core/shared.{h,cpp}): the grad kernel
// equals each series' own statistic in the same order bit for bit (even,
// uneven and periodic steps, one grid or several, groups of 1-13 series,
// from an order or from the draws, both instruction paths); the moments of
// a group equal each series' own, added one by one;
// series of one group see the same permutations (a copy scaled by 2 gets
// exactly twice the null values; corr of such a copy is identical), while
// without sharing they do not; results do not depend on the thread count or
// on how the group is split; enumerated series and broken series run alone
// as before; and the kept null values are the ones the p-value counts.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "helpers.h"
#include "kernels.h"
#include "permute.h"
#include "shared.h"

using propgrad::SeriesData;
using propgrad::ShuffleOptions;
using propgrad::ShuffleResult;
using propgrad::StatisticKind;
using propgrad::StopSignal;

namespace {

struct Series {
  std::vector<double> y, t;
  std::size_t n = 0, d = 1;
  SeriesData data() const {
    return SeriesData{y.data(), t.data(), n, d, propgrad::series_stream_key(y.data(), n, d, t.data())};
  }
};

Series make_series(std::size_t n, uint64_t seed, bool even, std::size_t d = 1) {
  propgrad::Xoshiro256pp r(seed, 31 + n);
  Series s;
  s.n = n;
  s.d = d;
  double acc = 0;
  for (std::size_t i = 0; i < n; ++i) s.t.push_back(even ? static_cast<double>(i) * 0.1 : acc += 0.2 + test_helpers::uniform(r));
  for (std::size_t i = 0; i < n * d; ++i) s.y.push_back(test_helpers::normal(r));
  return s;
}

std::vector<ShuffleResult> run_many(const std::vector<Series>& all, ShuffleOptions opt, int threads,
                                    std::vector<double>* nulls = nullptr) {
  std::vector<SeriesData> views;
  for (const auto& s : all) views.push_back(s.data());
  StopSignal stop;
  if (nulls) nulls->assign(all.size() * static_cast<std::size_t>(opt.n_perm), NAN);
  return propgrad::shuffle_many(views, opt, threads, nulls ? nulls->data() : nullptr,
                                static_cast<std::size_t>(opt.n_perm), stop);
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

}  // namespace

TEST(SharedKernel, EqualsEachSeriesStatisticBitForBit) {
  propgrad::Xoshiro256pp r(77, 7);
  for (int rep = 0; rep < 90; ++rep) {
    const std::size_t n = 2 + rep % 37, m = 1 + (rep / 3) % 13;
    propgrad::GradientOptions g;
    if (rep % 5 == 0) g.period = 1e6;  // periodic: the end rows wrap around
    std::vector<Series> group;
    // One grid for the whole group (one stencil: the kernel broadcasts its
    // weights), evenly spaced (two-term rows) or not (three-term rows); or
    // series that mix even and uneven steps (each its own weights).
    const int grids = rep % 3;  // 0: mixed, 1: one even grid, 2: one uneven grid
    for (std::size_t s = 0; s < m; ++s) {
      group.push_back(make_series(n, 100 * rep + s, grids == 1 || (grids == 0 && (rep + s) % 3 != 0)));
      if (grids == 2) group.back().t = group.front().t;
    }
    std::vector<propgrad::SeriesStatistic> stats;
    stats.reserve(m);
    std::vector<const SeriesData*> views;
    std::vector<SeriesData> data;
    for (const auto& s : group) data.push_back(s.data());
    std::vector<const propgrad::SeriesStatistic*> stat_views;
    for (std::size_t s = 0; s < m; ++s) {
      stats.emplace_back(StatisticKind::Grad, group[s].y.data(), group[s].t.data(), n, 1, g);
      views.push_back(&data[s]);
    }
    for (const auto& st : stats) stat_views.push_back(&st);
    const propgrad::SharedGradKernel kernel(views, stat_views);
    std::vector<uint32_t> order(n), draws(n);
    propgrad::PermutationSource source(rep, 3);
    std::vector<double> values(m), y(n);
    propgrad::SharedGradKernel::Workspace work;
    for (int k = 0; k < 5; ++k) {
      source.draw(draws.data(), n);
      propgrad::order_inside_out(order.data(), draws.data(), n);
      for (bool simd : {true, false}) {
        propgrad::PermutationSource::set_simd(simd);
        // From the draws directly: the order order_inside_out() makes.
        kernel.evaluate_draws(draws.data(), values.data(), work);
        std::vector<double> from_draws = values;
        kernel.evaluate(order.data(), values.data(), work);
        for (std::size_t s = 0; s < m; ++s) ASSERT_TRUE(same_bits(values[s], from_draws[s])) << s;
        for (std::size_t s = 0; s < m; ++s) {
          for (std::size_t i = 0; i < n; ++i) y[i] = group[s].y[order[i]];
          ASSERT_TRUE(same_bits(values[s], stats[s].scaled(y.data())))
              << "n " << n << " series " << s << " simd " << simd << ": " << values[s] << " vs "
              << stats[s].scaled(y.data());
        }
      }
      propgrad::PermutationSource::set_simd(true);
    }
  }
}

TEST(SharedPermutations, OneGroupSeesTheSamePermutations) {
  const Series a = make_series(30, 1, true);
  Series twice = a;
  for (auto& v : twice.y) v *= 2;  // exact: EPGMs double exactly under any order
  ShuffleOptions opt;
  opt.n_perm = 999;
  opt.share_permutations = true;
  std::vector<double> nulls;
  const auto res = run_many({a, twice}, opt, 1, &nulls);
  for (std::size_t k = 0; k < 999; ++k) ASSERT_EQ(nulls[999 + k], 2 * nulls[k]) << k;
  EXPECT_EQ(res[0].p_value, res[1].p_value);
  EXPECT_EQ(res[0].exceedances, res[1].exceedances);
  // Without sharing, each series has its own stream.
  opt.share_permutations = false;
  run_many({a, twice}, opt, 1, &nulls);
  int proportional = 0;
  for (std::size_t k = 0; k < 999; ++k) proportional += nulls[999 + k] == 2 * nulls[k];
  EXPECT_LT(proportional, 20);
  // corr, through the generic path: scale-free, so the same values.
  opt.share_permutations = true;
  opt.statistic = StatisticKind::Corr;
  run_many({a, twice}, opt, 1, &nulls);
  for (std::size_t k = 0; k < 999; ++k) ASSERT_NEAR(nulls[999 + k], nulls[k], 1e-12) << k;
}

TEST(SharedPermutations, ResultsDoNotDependOnThreadsOrSplits) {
  std::vector<Series> all;
  for (int s = 0; s < 12; ++s) all.push_back(make_series(s % 3 == 0 ? 25 : 40, s, s % 2 == 0));
  all.push_back(make_series(40, 99, false, 3));  // vector output: the generic path
  for (StatisticKind kind : {StatisticKind::Grad, StatisticKind::Corr, StatisticKind::MI}) {
    ShuffleOptions opt;
    opt.n_perm = 700;  // not a multiple of the block
    opt.share_permutations = true;
    opt.statistic = kind;
    std::vector<Series> used(all.begin(), all.end() - (kind == StatisticKind::Grad ? 0 : 1));
    std::vector<double> one, two;
    const auto r1 = run_many(used, opt, 1, &one);
    const auto r2 = run_many(used, opt, 3, &two);
    ASSERT_EQ(one.size(), two.size());
    for (std::size_t i = 0; i < one.size(); ++i) ASSERT_TRUE(same_bits(one[i], two[i])) << i;
    for (std::size_t i = 0; i < used.size(); ++i) {
      EXPECT_EQ(r1[i].p_value, r2[i].p_value);
      EXPECT_TRUE(r1[i].error.empty()) << r1[i].error;
      // A series tested on its own within the same length group gets the same shuffles.
      std::vector<double> alone;
      run_many({used[i]}, opt, 1, &alone);
      for (std::size_t k = 0; k < 700; ++k) ASSERT_TRUE(same_bits(alone[k], one[i * 700 + k])) << i;
    }
  }
}

TEST(SharedPermutations, EnumeratedAndBrokenSeriesRunAlone) {
  ShuffleOptions opt;
  opt.n_perm = 5000;
  const Series small = make_series(5, 3, true);  // 5! = 120 <= K: exact
  Series flat = make_series(20, 4, true);
  flat.t.assign(20, 1.0);  // not increasing: the statistic refuses it
  const Series fine = make_series(20, 5, true);
  const auto plain = run_many({small, flat, fine}, opt, 1);
  opt.share_permutations = true;
  const auto shared = run_many({small, flat, fine}, opt, 1);
  EXPECT_TRUE(shared[0].exact);
  EXPECT_EQ(shared[0].p_value, plain[0].p_value);
  EXPECT_FALSE(shared[1].error.empty());
  EXPECT_EQ(shared[1].error, plain[1].error);
  EXPECT_TRUE(shared[2].error.empty());
  EXPECT_FALSE(shared[2].exact);
}

// The moments of many series at once equal adding each series' values one
// by one (RunningMoments::add), bit for bit, on both paths, for every
// number of series (the widest step takes twelve) and odd values.
TEST(SharedPermutations, MomentsOfManySeriesEqualOneByOne) {
  propgrad::Xoshiro256pp r(5, 5);
  for (std::size_t m : {1u, 3u, 4u, 5u, 8u, 9u, 12u, 13u, 25u}) {
    for (std::size_t count : {0u, 1u, 2u, 7u, 300u}) {
      const std::size_t stride = count + 3;
      std::vector<double> values(m * stride, 99.0);
      for (std::size_t s = 0; s < m; ++s) {
        for (std::size_t k = 0; k < count; ++k) values[s * stride + k] = 1e3 * test_helpers::normal(r) + 1e6 * (s % 2);
      }
      if (m > 2 && count > 2) {
        values[2 * stride + 1] = NAN;  // propagates as it does one by one
        values[1 * stride + 2] = INFINITY;
      }
      for (bool simd : {true, false}) {
        propgrad::PermutationSource::set_simd(simd);
        std::vector<propgrad::RunningMoments> many(m);
        propgrad::running_moments_many(values.data(), stride, count, m, many.data());
        for (std::size_t s = 0; s < m; ++s) {
          propgrad::RunningMoments one;
          for (std::size_t k = 0; k < count; ++k) one.add(values[s * stride + k]);
          ASSERT_EQ(many[s].count, one.count);
          ASSERT_TRUE(same_bits(many[s].mean, one.mean)) << m << " " << count << " " << s << " " << simd;
          ASSERT_TRUE(same_bits(many[s].m2, one.m2)) << m << " " << count << " " << s << " " << simd;
        }
      }
      propgrad::PermutationSource::set_simd(true);
    }
  }
}

// The p-value counts exactly the kept null values (plus-one rule, the
// closed-form centre of evenly spaced grad), also under sequential stopping.
TEST(SharedPermutations, PValueCountsTheSharedNullValues) {
  const Series a = make_series(30, 8, true), b = make_series(30, 9, true);
  ShuffleOptions opt;
  opt.n_perm = 2000;
  opt.share_permutations = true;
  std::vector<double> nulls;
  const auto res = run_many({a, b}, opt, 2, &nulls);
  for (int s = 0; s < 2; ++s) {
    int64_t b_count = 0;
    for (int k = 0; k < 2000; ++k) {
      b_count += std::abs(nulls[s * 2000 + k] - res[s].centre) >= std::abs(res[s].statistic - res[s].centre) -
                                                                      1e-9 * std::abs(res[s].statistic);
    }
    EXPECT_NEAR(static_cast<double>(res[s].exceedances), static_cast<double>(b_count), 1.0);
    EXPECT_DOUBLE_EQ(res[s].p_value, (res[s].exceedances + 1.0) / 2001.0);
    // The group's moments are those of the kept values (user units: the
    // grid's scale is a power of two, so the same doubles scaled exactly).
    propgrad::RunningMoments one;
    for (int k = 0; k < 2000; ++k) one.add(nulls[s * 2000 + k]);
    EXPECT_EQ(res[s].null_mean, one.mean);
    EXPECT_EQ(res[s].null_sd, one.sd());
  }
  opt.sequential = 5;
  const auto seq = run_many({a, b}, opt, 1);
  for (int s = 0; s < 2; ++s) EXPECT_GE(seq[s].p_value, 0.0);
}
