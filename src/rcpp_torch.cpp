// Rcpp glue for the LibTorch code. It sees only torch/torch_api.h (never a
// torch header) and, in a build without LibTorch, compiles to functions that
// report "unavailable"; R checks has_torch() first and raises the classed
// error itself. torchx::Error becomes an R error whose message starts with
// "[kind] ", which R turns into the class propgrad_error_torch_<kind>.
// Helpers shared with rcpp_tensors.cpp (image tensor handles) are in
// rcpp_torch.h.
#include "rcpp_torch.h"

using namespace propgrad_rcpp;

namespace {

#ifdef HAVE_LIBTORCH

Rcpp::NumericVector image_array(tx::ImageBuffer&& b) {
  Rcpp::NumericVector out(b.data.begin(), b.data.end());
  out.attr("dim") = Rcpp::IntegerVector::create(b.n, b.h, b.w, b.c);
  return out;
}

// A built-in intervention's settings as R passes them (intervene() and
// explain()'s fused path alike).
tx::Intervention intervention_spec(const std::string& kind, const std::vector<double>& strengths,
                                   const std::vector<double>& numbers,
                                   const Rcpp::Nullable<Rcpp::NumericVector>& other,
                                   const Rcpp::Nullable<Rcpp::NumericVector>& mask,
                                   const std::string& padding, const std::string& space) {
  tx::Intervention spec;
  spec.kind = kind;
  spec.strengths = strengths;
  spec.numbers = numbers;
  spec.other = optional_view(other);
  spec.mask = optional_view(mask);
  spec.padding = padding;
  spec.space = space;
  return spec;
}

void finalize_model(SEXP ptr) {
  delete static_cast<tx::Model*>(R_ExternalPtrAddr(ptr));
  R_ClearExternalPtr(ptr);
}

void finalize_editor(SEXP ptr) {
  delete static_cast<tx::Editor*>(R_ExternalPtrAddr(ptr));
  R_ClearExternalPtr(ptr);
}

#endif

}  // namespace

// [[Rcpp::export(rng = false)]]
bool pg_has_torch() {
#ifdef HAVE_LIBTORCH
  return true;
#else
  return false;
#endif
}

// [[Rcpp::export(rng = false)]]
Rcpp::List pg_torch_info() {
#ifdef HAVE_LIBTORCH
  return guarded([] {
    tx::Info i = tx::info();
    return Rcpp::List::create(Rcpp::Named("version") = i.version,
                              Rcpp::Named("cuda") = i.cuda_available,
                              Rcpp::Named("cuda_devices") = static_cast<double>(i.cuda_devices));
  });
#else
  unavailable();
#endif
}

// Returns LibTorch's previous thread count; R calls it with the count from
// pg_threads() before torch work.
// [[Rcpp::export(rng = false)]]
int pg_torch_set_threads(int n) {
#ifdef HAVE_LIBTORCH
  return guarded([&] { return tx::set_threads(n); });
#else
  unavailable();
#endif
}

// [[Rcpp::export(rng = false)]]
SEXP pg_torch_load(std::string path, std::string device, bool editor) {
#ifdef HAVE_LIBTORCH
  return guarded([&]() -> SEXP {
    if (editor) {
      auto* e = new tx::Editor(path, device);
      SEXP ptr = PROTECT(R_MakeExternalPtr(e, R_NilValue, R_NilValue));
      R_RegisterCFinalizerEx(ptr, finalize_editor, TRUE);
      UNPROTECT(1);
      return ptr;
    }
    auto* m = new tx::Model(path, device);
    SEXP ptr = PROTECT(R_MakeExternalPtr(m, R_NilValue, R_NilValue));
    R_RegisterCFinalizerEx(ptr, finalize_model, TRUE);
    UNPROTECT(1);
    return ptr;
  });
#else
  unavailable();
#endif
}

