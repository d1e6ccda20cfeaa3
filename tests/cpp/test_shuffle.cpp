// Tests of the shuffle (permutation) test engine in src/core/shuffle.{h,cpp}:
// the n! counter, exact enumeration checked against a brute-force
// std::next_permutation enumeration done here (null values, b and p for every
// statistic, alternative and p-method), the plus-one p = (b + 1)/(K + 1) and
// its floor 1/(K + 1), zollstock p = b/K, constant outputs giving p = 1, the
// two-pass path (null_buffer_max = 0) agreeing with the buffered one,
// results that do not depend on nthreads or on which call runs a series,
// Besag-Clifford sequential stopping, the cooperative StopSignal, and
// per-series error reporting.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "rng.h"
#include "shuffle.h"

using propgrad::Alternative;
using propgrad::PMethod;
using propgrad::SeriesData;
using propgrad::SeriesStatistic;
using propgrad::ShuffleOptions;
using propgrad::ShuffleResult;
using propgrad::StatisticKind;
using propgrad::StopSignal;

namespace {

struct Series {
  std::vector<double> y, t;
  std::size_t n = 0, d = 1;
  uint64_t key = 0;
  SeriesData data() const { return SeriesData{y.data(), t.data(), n, d, key}; }
};

double uniform(propgrad::Xoshiro256pp& r) { return (r.next() >> 11) * 0x1.0p-53; }

// Uneven increasing t and noisy outputs (d columns): a "null" series.
Series random_series(std::size_t n, std::size_t d, uint64_t seed, double trend = 0.0) {
  propgrad::Xoshiro256pp r(seed, 1000 + n);
  Series s;
  s.n = n;
  s.d = d;
  s.key = propgrad::stream_key("series" + std::to_string(seed));
  double acc = 0;
  for (std::size_t i = 0; i < n; ++i) s.t.push_back(acc += 0.2 + uniform(r));
  for (std::size_t c = 0; c < d; ++c)
    for (std::size_t i = 0; i < n; ++i) s.y.push_back(trend * s.t[i] + uniform(r));
  return s;
}

ShuffleResult run_one(const Series& s, const ShuffleOptions& opt, std::vector<double>* null_out = nullptr) {
  StopSignal stop;
  if (null_out) null_out->assign(static_cast<std::size_t>(opt.n_perm), -1.0);
  return propgrad::shuffle_series(s.data(), opt, null_out ? null_out->data() : nullptr, stop, true);
}

// Exact equality of everything a result reports (NaN-free fields).
void expect_same_result(const ShuffleResult& a, const ShuffleResult& b) {
  EXPECT_EQ(a.statistic, b.statistic);
  EXPECT_EQ(a.estimate, b.estimate);
  EXPECT_EQ(a.null_mean, b.null_mean);
  EXPECT_EQ(a.null_sd, b.null_sd);
  EXPECT_EQ(a.p_value, b.p_value);
  EXPECT_EQ(a.exceedances, b.exceedances);
  EXPECT_EQ(a.n_used, b.n_used);
  EXPECT_EQ(a.exact, b.exact);
  EXPECT_EQ(a.stopped_early, b.stopped_early);
  EXPECT_EQ(a.error, b.error);
}

// Bitwise equality, so NaN padding compares equal to NaN padding.
bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

// The engine's "at least as extreme" rule, restated from the documentation:
// no tolerance for zollstock (centred on the K shuffles for grad, |r| for
// corr, strictly greater for mi); else a slack of tolerance * max(|T0|,
// |centre|) for two-sided and tolerance * |T0| for one-sided tests.
bool extreme(const ShuffleOptions& opt, double tk, double t0, double centre) {
  if (opt.p_method == PMethod::Zollstock) {
    switch (opt.statistic) {
      case StatisticKind::Grad: return std::abs(tk - centre) >= std::abs(t0 - centre);
      case StatisticKind::Corr: return std::abs(tk) >= std::abs(t0);
      case StatisticKind::MI: return tk > t0;
    }
  }
  switch (opt.alternative) {
    case Alternative::Greater: return tk >= t0 - opt.tolerance * std::abs(t0);
    case Alternative::Less: return tk <= t0 + opt.tolerance * std::abs(t0);
    case Alternative::TwoSided:
      return std::abs(tk - centre) >=
             std::abs(t0 - centre) - opt.tolerance * std::max(std::abs(t0), std::abs(centre));
  }
  return false;
}

// The documented centre of a two-sided plus-one test with K random shuffles
// and no closed form: the mean of all K + 1 statistics.
double all_mean(const std::vector<double>& null, std::size_t k, double t0) {
  return (t0 + std::accumulate(null.begin(), null.begin() + k, 0.0)) / (k + 1.0);
}

int64_t count_extreme(const ShuffleOptions& opt, const std::vector<double>& null, std::size_t m,
                      double t0, double centre) {
  int64_t b = 0;
  for (std::size_t i = 0; i < m; ++i) b += extreme(opt, null[i], t0, centre);
  return b;
}

// Every ordering of the rows, in std::next_permutation order from identity.
std::vector<double> enumerate_null(const Series& s, const ShuffleOptions& opt) {
  SeriesStatistic stat(opt.statistic, s.y.data(), s.t.data(), s.n, s.d, opt.gradient);
  std::vector<std::size_t> order(s.n);
  std::iota(order.begin(), order.end(), 0);
  std::vector<double> yp(s.y.size()), out;
  do {
    for (std::size_t c = 0; c < s.d; ++c)
      for (std::size_t i = 0; i < s.n; ++i) yp[c * s.n + i] = s.y[c * s.n + order[i]];
    out.push_back(stat(yp.data()));
  } while (std::next_permutation(order.begin(), order.end()));
  return out;
}

const StatisticKind kKinds[] = {StatisticKind::Grad, StatisticKind::Corr, StatisticKind::MI};
const Alternative kAlts[] = {Alternative::TwoSided, Alternative::Greater, Alternative::Less};

}  // namespace

