// Implementation of the p-value home (see pvalue.h). Beta quantiles for the
// Clopper-Pearson limits come from Boost.Math (header-only: Debian's
// libboost-dev for the standalone build, CRAN's BH inside R).
#include "pvalue.h"

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/special_functions/beta.hpp>
#include <numeric>
#include <stdexcept>

namespace propgrad {

ExtremeRule extreme_rule(Alternative alternative, double observed, double centre,
                         double tolerance) {
  ExtremeRule rule;
  rule.alternative = alternative;
  rule.observed = observed;
  rule.centre = centre;
  const double scale = alternative == Alternative::TwoSided
                           ? std::max(std::abs(observed), std::abs(centre))
                           : std::abs(observed);
  rule.slack = tolerance * scale;
  return rule;
}

void clopper_pearson(int64_t b, int64_t n, double level, double& low, double& high) {
  if (n <= 0 || b < 0 || b > n || !(level > 0 && level < 1)) {
    low = high = NAN;
    return;
  }
  const double a = (1.0 - level) / 2.0;
  const double bd = static_cast<double>(b), nd = static_cast<double>(n);
  low = b == 0 ? 0.0 : boost::math::ibeta_inv(bd, nd - bd + 1.0, a);
  high = b == n ? 1.0 : boost::math::ibeta_inv(bd + 1.0, nd - bd, 1.0 - a);
}

PValue monte_carlo_p(PKind kind, int64_t b, int64_t n, double level) {
  PValue out;
  if (n <= 0 || b < 0 || b > n) return out;
  const double bd = static_cast<double>(b), nd = static_cast<double>(n);
  switch (kind) {
    case PKind::PlusOne: out.p = (bd + 1.0) / (nd + 1.0); break;
    case PKind::Exact:
    case PKind::Ratio:
    case PKind::Stopped: out.p = bd / nd; break;
  }
  if (kind == PKind::Exact) {
    out.low = out.high = out.p;
  } else {
    clopper_pearson(b, n, level, out.low, out.high);
  }
  return out;
}

double centre_margin(double sd, int64_t m, double level) {
  if (!(sd > 0) || m < 1) return 0.0;
  const double z = boost::math::quantile(boost::math::normal(), 1.0 - (1.0 - level) / 4.0);
  return z * sd / std::sqrt(static_cast<double>(m));
}

PValue centred_monte_carlo_p(PKind kind, int64_t b, int64_t b_minus, int64_t b_plus, int64_t n,
                             bool reaches_one, double level) {
  PValue out = monte_carlo_p(kind, b, n, level);
  if (std::isnan(out.p)) return out;
  const double half = 1.0 - (1.0 - level) / 2.0;
  out.low = 1.0;
  out.high = 0.0;
  for (int64_t count : {b_minus, b, b_plus}) {
    double lo, hi;
    clopper_pearson(count, n, half, lo, hi);
    out.low = std::min(out.low, lo);
    out.high = std::max(out.high, hi);
  }
  if (reaches_one) out.high = 1.0;
  return out;
}

namespace {

// Ranks of p in increasing order (ties keep input order), so step-up and
// step-down walks see the sorted p-values.
std::vector<std::size_t> increasing_order(const std::vector<double>& p) {
  std::vector<std::size_t> o(p.size());
  std::iota(o.begin(), o.end(), 0);
  std::stable_sort(o.begin(), o.end(), [&p](std::size_t a, std::size_t b) { return p[a] < p[b]; });
  return o;
}

double harmonic(std::size_t m) {
  double h = 0.0;
  for (std::size_t i = 1; i <= m; ++i) h += 1.0 / static_cast<double>(i);
  return h;
}

}  // namespace

std::vector<char> procedure_rejects(const std::vector<double>& p, Procedure procedure,
                                    double alpha) {
  const std::size_t m = p.size();
  std::vector<char> reject(m, 0);
  if (m == 0) return reject;
  const double md = static_cast<double>(m);
  const auto order = increasing_order(p);
  // Critical value of the i-th smallest p (i = 1..m).
  auto critical = [&](std::size_t i) {
    const double id = static_cast<double>(i);
    switch (procedure) {
      case Procedure::None: return alpha;
      case Procedure::Bonferroni: return alpha / md;
      case Procedure::Holm:
      case Procedure::Hochberg: return alpha / (md - id + 1.0);
      case Procedure::BH: return id * alpha / md;
      case Procedure::BY: return id * alpha / (md * harmonic(m));
    }
    return 0.0;
  };
  // A relative slack keeps the decisions equal to p.adjust(p) <= alpha when
  // m * p rounds differently from p <= alpha / m.
  auto at_most = [](double v, double crit) { return v <= crit * (1.0 + 1e-12); };
  switch (procedure) {
    case Procedure::None:
    case Procedure::Bonferroni:
      for (std::size_t i = 0; i < m; ++i) reject[i] = at_most(p[i], critical(1));
      break;
    case Procedure::Holm:
      // Step down: reject while the i-th smallest p is below its value.
      for (std::size_t i = 1; i <= m; ++i) {
        if (!at_most(p[order[i - 1]], critical(i))) break;
        reject[order[i - 1]] = 1;
      }
      break;
    case Procedure::Hochberg:
    case Procedure::BH:
    case Procedure::BY: {
      // Step up: reject the k smallest, k the largest i below its value.
      std::size_t k = 0;
      for (std::size_t i = m; i >= 1; --i) {
        if (at_most(p[order[i - 1]], critical(i))) {
          k = i;
          break;
        }
      }
      for (std::size_t i = 0; i < k; ++i) reject[order[i]] = 1;
      break;
    }
  }
  return reject;
}

double procedure_floor_factor(Procedure procedure, std::size_t m) {
  const double md = static_cast<double>(m);
  switch (procedure) {
    case Procedure::None: return 1.0;
    case Procedure::Bonferroni:
    case Procedure::Holm:
    case Procedure::Hochberg:
    case Procedure::BH: return md;
    case Procedure::BY: return md * harmonic(m);
  }
  return md;
}

}  // namespace propgrad
