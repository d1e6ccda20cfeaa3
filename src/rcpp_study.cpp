// Rcpp glue for study-level inference (R/study.R, R/flips.R): intervals of a
// mean, the paired sign-flip test and the blocked permutation correlation,
// each with its settings read by name from one list and an interrupt poll.
#include "rcpp_glue.h"

#include "core/intervals.h"
#include "core/resampling.h"

namespace {
Rcpp::List resampling_to_r(const propgrad::ResamplingResult& r) {
  if (r.interrupted) throw Rcpp::internal::InterruptedException();
  return Rcpp::List::create(
      Rcpp::Named("estimate") = r.estimate, Rcpp::Named("statistic") = r.statistic,
      Rcpp::Named("p.value") = r.p_value, Rcpp::Named("p.conf.low") = r.p_low,
      Rcpp::Named("p.conf.high") = r.p_high, Rcpp::Named("p.floor") = r.p_floor,
      Rcpp::Named("n_perm_used") = static_cast<double>(r.n_used), Rcpp::Named("exact") = r.exact);
}
}  // namespace

// The studentized bootstrap of a mean (both intervals and the symmetric
// test) and, for comparison, the t interval.
// [[Rcpp::export(rng = false)]]
Rcpp::List pg_bootstrap_t_cpp(Rcpp::NumericVector x, Rcpp::List settings) {
  const std::vector<double> v(x.begin(), x.end());
  const double level = read_setting<double>(settings, "conf_level");
  propgrad::StopSignal stop(r_interrupt_pending);
  const auto boot = propgrad::studentized_bootstrap(
      v, static_cast<int64_t>(read_setting<double>(settings, "n_boot")), level,
      static_cast<uint64_t>(read_setting<double>(settings, "seed")),
      read_setting<double>(settings, "tolerance"), &stop);
  if (boot.interrupted) throw Rcpp::internal::InterruptedException();
  const auto t = propgrad::t_interval(v, level);
  return Rcpp::List::create(
      Rcpp::Named("equal") = Rcpp::NumericVector::create(boot.equal.low, boot.equal.high),
      Rcpp::Named("symmetric") = Rcpp::NumericVector::create(boot.symmetric.low, boot.symmetric.high),
      Rcpp::Named("t") = Rcpp::NumericVector::create(t.low, t.high),
      Rcpp::Named("statistic") = boot.t0, Rcpp::Named("p.value") = boot.p_value,
      Rcpp::Named("n_valid") = static_cast<double>(boot.n_valid));
}

// [[Rcpp::export(rng = false)]]
Rcpp::List pg_sign_flip_cpp(Rcpp::NumericVector d, Rcpp::List settings) {
  const std::vector<double> v(d.begin(), d.end());
  propgrad::StopSignal stop(r_interrupt_pending);
  return resampling_to_r(propgrad::sign_flip_test(
      v, static_cast<int64_t>(read_setting<double>(settings, "n_perm")),
      static_cast<uint64_t>(read_setting<double>(settings, "seed")),
      read_setting<double>(settings, "tolerance"), read_setting<double>(settings, "p_conf_level"), &stop));
}

// [[Rcpp::export(rng = false)]]
Rcpp::List pg_rank_correlation_cpp(Rcpp::NumericVector x, Rcpp::NumericVector y,
                                   Rcpp::IntegerVector block, Rcpp::List settings) {
  const std::vector<double> xv(x.begin(), x.end()), yv(y.begin(), y.end());
  std::vector<int> b(block.begin(), block.end());
  for (auto& v : b) v -= 1;  // R's factor codes start at 1
  propgrad::StopSignal stop(r_interrupt_pending);
  return resampling_to_r(propgrad::rank_correlation_test(
      xv, yv, b, static_cast<int64_t>(read_setting<double>(settings, "n_perm")),
      static_cast<uint64_t>(read_setting<double>(settings, "seed")),
      read_setting<double>(settings, "tolerance"), read_setting<double>(settings, "p_conf_level"), &stop));
}