TEST(ShuffleExact, PermutationCount) {
  EXPECT_EQ(propgrad::exact_permutation_count(4, 100), 24);
  EXPECT_EQ(propgrad::exact_permutation_count(4, 24), 24);
  EXPECT_EQ(propgrad::exact_permutation_count(4, 23), 0);
  EXPECT_EQ(propgrad::exact_permutation_count(5, 100), 0);
  EXPECT_EQ(propgrad::exact_permutation_count(2, 10000), 2);
  const int64_t big = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(propgrad::exact_permutation_count(20, big), 2432902008176640000LL);
  EXPECT_EQ(propgrad::exact_permutation_count(21, big), 0);  // 21! overflows int64
}

// n = 4, n_perm = 100 >= 4! = 24: the engine enumerates all orders. Its null
// values, b and p must equal a brute-force enumeration for every statistic,
// alternative and p-method (p = b / 24, identity included).
TEST(ShuffleExact, MatchesBruteForceEnumeration) {
  Series s;
  s.n = 4;
  s.t = {0.0, 0.4, 1.5, 2.0};
  s.y = {3.0, -1.0, 2.0, 7.5};
  for (auto kind : kKinds) {
    for (auto alt : kAlts) {
      for (auto method : {PMethod::PlusOne, PMethod::Zollstock}) {
        SCOPED_TRACE(testing::Message() << "stat=" << int(kind) << " alt=" << int(alt)
                                        << " method=" << int(method));
        ShuffleOptions opt;
        opt.statistic = kind;
        opt.alternative = alt;
        opt.p_method = method;
        opt.n_perm = 100;
        std::vector<double> null;
        const ShuffleResult res = run_one(s, opt, &null);
        const std::vector<double> brute = enumerate_null(s, opt);
        ASSERT_EQ(brute.size(), 24u);
        EXPECT_TRUE(res.exact);
        EXPECT_EQ(res.n_used, 24);
        for (std::size_t i = 0; i < 24; ++i) EXPECT_EQ(null[i], brute[i]) << i;
        for (std::size_t i = 24; i < 100; ++i) EXPECT_TRUE(std::isnan(null[i])) << i;
        const double mean = std::accumulate(brute.begin(), brute.end(), 0.0) / 24;
        EXPECT_NEAR(res.null_mean, mean, 1e-12);
        const double t0 = brute[0];  // identity permutation
        EXPECT_EQ(res.statistic, t0);
        // corr's centre is its exact permutation mean 0; the others use the
        // mean over all n! orderings (identity included).
        const bool closed = kind == StatisticKind::Corr && method == PMethod::PlusOne &&
                            alt == Alternative::TwoSided;
        if (closed) {
          EXPECT_EQ(res.centre, 0.0);
        }
        const int64_t b = count_extreme(opt, brute, 24, t0, closed ? 0.0 : mean);
        EXPECT_EQ(res.exceedances, b);
        EXPECT_DOUBLE_EQ(res.p_value, b / 24.0);
        EXPECT_EQ(res.p_low, res.p_value);  // no Monte Carlo error
        EXPECT_EQ(res.p_high, res.p_value);
      }
    }
  }
}

