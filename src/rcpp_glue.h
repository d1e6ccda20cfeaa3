// Shared helpers for the Rcpp glue: settings cross from R as one named list
// and are read here by name (a missing name is an internal error, never a
// silent default), with choices given as the strings R users type, so no
// integer code has to match an enum's order. Checks with useful messages
// happen in R before any of this is reached.
#pragma once
#include <RcppArmadillo.h>

#include <string>

#include "core/adaptive.h"
#include "core/gradient.h"
#include "core/pvalue.h"
#include "core/resize.h"
#include "core/shuffle.h"

template <typename T>
T read_setting(const Rcpp::List& settings, const char* name) {
  if (!settings.containsElementNamed(name)) {
    Rcpp::stop("internal error: setting '%s' was not passed to C++", name);
  }
  return Rcpp::as<T>(settings[name]);
}

inline propgrad::GradientOptions gradient_options_from_r(const Rcpp::List& g) {
  propgrad::GradientOptions opt;
  const std::string spacing = read_setting<std::string>(g, "spacing");
  if (spacing != "index" && spacing != "property") Rcpp::stop("internal error: spacing '%s'", spacing);
  opt.spacing = spacing == "index" ? propgrad::Spacing::Index : propgrad::Spacing::Property;
  opt.rescale = read_setting<bool>(g, "rescale");
  opt.period = read_setting<double>(g, "period");
  opt.smooth_window = read_setting<int>(g, "window");
  opt.smooth_degree = read_setting<int>(g, "degree");
  return opt;
}

inline propgrad::Alternative alternative_from_r(const std::string& a) {
  if (a == "two.sided") return propgrad::Alternative::TwoSided;
  if (a == "less") return propgrad::Alternative::Less;
  if (a == "greater") return propgrad::Alternative::Greater;
  Rcpp::stop("internal error: alternative '%s'", a);
}

inline propgrad::Procedure procedure_from_r(const std::string& p) {
  if (p == "none") return propgrad::Procedure::None;
  if (p == "bonferroni") return propgrad::Procedure::Bonferroni;
  if (p == "holm") return propgrad::Procedure::Holm;
  if (p == "hochberg") return propgrad::Procedure::Hochberg;
  if (p == "BH" || p == "fdr") return propgrad::Procedure::BH;
  if (p == "BY") return propgrad::Procedure::BY;
  Rcpp::stop("internal error: procedure '%s' has no fixed critical values", p);
}

inline propgrad::ShuffleOptions shuffle_options_from_r(const Rcpp::List& s) {
  propgrad::ShuffleOptions opt;
  const std::string stat = read_setting<std::string>(s, "statistic");
  if (stat == "grad") {
    opt.statistic = propgrad::StatisticKind::Grad;
  } else if (stat == "corr") {
    opt.statistic = propgrad::StatisticKind::Corr;
  } else if (stat == "mi") {
    opt.statistic = propgrad::StatisticKind::MI;
  } else {
    Rcpp::stop("internal error: statistic '%s'", stat);
  }
  opt.alternative = alternative_from_r(read_setting<std::string>(s, "alternative"));
  const std::string method = read_setting<std::string>(s, "p_method");
  if (method != "plus_one" && method != "zollstock") Rcpp::stop("internal error: p_method '%s'", method);
  opt.p_method = method == "zollstock" ? propgrad::PMethod::Zollstock : propgrad::PMethod::PlusOne;
  opt.gradient = gradient_options_from_r(read_setting<Rcpp::List>(s, "gradient"));
  opt.n_perm = static_cast<int64_t>(read_setting<double>(s, "n_perm"));
  opt.sequential = static_cast<int64_t>(read_setting<double>(s, "sequential"));
  opt.pilot = static_cast<int64_t>(read_setting<double>(s, "pilot"));
  opt.seed = static_cast<uint64_t>(read_setting<double>(s, "seed"));
  opt.tolerance = read_setting<double>(s, "tolerance");
  opt.conf_level = read_setting<double>(s, "p_conf_level");
  opt.allow_exact = read_setting<bool>(s, "exact");
  opt.null_buffer_max = static_cast<std::size_t>(read_setting<double>(s, "null_buffer_max"));
  opt.share_permutations = read_setting<bool>(s, "share_permutations");
  return opt;
}

inline propgrad::AdaptiveOptions adaptive_options_from_r(const Rcpp::List& s) {
  propgrad::AdaptiveOptions opt;
  opt.procedure = procedure_from_r(read_setting<std::string>(s, "procedure"));
  opt.alpha = read_setting<double>(s, "alpha");
  opt.epsilon = read_setting<double>(s, "epsilon");
  opt.max_per_series = static_cast<int64_t>(read_setting<double>(s, "max_n_perm"));
  opt.max_total = read_setting<double>(s, "max_total");
  opt.first_batch = static_cast<int64_t>(read_setting<double>(s, "first_batch"));
  opt.growth = read_setting<double>(s, "growth");
  opt.max_batch = static_cast<int64_t>(read_setting<double>(s, "max_batch"));
  opt.spending = read_setting<double>(s, "spending");
  return opt;
}

// Resize settings from a torch_preprocess() list (or resize_image_list()'s):
// size (integer(0), one or two numbers), crop (integer(0) or two),
// interpolation and antialias.
inline propgrad::resize::Spec resize_spec_from_r(const Rcpp::List& s) {
  propgrad::resize::Spec spec;
  const std::string filter = read_setting<std::string>(s, "interpolation");
  if (filter != "bilinear" && filter != "bicubic") Rcpp::stop("internal error: interpolation '%s'", filter);
  spec.filter = filter == "bicubic" ? propgrad::resize::Filter::Bicubic : propgrad::resize::Filter::Bilinear;
  spec.antialias = read_setting<bool>(s, "antialias");
  for (int v : read_setting<Rcpp::IntegerVector>(s, "size")) spec.size.push_back(v);
  for (int v : read_setting<Rcpp::IntegerVector>(s, "crop")) spec.crop.push_back(v);
  return spec;
}

// A numeric vector as t, or nullptr when R passed NULL.
inline const double* optional_values(const Rcpp::Nullable<Rcpp::NumericVector>& t) {
  if (t.isNull()) return nullptr;
  return REAL(t.get());
}

inline void check_interrupt_fn(void*) { R_CheckUserInterrupt(); }

// True when the user pressed Ctrl-C; R_ToplevelExec keeps the longjmp out of
// C++ frames. Call from the master thread only.
inline bool r_interrupt_pending() { return R_ToplevelExec(check_interrupt_fn, nullptr) == FALSE; }
