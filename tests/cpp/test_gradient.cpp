// Tests of the gradient stencils in src/core/gradient.{h,cpp}: unit (index)
// spacing against numpy.gradient values, the second-order uneven-step formula
// for property spacing (exact for quadratics in the interior, one-sided first
// differences at the ends), periodic wrap-around, rescaling of t, local
// polynomial (Savitzky-Golay) smoothing on uneven t, the EPGM reductions
// mean_abs and mean_norm, and the argument checks. Expected values are worked
// out by hand in the comments, not produced by the code under test.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "gradient.h"

using propgrad::GradientOptions;
using propgrad::GradientStencil;
using propgrad::Spacing;

namespace {

std::vector<double> grad(const std::vector<double>& y, const std::vector<double>* t,
                         const GradientOptions& opt) {
  GradientStencil s(t ? t->data() : nullptr, y.size(), opt);
  std::vector<double> g(y.size());
  s.apply(y.data(), g.data());
  return g;
}

GradientOptions index_opts() {
  GradientOptions o;
  o.spacing = Spacing::Index;
  return o;
}

void expect_all_near(const std::vector<double>& got, const std::vector<double>& want,
                     double tol) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tol) << "i=" << i;
}

const double kPi = std::acos(-1.0);

// An uneven grid with steps ranging from 0.2 to 0.9, so a stencil that
// silently assumed unit or uniform steps would be caught.
const std::vector<double> kUneven = {0.0, 0.3, 0.7, 1.2, 1.4, 2.0, 2.9, 3.1, 3.8, 4.5, 5.0};

}  // namespace

// numpy.gradient([1, 2, 4, 7, 11]) = [1, 1.5, 2.5, 3.5, 4].
TEST(GradientIndex, MatchesNumpyGradient) {
  const std::vector<double> y = {1, 2, 4, 7, 11};
  expect_all_near(grad(y, nullptr, index_opts()), {1, 1.5, 2.5, 3.5, 4}, 1e-14);
}

// Index spacing must ignore t entirely, even when t is given.
TEST(GradientIndex, IgnoresPropertyValues) {
  const std::vector<double> y = {1, 2, 4, 7, 11};
  const std::vector<double> t = {0, 10, 11, 30, 31};
  expect_all_near(grad(y, &t, index_opts()), {1, 1.5, 2.5, 3.5, 4}, 1e-14);
}

TEST(GradientIndex, TwoPointsIsOneDifference) {
  expect_all_near(grad({3, 5}, nullptr, index_opts()), {2, 2}, 0);
}

// y = t^2 on t = {0, .5, 1.5, 1.75, 3}: interior 2t = {1, 3, 3.5} exactly;
// ends one-sided: (0.25 - 0)/0.5 = 0.5 and (9 - 3.0625)/1.25 = 4.75.
TEST(GradientProperty, QuadraticExactInInteriorOneSidedEnds) {
  const std::vector<double> t = {0, 0.5, 1.5, 1.75, 3};
  std::vector<double> y;
  for (double v : t) y.push_back(v * v);
  expect_all_near(grad(y, &t, GradientOptions{}), {0.5, 1, 3, 3.5, 4.75}, 1e-13);
}

// The uneven formula g_i = (h1^2 y+ + (h2^2 - h1^2) y - h2^2 y-)/(h1 h2 (h1+h2))
// on non-polynomial data, by hand with t = {0, .5, 1.5, 1.75, 3}:
//   g1: h=(.5, 1):    (.25*2 + .75*3 - 1)/.75            = 7/3
//   g2: h=(1, .25):   (5 - .9375*2 - .0625*3)/.3125      = 9.4
//   g3: h=(.25,1.25): (.0625*4 + 1.5*5 - 1.5625*2)/.46875 = 148/15
// ends: (3 - 1)/.5 = 4 and (4 - 5)/1.25 = -0.8.
TEST(GradientProperty, UnevenFormulaByHand) {
  const std::vector<double> t = {0, 0.5, 1.5, 1.75, 3};
  const std::vector<double> y = {1, 3, 2, 5, 4};
  expect_all_near(grad(y, &t, GradientOptions{}), {4, 7.0 / 3, 9.4, 148.0 / 15, -0.8}, 1e-13);
}

// A line has the same slope at every point, ends included.
TEST(GradientProperty, LinearExactEverywhere) {
  std::vector<double> y;
  for (double v : kUneven) y.push_back(2.5 * v - 1);
  expect_all_near(grad(y, &kUneven, GradientOptions{}),
                  std::vector<double>(kUneven.size(), 2.5), 1e-12);
}

