// Rcpp glue for the shuffle engine: builds series views over R memory with
// data-keyed streams, runs the core (fixed K, sequential or adaptive, plus
// the Westfall-Young joint stream when asked) with an interrupt poll that
// only the master thread calls, and returns plain vectors for R to format.
// The small exports at the end give R the core's resolution floor and
// procedure decisions, so R never recomputes a p-value rule itself.
#include "rcpp_glue.h"

#include "core/adaptive.h"
#include "core/joint.h"
#include "core/permute.h"
#include "core/shared.h"
#include "core/rng.h"
#include "core/shuffle.h"
#include "core/statistics.h"

namespace {

std::vector<propgrad::SeriesData> series_views(const Rcpp::List& ys, const Rcpp::List& ts) {
  std::vector<propgrad::SeriesData> series(ys.size());
  for (R_xlen_t i = 0; i < ys.size(); ++i) {
    SEXP y = ys[i];
    SEXP t = ts[i];
    SEXP dim = Rf_getAttrib(y, R_DimSymbol);
    propgrad::SeriesData& s = series[i];
    s.y = REAL(y);
    s.n = Rf_isNull(dim) ? static_cast<std::size_t>(Rf_xlength(y)) : INTEGER(dim)[0];
    s.d = Rf_isNull(dim) ? 1 : INTEGER(dim)[1];
    s.t = Rf_isNull(t) ? nullptr : REAL(t);
    s.key = propgrad::series_stream_key(s.y, s.n, s.d, s.t);
  }
  return series;
}

const char* centre_name(propgrad::CentreKind kind) {
  switch (kind) {
    case propgrad::CentreKind::None: return "none";
    case propgrad::CentreKind::Exact: return "exact permutation mean";
    case propgrad::CentreKind::AllStatistics: return "mean of all statistics";
    case propgrad::CentreKind::Pilot: return "pilot mean";
    case propgrad::CentreKind::Shuffles: return "mean of the shuffles";
  }
  return "";
}

Rcpp::List results_to_r(const std::vector<propgrad::ShuffleResult>& res) {
  const R_xlen_t n = static_cast<R_xlen_t>(res.size());
  Rcpp::NumericVector statistic(n), estimate(n), null_mean(n), null_sd(n), z(n), centre(n),
      p_value(n), p_low(n), p_high(n), exceed(n), n_used(n), n_pilot(n);
  Rcpp::LogicalVector exact(n), stopped(n), finite(n);
  Rcpp::CharacterVector centre_kind(n), error(n);
  for (R_xlen_t i = 0; i < n; ++i) {
    const auto& r = res[i];
    statistic[i] = r.statistic;
    estimate[i] = r.estimate;
    null_mean[i] = r.null_mean;
    null_sd[i] = r.null_sd;
    z[i] = r.z;
    centre[i] = r.centre;
    centre_kind[i] = centre_name(r.centre_kind);
    p_value[i] = r.p_value;
    p_low[i] = r.p_low;
    p_high[i] = r.p_high;
    exceed[i] = static_cast<double>(r.exceedances);
    n_used[i] = static_cast<double>(r.n_used);
    n_pilot[i] = static_cast<double>(r.n_pilot);
    exact[i] = r.exact;
    stopped[i] = r.stopped_early;
    finite[i] = r.finite;
    error[i] = r.error;
  }
  return Rcpp::List::create(
      Rcpp::Named("statistic") = statistic, Rcpp::Named("estimate") = estimate,
      Rcpp::Named("null_mean") = null_mean, Rcpp::Named("null_sd") = null_sd,
      Rcpp::Named("z") = z, Rcpp::Named("centre") = centre,
      Rcpp::Named("centre_kind") = centre_kind, Rcpp::Named("p.value") = p_value,
      Rcpp::Named("p.conf.low") = p_low, Rcpp::Named("p.conf.high") = p_high,
      Rcpp::Named("exceedances") = exceed, Rcpp::Named("n_perm_used") = n_used,
      Rcpp::Named("n_pilot") = n_pilot, Rcpp::Named("exact") = exact,
      Rcpp::Named("stopped_early") = stopped, Rcpp::Named("finite") = finite,
      Rcpp::Named("error") = error);
}

}  // namespace

