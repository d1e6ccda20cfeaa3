// Test statistics of one series, prepared once from the property values and
// the original outputs, then evaluated on each shuffled output:
//   grad: EPGM (mean |gradient|, or mean gradient norm for vector outputs);
//   corr: Pearson r of y with t (scalar outputs);
//   mi:   Kraskov-Stoegbauer-Grassberger mutual information (algorithm 1,
//         k = 5, max-norm, t and y scaled to unit variance as the reference).
// Everything that permutation leaves unchanged (mean and variance of y, the
// gradient stencil, the KSG plan with its x-neighbour order and sorted y
// values) is computed once here.
#pragma once
#include <cstddef>
#include <vector>

#include "gradient.h"
#include "ksg.h"

namespace propgrad {

enum class StatisticKind { Grad, Corr, MI };

class SeriesStatistic {
 public:
  // y: the original outputs, n x d column-major; t: property values (nullptr
  // means 0..n-1). Corr and MI need d == 1.
  SeriesStatistic(StatisticKind kind, const double* y, const double* t, std::size_t n,
                  std::size_t d, const GradientOptions& opt);

  // The statistic of an n x d output matrix (typically a shuffled copy) on
  // the engine's scale: grad per unit of the stencil's internal positions
  // (gradient.h), so it stays finite for any finite t. corr and mi have no
  // units and are the same on both scales.
  double scaled(const double* y) const;

  // A value on the engine's scale (statistic, null moments) in the user's units.
  double user(double v) const { return kind_ == StatisticKind::Grad ? stencil_.to_user(v) : v; }

  // The statistic in the user's units.
  double operator()(const double* y) const { return user(scaled(y)); }

  // EPGM of an output matrix, per unit of t: the effect size reported for
  // every statistic.
  double epgm(const double* y) const { return stencil_.mean_norm(y, d_, work_.data()); }

  // The mean of the statistic over all n! orderings of y, where it is known
  // in closed form: 0 for corr (r is linear in y with centred weights); for
  // grad when every gradient row is w_i (y_a - y_b) (evenly spaced steps, no
  // smoothing): mean(w) times the mean distance between two distinct rows
  // of y, on the scale of scaled(). Returns false otherwise (mi, uneven
  // steps, smoothing).
  bool exact_null_mean(const double* y, double& mean) const;

  // The mi statistic by the original KSG walk (KsgPlan::reference), which
  // scaled() must match bit for bit; for tests.
  double mi_reference(const double* y) const;

  std::size_t n() const { return n_; }
  std::size_t d() const { return d_; }
  StatisticKind kind() const { return kind_; }
  // The gradient stencil (the grad statistic's, and the EPGM's).
  const GradientStencil& stencil() const { return stencil_; }

 private:
  double correlation(const double* y) const;
  double mutual_information(const double* y) const;

  StatisticKind kind_;
  std::size_t n_, d_;
  GradientStencil stencil_;
  mutable std::vector<double> work_;
  // corr
  std::vector<double> t_weights_;  // (t - mean t) / sqrt(S_tt)
  double y_norm_ = 0.0;            // sqrt(S_yy); 0 for constant y
  double y_mean_ = 0.0;
  // mi
  double y_scale_ = 0.0;           // 1 / sd(y); 0 for constant y
  KsgPlan ksg_;                    // t and y scaled to unit variance; k = min(5, n - 1)
};

// Bytes one SeriesStatistic holds for a series of n steps and d outputs:
// the stencil and workspace (about 40 per value), plus the KSG plan for mi
// (ksg.h: about n * (min(n, 128) + 60)). Memory checks use it.
double statistic_bytes(StatisticKind kind, std::size_t n, std::size_t d);

}  // namespace propgrad