// chunks: a list of N x H x W x C arrays, in order (sizes may differ).
// [[Rcpp::export(rng = false)]]
Rcpp::NumericMatrix pg_torch_predict(SEXP model, Rcpp::List chunks, Rcpp::List pre,
                                     int batch_size, std::string type) {
#ifdef HAVE_LIBTORCH
  return guarded([&] {
    tx::Preprocess p = preprocess_spec(pre);
    if (type != "logits" && type != "raw") Rcpp::stop("internal error: type '%s'", type);
    tx::OutputType t = type == "logits" ? tx::OutputType::Logits : tx::OutputType::Raw;
    std::vector<tx::ImageView> views;
    for (R_xlen_t i = 0; i < chunks.size(); ++i) views.push_back(image_view(chunks[i]));
    auto* m = pointer<tx::Model>(model, "model");
    tx::Matrix out = m->predict(views, p, batch_size, t, r_interrupt_pending);
    Rcpp::NumericMatrix res(static_cast<int>(out.rows), static_cast<int>(out.cols));
    std::copy(out.data.begin(), out.data.end(), res.begin());
    return res;
  });
#else
  unavailable();
#endif
}

// [[Rcpp::export(rng = false)]]
Rcpp::NumericVector pg_torch_preprocess(SEXP model, Rcpp::NumericVector images, Rcpp::List pre) {
#ifdef HAVE_LIBTORCH
  return guarded([&] {
    tx::Preprocess p = preprocess_spec(pre);
    return image_array(pointer<tx::Model>(model, "model")->preprocess(image_view(images), p));
  });
#else
  unavailable();
#endif
}

// [[Rcpp::export(rng = false)]]
void pg_torch_save_script(std::string source, Rcpp::List buffers, std::string path) {
#ifdef HAVE_LIBTORCH
  guarded([&] {
    std::vector<tx::NamedArray> arrays;
    Rcpp::CharacterVector names =
        buffers.size() ? Rcpp::CharacterVector(buffers.names()) : Rcpp::CharacterVector(0);
    for (R_xlen_t i = 0; i < buffers.size(); ++i) {
      Rcpp::NumericVector v = buffers[i];
      tx::NamedArray a;
      a.name = Rcpp::as<std::string>(names[i]);
      a.data.assign(v.begin(), v.end());
      if (v.hasAttribute("dim")) {
        Rcpp::IntegerVector d = v.attr("dim");
        a.dims.assign(d.begin(), d.end());
      } else {
        a.dims = {static_cast<int64_t>(v.size())};
      }
      arrays.push_back(std::move(a));
    }
    tx::save_script_module(source, arrays, path);
    return 0;
  });
#else
  unavailable();
#endif
}

// A built-in intervention's images as a tensor handle on `device`.
// [[Rcpp::export(rng = false)]]
SEXP pg_torch_intervene(Rcpp::NumericVector image, std::string kind, std::vector<double> strengths,
                        std::vector<double> numbers, Rcpp::Nullable<Rcpp::NumericVector> other,
                        Rcpp::Nullable<Rcpp::NumericVector> mask, std::string padding,
                        std::string space, std::string device, int batch_size) {
#ifdef HAVE_LIBTORCH
  return guarded([&]() -> SEXP {
    tx::Intervention spec = intervention_spec(kind, strengths, numbers, other, mask, padding, space);
    return tensor_handle(
        tx::intervene_tensor(image_view(image), spec, device, batch_size, r_interrupt_pending));
  });
#else
  unavailable();
#endif
}

// explain()'s fused path: pg_torch_intervene()'s arguments, then the models
// (a list of pointers, all on `device`), one preprocess list for all,
// "logits" or "raw", and the 0-based channels each model sees (empty: all).
// One matrix per model.
// [[Rcpp::export(rng = false)]]
Rcpp::List pg_torch_intervene_predict(Rcpp::NumericVector image, std::string kind,
                                      std::vector<double> strengths, std::vector<double> numbers,
                                      Rcpp::Nullable<Rcpp::NumericVector> other,
                                      Rcpp::Nullable<Rcpp::NumericVector> mask, std::string padding,
                                      std::string space, std::string device, int batch_size,
                                      Rcpp::List models, Rcpp::List pre, std::string type,
                                      std::vector<int> channels) {
#ifdef HAVE_LIBTORCH
  return guarded([&] {
    tx::Intervention spec = intervention_spec(kind, strengths, numbers, other, mask, padding, space);
    if (type != "logits" && type != "raw") Rcpp::stop("internal error: type '%s'", type);
    tx::OutputType t = type == "logits" ? tx::OutputType::Logits : tx::OutputType::Raw;
    std::vector<const tx::Model*> ms;
    for (R_xlen_t i = 0; i < models.size(); ++i) ms.push_back(pointer<tx::Model>(models[i], "model"));
    std::vector<tx::Matrix> outs =
        tx::intervene_predict(image_view(image), spec, device, batch_size, ms,
                              preprocess_spec(pre),
                              std::vector<int64_t>(channels.begin(), channels.end()), t,
                              r_interrupt_pending);
    Rcpp::List res(outs.size());
    for (size_t i = 0; i < outs.size(); ++i) {
      Rcpp::NumericMatrix m(static_cast<int>(outs[i].rows), static_cast<int>(outs[i].cols));
      std::copy(outs[i].data.begin(), outs[i].data.end(), m.begin());
      res[static_cast<R_xlen_t>(i)] = m;
    }
    return res;
  });
#else
  unavailable();
#endif
}

