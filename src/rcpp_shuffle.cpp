// Rcpp glue for the shuffle engine: builds series views over R memory, runs
// the core with an interrupt poll that only the master thread calls, and
// returns plain vectors for R to assemble into result objects.
#include "rcpp_glue.h"

#include "core/rng.h"
#include "core/shuffle.h"
#include "core/statistics.h"

// [[Rcpp::export(rng = false)]]
Rcpp::List pg_shuffle_cpp(Rcpp::List ys, Rcpp::List ts, Rcpp::CharacterVector keys,
                          int statistic, int alternative, int p_method, int spacing,
                          bool rescale, double period, int window, int degree, double n_perm,
                          double sequential, double seed, double tolerance, int nthreads,
                          bool keep_null, bool allow_exact, double null_buffer_max) {
  const R_xlen_t n_series = ys.size();
  std::vector<propgrad::SeriesData> series(n_series);
  for (R_xlen_t i = 0; i < n_series; ++i) {
    SEXP y = ys[i];
    SEXP t = ts[i];
    SEXP dim = Rf_getAttrib(y, R_DimSymbol);
    propgrad::SeriesData& s = series[i];
    s.y = REAL(y);
    s.n = Rf_isNull(dim) ? static_cast<std::size_t>(Rf_xlength(y)) : INTEGER(dim)[0];
    s.d = Rf_isNull(dim) ? 1 : INTEGER(dim)[1];
    s.t = Rf_isNull(t) ? nullptr : REAL(t);
    s.key = propgrad::stream_key(Rcpp::as<std::string>(keys[i]));
  }
  propgrad::ShuffleOptions opt;
  opt.statistic = static_cast<propgrad::StatisticKind>(statistic - 1);
  opt.alternative = static_cast<propgrad::Alternative>(alternative - 1);
  opt.p_method = static_cast<propgrad::PMethod>(p_method - 1);
  opt.gradient = gradient_options_from_r(spacing, rescale, period, window, degree);
  opt.n_perm = static_cast<int64_t>(n_perm);
  opt.sequential = static_cast<int64_t>(sequential);
  opt.seed = static_cast<uint64_t>(seed);
  opt.tolerance = tolerance;
  opt.allow_exact = allow_exact;
  opt.null_buffer_max = static_cast<std::size_t>(null_buffer_max);

  Rcpp::NumericMatrix null_values(keep_null ? static_cast<int>(opt.n_perm) : 0,
                                  keep_null ? static_cast<int>(n_series) : 0);
  propgrad::StopSignal stop(r_interrupt_pending);
  const auto res = propgrad::shuffle_many(series, opt, nthreads,
                                          keep_null ? REAL(null_values) : nullptr,
                                          static_cast<std::size_t>(opt.n_perm), stop);
  if (stop.stopped()) throw Rcpp::internal::InterruptedException();

  Rcpp::NumericVector statistic_v(n_series), estimate(n_series), null_mean(n_series),
      null_sd(n_series), p_value(n_series), exceed(n_series), n_used(n_series);
  Rcpp::LogicalVector exact(n_series), stopped(n_series);
  Rcpp::CharacterVector error(n_series);
  for (R_xlen_t i = 0; i < n_series; ++i) {
    statistic_v[i] = res[i].statistic;
    estimate[i] = res[i].estimate;
    null_mean[i] = res[i].null_mean;
    null_sd[i] = res[i].null_sd;
    p_value[i] = res[i].p_value;
    exceed[i] = static_cast<double>(res[i].exceedances);
    n_used[i] = static_cast<double>(res[i].n_used);
    exact[i] = res[i].exact;
    stopped[i] = res[i].stopped_early;
    error[i] = res[i].error;
  }
  return Rcpp::List::create(
      Rcpp::Named("statistic") = statistic_v, Rcpp::Named("estimate") = estimate,
      Rcpp::Named("null_mean") = null_mean, Rcpp::Named("null_sd") = null_sd,
      Rcpp::Named("p.value") = p_value, Rcpp::Named("exceedances") = exceed,
      Rcpp::Named("n_used") = n_used, Rcpp::Named("exact") = exact,
      Rcpp::Named("stopped_early") = stopped, Rcpp::Named("error") = error,
      Rcpp::Named("null") = null_values);
}

// [[Rcpp::export(rng = false)]]
int pg_available_threads() { return propgrad::available_threads(); }