// Periodic index spacing: g_0 = (y_1 - y_{n-1})/2 = (2 - 11)/2 and
// g_{n-1} = (y_0 - y_{n-2})/2 = (1 - 7)/2; the interior is unchanged.
TEST(GradientPeriodic, IndexWrapsAround) {
  GradientOptions o = index_opts();
  o.period = 1.0;  // any positive value: index spacing uses period n
  expect_all_near(grad({1, 2, 4, 7, 11}, nullptr, o), {-4.5, 1.5, 2.5, 3.5, -3}, 1e-14);
}

// Periodic property spacing, t = {0, 1, 3, 4}, period 6, y = {1, 2, 0, 3}:
// step 3 sits at t = -2 before step 0 (gap 2). By hand:
//   g0: h=(2, 1): (4*2 - 3*1 - 1*3)/6 = 1/3     g1: h=(1, 2): (0 + 3*2 - 4)/6 = 1/3
//   g2: h=(2, 1): (4*3 - 3*0 - 2)/6   = 5/3     g3: h=(1, 2): (1 + 3*3 - 0)/6 = 5/3
TEST(GradientPeriodic, PropertyWrapsAroundByHand) {
  GradientOptions o;
  o.period = 6.0;
  const std::vector<double> y = {1, 2, 0, 3};
  const std::vector<double> want = {1.0 / 3, 1.0 / 3, 5.0 / 3, 5.0 / 3};
  const std::vector<double> t = {0, 1, 3, 4};
  expect_all_near(grad(y, &t, o), want, 1e-14);
  // Only differences of t matter: a shifted origin gives the same stencil.
  const std::vector<double> t_shifted = {10, 11, 13, 14};
  expect_all_near(grad(y, &t_shifted, o), want, 1e-13);
}

// A sampled cosine has derivative -sin at the wrapped ends as well as inside;
// without the wrap, the one-sided ends would be off by O(h) instead of O(h^2).
TEST(GradientPeriodic, SineDerivativeAtTheSeam) {
  const double two_pi = 2 * kPi;
  const std::size_t n = 64;
  std::vector<double> t(n), y(n);
  for (std::size_t i = 0; i < n; ++i) {
    t[i] = two_pi * (i + 0.3 * std::sin(1.0 * i)) / n;  // uneven but increasing
    y[i] = std::cos(t[i]);  // curved at t = 0, so a one-sided end is visibly off
  }
  GradientOptions o;
  o.period = two_pi;
  const auto g = grad(y, &t, o);
  for (std::size_t i : {std::size_t(0), std::size_t(1), n / 2, n - 1}) {
    EXPECT_NEAR(g[i], -std::sin(t[i]), 0.01) << "i=" << i;
  }
  const auto g_open = grad(y, &t, GradientOptions{});
  EXPECT_GT(std::abs(g_open[0] + std::sin(t[0])), 0.02);  // the wrap is what helps
}

TEST(GradientPeriodic, RangeMustBeShorterThanPeriod) {
  GradientOptions o;
  o.period = 4.0;
  const std::vector<double> t = {0, 1, 3, 4};  // range 4 == period: steps 0 and 3 coincide
  EXPECT_THROW(GradientStencil(t.data(), t.size(), o), std::invalid_argument);
}