// Vector outputs: whole rows move together.
TEST(ShuffleExact, VectorOutputPermutesRows) {
  Series s;
  s.n = 4;
  s.d = 2;
  s.t = {0.0, 1.0, 1.5, 3.0};
  s.y = {1.0, 4.0, 2.0, 8.0, /* column 2 */ 0.5, -3.0, 2.0, 1.0};
  ShuffleOptions opt;
  opt.n_perm = 24;
  std::vector<double> null;
  const ShuffleResult res = run_one(s, opt, &null);
  const auto brute = enumerate_null(s, opt);
  EXPECT_TRUE(res.exact);
  for (std::size_t i = 0; i < 24; ++i) EXPECT_EQ(null[i], brute[i]) << i;
  const double mean = std::accumulate(brute.begin(), brute.end(), 0.0) / 24;
  EXPECT_EQ(res.exceedances, count_extreme(opt, brute, 24, brute[0], mean));
}

TEST(ShuffleExact, CanBeDisabled) {
  Series s = random_series(4, 1, 3);
  ShuffleOptions opt;
  opt.n_perm = 100;
  opt.allow_exact = false;
  const ShuffleResult res = run_one(s, opt);
  EXPECT_FALSE(res.exact);
  EXPECT_EQ(res.n_used, 100);
  EXPECT_DOUBLE_EQ(res.p_value, (res.exceedances + 1) / 101.0);
}

// plus_one: p = (b + 1)/(K + 1) with b recounted from the returned null
// values, so p can never fall below 1/(K + 1).
TEST(ShufflePValue, PlusOneFormulaAndFloor) {
  const int64_t K = 999;
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    for (auto kind : kKinds) {
      for (auto alt : kAlts) {
        SCOPED_TRACE(testing::Message() << "seed=" << seed << " stat=" << int(kind)
                                        << " alt=" << int(alt));
        const Series s = random_series(30, 1, seed, seed % 2 ? 0.0 : 0.5);
        ShuffleOptions opt;
        opt.statistic = kind;
        opt.alternative = alt;
        opt.n_perm = K;
        opt.seed = seed;
        std::vector<double> null;
        const ShuffleResult res = run_one(s, opt, &null);
        EXPECT_FALSE(res.exact);
        EXPECT_EQ(res.n_used, K);
        // Uneven steps: grad and mi centre on the K + 1 mean, corr on 0.
        const double centre = kind == StatisticKind::Corr ? 0.0 : all_mean(null, K, res.statistic);
        if (alt == Alternative::TwoSided) {
          EXPECT_NEAR(res.centre, centre, 1e-12 * (1 + std::abs(centre)));
        }
        EXPECT_EQ(res.exceedances, count_extreme(opt, null, K, res.statistic, res.centre));
        EXPECT_DOUBLE_EQ(res.p_value, (res.exceedances + 1.0) / (K + 1.0));
        EXPECT_GE(res.p_value, 1.0 / (K + 1));
        EXPECT_LE(res.p_value, 1.0);
        // Reported moments describe the returned null values.
        const double mean = std::accumulate(null.begin(), null.end(), 0.0) / K;
        double ss = 0;
        for (double v : null) ss += (v - mean) * (v - mean);
        EXPECT_NEAR(res.null_mean, mean, 1e-9 * (1 + std::abs(mean)));
        EXPECT_NEAR(res.null_sd, std::sqrt(ss / (K - 1)), 1e-9 * (1 + std::sqrt(ss)));
      }
    }
  }
}

