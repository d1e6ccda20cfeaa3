// Property values in any units (issue 12): steps of 1e-200 or 1e200, or a
// range beyond double precision, must give the gradients of t itself scaled
// by the units, and exactly the p-values of unit steps. Before the stencil
// worked on rescaled positions these steps overflowed the weights, the
// statistic was NaN or Inf and no p-value came out. Expected values are the
// unit-step results divided by the factor, not produced by the scaled code.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "adaptive.h"
#include "gradient.h"
#include "joint.h"
#include "rng.h"
#include "shuffle.h"

using propgrad::GradientOptions;
using propgrad::GradientStencil;
using propgrad::SeriesData;
using propgrad::ShuffleOptions;
using propgrad::ShuffleResult;
using propgrad::StatisticKind;
using propgrad::StopSignal;

namespace {

double uniform(propgrad::Xoshiro256pp& r) { return (r.next() >> 11) * 0x1.0p-53; }

// Uneven increasing t (steps 0.2 to 1.2) and noisy outputs with a trend.
void make_series(std::size_t n, uint64_t seed, std::vector<double>& t, std::vector<double>& y) {
  propgrad::Xoshiro256pp r(seed, 77);
  t.clear();
  y.clear();
  double acc = 0;
  for (std::size_t i = 0; i < n; ++i) {
    t.push_back(acc += 0.2 + uniform(r));
    y.push_back(std::sin(acc) + 0.5 * uniform(r));
  }
}

std::vector<double> scaled(const std::vector<double>& t, double f) {
  std::vector<double> out(t);
  for (auto& v : out) v *= f;
  return out;
}

struct Setting {
  const char* name;
  GradientOptions opt;
};

// Every stencil kind: uneven three-point, periodic, smoothing (plain and
// periodic), rescaled to [0, 1]. Periods are in units of t (scaled with it).
std::vector<Setting> settings(double span) {
  std::vector<Setting> out;
  GradientOptions g;
  out.push_back({"three-point", g});
  g.period = span * 1.1;
  out.push_back({"periodic", g});
  g.smooth_window = 5;
  g.smooth_degree = 2;
  out.push_back({"periodic smoothing", g});
  g.period = 0;
  out.push_back({"smoothing", g});
  GradientOptions r;
  r.rescale = true;
  out.push_back({"rescaled", r});
  return out;
}

GradientOptions with_period_scaled(GradientOptions g, double f) {
  if (g.period > 0) g.period *= f;
  return g;
}

const double kFactors[] = {1e-200, 1e200, 0x1p-700, 0x1p+700};

}  // namespace

TEST(ExtremeSteps, GradientsScaleWithTheUnitsOfT) {
  std::vector<double> t, y;
  make_series(12, 3, t, y);
  for (const auto& s : settings(t.back() - t.front())) {
    GradientStencil unit(t.data(), t.size(), s.opt);
    std::vector<double> g(t.size()), gs(t.size());
    unit.apply(y.data(), g.data());
    for (double f : kFactors) {
      SCOPED_TRACE(testing::Message() << s.name << " f=" << f);
      const auto tf = scaled(t, f);
      GradientStencil st(tf.data(), tf.size(), with_period_scaled(s.opt, f));
      st.apply(y.data(), gs.data());
      // Rescaled positions have no units: the same gradient at every scale.
      const double expect_factor = s.opt.rescale ? 1.0 : 1.0 / f;
      int exponent = 0;
      const bool power_of_two = std::frexp(f, &exponent) == 0.5;
      for (std::size_t i = 0; i < g.size(); ++i) {
        ASSERT_TRUE(std::isfinite(gs[i])) << i;
        if (power_of_two) {
          EXPECT_EQ(gs[i], g[i] * expect_factor) << i;  // exact: t * 2^k is exact
        } else {
          EXPECT_NEAR(gs[i] / expect_factor, g[i], 1e-12 * std::abs(g[i]) + 1e-15) << i;
        }
      }
      const double e = st.mean_abs(y.data());
      EXPECT_NEAR(e / expect_factor, unit.mean_abs(y.data()), 1e-12 * unit.mean_abs(y.data()));
    }
  }
}

TEST(ExtremeSteps, RangeBeyondDoublePrecision) {
  // t[4] - t[0] overflows; each step (5e307) does not.
  const std::vector<double> t = {-1e308, -5e307, 0, 5e307, 1e308}, y = {0, 1, 4, 9, 16};
  GradientStencil s(t.data(), 5, GradientOptions{});
  std::vector<double> g(5);
  s.apply(y.data(), g.data());
  // Even steps h = 5e307: one-sided ends (y1 - y0)/h, (y4 - y3)/h; central
  // differences (y[i+1] - y[i-1]) / 2h inside.
  const double h = 5e307;
  const double want[] = {1 / h, 4 / (2 * h), 8 / (2 * h), 12 / (2 * h), 7 / h};
  for (int i = 0; i < 5; ++i) EXPECT_NEAR(g[i] / want[i], 1.0, 1e-12) << i;
  GradientOptions r;
  r.rescale = true;  // span 2e308 is not a double, yet t rescales to [0, 1]
  GradientStencil sr(t.data(), 5, r);
  sr.apply(y.data(), g.data());
  EXPECT_NEAR(g[2], 8 / 0.5, 1e-12);
}