// Rescaling t to [0, 1] multiplies every derivative by the original span
// (range of t, n - 1 for index spacing, the period or n when periodic).
TEST(GradientRescale, MultipliesBySpan) {
  const std::vector<double> y = {1, 3, 2, 5, 4};
  const std::vector<double> t = {2, 2.5, 3.5, 3.75, 5};  // range 3
  auto expect_scaled = [&](GradientOptions o, const std::vector<double>* tt, double span) {
    const auto g = grad(y, tt, o);
    o.rescale = true;
    const auto gr = grad(y, tt, o);
    for (std::size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(gr[i], span * g[i], 1e-12) << i;
  };
  expect_scaled(GradientOptions{}, &t, 3.0);
  expect_scaled(index_opts(), nullptr, 4.0);
  GradientOptions periodic;
  periodic.period = 7.0;
  expect_scaled(periodic, &t, 7.0);
  GradientOptions periodic_index = index_opts();
  periodic_index.period = 1.0;
  expect_scaled(periodic_index, nullptr, 5.0);
}

// Uniform 5-point quadratic Savitzky-Golay derivative: interior weights
// (-2, -1, 0, 1, 2)/10; at the left end the window slides to steps 0..4 and
// the weights become (-54, 13, 40, 27, -26)/70. For y = {3,1,4,1,5,9,2}:
//   g0 = (-54*3 + 13 + 40*4 + 27 - 26*5)/70 = -92/70 = -46/35
//   g2 = (-6 - 1 + 1 + 10)/10 = 0.4,   g3 = (-2 - 4 + 5 + 18)/10 = 1.7.
TEST(GradientSmooth, SavitzkyGolayByHand) {
  GradientOptions o = index_opts();
  o.smooth_window = 5;
  o.smooth_degree = 2;
  const auto g = grad({3, 1, 4, 1, 5, 9, 2}, nullptr, o);
  EXPECT_NEAR(g[0], -46.0 / 35, 1e-12);
  EXPECT_NEAR(g[2], 0.4, 1e-12);
  EXPECT_NEAR(g[3], 1.7, 1e-12);
}

// A least-squares polynomial of degree >= p reproduces a degree-p polynomial,
// so its derivative is exact at every step, ends included (the window slides
// inwards rather than shrinking).
TEST(GradientSmooth, QuadraticExactWithDegreeTwo) {
  std::vector<double> y, want;
  for (double v : kUneven) {
    y.push_back(2 - 3 * v + 0.5 * v * v);
    want.push_back(-3 + v);
  }
  for (int window : {5, 7, 11}) {
    GradientOptions o;
    o.smooth_window = window;
    o.smooth_degree = 2;
    SCOPED_TRACE(window);
    expect_all_near(grad(y, &kUneven, o), want, 1e-9);
  }
}

TEST(GradientSmooth, CubicExactWithDegreeThreeNotTwo) {
  std::vector<double> y, want;
  for (double v : kUneven) {
    y.push_back(1 + v - 2 * v * v + 0.3 * v * v * v);
    want.push_back(1 - 4 * v + 0.9 * v * v);
  }
  for (int window : {5, 9, 11}) {
    GradientOptions o;
    o.smooth_window = window;
    o.smooth_degree = 3;
    SCOPED_TRACE(window);
    expect_all_near(grad(y, &kUneven, o), want, 1e-9);
  }
  // Control: a quadratic fit cannot follow the cubic at the ends.
  GradientOptions o;
  o.smooth_window = 5;
  o.smooth_degree = 2;
  EXPECT_GT(std::abs(grad(y, &kUneven, o)[0] - want[0]), 1e-3);
}

TEST(GradientSmooth, HigherDegreesStayExact) {
  // Degree 6 is the maximum; a sextic on a scaled grid must still be exact,
  // which checks the conditioning of the normal equations.
  std::vector<double> y, want;
  for (double v : kUneven) {
    const double u = v - 2.5;
    y.push_back(std::pow(u, 6) - u * u * u);
    want.push_back(6 * std::pow(u, 5) - 3 * u * u);
  }
  GradientOptions o;
  o.smooth_window = 9;
  o.smooth_degree = 6;
  // |g| reaches ~600 here: allow a relative error of ~1e-8 from the solve.
  expect_all_near(grad(y, &kUneven, o), want, 5e-6);
}

// With a period the window wraps instead of sliding; a sine's derivative is
// then as accurate at the seam as in the middle (a sliding, off-centre
// window would be several times worse at the ends).
TEST(GradientSmooth, PeriodicWindowWraps) {
  const double two_pi = 2 * kPi;
  const std::size_t n = 40;
  std::vector<double> t(n), y(n);
  for (std::size_t i = 0; i < n; ++i) {
    t[i] = two_pi * (i + 0.25 * std::sin(3.0 * i)) / n;
    y[i] = std::sin(t[i]);
  }
  GradientOptions o;
  o.period = two_pi;
  o.smooth_window = 7;
  o.smooth_degree = 4;
  const auto g = grad(y, &t, o);
  double interior = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double err = std::abs(g[i] - std::cos(t[i]));
    EXPECT_LT(err, 5e-4) << "i=" << i;
    if (i >= 3 && i + 3 < n) interior = std::max(interior, err);
  }
  for (std::size_t i : {std::size_t(0), std::size_t(1), n - 2, n - 1}) {
    EXPECT_LT(std::abs(g[i] - std::cos(t[i])), 1.5 * interior) << "i=" << i;
  }
}

TEST(GradientSmooth, WindowEqualToNIsAllowed) {
  const std::vector<double> t = {0, 1, 2.5, 3, 4.5};
  std::vector<double> y;
  for (double v : t) y.push_back(v * v);
  GradientOptions o;
  o.smooth_window = 5;
  o.smooth_degree = 2;
  expect_all_near(grad(y, &t, o), {0, 2, 5, 6, 9}, 1e-10);
}

