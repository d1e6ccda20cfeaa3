// Tests of the Westfall-Young max-T adjustment in src/core/joint.{h,cpp}:
// equality with a direct step-down computation on the joint null it draws,
// identical results at any thread count, identical copies of one series
// keeping one p, and unequal lengths refused.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "joint.h"
#include "ksg.h"
#include "helpers.h"
#include "rng.h"

using propgrad::Alternative;
using propgrad::SeriesData;
using propgrad::ShuffleOptions;
using propgrad::StopSignal;

namespace {

using test_helpers::uniform;

struct Study {
  std::vector<std::vector<double>> ys;
  std::vector<double> t;
  std::vector<SeriesData> data() const {
    std::vector<SeriesData> out;
    for (const auto& y : ys) out.push_back(SeriesData{y.data(), t.data(), t.size(), 1, 0});
    return out;
  }
};

Study make_study(std::size_t m, std::size_t n, uint64_t seed) {
  propgrad::Xoshiro256pp r(seed, 5);
  Study s;
  double acc = 0;
  for (std::size_t i = 0; i < n; ++i) s.t.push_back(acc += 0.5 + uniform(r));
  for (std::size_t j = 0; j < m; ++j) {
    std::vector<double> y(n);
    for (std::size_t i = 0; i < n; ++i) y[i] = uniform(r) + (j == 1 ? 0.1 * i : 0.0);
    s.ys.push_back(y);
  }
  return s;
}

// Step-down max-T written out plainly from the joint null matrix.
std::vector<double> direct_westfall_young(const std::vector<double>& null, const std::vector<double>& t0,
                                          std::size_t K, Alternative alt, double tol) {
  const std::size_t m = t0.size();
  std::vector<double> centre(m), sd(m), obs(m);
  for (std::size_t j = 0; j < m; ++j) {
    double s = t0[j];
    for (std::size_t k = 0; k < K; ++k) s += null[k * m + j];
    centre[j] = s / (K + 1.0);
    double ss = (t0[j] - centre[j]) * (t0[j] - centre[j]);
    for (std::size_t k = 0; k < K; ++k) ss += std::pow(null[k * m + j] - centre[j], 2);
    sd[j] = std::sqrt(ss / K);
  }
  auto score = [&](double v, std::size_t j) {
    const double z = (v - centre[j]) / sd[j];
    return alt == Alternative::TwoSided ? std::abs(z) : (alt == Alternative::Less ? -z : z);
  };
  for (std::size_t j = 0; j < m; ++j) obs[j] = score(t0[j], j);
  std::vector<std::size_t> order(m);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return obs[a] > obs[b]; });
  std::vector<double> adjusted(m);
  double prev = 0;
  for (std::size_t r = 0; r < m; ++r) {
    int64_t hits = 0;
    for (std::size_t k = 0; k < K; ++k) {
      double mx = -INFINITY;
      for (std::size_t q = r; q < m; ++q) mx = std::max(mx, score(null[k * m + order[q]], order[q]));
      hits += mx >= obs[order[r]] - tol * std::abs(obs[order[r]]);
    }
    prev = std::min(1.0, std::max(prev, (hits + 1.0) / (K + 1.0)));
    adjusted[order[r]] = prev;
  }
  return adjusted;
}

}  // namespace

// The observed statistic of each series, as the engine computes it.
static std::vector<double> observed_statistics(const std::vector<propgrad::SeriesData>& data,
                                               const ShuffleOptions& opt) {
  std::vector<double> t0;
  for (const auto& s : data) {
    propgrad::SeriesStatistic stat(opt.statistic, s.y, s.t, s.n, 1, opt.gradient);
    t0.push_back(stat(s.y));
  }
  return t0;
}

TEST(WestfallYoung, MatchesADirectComputation) {
  const Study study = make_study(6, 25, 3);
  const auto data = study.data();
  for (auto alt : {Alternative::TwoSided, Alternative::Less, Alternative::Greater}) {
    SCOPED_TRACE(int(alt));
    ShuffleOptions opt;
    opt.alternative = alt;
    opt.n_perm = 700;  // three blocks, the last one short
    opt.seed = 12;
    const auto null = propgrad::joint_null_values(data, opt);
    ASSERT_EQ(null.size(), 700u * 6);
    const auto t0 = observed_statistics(data, opt);
    StopSignal stop;
    const auto res = propgrad::westfall_young(data, opt, 1, stop);
    const auto expected = direct_westfall_young(null, t0, 700, alt, opt.tolerance);
    for (std::size_t j = 0; j < 6; ++j) EXPECT_NEAR(res.adjusted[j], expected[j], 1e-12) << j;
    EXPECT_EQ(res.n_used, 700);
  }
}

