// Shared by the Rcpp glue of the LibTorch code (rcpp_torch.cpp: models,
// interventions, editors; rcpp_tensors.cpp: image tensor handles). It sees
// only torch/torch_api.h, never a torch header; in a build without LibTorch
// only unavailable() is here.
#pragma once
#include "rcpp_glue.h"

#ifdef HAVE_LIBTORCH
#include <memory>

#include "torch/torch_api.h"
#endif

namespace propgrad_rcpp {

#ifdef HAVE_LIBTORCH
namespace tx = propgrad::torchx;

inline tx::ImageView image_view(const Rcpp::NumericVector& x) {
  Rcpp::IntegerVector d = x.attr("dim");
  return tx::ImageView{REAL(x), d[0], d[1], d[2], d[3]};
}

template <typename T>
inline tx::ImageView optional_view(const Rcpp::Nullable<T>& x) {
  if (x.isNull()) return tx::ImageView{};
  return image_view(Rcpp::NumericVector(x.get()));
}

// Runs body, translating torch-side errors for R.
template <typename F>
auto guarded(F body) -> decltype(body()) {
  try {
    return body();
  } catch (const tx::Error& e) {
    if (e.kind() == "interrupt") throw Rcpp::internal::InterruptedException();
    throw Rcpp::exception(("[" + e.kind() + "] " + e.what()).c_str(), false);
  } catch (const Rcpp::internal::InterruptedException&) {
    throw;
  } catch (const Rcpp::exception&) {
    throw;
  } catch (const std::exception& e) {
    throw Rcpp::exception((std::string("[torch] ") + e.what()).c_str(), false);
  }
}

// R passes the torch_preprocess() list: the resize settings (read by
// resize_spec_from_r), scale, mean, sd (both numeric(0) when off, else one
// per channel) and channels.
inline tx::Preprocess preprocess_spec(const Rcpp::List& pre) {
  tx::Preprocess p;
  p.resize = resize_spec_from_r(pre);
  p.scale = read_setting<double>(pre, "scale");
  p.mean = read_setting<std::vector<double>>(pre, "mean");
  p.sd = read_setting<std::vector<double>>(pre, "sd");
  p.bgr = read_setting<std::string>(pre, "channels") == "bgr";
  return p;
}

template <typename T>
inline T* pointer(SEXP ptr, const char* what) {
  if (TYPEOF(ptr) != EXTPTRSXP || R_ExternalPtrAddr(ptr) == nullptr) {
    throw Rcpp::exception((std::string("[stale] This ") + what +
                           " no longer exists in memory (it was saved and reloaded, or freed).")
                              .c_str(),
                          false);
  }
  return static_cast<T*>(R_ExternalPtrAddr(ptr));
}

// An R handle (class propgrad_tensor) that owns the images (rcpp_tensors.cpp).
SEXP tensor_handle(std::unique_ptr<tx::ImageTensor> t);
#else
[[noreturn]] inline void unavailable() {
  throw Rcpp::exception("[unavailable] propgrad was built without LibTorch.", false);
}
#endif

}  // namespace propgrad_rcpp
