// Tests of the adaptive sequential multiple-testing mode in
// src/core/adaptive.{h,cpp}: the same decisions as the procedure applied to
// large-K p-values on a clear-cut study, identical results at any thread
// count, a series' counts equal to a fixed-K run of the same length, short
// series enumerated and decided at once, and the per-series cap leaving a
// borderline series undecided.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "adaptive.h"
#include "helpers.h"
#include "rng.h"

using propgrad::AdaptiveOptions;
using propgrad::Alternative;
using propgrad::Decision;
using propgrad::Procedure;
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
    for (const auto& y : ys) {
      out.push_back(SeriesData{y.data(), t.data(), t.size(), 1,
                               propgrad::series_stream_key(y.data(), t.size(), 1, t.data())});
    }
    return out;
  }
};

// m series of n evenly spaced steps; the first `effects` follow a clear
// sigmoid, the others are noise.
Study make_study(std::size_t m, std::size_t n, std::size_t effects, uint64_t seed) {
  propgrad::Xoshiro256pp r(seed, 9);
  Study s;
  for (std::size_t i = 0; i < n; ++i) s.t.push_back(static_cast<double>(i) / (n - 1));
  for (std::size_t j = 0; j < m; ++j) {
    std::vector<double> y(n);
    for (std::size_t i = 0; i < n; ++i) {
      const double signal = j < effects ? 1.0 / (1.0 + std::exp(-10 * (s.t[i] - 0.5))) : 0.0;
      y[i] = signal + 0.05 * (uniform(r) - 0.5) * (j < effects ? 1 : 20);
    }
    s.ys.push_back(y);
  }
  return s;
}

}  // namespace

TEST(Adaptive, DecidesLikeTheProcedureOnLargeK) {
  const Study study = make_study(40, 50, 6, 1);
  const auto data = study.data();
  ShuffleOptions opt;
  opt.seed = 3;
  AdaptiveOptions aopt;
  aopt.procedure = Procedure::BH;
  aopt.alpha = 0.05;
  StopSignal stop;
  const auto run = propgrad::adaptive_many(data, opt, aopt, 2, stop);
  // The oracle: fixed K = 20000 p-values and BH.
  opt.n_perm = 20000;
  const auto fixed = propgrad::shuffle_many(data, opt, 2, nullptr, 0, stop);
  std::vector<double> p;
  for (const auto& r : fixed) p.push_back(r.p_value);
  const auto oracle = propgrad::procedure_rejects(p, Procedure::BH, 0.05);
  int significant = 0;
  for (std::size_t j = 0; j < data.size(); ++j) {
    ASSERT_NE(run.decision[j], Decision::Undecided) << j;
    EXPECT_EQ(run.decision[j] == Decision::Significant, oracle[j] != 0) << j;
    significant += run.decision[j] == Decision::Significant;
    EXPECT_LE(run.results[j].p_low, run.results[j].p_high);
  }
  EXPECT_GE(significant, 6);
  // Far fewer shuffles than the oracle's 40 x 20000.
  EXPECT_LT(run.total_shuffles, 0.25 * 40 * 20000);
  EXPECT_GT(run.iterations, 0);
}

TEST(Adaptive, SameAtAnyThreadCountAndCountsTheFixedStream) {
  const Study study = make_study(15, 30, 3, 2);
  const auto data = study.data();
  ShuffleOptions opt;
  opt.alternative = Alternative::Less;
  opt.seed = 5;
  AdaptiveOptions aopt;
  aopt.procedure = Procedure::Holm;
  aopt.alpha = 0.05;
  StopSignal stop;
  const auto a = propgrad::adaptive_many(data, opt, aopt, 1, stop);
  const auto b = propgrad::adaptive_many(data, opt, aopt, 2, stop);
  for (std::size_t j = 0; j < data.size(); ++j) {
    EXPECT_EQ(a.decision[j], b.decision[j]);
    EXPECT_EQ(a.results[j].exceedances, b.results[j].exceedances);
    EXPECT_EQ(a.results[j].n_used, b.results[j].n_used);
    EXPECT_EQ(a.results[j].p_low, b.results[j].p_low);
    // A fixed-K run of the same length counts the same shuffles.
    ShuffleOptions fixed = opt;
    fixed.n_perm = a.results[j].n_used;
    const auto one = propgrad::shuffle_series(data[j], fixed, nullptr, stop, true);
    EXPECT_EQ(one.exceedances, a.results[j].exceedances) << j;
  }
  EXPECT_EQ(a.total_shuffles, b.total_shuffles);
}

TEST(Adaptive, ShortSeriesAreEnumerated) {
  Study study;
  study.t = {0, 1, 2, 3, 4};
  study.ys = {{0, 1, 2, 3, 4}, {3, 0, 4, 1, 2}};
  ShuffleOptions opt;
  opt.alternative = Alternative::Less;
  AdaptiveOptions aopt;
  aopt.procedure = Procedure::None;
  aopt.alpha = 0.05;
  StopSignal stop;
  const auto run = propgrad::adaptive_many(study.data(), opt, aopt, 1, stop);
  const auto data = study.data();
  for (std::size_t j = 0; j < 2; ++j) {
    const auto& r = run.results[j];
    EXPECT_TRUE(r.exact);
    EXPECT_EQ(r.n_used, 120);
    EXPECT_EQ(r.p_low, r.p_value);
    ShuffleOptions exact = opt;
    exact.n_perm = 120;
    EXPECT_EQ(r.p_value, propgrad::shuffle_series(data[j], exact, nullptr, stop, true).p_value);
    EXPECT_EQ(run.decision[j], r.p_value <= 0.05 ? Decision::Significant : Decision::NotSignificant);
  }
  EXPECT_EQ(run.iterations, 0);
  EXPECT_EQ(run.total_shuffles, 240);
}

TEST(Adaptive, CapLeavesBorderlineSeriesUndecided) {
  // Noise series tested at alpha = 0.5: after 50 shuffles the bounds of
  // most still straddle the threshold.
  const Study study = make_study(20, 40, 0, 4);
  ShuffleOptions opt;
  AdaptiveOptions aopt;
  aopt.procedure = Procedure::None;
  aopt.alpha = 0.5;
  aopt.max_per_series = 50;
  StopSignal stop;
  const auto run = propgrad::adaptive_many(study.data(), opt, aopt, 1, stop);
  int undecided = 0;
  for (std::size_t j = 0; j < 20; ++j) {
    EXPECT_LE(run.results[j].n_used, 50);
    if (run.decision[j] == Decision::Undecided) {
      ++undecided;
      EXPECT_EQ(run.results[j].n_used, 50);
    }
  }
  EXPECT_GT(undecided, 0);
  EXPECT_TRUE(run.budget_spent);
  // A total budget stops the run before it is exceeded.
  aopt.max_per_series = 100000;
  aopt.max_total = 2000;
  const auto capped = propgrad::adaptive_many(study.data(), opt, aopt, 1, stop);
  EXPECT_TRUE(capped.budget_spent);
  EXPECT_LE(capped.total_shuffles, 2000);
}