// More blocks than one group (kJointGroup blocks): the group-wise running
// totals must give what the direct computation on the whole null gives.
TEST(WestfallYoung, GroupsOfBlocksMatchTheDirectComputation) {
  const Study study = make_study(3, 12, 5);
  const auto data = study.data();
  ShuffleOptions opt;
  opt.n_perm = propgrad::kJointBlock * propgrad::kJointGroup * 2 + 300;
  opt.seed = 3;
  const auto null = propgrad::joint_null_values(data, opt);
  const auto t0 = observed_statistics(data, opt);
  StopSignal stop;
  const auto res = propgrad::westfall_young(data, opt, 2, stop);
  const auto expected = direct_westfall_young(null, t0, opt.n_perm, opt.alternative, opt.tolerance);
  for (std::size_t j = 0; j < 3; ++j) EXPECT_NEAR(res.adjusted[j], expected[j], 1e-12) << j;
}

TEST(WestfallYoung, SameAtAnyThreadCount) {
  const Study study = make_study(9, 30, 8);
  ShuffleOptions opt;
  opt.n_perm = 1500;
  StopSignal stop;
  const auto one = propgrad::westfall_young(study.data(), opt, 1, stop).adjusted;
  const auto two = propgrad::westfall_young(study.data(), opt, 2, stop).adjusted;
  const auto three = propgrad::westfall_young(study.data(), opt, 3, stop).adjusted;
  EXPECT_EQ(one, two);
  EXPECT_EQ(one, three);
}

// Ten identical series: the maximum over them is any one of them, so each
// adjusted p equals that series' own joint-stream p.
TEST(WestfallYoung, IdenticalCopiesKeepOneP) {
  Study one = make_study(1, 20, 4);
  Study copies;
  copies.t = one.t;
  for (int k = 0; k < 10; ++k) copies.ys.push_back(one.ys[0]);
  ShuffleOptions opt;
  opt.n_perm = 999;
  StopSignal stop;
  const auto single = propgrad::westfall_young(one.data(), opt, 1, stop).adjusted[0];
  const auto res = propgrad::westfall_young(copies.data(), opt, 2, stop).adjusted;
  for (double p : res) EXPECT_DOUBLE_EQ(p, single);
}

TEST(WestfallYoung, RefusesUnequalLengths) {
  Study study = make_study(2, 10, 1);
  study.ys[1].resize(8);
  auto data = study.data();
  data[1].n = 8;
  ShuffleOptions opt;
  StopSignal stop;
  EXPECT_THROW(propgrad::westfall_young(data, opt, 1, stop), std::invalid_argument);
}

// The memory estimate follows the block layout: it stops growing with K
// once a group of blocks is full, and grows with the series and threads.
TEST(WestfallYoung, MemoryEstimateFollowsTheGroupOfBlocks) {
  const auto bytes = [](std::size_t m, std::size_t n, int64_t k, int threads,
                        propgrad::StatisticKind kind = propgrad::StatisticKind::Grad) {
    return propgrad::westfall_young_bytes(m, n, 1, k, threads, kind);
  };
  const int64_t full = propgrad::kJointBlock * propgrad::kJointGroup;
  EXPECT_LT(bytes(100, 20, 256, 1), bytes(100, 20, full, 1));
  EXPECT_EQ(bytes(100, 20, full, 1), bytes(100, 20, 1000 * full, 1));
  EXPECT_DOUBLE_EQ(bytes(200, 20, full, 2), 2 * bytes(100, 20, full, 2));
  EXPECT_LT(bytes(100, 20, full, 1), bytes(100, 20, full, 4));
  // mi's statistics hold a KSG plan: at n = 100 about 4x grad's memory.
  EXPECT_GT(bytes(100, 100, full, 1, propgrad::StatisticKind::MI),
            3 * bytes(100, 100, full, 1, propgrad::StatisticKind::Grad));
}

// statistic_bytes() covers what a statistic really allocates, for mi's plan too.
TEST(WestfallYoung, StatisticBytesCoverThePlan) {
  for (std::size_t n : {6u, 40u, 100u, 300u}) {
    std::vector<double> x(n), y(n);
    for (std::size_t i = 0; i < n; ++i) {
      x[i] = static_cast<double>(i);
      y[i] = std::sin(0.7 * static_cast<double>(i * i));
    }
    const propgrad::KsgPlan plan(x.data(), y.data(), n, 5);
    EXPECT_GE(propgrad::statistic_bytes(propgrad::StatisticKind::MI, n, 1) -
                  propgrad::statistic_bytes(propgrad::StatisticKind::Grad, n, 1),
              static_cast<double>(plan.bytes()))
        << "n = " << n;
  }
}
