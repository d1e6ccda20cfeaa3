// Rcpp glue for images held by LibTorch (R/tensors.R): the propgrad_tensor
// handle (an external pointer that owns a torchx::ImageTensor and frees it
// with its finalizer), what R asks of it (alive, shape, array, SHA-256,
// rows) and predict() from it. Without LibTorch only pg_tensor_alive() and
// pg_tensor_bytes() work, so a handle read back from a file still says it
// is dead.
#include "rcpp_torch.h"

using namespace propgrad_rcpp;

#ifdef HAVE_LIBTORCH
namespace {

// Bytes held by the live image tensors R has handles to: R's garbage
// collector does not see them, so intervene() collects when they grow.
double tensor_bytes = 0;  // R calls in from one thread

void finalize_tensor(SEXP ptr) {
  auto* t = static_cast<tx::ImageTensor*>(R_ExternalPtrAddr(ptr));
  if (t != nullptr) tensor_bytes -= static_cast<double>(t->bytes());
  delete t;
  R_ClearExternalPtr(ptr);
}

}  // namespace

namespace propgrad_rcpp {

SEXP tensor_handle(std::unique_ptr<tx::ImageTensor> t) {
  const double bytes = static_cast<double>(t->bytes());
  SEXP ptr = PROTECT(R_MakeExternalPtr(t.get(), R_NilValue, R_NilValue));
  t.release();
  tensor_bytes += bytes;
  R_RegisterCFinalizerEx(ptr, finalize_tensor, TRUE);
  Rf_setAttrib(ptr, R_ClassSymbol, Rf_mkString("propgrad_tensor"));
  UNPROTECT(1);
  return ptr;
}

}  // namespace propgrad_rcpp
#endif

// predict() of images held by a tensor handle; `channels` as in
// pg_torch_intervene_predict().
// [[Rcpp::export(rng = false)]]
Rcpp::NumericMatrix pg_torch_predict_tensor(SEXP model, SEXP images, Rcpp::List pre, int batch_size,
                                            std::string type, std::vector<int> channels) {
#ifdef HAVE_LIBTORCH
  return guarded([&] {
    tx::Preprocess p = preprocess_spec(pre);
    if (type != "logits" && type != "raw") Rcpp::stop("internal error: type '%s'", type);
    tx::OutputType t = type == "logits" ? tx::OutputType::Logits : tx::OutputType::Raw;
    tx::Matrix out = pointer<tx::Model>(model, "model")
                         ->predict(*pointer<tx::ImageTensor>(images, "tensor"), p, batch_size,
                                   std::vector<int64_t>(channels.begin(), channels.end()), t,
                                   r_interrupt_pending);
    Rcpp::NumericMatrix res(static_cast<int>(out.rows), static_cast<int>(out.cols));
    std::copy(out.data.begin(), out.data.end(), res.begin());
    return res;
  });
#else
  unavailable();
#endif
}

// Whether a tensor handle still points at its images: a saved and reloaded
// handle, or one from another process, points at nothing. Needs no LibTorch.
// [[Rcpp::export(rng = false)]]
bool pg_tensor_alive(SEXP ptr) {
  return TYPEOF(ptr) == EXTPTRSXP && R_ExternalPtrAddr(ptr) != nullptr;
}

// [[Rcpp::export(rng = false)]]
Rcpp::List pg_tensor_info(SEXP ptr) {
#ifdef HAVE_LIBTORCH
  return guarded([&] {
    auto* t = pointer<tx::ImageTensor>(ptr, "tensor");
    std::vector<int64_t> d = t->dims();
    return Rcpp::List::create(
        Rcpp::Named("dim") = Rcpp::IntegerVector::create(d[0], d[1], d[2], d[3]),
        Rcpp::Named("dtype") = t->dtype(), Rcpp::Named("device") = t->device(),
        Rcpp::Named("layout") = t->layout(), Rcpp::Named("bytes") = static_cast<double>(t->bytes()));
  });
#else
  unavailable();
#endif
}

// The images as R's N x H x W x C double array.
// [[Rcpp::export(rng = false)]]
Rcpp::NumericVector pg_tensor_array(SEXP ptr) {
#ifdef HAVE_LIBTORCH
  return guarded([&] {
    auto* t = pointer<tx::ImageTensor>(ptr, "tensor");
    std::vector<int64_t> d = t->dims();
    Rcpp::NumericVector out(Rcpp::no_init(static_cast<R_xlen_t>(d[0] * d[1] * d[2] * d[3])));
    t->write(REAL(out));
    out.attr("dim") = Rcpp::IntegerVector::create(d[0], d[1], d[2], d[3]);
    return out;
  });
#else
  unavailable();
#endif
}

// SHA-256 of the images' array (as R's sha256_values() of as.array()).
// [[Rcpp::export(rng = false)]]
std::string pg_tensor_sha256(SEXP ptr) {
#ifdef HAVE_LIBTORCH
  return guarded([&] { return pointer<tx::ImageTensor>(ptr, "tensor")->sha256(); });
#else
  unavailable();
#endif
}

// Images `index` (1-based, checked in R) as a new handle on the same device.
// [[Rcpp::export(rng = false)]]
SEXP pg_tensor_select(SEXP ptr, std::vector<double> index) {
#ifdef HAVE_LIBTORCH
  return guarded([&]() -> SEXP {
    std::vector<int64_t> zero(index.size());
    for (size_t i = 0; i < index.size(); ++i) zero[i] = static_cast<int64_t>(index[i]) - 1;
    return tensor_handle(pointer<tx::ImageTensor>(ptr, "tensor")->select(zero));
  });
#else
  unavailable();
#endif
}

// Bytes held by all live tensor handles (0 without LibTorch).
// [[Rcpp::export(rng = false)]]
double pg_tensor_bytes() {
#ifdef HAVE_LIBTORCH
  return tensor_bytes;
#else
  return 0;
#endif
}
