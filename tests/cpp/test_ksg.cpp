// Tests of the prepared KSG estimator in src/core/ksg.{h,cpp}: it must give
// the same double, bit for bit, as the original walk it replaced
// (KsgPlan::reference, ksg_reference) -- the mi statistic decides p-values,
// so "close" is not enough. Checked over thousands of random series: many n
// and k, N = k + 1, ties in x, repeated and constant y, heavy tails, values
// straddling zero, each on the observed order and on shuffles; the merging
// walk past the stored neighbour order (forced by a small order cap); and
// the fallback for unsorted, non-finite or huge inputs.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstring>
#include <vector>

#include "ksg.h"
#include "rng.h"
#include "statistics.h"

using propgrad::KsgPlan;

namespace {

double uniform(propgrad::Xoshiro256pp& r) { return (r.next() >> 11) * 0x1.0p-53; }

double normal(propgrad::Xoshiro256pp& r) {
  const double u1 = 1.0 - uniform(r), u2 = uniform(r);
  return std::sqrt(-2 * std::log(u1)) * std::cos(2 * std::acos(-1.0) * u2);
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// One random series: x sorted (ties when rounded), y of a random kind.
struct Case {
  std::vector<double> x, y;
  int k;
};

Case random_case(propgrad::Xoshiro256pp& r) {
  Case c;
  const uint64_t size_kind = r.next() % 10;
  std::size_t n;
  if (size_kind < 5) {
    n = 2 + r.next() % 30;
  } else if (size_kind < 9) {
    n = 2 + r.next() % 200;
  } else {
    n = 2 + r.next() % 700;
  }
  const int k_max = static_cast<int>(std::min<std::size_t>(16, n - 1));
  // Mostly the engine's k = min(5, n - 1); N = k + 1 and other k too.
  const uint64_t k_kind = r.next() % 4;
  c.k = k_kind == 0 ? k_max : k_kind == 1 ? 1 + static_cast<int>(r.next() % k_max)
                                          : std::min(5, k_max);
  c.x.resize(n);
  c.y.resize(n);
  const uint64_t x_kind = r.next() % 4;
  for (std::size_t i = 0; i < n; ++i) {
    switch (x_kind) {
      case 0: c.x[i] = static_cast<double>(i); break;  // the engine's usual t
      case 1: c.x[i] = normal(r); break;               // straddles zero
      case 2: c.x[i] = std::round(4 * uniform(r));  break;  // many ties
      default: c.x[i] = 1e-3 * std::exp(3 * normal(r));      // uneven, wide
    }
  }
  std::sort(c.x.begin(), c.x.end());
  const uint64_t y_kind = r.next() % 6;
  const double beta = uniform(r);
  for (std::size_t i = 0; i < n; ++i) {
    switch (y_kind) {
      case 0: c.y[i] = normal(r); break;
      case 1: c.y[i] = beta * c.x[i] + normal(r); break;
      case 2: c.y[i] = std::round(3 * normal(r)); break;            // repeated values
      case 3: c.y[i] = 2.5; break;                                   // constant
      case 4: c.y[i] = normal(r) / (uniform(r) + 1e-3); break;       // heavy tails
      default: c.y[i] = 1 + uniform(r); break;                       // exact differences
    }
  }
  return c;
}

// Plan vs reference on y in the given order and on `shuffles` shuffles of it.
void expect_same_on_shuffles(const Case& c, propgrad::Xoshiro256pp& r, int shuffles,
                             std::size_t order_cap = 0) {
  const KsgPlan plan(c.x.data(), c.y.data(), c.x.size(), c.k, order_cap);
  std::vector<double> y = c.y;
  for (int s = 0; s <= shuffles; ++s) {
    if (s > 0) propgrad::fisher_yates(y.data(), y.size(), r);
    const double fast = plan(y.data(), 1.0), ref = plan.reference(y.data(), 1.0);
    ASSERT_TRUE(same_bits(fast, ref)) << "n=" << c.x.size() << " k=" << c.k << " shuffle " << s
                                      << ": " << fast << " vs " << ref;
  }
}

}  // namespace

TEST(KsgPlan, SameBitsAsTheOriginalWalkOnRandomSeries) {
  propgrad::Xoshiro256pp r(20240515, 1);
  for (int trial = 0; trial < 4000; ++trial) {
    SCOPED_TRACE(trial);
    expect_same_on_shuffles(random_case(r), r, 3);
    if (HasFatalFailure()) return;
  }
}

// The stored order capped at a few neighbours: the walk carries on by
// merging both sides, and n_x comes from where that stopped.
TEST(KsgPlan, SameBitsPastTheStoredOrder) {
  propgrad::Xoshiro256pp r(99, 2);
  for (int trial = 0; trial < 1500; ++trial) {
    SCOPED_TRACE(trial);
    const Case c = random_case(r);
    expect_same_on_shuffles(c, r, 1, 1 + r.next() % 8);
    if (HasFatalFailure()) return;
  }
}

// Data unsorted, non-finite or so large that differences overflow take the
// original walk, so they too agree (whatever the estimate then means).
TEST(KsgPlan, FallsBackOnDataItCannotPrepare) {
  const std::vector<double> unsorted = {0, 2, 1, 3, 4, 5}, y = {0.3, 0.1, 0.4, 0.1, 0.5, 0.9};
  const std::vector<double> sorted = {0, 1, 2, 3, 4, 5};
  const std::vector<double> with_nan = {0.3, NAN, 0.4, 0.1, 0.5, 0.9};
  const std::vector<double> with_inf = {0.3, INFINITY, 0.4, -INFINITY, 0.5, 0.9};
  const std::vector<double> huge = {-DBL_MAX, -1e300, 0, 1, 1e300, DBL_MAX};
  auto check = [](const std::vector<double>& x, const std::vector<double>& yy, int k) {
    const KsgPlan plan(x.data(), yy.data(), x.size(), k);
    const double a = plan(yy.data(), 1.0), b = plan.reference(yy.data(), 1.0);
    EXPECT_TRUE(same_bits(a, b) || (std::isnan(a) && std::isnan(b))) << a << " vs " << b;
  };
  for (int k = 1; k <= 5; ++k) {
    check(unsorted, y, k);
    check(sorted, with_nan, k);
    check(sorted, with_inf, k);
    check(huge, y, k);
    check(sorted, huge, k);
  }
}

// The public entry points check their arguments alike and agree.
TEST(KsgPlan, EntryPointsAgree) {
  propgrad::Xoshiro256pp r(7, 3);
  for (int trial = 0; trial < 500; ++trial) {
    const Case c = random_case(r);
    EXPECT_TRUE(same_bits(propgrad::ksg_mutual_information(c.x, c.y, c.k),
                          propgrad::ksg_reference(c.x, c.y, c.k)));
  }
  const std::vector<double> x = {0, 1, 2, 3}, y = {1, 0, 3, 2};
  EXPECT_THROW(propgrad::ksg_reference(x, y, 4), std::invalid_argument);
  EXPECT_THROW(propgrad::ksg_reference(x, y, 0), std::invalid_argument);
}

// Through SeriesStatistic, as the shuffle engine calls it: t scaled to unit
// variance, y multiplied by 1 / sd(y), k = min(5, n - 1).
TEST(KsgPlan, SeriesStatisticMiMatchesTheOriginalWalk) {
  propgrad::Xoshiro256pp r(31337, 4);
  for (int trial = 0; trial < 1000; ++trial) {
    const std::size_t n = 2 + r.next() % 150;
    std::vector<double> t(n), y(n);
    double step = 0;
    for (std::size_t i = 0; i < n; ++i) {
      step += 0.1 + uniform(r);  // strictly increasing, uneven
      t[i] = 1e3 * step;
      y[i] = trial % 5 == 0 ? std::round(normal(r)) : std::sin(step) + normal(r);
    }
    const propgrad::SeriesStatistic s(propgrad::StatisticKind::MI, y.data(), t.data(), n, 1,
                                      propgrad::GradientOptions{});
    for (int shuffle = 0; shuffle < 5; ++shuffle) {
      ASSERT_TRUE(same_bits(s.scaled(y.data()), s.mi_reference(y.data())))
          << "trial " << trial << " n=" << n;
      propgrad::fisher_yates(y.data(), n, r);
    }
  }
}