// A clean trend is smoother than every shuffle of it: b = 0 and p is
// exactly the floor 1/(K + 1) under plus_one, and exactly 0 under zollstock.
TEST(ShufflePValue, StrongSignalHitsTheFloor) {
  Series s;
  s.n = 40;
  for (std::size_t i = 0; i < s.n; ++i) {
    s.t.push_back(i + 0.3 * std::sin(1.0 * i));
    s.y.push_back(2.0 * s.t.back());
  }
  ShuffleOptions opt;
  opt.n_perm = 500;
  opt.alternative = Alternative::Less;
  ShuffleResult res = run_one(s, opt);
  EXPECT_EQ(res.exceedances, 0);
  EXPECT_DOUBLE_EQ(res.p_value, 1.0 / 501);
  opt.p_method = PMethod::Zollstock;
  res = run_one(s, opt);
  EXPECT_EQ(res.exceedances, 0);
  EXPECT_EQ(res.p_value, 0.0);
}

// zollstock: p = b/K, with the reference's rules (centred |.| for grad, |r|
// for corr, strictly greater for mi, no tolerance) whatever the alternative.
TEST(ShufflePValue, ZollstockIsBOverK) {
  const int64_t K = 500;
  for (auto kind : kKinds) {
    for (auto alt : kAlts) {
      SCOPED_TRACE(testing::Message() << "stat=" << int(kind) << " alt=" << int(alt));
      const Series s = random_series(25, 1, 11, 0.3);
      ShuffleOptions opt;
      opt.statistic = kind;
      opt.alternative = alt;
      opt.p_method = PMethod::Zollstock;
      opt.n_perm = K;
      opt.seed = 5;
      std::vector<double> null;
      const ShuffleResult res = run_one(s, opt, &null);
      const double mean = std::accumulate(null.begin(), null.end(), 0.0) / K;
      EXPECT_EQ(res.exceedances, count_extreme(opt, null, K, res.statistic, mean));
      EXPECT_DOUBLE_EQ(res.p_value, static_cast<double>(res.exceedances) / K);
    }
  }
}

// Ties count as extreme under plus_one, so an output that no shuffle can
// change gives p = 1: random, exact and sequential paths alike.
TEST(ShufflePValue, ConstantOutputGivesPOne) {
  Series s;
  s.n = 12;
  for (std::size_t i = 0; i < s.n; ++i) s.t.push_back(std::sqrt(i + 1.0));
  s.y.assign(s.n, 0.7);
  for (auto kind : kKinds) {
    for (auto alt : kAlts) {
      SCOPED_TRACE(testing::Message() << "stat=" << int(kind) << " alt=" << int(alt));
      ShuffleOptions opt;
      opt.statistic = kind;
      opt.alternative = alt;
      opt.n_perm = 200;
      ShuffleResult res = run_one(s, opt);
      EXPECT_EQ(res.p_value, 1.0);
      EXPECT_EQ(res.exceedances, 200);
      opt.sequential = 5;
      res = run_one(s, opt);
      EXPECT_EQ(res.p_value, 1.0);
      EXPECT_TRUE(res.stopped_early);
    }
  }
  Series small = s;
  small.n = 4;
  small.t.resize(4);
  small.y.resize(4);
  ShuffleOptions opt;
  opt.n_perm = 24;
  const ShuffleResult res = run_one(small, opt);
  EXPECT_TRUE(res.exact);
  EXPECT_EQ(res.p_value, 1.0);
}