// [[Rcpp::export(rng = false)]]
Rcpp::List pg_shuffle_cpp(Rcpp::List ys, Rcpp::List ts, Rcpp::List settings) {
  const auto series = series_views(ys, ts);
  const propgrad::ShuffleOptions opt = shuffle_options_from_r(settings);
  const int nthreads = read_setting<int>(settings, "nthreads");
  const bool keep_null = read_setting<bool>(settings, "keep_null");
  const bool adaptive = read_setting<std::string>(settings, "mode") == "adaptive";
  const bool max_t = read_setting<bool>(settings, "westfall_young");
  const bool joint_only = read_setting<bool>(settings, "joint_only");
  propgrad::StopSignal stop(r_interrupt_pending);
  const R_xlen_t n_series = ys.size();
  Rcpp::List out;
  Rcpp::NumericMatrix null_values(0, 0);
  if (joint_only) {
    // The series' own tests ran elsewhere (future chunks); only the joint stream here.
  } else if (adaptive) {
    const auto run = propgrad::adaptive_many(series, opt, adaptive_options_from_r(
                                                              read_setting<Rcpp::List>(settings, "adaptive")),
                                             nthreads, stop);
    if (stop.stopped()) throw Rcpp::internal::InterruptedException();
    out = results_to_r(run.results);
    Rcpp::CharacterVector decision(n_series);
    for (R_xlen_t i = 0; i < n_series; ++i) {
      decision[i] = run.decision[i] == propgrad::Decision::Significant
                        ? "significant"
                        : (run.decision[i] == propgrad::Decision::NotSignificant ? "not significant"
                                                                                  : "undecided");
    }
    out["decision"] = decision;
    out["iterations"] = run.iterations;
    out["total_shuffles"] = run.total_shuffles;
    out["budget_spent"] = run.budget_spent;
  } else {
    if (keep_null) null_values = Rcpp::NumericMatrix(static_cast<int>(opt.n_perm), static_cast<int>(n_series));
    const auto res = propgrad::shuffle_many(series, opt, nthreads, keep_null ? REAL(null_values) : nullptr,
                                            static_cast<std::size_t>(opt.n_perm), stop);
    if (stop.stopped()) throw Rcpp::internal::InterruptedException();
    out = results_to_r(res);
    out["total_shuffles"] = 0.0;
  }
  out["null"] = null_values;
  if (max_t) {
    propgrad::JointResult joint;
    try {
      joint = propgrad::westfall_young(series, opt, nthreads, stop);
    } catch (const std::invalid_argument& e) {
      Rcpp::stop(e.what());
    }
    if (stop.stopped()) throw Rcpp::internal::InterruptedException();
    out["adj.p.value"] = Rcpp::wrap(joint.adjusted);
  }
  return out;
}

// The smallest p-value each series can reach under the settings (1/n! when
// enumerated, 0 for zollstock, else 1/(K + 1)).
// [[Rcpp::export(rng = false)]]
Rcpp::NumericVector pg_smallest_p_cpp(Rcpp::IntegerVector n_steps, Rcpp::List settings) {
  const propgrad::ShuffleOptions opt = shuffle_options_from_r(settings);
  Rcpp::NumericVector out(n_steps.size());
  for (R_xlen_t i = 0; i < n_steps.size(); ++i) {
    out[i] = propgrad::smallest_p_value(static_cast<std::size_t>(n_steps[i]), opt);
  }
  return out;
}

// The factor c with which a lone discovery's adjusted p is c times its raw p.
// [[Rcpp::export(rng = false)]]
double pg_floor_factor_cpp(std::string procedure, int m) {
  return propgrad::procedure_floor_factor(procedure_from_r(procedure), static_cast<std::size_t>(m));
}

// Decisions of a procedure (p <= critical value), as the adaptive mode makes them.
// [[Rcpp::export(rng = false)]]
Rcpp::LogicalVector pg_procedure_rejects_cpp(Rcpp::NumericVector p, std::string procedure, double alpha) {
  const std::vector<double> pv(p.begin(), p.end());
  const auto rejects = propgrad::procedure_rejects(pv, procedure_from_r(procedure), alpha);
  return Rcpp::LogicalVector(rejects.begin(), rejects.end());
}

// Memory the Westfall-Young joint stream needs (see joint.h).
// [[Rcpp::export(rng = false)]]
double pg_westfall_young_bytes_cpp(double m, double n, double d, Rcpp::List settings, int nthreads) {
  const propgrad::ShuffleOptions opt = shuffle_options_from_r(settings);
  return propgrad::westfall_young_bytes(static_cast<std::size_t>(m), static_cast<std::size_t>(n),
                                        static_cast<std::size_t>(d), opt.n_perm, nthreads,
                                        opt.statistic);
}

// [[Rcpp::export(rng = false)]]
int pg_available_threads() { return propgrad::available_threads(); }

// Memory the shared permutations hold for a largest group of `group`
// series of one length (see shared.h).
// [[Rcpp::export(rng = false)]]
double pg_shared_bytes_cpp(double group, Rcpp::List settings) {
  const propgrad::ShuffleOptions opt = shuffle_options_from_r(settings);
  return propgrad::shared_permutation_bytes(static_cast<std::size_t>(group), opt.n_perm);
}

// The version of the shuffle streams (permute.h), recorded with results.
// [[Rcpp::export(rng = false)]]
int pg_stream_version_cpp() { return propgrad::kStreamVersion; }
