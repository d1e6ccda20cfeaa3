// Shared helpers for the Rcpp glue: translating R option values into core
// option structs. Everything here is argument plumbing; checks with useful
// messages happen in R before any of this is reached.
#pragma once
#include <RcppArmadillo.h>

#include "core/gradient.h"

inline propgrad::GradientOptions gradient_options_from_r(int spacing_index, bool rescale,
                                                         double period, int window,
                                                         int degree) {
  propgrad::GradientOptions opt;
  opt.spacing = spacing_index == 1 ? propgrad::Spacing::Index : propgrad::Spacing::Property;
  opt.rescale = rescale;
  opt.period = period;
  opt.smooth_window = window;
  opt.smooth_degree = degree;
  return opt;
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
