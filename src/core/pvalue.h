// The one home of p-values. Every test in propgrad (shuffle tests with a
// fixed number of shuffles, exact enumeration, Besag-Clifford stopping, the
// adaptive multiple-testing mode, Westfall-Young max-T, the paired sign-flip
// test and the blocked permutation correlation) decides "at least as
// extreme" with ExtremeRule and turns its count into a p-value with a Monte
// Carlo interval through monte_carlo_p(). The multiple-testing procedures
// the adaptive mode applies to confidence bounds, and the smallest p a
// design can reach, live here too.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace propgrad {

enum class Alternative { TwoSided, Less, Greater };

// The documented tie tolerance: a null statistic within
// tolerance * max(|T0|, |centre|) of the observed one counts as at least as
// extreme, so rounding in a reordered sum can never make an identical value
// look less extreme (a constant output gets p = 1).
constexpr double kDefaultTolerance = 1e-9;

// "At least as extreme as the observed statistic T0":
//   greater:   T >= T0 - slack
//   less:      T <= T0 + slack
//   two-sided: |T - c| >= |T0 - c| - slack, c the centre of the null.
// A non-finite null statistic is never extreme. `strict` (reference parity
// for mutual information only) counts T > T0 with no slack.
struct ExtremeRule {
  Alternative alternative = Alternative::TwoSided;
  double observed = 0.0;
  double centre = 0.0;
  double slack = 0.0;
  bool strict = false;

  bool operator()(double t) const {
    if (!std::isfinite(t)) return false;
    if (strict) return t > observed;
    switch (alternative) {
      case Alternative::Greater: return t >= observed - slack;
      case Alternative::Less: return t <= observed + slack;
      case Alternative::TwoSided: return std::abs(t - centre) >= std::abs(observed - centre) - slack;
    }
    return false;
  }
};

// The rule with slack = tolerance * max(|observed|, |centre|).
ExtremeRule extreme_rule(Alternative alternative, double observed, double centre,
                         double tolerance = kDefaultTolerance);

// How a count of b extreme values among n null statistics becomes a p-value:
//   PlusOne:  (b + 1)/(n + 1), the valid Monte Carlo p (Phipson & Smyth 2010);
//   Exact:    b / n over all n orderings (identity included), no Monte Carlo error;
//   Ratio:    b / n, the reference implementation's p (can be 0: not valid);
//   Stopped:  h / l at a Besag-Clifford stop (b = h extremes in l shuffles).
enum class PKind { PlusOne, Exact, Ratio, Stopped };

// A p-value with the Clopper-Pearson interval (at `level`) of the
// permutation p-value it estimates: the probability that one random
// shuffle is at least as extreme. Exact p-values have a zero-width interval.
struct PValue {
  double p = NAN;
  double low = NAN;
  double high = NAN;
};

PValue monte_carlo_p(PKind kind, int64_t b, int64_t n, double level);

// A two-sided p whose centre c^ was estimated (the mean of all K + 1
// statistics, or of a pilot): the counted shuffles are not binomial around
// the p of the exact centre, so its Monte Carlo interval must also cover the
// centre's error. centre_margin() is delta = z sd / sqrt(m), which brackets
// the exact permutation mean with probability 1 - (1 - level)/2;
// centred_monte_carlo_p() takes the counts b_minus and b_plus at c^ -/+
// delta and returns the union of the three Clopper-Pearson intervals (each
// at 1 - (1 - level)/2), reaching 1 when T0 lies inside the bracket (where
// the p of a centre equal to T0 is 1). The p itself is monte_carlo_p(kind, b, n).
double centre_margin(double sd, int64_t m, double level);
PValue centred_monte_carlo_p(PKind kind, int64_t b, int64_t b_minus, int64_t b_plus, int64_t n,
                             bool reaches_one, double level);

// Clopper-Pearson interval for a binomial proportion (b successes in n).
void clopper_pearson(int64_t b, int64_t n, double level, double& low, double& high);

// Multiple-testing procedures with fixed critical values, all monotone (a
// smaller p can only add rejections), so applying one to lower and to upper
// confidence bounds of the p-values brackets its decisions on the p-values
// themselves (Gandy & Hahn 2014). Rejection means p <= critical value, as
// stats::p.adjust(p, method) <= alpha.
enum class Procedure { None, Bonferroni, Holm, Hochberg, BH, BY };

std::vector<char> procedure_rejects(const std::vector<double>& p, Procedure procedure,
                                    double alpha);

// The factor c with which a lone discovery's adjusted p is c * p: the
// smallest adjusted p a study can reach is c times the smallest raw p.
double procedure_floor_factor(Procedure procedure, std::size_t m);

}  // namespace propgrad
