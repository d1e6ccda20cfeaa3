// libFuzzer target over propgrad's C++ core (src/core, no R): gradient
// stencils, the three statistics, the shuffle engine, Westfall-Young, the
// adaptive mode and the study-level intervals and tests, with arbitrary
// lengths, values (NaN, Inf, ties, unsorted), periods, smoothing windows,
// tolerances and test settings. Input the R layer refuses may throw
// std::invalid_argument (or come back as a series error); anything else --
// another exception, a sanitizer report, a p-value outside [0, 1], a p for a
// non-finite statistic, an interval with low > high, results that depend on
// series order -- is a finding. Build and run with tools/fuzz.sh.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "adaptive.h"
#include "gradient.h"
#include "intervals.h"
#include "joint.h"
#include "resampling.h"
#include "rng.h"
#include "shared.h"
#include "shuffle.h"
#include "statistics.h"

namespace {

using propgrad::GradientOptions;

[[noreturn]] void finding(const char* what) {
  std::fprintf(stderr, "propgrad fuzz finding: %s\n", what);
  std::abort();
}

// Values either straight from the bytes (any double: NaN, Inf, denormals)
// or built to pass the R layer's checks, so the fuzzer also reaches deep
// into valid series: sorted t with small gaps, outputs in [0, 1] with ties.
std::vector<double> fuzz_values(FuzzedDataProvider& in, std::size_t n, bool increasing) {
  std::vector<double> v(n);
  const int style = in.ConsumeIntegralInRange(0, 3);
  double level = in.ConsumeFloatingPointInRange(-10.0, 10.0);
  for (std::size_t i = 0; i < n; ++i) {
    switch (style) {
      case 0: v[i] = in.ConsumeFloatingPoint<double>(); break;
      case 1: v[i] = in.ConsumeIntegralInRange(0, 3); break;  // many ties
      default: {
        const double step = in.ConsumeProbability<double>();
        level += increasing ? step + (style == 2 ? 1e-12 : 0.0) : step - 0.5;
        v[i] = level;
      }
    }
  }
  return v;
}

GradientOptions fuzz_gradient_options(FuzzedDataProvider& in) {
  GradientOptions opt;
  opt.spacing = in.ConsumeBool() ? propgrad::Spacing::Index : propgrad::Spacing::Property;
  opt.rescale = in.ConsumeBool();
  const int period_kind = in.ConsumeIntegralInRange(0, 3);
  opt.period = period_kind == 0 ? 0.0
               : period_kind == 1 ? in.ConsumeFloatingPoint<double>()
                                  : in.ConsumeFloatingPointInRange(0.0, 1000.0);
  if (in.ConsumeBool()) {
    opt.smooth_window = in.ConsumeIntegralInRange(-2, 45);
    opt.smooth_degree = in.ConsumeIntegralInRange(-1, 8);
  }
  return opt;
}

bool same_double(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof a) == 0;
}

void fuzz_gradient(FuzzedDataProvider& in) {
  const std::size_t n = in.ConsumeIntegralInRange<std::size_t>(0, 48);
  const std::size_t d = in.ConsumeIntegralInRange<std::size_t>(1, 3);
  const GradientOptions opt = fuzz_gradient_options(in);
  const bool with_t = in.ConsumeBool();
  const std::vector<double> t = fuzz_values(in, n, true);
  const std::vector<double> y = fuzz_values(in, n * d, false);
  try {
    const propgrad::GradientStencil stencil(with_t ? t.data() : nullptr, n, opt);
    if (stencil.size() != n) finding("stencil size differs from n");
    std::vector<double> g(n), work(n);
    stencil.apply(y.data(), g.data());
    const double m = stencil.mean_abs(y.data());
    const double norm = stencil.mean_norm(y.data(), d, work.data());
    if (m < 0 || norm < 0) finding("negative gradient magnitude");
  } catch (const std::invalid_argument&) {
  }
}