TEST(GradientArguments, RejectsBadInput) {
  const std::vector<double> t = {0, 1, 2, 3, 4};
  GradientOptions prop;
  EXPECT_THROW(GradientStencil(t.data(), 1, prop), std::invalid_argument);
  EXPECT_THROW(GradientStencil(nullptr, 5, prop), std::invalid_argument);  // t required
  const std::vector<double> unsorted = {0, 2, 1};
  EXPECT_THROW(GradientStencil(unsorted.data(), 3, prop), std::invalid_argument);
  const std::vector<double> tied = {0, 1, 1, 2};
  EXPECT_THROW(GradientStencil(tied.data(), 4, prop), std::invalid_argument);
  auto smooth = [&](int window, int degree) {
    GradientOptions o;
    o.smooth_window = window;
    o.smooth_degree = degree;
    return GradientStencil(t.data(), t.size(), o);
  };
  EXPECT_THROW(smooth(4, 2), std::invalid_argument);  // even
  EXPECT_THROW(smooth(3, 2), std::invalid_argument);  // no more points than coefficients
  EXPECT_THROW(smooth(7, 2), std::invalid_argument);  // wider than n
  EXPECT_THROW(smooth(5, 0), std::invalid_argument);
  EXPECT_THROW(smooth(5, 7), std::invalid_argument);
  EXPECT_NO_THROW(smooth(3, 1));
}

// EPGM of a scalar output: mean |g|. y = {4, 2, 1, 3} has numpy gradient
// {-2, -1.5, 0.5, 2}, so mean |g| = 6/4 = 1.5 (the signed mean is -0.25).
TEST(GradientReduce, MeanAbsByHand) {
  const std::vector<double> y = {4, 2, 1, 3};
  GradientStencil s(nullptr, 4, index_opts());
  EXPECT_DOUBLE_EQ(s.mean_abs(y.data()), 1.5);
}

// EPGM of a vector output: mean Euclidean norm of the gradient rows. Columns
// {4,2,1,3} and {0,0,4,4} have gradients {-2,-1.5,.5,2} and {0,2,2,0}, so row
// norms are 2, 2.5, sqrt(4.25), 2.
TEST(GradientReduce, MeanNormByHand) {
  const std::vector<double> y = {4, 2, 1, 3, 0, 0, 4, 4};  // 4 x 2, column-major
  GradientStencil s(nullptr, 4, index_opts());
  std::vector<double> work(4);
  EXPECT_NEAR(s.mean_norm(y.data(), 2, work.data()), (6.5 + std::sqrt(4.25)) / 4, 1e-14);
  EXPECT_DOUBLE_EQ(s.mean_norm(y.data(), 1, work.data()), 1.5);  // d = 1 is mean_abs
}

// The reductions have separate fast paths for the banded and the smoothed
// stencils; both must agree with apply() row by row.
TEST(GradientReduce, ReductionsAgreeWithApplyOnEveryStencilKind) {
  const std::size_t n = kUneven.size(), d = 3;
  std::vector<double> y(n * d);
  for (std::size_t i = 0; i < y.size(); ++i) y[i] = std::sin(1.7 * i) + 0.1 * i;
  std::vector<GradientOptions> kinds(4);
  kinds[1].period = 6.0;
  kinds[2].smooth_window = 5;
  kinds[3].smooth_window = 7;
  kinds[3].smooth_degree = 3;
  kinds[3].period = 6.0;
  for (std::size_t k = 0; k < kinds.size(); ++k) {
    SCOPED_TRACE(k);
    GradientStencil s(kUneven.data(), n, kinds[k]);
    std::vector<double> g(n * d), work(n);
    for (std::size_t c = 0; c < d; ++c) s.apply(y.data() + c * n, g.data() + c * n);
    double abs_sum = 0, norm_sum = 0;
    for (std::size_t i = 0; i < n; ++i) {
      abs_sum += std::abs(g[i]);
      double sq = 0;
      for (std::size_t c = 0; c < d; ++c) sq += g[c * n + i] * g[c * n + i];
      norm_sum += std::sqrt(sq);
    }
    EXPECT_NEAR(s.mean_abs(y.data()), abs_sum / n, 1e-12);
    EXPECT_NEAR(s.mean_norm(y.data(), d, work.data()), norm_sum / n, 1e-12);
  }
}