// With no room to buffer the null values, the engine replays the identical
// stream a second time to count against the mean; nothing may differ.
TEST(ShuffleTwoPass, MatchesBufferedPath) {
  struct Case {
    std::size_t n, d;
    int64_t n_perm;
    StatisticKind kind;
    PMethod method;
  };
  // 3000 crosses the 1024-step poll interval; n = 5 with 200 is exact (120).
  const Case cases[] = {{25, 1, 3000, StatisticKind::Grad, PMethod::PlusOne},
                        {25, 2, 3000, StatisticKind::Grad, PMethod::PlusOne},
                        {25, 1, 777, StatisticKind::Grad, PMethod::Zollstock},
                        {25, 1, 777, StatisticKind::Corr, PMethod::PlusOne},
                        {20, 1, 300, StatisticKind::MI, PMethod::PlusOne},
                        {5, 1, 200, StatisticKind::Grad, PMethod::PlusOne},
                        {5, 2, 200, StatisticKind::Grad, PMethod::PlusOne}};
  for (const auto& c : cases) {
    SCOPED_TRACE(testing::Message() << "n=" << c.n << " d=" << c.d << " K=" << c.n_perm);
    const Series s = random_series(c.n, c.d, 21, 0.1);
    ShuffleOptions opt;
    opt.statistic = c.kind;
    opt.p_method = c.method;
    opt.n_perm = c.n_perm;
    opt.seed = 8;
    std::vector<double> null_a, null_b;
    const ShuffleResult buffered = run_one(s, opt, &null_a);
    opt.null_buffer_max = 0;
    const ShuffleResult two_pass = run_one(s, opt, &null_b);
    expect_same_result(buffered, two_pass);
    EXPECT_TRUE(same_bits(null_a, null_b));
    // The switch-over point itself: a buffer of exactly K, and one short.
    opt.null_buffer_max = static_cast<std::size_t>(buffered.n_used);
    expect_same_result(buffered, run_one(s, opt));
    opt.null_buffer_max = static_cast<std::size_t>(buffered.n_used - 1);
    expect_same_result(buffered, run_one(s, opt));
  }
}

// Each series owns its random stream, so thread count, scheduling and which
// call runs a series cannot change any result or null value.
TEST(ShuffleMany, IdenticalForAnyThreadCount) {
  std::vector<Series> store;
  const std::size_t sizes[] = {30, 4, 50, 17, 30, 9, 64};
  for (std::size_t i = 0; i < 7; ++i) store.push_back(random_series(sizes[i], i % 3 == 1 ? 2 : 1, i + 1, 0.05 * i));
  std::vector<SeriesData> data;
  for (const auto& s : store) data.push_back(s.data());
  for (auto kind : {StatisticKind::Grad, StatisticKind::Corr}) {
    ShuffleOptions opt;
    opt.statistic = kind;
    opt.n_perm = 2500;
    opt.seed = 31;
    // corr needs one column: give those series a single column instead.
    std::vector<SeriesData> use = data;
    if (kind == StatisticKind::Corr)
      for (auto& sd : use) sd.d = 1;
    const std::size_t len = static_cast<std::size_t>(opt.n_perm);
    std::vector<std::vector<double>> nulls;
    std::vector<std::vector<ShuffleResult>> results;
    for (int threads : {1, 2, 3}) {
      std::vector<double> null(use.size() * len, -1.0);
      StopSignal stop;
      results.push_back(propgrad::shuffle_many(use, opt, threads, null.data(), len, stop));
      nulls.push_back(null);
      EXPECT_FALSE(stop.stopped());
    }
    for (std::size_t r = 1; r < results.size(); ++r) {
      EXPECT_TRUE(same_bits(nulls[0], nulls[r])) << "threads run " << r;
      for (std::size_t i = 0; i < use.size(); ++i) {
        SCOPED_TRACE(testing::Message() << "run=" << r << " series=" << i);
        expect_same_result(results[0][i], results[r][i]);
      }
    }
    // A series alone gives what it gave inside the batch.
    for (std::size_t i = 0; i < use.size(); ++i) {
      StopSignal stop;
      std::vector<double> null(len);
      expect_same_result(results[0][i],
                         propgrad::shuffle_series(use[i], opt, null.data(), stop, true));
      EXPECT_EQ(0, std::memcmp(null.data(), nulls[0].data() + i * len, len * sizeof(double)));
    }
  }
}

// Same key, same permutations; another key, other permutations.
TEST(ShuffleMany, StreamFollowsTheKey) {
  Series a = random_series(30, 1, 4);
  ShuffleOptions opt;
  opt.n_perm = 300;
  opt.seed = 2;
  std::vector<double> n1, n2, n3, n4;
  run_one(a, opt, &n1);
  run_one(a, opt, &n2);
  EXPECT_TRUE(same_bits(n1, n2));
  Series b = a;
  b.key ^= 1;
  run_one(b, opt, &n3);
  EXPECT_FALSE(same_bits(n1, n3));
  opt.seed = 3;
  run_one(a, opt, &n4);
  EXPECT_FALSE(same_bits(n1, n4));
}