// `seed`: NA for an unseeded editor, else a whole number R has checked
// (0 .. 2^31 - 1). The edited images as a tensor handle on the editor's device.
// [[Rcpp::export(rng = false)]]
SEXP pg_torch_edit(SEXP editor, Rcpp::NumericVector image, std::vector<double> strengths,
                   int batch_size, double seed) {
#ifdef HAVE_LIBTORCH
  return guarded([&]() -> SEXP {
    std::optional<uint64_t> s;
    if (!ISNAN(seed)) s = static_cast<uint64_t>(seed);
    return tensor_handle(pointer<tx::Editor>(editor, "editor")
                             ->apply_tensor(image_view(image), strengths, batch_size,
                                            r_interrupt_pending, s));
  });
#else
  unavailable();
#endif
}

// The model's floating-point tensors (parameters, then buffers) for
// sanity_check()'s layer groups.
// [[Rcpp::export(rng = false)]]
Rcpp::DataFrame pg_torch_tensors(SEXP model) {
#ifdef HAVE_LIBTORCH
  return guarded([&] {
    std::vector<tx::TensorSummary> t = tx::model_tensors(*pointer<tx::Model>(model, "model"));
    Rcpp::CharacterVector name(t.size());
    Rcpp::LogicalVector parameter(t.size());
    Rcpp::NumericVector numel(t.size()), mean(t.size()), sd(t.size());
    for (size_t i = 0; i < t.size(); ++i) {
      name[i] = t[i].name;
      parameter[i] = t[i].parameter;
      numel[i] = static_cast<double>(t[i].numel);
      mean[i] = t[i].mean;
      sd[i] = t[i].sd;
    }
    return Rcpp::DataFrame::create(Rcpp::Named("name") = name, Rcpp::Named("parameter") = parameter,
                                   Rcpp::Named("numel") = numel, Rcpp::Named("mean") = mean,
                                   Rcpp::Named("sd") = sd, Rcpp::Named("stringsAsFactors") = false);
  });
#else
  unavailable();
#endif
}

// An independent copy of a model, freed with its R pointer like a loaded one.
// [[Rcpp::export(rng = false)]]
SEXP pg_torch_copy(SEXP model) {
#ifdef HAVE_LIBTORCH
  return guarded([&]() -> SEXP {
    std::unique_ptr<tx::Model> copy = tx::copy_model(*pointer<tx::Model>(model, "model"));
    SEXP ptr = PROTECT(R_MakeExternalPtr(copy.get(), R_NilValue, R_NilValue));
    copy.release();
    R_RegisterCFinalizerEx(ptr, finalize_model, TRUE);
    UNPROTECT(1);
    return ptr;
  });
#else
  unavailable();
#endif
}

// Re-draws the named tensors of a (copied) model in place; seed is a whole
// number below 2^53, checked in R.
// [[Rcpp::export(rng = false)]]
void pg_torch_redraw(SEXP model, std::vector<std::string> names, double seed) {
#ifdef HAVE_LIBTORCH
  guarded([&] {
    tx::redraw_tensors(*pointer<tx::Model>(model, "model"), names, static_cast<uint64_t>(seed));
    return 0;
  });
#else
  unavailable();
#endif
}