void fuzz_statistic(FuzzedDataProvider& in) {
  const auto kind = static_cast<propgrad::StatisticKind>(in.ConsumeIntegralInRange(0, 2));
  const std::size_t n = in.ConsumeIntegralInRange<std::size_t>(0, 40);
  const std::size_t d = in.ConsumeIntegralInRange<std::size_t>(1, 2);
  const GradientOptions opt = fuzz_gradient_options(in);
  const std::vector<double> t = fuzz_values(in, n, true);
  const std::vector<double> y = fuzz_values(in, n * d, false);
  try {
    const propgrad::SeriesStatistic stat(kind, y.data(), t.data(), n, d, opt);
    const double a = stat(y.data());
    const double b = stat(y.data());
    if (!same_double(a, b)) finding("statistic is not a function of its input");
    if (!same_double(stat.scaled(y.data()), stat.mi_reference(y.data()))) {
      finding("mi statistic differs from the original KSG walk");
    }
    if (propgrad::SharedGradKernel::usable(stat)) {
      // The shared-permutation kernel gives the statistic's own double.
      const propgrad::SeriesData one{y.data(), t.data(), n, d, 0};
      const propgrad::SharedGradKernel kernel({&one}, {&stat});
      std::vector<uint32_t> order(n);
      std::iota(order.begin(), order.end(), 0u);
      double value = 0;
      propgrad::SharedGradKernel::Workspace work;
      kernel.evaluate(order.data(), &value, work);
      if (!same_double(value, stat.scaled(y.data()))) finding("shared kernel differs from the statistic");
      // Draws j[i] = i keep every position: the same order from the draws.
      double from_draws = 0;
      kernel.evaluate_draws(order.data(), &from_draws, work);
      if (!same_double(from_draws, value)) finding("shared kernel from draws differs from its order");
    }
    (void)stat.epgm(y.data());
  } catch (const std::invalid_argument&) {
  }
  if (n >= 2 && in.ConsumeBool()) {
    const int k = in.ConsumeIntegralInRange(-1, 20);
    // The estimator's contract: x sorted (the engine sorts t once).
    std::vector<double> x = t;
    bool finite = true;
    for (double v : x) finite = finite && std::isfinite(v);
    if (!finite) return;
    std::sort(x.begin(), x.end());
    try {
      // The prepared estimator must give the original walk's double.
      const double fast = propgrad::ksg_mutual_information(x, y, k);
      if (!same_double(fast, propgrad::ksg_reference(x, y, k))) {
        finding("KSG plan differs from the original walk");
      }
    } catch (const std::invalid_argument&) {
    }
  }
}

void fuzz_shuffle(FuzzedDataProvider& in) {
  propgrad::ShuffleOptions opt;
  opt.statistic = static_cast<propgrad::StatisticKind>(in.ConsumeIntegralInRange(0, 2));
  opt.alternative = static_cast<propgrad::Alternative>(in.ConsumeIntegralInRange(0, 2));
  opt.p_method = static_cast<propgrad::PMethod>(in.ConsumeIntegralInRange(0, 1));
  opt.gradient = fuzz_gradient_options(in);
  opt.n_perm = in.ConsumeIntegralInRange<int64_t>(-2, 400);
  opt.sequential = in.ConsumeBool() ? in.ConsumeIntegralInRange<int64_t>(0, 50) : 0;
  opt.seed = in.ConsumeIntegral<uint64_t>();
  opt.tolerance = in.ConsumeBool() ? in.ConsumeFloatingPoint<double>()
                                   : in.ConsumeFloatingPointInRange(0.0, 1e-3);
  opt.allow_exact = in.ConsumeBool();
  opt.null_buffer_max = in.ConsumeIntegralInRange<std::size_t>(0, 512);
  const bool keep_null = in.ConsumeBool();
  opt.share_permutations = in.ConsumeBool();

  const std::size_t n_series = in.ConsumeIntegralInRange<std::size_t>(1, 4);
  std::vector<std::vector<double>> ys(n_series), ts(n_series);
  std::vector<propgrad::SeriesData> series(n_series);
  for (std::size_t i = 0; i < n_series; ++i) {
    const std::size_t n = in.ConsumeIntegralInRange<std::size_t>(0, 30);
    const std::size_t d = in.ConsumeIntegralInRange<std::size_t>(1, 2);
    ts[i] = fuzz_values(in, n, true);
    ys[i] = fuzz_values(in, n * d, false);
    series[i].y = n * d > 0 ? ys[i].data() : nullptr;
    series[i].t = in.ConsumeBool() ? ts[i].data() : nullptr;
    series[i].n = n;
    series[i].d = d;
    series[i].key = in.ConsumeBool()
                        ? propgrad::series_stream_key(series[i].y, n, d, series[i].t)
                        : propgrad::stream_key("series " + std::to_string(in.ConsumeIntegralInRange(0, 3)));
  }
  const std::size_t null_length = opt.n_perm > 0 ? static_cast<std::size_t>(opt.n_perm) : 0;
  std::vector<double> nulls(keep_null ? n_series * null_length : 0);
  propgrad::StopSignal stop;
  const auto res = propgrad::shuffle_many(series, opt, 2, keep_null ? nulls.data() : nullptr,
                                          null_length, stop);
  if (res.size() != n_series) finding("one result per series");
  for (const auto& r : res) {
    if (!r.error.empty()) continue;
    if (!r.finite) {
      if (!std::isnan(r.p_value)) finding("a p-value for a non-finite statistic");
      continue;
    }
    if (!(r.p_value >= 0.0 && r.p_value <= 1.0)) finding("p-value outside [0, 1]");
    if (r.p_low > r.p_high) finding("Monte Carlo interval with low > high");
    if (r.n_used < 1 || r.exceedances < 0 || r.exceedances > r.n_used + 1) {
      finding("impossible permutation counts");
    }
    if (!r.exact && !r.stopped_early && r.n_used != opt.n_perm) finding("n_used differs from n_perm");
  }
  // Streams are keyed by series: the reversed list gives the same results.
  std::vector<propgrad::SeriesData> reversed(series.rbegin(), series.rend());
  const auto again = propgrad::shuffle_many(reversed, opt, 1, nullptr, 0, stop);
  for (std::size_t i = 0; i < n_series; ++i) {
    const auto& a = res[i];
    const auto& b = again[n_series - 1 - i];
    if (a.error != b.error || !same_double(a.p_value, b.p_value) ||
        !same_double(a.statistic, b.statistic) || !same_double(a.null_mean, b.null_mean) ||
        a.n_used != b.n_used) {
      finding("results depend on series order or thread count");
    }
  }
  // Westfall-Young over series of one length, and the adaptive mode.
  std::vector<propgrad::SeriesData> same;
  for (const auto& sd : series)
    if (sd.n == series[0].n && sd.y != nullptr) same.push_back(sd);
  if (!same.empty() && opt.n_perm > 0 && opt.n_perm <= 300) {
    try {
      const auto wy = propgrad::westfall_young(same, opt, 2, stop);
      for (double p : wy.adjusted)
        if (!std::isnan(p) && !(p > 0.0 && p <= 1.0)) finding("adjusted p outside (0, 1]");
    } catch (const std::invalid_argument&) {
    }
  }
  if (opt.p_method == propgrad::PMethod::PlusOne && !series.empty()) {
    propgrad::AdaptiveOptions aopt;
    aopt.procedure = static_cast<propgrad::Procedure>(in.ConsumeIntegralInRange(0, 5));
    aopt.alpha = in.ConsumeFloatingPointInRange(1e-4, 0.5);
    aopt.max_per_series = in.ConsumeIntegralInRange<int64_t>(1, 2000);
    aopt.max_total = in.ConsumeBool() ? 0.0 : in.ConsumeFloatingPointInRange(1.0, 5000.0);
    const auto run = propgrad::adaptive_many(series, opt, aopt, 2, stop);
    for (std::size_t i = 0; i < series.size(); ++i) {
      const auto& r = run.results[i];
      if (!r.error.empty() || !r.finite || r.n_used == 0) continue;
      if (r.p_low > r.p_high) finding("adaptive bounds with low > high");
      if (r.n_used > aopt.max_per_series && !r.exact) finding("adaptive series beyond its cap");
    }
  }
}