// Besag-Clifford: a null series reaches h extreme shuffles after a few
// dozen; p = h/l with the same centred two-sided rule as fixed K (no
// doubling of a tail), and the rest of the null buffer is NaN. Uneven steps
// have no closed-form centre for grad, so a pilot stream centres the test.
TEST(ShuffleSequential, StopsEarlyOnNullSeries) {
  const Series s = random_series(40, 1, 77);
  const int64_t h = 10, K = 10000;
  for (auto alt : kAlts) {
    SCOPED_TRACE(int(alt));
    ShuffleOptions opt;
    opt.alternative = alt;
    opt.n_perm = K;
    opt.sequential = h;
    opt.seed = 4;
    std::vector<double> null;
    const ShuffleResult res = run_one(s, opt, &null);
    // For a one-sided test the observed value may sit deep in the other
    // tail; only a series that stopped is checked here.
    if (alt != Alternative::TwoSided && !res.stopped_early) continue;
    ASSERT_TRUE(res.stopped_early);
    EXPECT_LT(res.n_used, 2000);
    EXPECT_EQ(res.exceedances, h);
    EXPECT_DOUBLE_EQ(res.p_value, static_cast<double>(h) / res.n_used);
    if (alt == Alternative::TwoSided) {
      EXPECT_EQ(res.centre_kind, propgrad::CentreKind::Pilot);
      EXPECT_EQ(res.n_pilot, 1000);
    } else {
      EXPECT_EQ(res.n_pilot, 0);
    }
    const auto used = static_cast<std::size_t>(res.n_used);
    for (std::size_t i = 0; i < used; ++i) EXPECT_FALSE(std::isnan(null[i])) << i;
    for (std::size_t i = used; i < null.size(); ++i) ASSERT_TRUE(std::isnan(null[i])) << i;
    // The stop happens exactly at the h-th extreme shuffle, the last one.
    EXPECT_EQ(count_extreme(opt, null, used, res.statistic, res.centre), h);
    EXPECT_EQ(count_extreme(opt, null, used - 1, res.statistic, res.centre), h - 1);
  }
}

// The pilot is independent of the counted shuffles: those are the first
// shuffles of the fixed-K stream, so both modes count the same values.
TEST(ShuffleSequential, CountsTheFixedStreamAndCentresOnThePilot) {
  const Series s = random_series(30, 1, 5);
  ShuffleOptions opt;
  opt.n_perm = 3000;
  opt.seed = 9;
  std::vector<double> fixed_null, seq_null;
  run_one(s, opt, &fixed_null);
  opt.sequential = 5;
  const ShuffleResult seq = run_one(s, opt, &seq_null);
  const auto used = static_cast<std::size_t>(seq.n_used);
  for (std::size_t i = 0; i < used; ++i) EXPECT_EQ(seq_null[i], fixed_null[i]) << i;
  // The pilot's mean is not the mean of the counted shuffles.
  const double counted = std::accumulate(seq_null.begin(), seq_null.begin() + used, 0.0) / used;
  EXPECT_NE(seq.centre, counted);
  // Evenly spaced steps have a closed-form centre: no pilot is drawn.
  Series even = s;
  for (std::size_t i = 0; i < even.n; ++i) even.t[i] = 0.5 * i;
  const ShuffleResult closed = run_one(even, opt);
  EXPECT_EQ(closed.centre_kind, propgrad::CentreKind::Exact);
  EXPECT_EQ(closed.n_pilot, 0);
}

// With a real effect the rule never fills: all K shuffles run and p falls
// back to (b + 1)/(K + 1), not doubled.
TEST(ShuffleSequential, RunsToTheEndOnStrongSignal) {
  Series s;
  s.n = 40;
  for (std::size_t i = 0; i < s.n; ++i) {
    s.t.push_back(static_cast<double>(i));
    s.y.push_back(0.5 * i);
  }
  ShuffleOptions opt;
  opt.n_perm = 2000;
  opt.sequential = 10;
  const ShuffleResult res = run_one(s, opt);
  EXPECT_FALSE(res.stopped_early);
  EXPECT_EQ(res.n_used, 2000);
  EXPECT_EQ(res.exceedances, 0);
  EXPECT_DOUBLE_EQ(res.p_value, 1.0 / 2001);
}

