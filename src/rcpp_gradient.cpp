// Rcpp glue for gradients and EPGM: views of R memory handed to the core,
// with the gradient settings read by name from one list.
#include "rcpp_glue.h"

// [[Rcpp::depends(RcppArmadillo)]]

namespace {
propgrad::GradientStencil stencil_for(const arma::mat& y, const Rcpp::Nullable<Rcpp::NumericVector>& t,
                                      const Rcpp::List& gradient) {
  try {
    return propgrad::GradientStencil(optional_values(t), y.n_rows, gradient_options_from_r(gradient));
  } catch (const std::invalid_argument& e) {
    Rcpp::stop(e.what());
  }
}
}  // namespace

// [[Rcpp::export(rng = false)]]
arma::mat pg_gradient_cpp(const arma::mat& y, Rcpp::Nullable<Rcpp::NumericVector> t,
                          Rcpp::List gradient) {
  const auto stencil = stencil_for(y, t, gradient);
  arma::mat g(y.n_rows, y.n_cols);
  for (arma::uword c = 0; c < y.n_cols; ++c) stencil.apply(y.colptr(c), g.colptr(c));
  return g;
}

// [[Rcpp::export(rng = false)]]
double pg_epgm_cpp(const arma::mat& y, Rcpp::Nullable<Rcpp::NumericVector> t, Rcpp::List gradient) {
  const auto stencil = stencil_for(y, t, gradient);
  std::vector<double> work(y.n_rows);
  return stencil.mean_norm(y.memptr(), y.n_cols, work.data());
}