void fuzz_study(FuzzedDataProvider& in) {
  const std::size_t n = in.ConsumeIntegralInRange<std::size_t>(0, 40);
  const std::vector<double> d = fuzz_values(in, n, false);
  const double level = in.ConsumeFloatingPointInRange(0.5, 0.999);
  const auto boot = propgrad::studentized_bootstrap(d, in.ConsumeIntegralInRange<int64_t>(1, 300),
                                                    level, in.ConsumeIntegral<uint64_t>(), 1e-9);
  if (boot.equal.low > boot.equal.high || boot.symmetric.low > boot.symmetric.high) {
    finding("bootstrap interval with low > high");
  }
  if (!std::isnan(boot.p_value) && !(boot.p_value > 0.0 && boot.p_value <= 1.0)) {
    finding("bootstrap-t p outside (0, 1]");
  }
  const auto flip = propgrad::sign_flip_test(d, in.ConsumeIntegralInRange<int64_t>(1, 5000),
                                             in.ConsumeIntegral<uint64_t>(), 1e-9, 0.99);
  if (!std::isnan(flip.p_value) && !(flip.p_value > 0.0 && flip.p_value <= 1.0)) {
    finding("sign-flip p outside (0, 1]");
  }
  const std::vector<double> x = fuzz_values(in, n, false);
  std::vector<int> block(n);
  const int n_blocks = in.ConsumeIntegralInRange(1, 5);
  for (auto& b : block) b = in.ConsumeIntegralInRange(0, n_blocks - 1);
  const auto rho = propgrad::rank_correlation_test(x, d, block, in.ConsumeIntegralInRange<int64_t>(1, 300),
                                                   in.ConsumeIntegral<uint64_t>(), 1e-9, 0.99);
  if (!std::isnan(rho.p_value) && !(rho.p_value > 0.0 && rho.p_value <= 1.0)) {
    finding("rank correlation p outside (0, 1]");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  switch (in.ConsumeIntegralInRange(0, 3)) {
    case 0: fuzz_gradient(in); break;
    case 1: fuzz_statistic(in); break;
    case 2: fuzz_shuffle(in); break;
    default: fuzz_study(in); break;
  }
  return 0;
}
