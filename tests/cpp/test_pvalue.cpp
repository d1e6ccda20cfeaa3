// Tests of the p-value home in src/core/pvalue.{h,cpp}: the one "at least as
// extreme" rule and its tie slack, non-finite statistics never counting,
// p-values from counts for every kind with their Clopper-Pearson intervals
// (checked against values from R's binom.test), the multiple-testing
// procedures against hand-worked and stats::p.adjust decisions, and the
// floor factors.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "pvalue.h"

using propgrad::Alternative;
using propgrad::extreme_rule;
using propgrad::monte_carlo_p;
using propgrad::PKind;
using propgrad::Procedure;

TEST(ExtremeRule, DirectionsAndSlack) {
  const auto greater = extreme_rule(Alternative::Greater, 2.0, 0.0, 1e-9);
  EXPECT_TRUE(greater(2.0));
  EXPECT_TRUE(greater(2.0 - 1e-10));   // within 1e-9 * |2|
  EXPECT_FALSE(greater(2.0 - 1e-8));
  EXPECT_TRUE(greater(5.0));
  const auto less = extreme_rule(Alternative::Less, 2.0, 0.0, 1e-9);
  EXPECT_TRUE(less(2.0 + 1e-10));
  EXPECT_FALSE(less(2.0 + 1e-8));
  EXPECT_TRUE(less(-3.0));
  // Two-sided: distance from the centre, slack scaled by max(|T0|, |c|).
  const auto two = extreme_rule(Alternative::TwoSided, 1.0, 3.0, 1e-9);
  EXPECT_DOUBLE_EQ(two.slack, 3e-9);
  EXPECT_TRUE(two(5.0));
  EXPECT_TRUE(two(1.0));
  EXPECT_TRUE(two(5.0 - 2e-9));
  EXPECT_FALSE(two(4.9));
  EXPECT_FALSE(two(2.0));
}

TEST(ExtremeRule, NonFiniteNeverCounts) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (auto alt : {Alternative::TwoSided, Alternative::Less, Alternative::Greater}) {
    const auto rule = extreme_rule(alt, 0.5, 0.0, 1e-9);
    EXPECT_FALSE(rule(nan));
    EXPECT_FALSE(rule(inf));
    EXPECT_FALSE(rule(-inf));
  }
}

TEST(ExtremeRule, StrictHasNoTies) {
  auto rule = extreme_rule(Alternative::Greater, 1.0, 0.0, 0.0);
  rule.strict = true;
  EXPECT_FALSE(rule(1.0));
  EXPECT_TRUE(rule(1.0 + 1e-15));
}

// Reference values: binom.test(b, n, conf.level = level)$conf.int in R.
TEST(MonteCarloP, ClopperPearsonMatchesR) {
  double lo, hi;
  propgrad::clopper_pearson(5, 10, 0.95, lo, hi);
  EXPECT_NEAR(lo, 0.1870860, 1e-7);
  EXPECT_NEAR(hi, 0.8129140, 1e-7);
  propgrad::clopper_pearson(0, 10, 0.95, lo, hi);
  EXPECT_EQ(lo, 0.0);
  EXPECT_NEAR(hi, 0.3084971, 1e-7);
  propgrad::clopper_pearson(10, 10, 0.99, lo, hi);
  EXPECT_NEAR(lo, 0.5887040, 1e-7);
  EXPECT_EQ(hi, 1.0);
  propgrad::clopper_pearson(3, 1000, 0.99, lo, hi);
  EXPECT_NEAR(lo, 0.0003381445, 1e-9);
  EXPECT_NEAR(hi, 0.01093378, 1e-8);
  propgrad::clopper_pearson(3, 0, 0.99, lo, hi);
  EXPECT_TRUE(std::isnan(lo));
}

TEST(MonteCarloP, KindsAndTheirIntervals) {
  const auto plus = monte_carlo_p(PKind::PlusOne, 0, 999, 0.99);
  EXPECT_DOUBLE_EQ(plus.p, 1.0 / 1000);
  EXPECT_EQ(plus.low, 0.0);
  EXPECT_GT(plus.high, plus.p);
  const auto exact = monte_carlo_p(PKind::Exact, 6, 120, 0.99);
  EXPECT_DOUBLE_EQ(exact.p, 0.05);
  EXPECT_EQ(exact.low, exact.p);
  EXPECT_EQ(exact.high, exact.p);
  EXPECT_EQ(monte_carlo_p(PKind::Ratio, 0, 500, 0.99).p, 0.0);
  const auto stopped = monte_carlo_p(PKind::Stopped, 10, 40, 0.95);
  EXPECT_DOUBLE_EQ(stopped.p, 0.25);
  double lo, hi;
  propgrad::clopper_pearson(10, 40, 0.95, lo, hi);
  EXPECT_EQ(stopped.low, lo);
  EXPECT_EQ(stopped.high, hi);
  EXPECT_TRUE(std::isnan(monte_carlo_p(PKind::PlusOne, 5, 0, 0.99).p));
  EXPECT_TRUE(std::isnan(monte_carlo_p(PKind::PlusOne, 6, 5, 0.99).p));
  // A different level gives a different interval from the same counts.
  EXPECT_LT(monte_carlo_p(PKind::PlusOne, 20, 1000, 0.9).high,
            monte_carlo_p(PKind::PlusOne, 20, 1000, 0.999).high);
}