// The p-value, exceedances and z of every statistic and stencil kind are the
// unit-step ones; statistic, estimate and the null's moments scale with the
// units (corr and mi have none).
TEST(ExtremeSteps, PValuesAreThoseOfUnitSteps) {
  std::vector<double> t, y;
  make_series(30, 5, t, y);
  for (auto kind : {StatisticKind::Grad, StatisticKind::Corr, StatisticKind::MI}) {
    for (const auto& s : settings(t.back() - t.front())) {
      if (kind != StatisticKind::Grad && s.opt.rescale) continue;
      ShuffleOptions opt;
      opt.statistic = kind;
      opt.gradient = s.opt;
      opt.n_perm = 499;
      opt.seed = 9;
      StopSignal stop;
      std::vector<double> null_unit(499), null_f(499);
      const SeriesData unit_data{y.data(), t.data(), t.size(), 1, 42};
      const ShuffleResult unit = propgrad::shuffle_series(unit_data, opt, null_unit.data(), stop, true);
      for (double f : kFactors) {
        SCOPED_TRACE(testing::Message() << "kind=" << int(kind) << " " << s.name << " f=" << f);
        const auto tf = scaled(t, f);
        ShuffleOptions of = opt;
        of.gradient = with_period_scaled(s.opt, f);
        const SeriesData data{y.data(), tf.data(), tf.size(), 1, 42};  // same stream
        const ShuffleResult res = propgrad::shuffle_series(data, of, null_f.data(), stop, true);
        ASSERT_TRUE(res.finite);
        EXPECT_EQ(res.p_value, unit.p_value);
        EXPECT_EQ(res.exceedances, unit.exceedances);
        EXPECT_EQ(res.centre_kind, unit.centre_kind);
        EXPECT_NEAR(res.z, unit.z, 1e-9 * std::abs(unit.z) + 1e-12);
        const double units = kind == StatisticKind::Grad && !s.opt.rescale ? 1.0 / f : 1.0;
        const double epgm_units = s.opt.rescale ? 1.0 : 1.0 / f;
        EXPECT_NEAR(res.estimate / epgm_units / unit.estimate, 1.0, 1e-12);
        EXPECT_NEAR(res.statistic / units, unit.statistic, 1e-12 * std::abs(unit.statistic) + 1e-15);
        EXPECT_NEAR(res.null_mean / units, unit.null_mean, 1e-12 * std::abs(unit.null_mean) + 1e-15);
        EXPECT_NEAR(null_f[10] / units, null_unit[10], 1e-12 * std::abs(null_unit[10]) + 1e-15);
      }
    }
  }
}

// Evenly spaced steps of 1e-200 keep the closed-form centre; the exact mode
// (all 6! orderings) gives the unit-step p; outputs of 1e300 over steps of
// 1e-200 give an EPGM beyond double range (Inf) but still their p.
TEST(ExtremeSteps, ExactCentreAndExactModeAtTinySteps) {
  const std::vector<double> y = {0.84, 0.91, 0.14, -0.76, -0.96, -0.28};
  std::vector<double> t(6), tiny(6);
  for (int i = 0; i < 6; ++i) {
    t[i] = i + 1.0;
    tiny[i] = (i + 1.0) * 1e-200;
  }
  ShuffleOptions opt;
  opt.n_perm = 10000;
  StopSignal stop;
  const ShuffleResult unit = propgrad::shuffle_series({y.data(), t.data(), 6, 1, 1}, opt, nullptr, stop, true);
  const ShuffleResult res = propgrad::shuffle_series({y.data(), tiny.data(), 6, 1, 1}, opt, nullptr, stop, true);
  EXPECT_TRUE(res.exact);
  EXPECT_EQ(res.centre_kind, propgrad::CentreKind::Exact);
  EXPECT_EQ(res.p_value, unit.p_value);
  EXPECT_NEAR(res.centre * 1e-200, unit.centre, 1e-12 * unit.centre);
  std::vector<double> huge(y);
  for (auto& v : huge) v *= 1e300;
  const ShuffleResult over = propgrad::shuffle_series({huge.data(), tiny.data(), 6, 1, 1}, opt, nullptr, stop, true);
  EXPECT_TRUE(over.finite);
  EXPECT_TRUE(std::isinf(over.estimate));
  EXPECT_EQ(over.p_value, unit.p_value);
}

TEST(ExtremeSteps, AdaptiveAndWestfallYoungIgnoreTheUnits) {
  std::vector<double> t, y1, y2, t2;
  make_series(25, 11, t, y1);
  make_series(25, 12, t2, y2);
  for (double f : {1e-200, 1e200}) {
    SCOPED_TRACE(f);
    const auto tf = scaled(t, f);
    const std::vector<SeriesData> unit = {{y1.data(), t.data(), 25, 1, 1}, {y2.data(), t.data(), 25, 1, 2}};
    const std::vector<SeriesData> far = {{y1.data(), tf.data(), 25, 1, 1}, {y2.data(), tf.data(), 25, 1, 2}};
    ShuffleOptions opt;
    opt.n_perm = 600;
    StopSignal stop;
    EXPECT_EQ(propgrad::westfall_young(far, opt, 2, stop).adjusted,
              propgrad::westfall_young(unit, opt, 2, stop).adjusted);
    propgrad::AdaptiveOptions a;
    a.max_per_series = 5000;
    const auto ra = propgrad::adaptive_many(far, opt, a, 2, stop);
    const auto ru = propgrad::adaptive_many(unit, opt, a, 2, stop);
    for (int i = 0; i < 2; ++i) {
      EXPECT_EQ(ra.results[i].p_value, ru.results[i].p_value);
      EXPECT_EQ(ra.results[i].n_used, ru.results[i].n_used);
      EXPECT_NEAR(ra.results[i].estimate * f, ru.results[i].estimate, 1e-12 * ru.results[i].estimate);
      EXPECT_NEAR(ra.results[i].null_mean * f, ru.results[i].null_mean, 1e-12 * ru.results[i].null_mean);
    }
  }
}