TEST(ShuffleSequential, IgnoredWhenExact) {
  const Series s = random_series(4, 1, 5);
  ShuffleOptions opt;
  opt.n_perm = 100;
  opt.sequential = 1;
  const ShuffleResult res = run_one(s, opt);
  EXPECT_TRUE(res.exact);
  EXPECT_FALSE(res.stopped_early);
  EXPECT_EQ(res.n_used, 24);
}

// A poll that reports an interrupt stops the batch; unfinished series keep
// default results (n_used 0, no p). On the master alone nothing runs; with
// a worker, a series the worker began before the master's first poll may
// finish (on a loaded machine), but none is left half-done.
TEST(ShuffleStop, PollTrueStopsEverything) {
  std::vector<Series> store;
  for (uint64_t i = 0; i < 4; ++i) store.push_back(random_series(30, 1, i + 1));
  std::vector<SeriesData> data;
  for (const auto& s : store) data.push_back(s.data());
  ShuffleOptions opt;
  opt.n_perm = 50000;
  for (int threads : {1, 2}) {
    int calls = 0;
    StopSignal stop([&calls] {
      ++calls;
      return true;
    });
    const auto res = propgrad::shuffle_many(data, opt, threads, nullptr, 0, stop);
    EXPECT_TRUE(stop.stopped());
    EXPECT_EQ(calls, 1);  // once set, the flag is not polled again
    ASSERT_EQ(res.size(), 4u);
    for (const auto& r : res) {
      if (threads == 1 || r.n_used == 0) {
        EXPECT_EQ(r.n_used, 0);
        EXPECT_TRUE(std::isnan(r.p_value));
      } else {
        EXPECT_EQ(r.n_used, opt.n_perm);
        EXPECT_FALSE(std::isnan(r.p_value));
      }
    }
  }
}

// The poll runs on the master only, at the first shuffle and then every
// ~2^20 steps of work (34952 shuffles of 30 steps): a poll that fires on
// its third call stops a long series after ~70000 shuffles, and a
// non-master caller never polls at all.
TEST(ShuffleStop, PollIsCheckedDuringASeries) {
  const Series s = random_series(30, 1, 9);
  ShuffleOptions opt;
  opt.n_perm = 100000;
  int calls = 0;
  StopSignal stop([&calls] { return ++calls == 3; });
  ShuffleResult res = propgrad::shuffle_series(s.data(), opt, nullptr, stop, true);
  EXPECT_TRUE(stop.stopped());
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(res.n_used, 0);

  int worker_calls = 0;
  StopSignal worker_stop([&worker_calls] {
    ++worker_calls;
    return true;
  });
  opt.n_perm = 5000;
  res = propgrad::shuffle_series(s.data(), opt, nullptr, worker_stop, false);
  EXPECT_EQ(worker_calls, 0);
  EXPECT_FALSE(worker_stop.stopped());
  EXPECT_EQ(res.n_used, 5000);
}

// A bad series reports its own error without disturbing the others.
TEST(ShuffleMany, ErrorsStayWithTheirSeries) {
  std::vector<Series> store = {random_series(10, 1, 1), random_series(10, 1, 2)};
  Series bad;
  bad.n = 1;
  bad.t = {0.0};
  bad.y = {1.0};
  std::vector<double> unsorted_t = {0, 2, 1, 3}, y4 = {1, 2, 3, 4};
  std::vector<SeriesData> data = {store[0].data(), bad.data(),
                                  SeriesData{y4.data(), unsorted_t.data(), 4, 1, 0},
                                  store[1].data()};
  ShuffleOptions opt;
  opt.n_perm = 100;
  StopSignal stop;
  const auto res = propgrad::shuffle_many(data, opt, 2, nullptr, 0, stop);
  EXPECT_TRUE(res[0].error.empty());
  EXPECT_FALSE(res[1].error.empty());
  EXPECT_FALSE(res[2].error.empty());
  EXPECT_TRUE(res[3].error.empty());
  EXPECT_EQ(res[3].n_used, 100);
  opt.n_perm = 0;
  const auto none = propgrad::shuffle_many(data, opt, 1, nullptr, 0, stop);
  for (const auto& r : none) EXPECT_FALSE(r.error.empty());
}