namespace {
std::vector<int> as_int(const std::vector<char>& v) { return std::vector<int>(v.begin(), v.end()); }
}  // namespace

// p = (0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216)
// at alpha = 0.05 (Benjamini & Hochberg's textbook style example):
// p.adjust(p, m) <= 0.05 in R gives these decisions.
TEST(Procedures, MatchPAdjustDecisions) {
  const std::vector<double> p = {0.042, 0.001, 0.205, 0.039, 0.008, 0.06, 0.041, 0.212, 0.074, 0.216};
  EXPECT_EQ(as_int(propgrad::procedure_rejects(p, Procedure::None, 0.05)),
            (std::vector<int>{1, 1, 0, 1, 1, 0, 1, 0, 0, 0}));
  EXPECT_EQ(as_int(propgrad::procedure_rejects(p, Procedure::Bonferroni, 0.05)),
            (std::vector<int>{0, 1, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(as_int(propgrad::procedure_rejects(p, Procedure::Holm, 0.05)),
            (std::vector<int>{0, 1, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(as_int(propgrad::procedure_rejects(p, Procedure::Hochberg, 0.05)),
            (std::vector<int>{0, 1, 0, 0, 0, 0, 0, 0, 0, 0}));
  // BH: the largest i with p_(i) <= 0.005 i is i = 2 (0.008 <= 0.010).
  EXPECT_EQ(as_int(propgrad::procedure_rejects(p, Procedure::BH, 0.05)),
            (std::vector<int>{0, 1, 0, 0, 1, 0, 0, 0, 0, 0}));
  EXPECT_EQ(as_int(propgrad::procedure_rejects(p, Procedure::BY, 0.05)),
            (std::vector<int>{0, 1, 0, 0, 0, 0, 0, 0, 0, 0}));
  // A step-up rejects a p above its own critical value when a larger one passes.
  const std::vector<double> q = {0.011, 0.012, 0.013, 0.02};
  EXPECT_EQ(as_int(propgrad::procedure_rejects(q, Procedure::BH, 0.02)), (std::vector<int>{1, 1, 1, 1}));
  EXPECT_EQ(as_int(propgrad::procedure_rejects(q, Procedure::Holm, 0.02)), (std::vector<int>{0, 0, 0, 0}));
  EXPECT_EQ(as_int(propgrad::procedure_rejects(q, Procedure::Hochberg, 0.02)), (std::vector<int>{1, 1, 1, 1}));
  EXPECT_TRUE(propgrad::procedure_rejects({}, Procedure::BH, 0.05).empty());
}

// Monotone: lowering any p never removes a rejection (what the adaptive mode
// relies on when it brackets decisions with bounds).
TEST(Procedures, AreMonotone) {
  const std::vector<double> base = {0.003, 0.04, 0.012, 0.5, 0.0101, 0.02, 0.9, 0.006};
  for (auto proc : {Procedure::None, Procedure::Bonferroni, Procedure::Holm, Procedure::Hochberg,
                    Procedure::BH, Procedure::BY}) {
    const auto before = propgrad::procedure_rejects(base, proc, 0.05);
    for (std::size_t i = 0; i < base.size(); ++i) {
      std::vector<double> lower = base;
      lower[i] *= 0.5;
      const auto after = propgrad::procedure_rejects(lower, proc, 0.05);
      for (std::size_t j = 0; j < base.size(); ++j) EXPECT_GE(after[j], before[j]);
    }
  }
}

TEST(Procedures, FloorFactors) {
  EXPECT_EQ(propgrad::procedure_floor_factor(Procedure::None, 48), 1.0);
  EXPECT_EQ(propgrad::procedure_floor_factor(Procedure::Holm, 48), 48.0);
  EXPECT_EQ(propgrad::procedure_floor_factor(Procedure::BH, 48), 48.0);
  EXPECT_NEAR(propgrad::procedure_floor_factor(Procedure::BY, 3), 3 * (1 + 0.5 + 1.0 / 3), 1e-12);
}

// An estimated centre widens the Monte Carlo interval to the union of the
// intervals of the counts at the bracket's ends, each at the split level.
TEST(MonteCarloP, EstimatedCentreUnionsTheBracket) {
  const auto p = propgrad::centred_monte_carlo_p(PKind::PlusOne, 50, 40, 62, 999, false, 0.99);
  EXPECT_DOUBLE_EQ(p.p, 51.0 / 1000);
  double lo, hi;
  propgrad::clopper_pearson(40, 999, 0.995, lo, hi);
  EXPECT_EQ(p.low, lo);
  propgrad::clopper_pearson(62, 999, 0.995, lo, hi);
  EXPECT_EQ(p.high, hi);
  EXPECT_EQ(propgrad::centred_monte_carlo_p(PKind::PlusOne, 50, 40, 62, 999, true, 0.99).high, 1.0);
  // delta = z_{1 - 0.01/4} sd / sqrt(m)
  EXPECT_NEAR(propgrad::centre_margin(2.0, 400, 0.99), 2.807034 * 2.0 / 20.0, 1e-6);
  EXPECT_EQ(propgrad::centre_margin(0.0, 400, 0.99), 0.0);
}
