// The hardware floor of the shuffle test, for bench/bench_shuffle.R (not a
// test): times a bare in-place Fisher-Yates shuffle of N doubles, K times for
// each of S series, with nothing else -- no statistic, no copy, no p-value --
// so its ns per element is the cost of the swap and the index draw itself.
// The generator is xoshiro256++ with Lemire's nearly divisionless bounded
// draws, as in src/core/rng.h but written out here so the floor does not move
// when the engine does. Variants, interleaved round-robin over the
// repetitions: "fy32", one 32-bit Lemire draw per position (two per 64-bit
// output, like rng.h's bounded()); "fy_pair", two positions per 64-bit
// output (the batched draws of Brackett-Rozinsky and Lemire that rng.h's
// fisher_yates() uses); "fy16", four 16-bit draws per output; "fy32_x4",
// four series shuffled in one interleaved loop. The floor is the fastest of
// these; "swap_only" replays indices drawn beforehand, the swaps without the
// draws. A checksum of the arrays is printed so the shuffles cannot be
// optimised away.
//
// Built with -DPG_WITH_CORE and linked with propgrad's core (src/core), it
// also times propgrad::shuffle_series() (src/core/shuffle.h, the public
// entry point only) with default ShuffleOptions (statistic Grad, two-sided,
// plus-one p) and n_perm = K on the same series, one thread, so the cost of
// the engine without R is visible next to property_test(). The series come
// from a file (one series per line: N values of t, then N values of y) or,
// without one, are simulated (sigmoid trends plus noise, and noise).
//
// Usage: bench_floor [S=200] [REPS=5] [K=10000] [N=100] [SEED=1] [FILE]
// Output, one line per method, key=value:
//   method=<name> n=<N> k=<K> series=<S> reps=<R> min_ms_per_test=...
//   median_ms_per_test=... min_ns_per_element=... median_ns_per_element=...
//   min_cpu_ms_per_test=... (wall-clock times, then the least CPU time)
// plus, for the core, mean_p=... and p=<p1>;<p2>;... (for comparison with R;
// the stream keys differ from R's, so the p-values agree only in distribution).
#include <map>

#include "floor_common.h"

#ifdef PG_WITH_CORE
#include "shuffle.h"
#endif

namespace {

void fy32(double* a, std::size_t n, Xoshiro& rng) {
  for (std::size_t i = n; i > 1; --i) {
    const std::size_t j = rng.bounded(static_cast<uint32_t>(i));
    const double tmp = a[i - 1];
    a[i - 1] = a[j];
    a[j] = tmp;
  }
}

void fy_pair(double* a, std::size_t n, Xoshiro& rng) {
  std::size_t i = n;
  for (; i > 2; i -= 2) {
    uint64_t j1, j2;
    rng.bounded_pair(i, i - 1, j1, j2);
    double tmp = a[i - 1];
    a[i - 1] = a[j1];
    a[j1] = tmp;
    tmp = a[i - 2];
    a[i - 2] = a[j2];
    a[j2] = tmp;
  }
  if (i == 2) {
    const std::size_t j = rng.bounded(2);
    const double tmp = a[1];
    a[1] = a[j];
    a[j] = tmp;
  }
}

// Four independent arrays, each with its own generator, shuffled in one
// interleaved loop: the K shuffles of a test are independent, so an engine
// may overlap them, and the out-of-order core then hides each chain's
// latency. n must be the same for all four.
void fy32_x4(double* a[4], std::size_t n, Xoshiro* rng) {
  for (std::size_t i = n; i > 1; --i) {
    const uint32_t r = static_cast<uint32_t>(i);
    for (int l = 0; l < 4; ++l) {
      const std::size_t j = rng[l].bounded(r);
      const double tmp = a[l][i - 1];
      a[l][i - 1] = a[l][j];
      a[l][j] = tmp;
    }
  }
}

// The swaps alone: the indices of 256 shuffles drawn beforehand and replayed.
void swap_only(double* a, std::size_t n, const uint8_t* idx) {
  for (std::size_t i = n; i > 1; --i) {
    const std::size_t j = idx[i];
    const double tmp = a[i - 1];
    a[i - 1] = a[j];
    a[j] = tmp;
  }
}

}  // namespace

int main(int argc, char** argv) {
  const auto [s_arg, reps, k, n, seed] = bench_args(argc, argv);
  std::vector<Series> series =
      argc > 6 ? read_series(argv[6], n) : simulate_series(s_arg, n, seed);
  const std::size_t s = series.size();
  if (s == 0 || n < 2 || k < 1 || reps < 1) {
    std::fprintf(stderr, "bench_floor: nothing to time\n");
    return 2;
  }

  std::vector<double> t32, tpair, t16, t4, tswap, tcore;
  std::map<const std::vector<double>*, std::vector<double>> cpu;  // CPU seconds per method
  // Index table for swap_only: 256 shuffles' draws (n <= 256 for uint8).
  std::vector<uint8_t> table;
  const bool have_table = n <= 256;
  if (have_table) {
    Xoshiro rng(seed + 77);
    table.resize(256 * (n + 1));
    for (std::size_t b = 0; b < 256; ++b)
      for (std::size_t i = n; i > 1; --i) table[b * (n + 1) + i] = uint8_t(rng.bounded(uint32_t(i)));
  }
  double checksum = 0.0;
#ifdef PG_WITH_CORE
  std::vector<double> p(s, NAN);
#endif
  for (int r = 0; r < reps; ++r) {
    // fy32
    {
      std::vector<Series> work = series;
      Timer t0;
      for (std::size_t i = 0; i < s; ++i) {
        Xoshiro rng(seed * 1000003u + i);
        double* a = work[i].y.data();
        for (long b = 0; b < k; ++b) fy32(a, n, rng);
      }
      t32.push_back(seconds_since(t0));
      cpu[&t32].push_back(cpu_secs.back());
      for (const auto& w : work) checksum += w.y[0];
    }
    // fy_pair
    {
      std::vector<Series> work = series;
      Timer t0;
      for (std::size_t i = 0; i < s; ++i) {
        Xoshiro rng(seed * 1000003u + i);
        double* a = work[i].y.data();
        for (long b = 0; b < k; ++b) fy_pair(a, n, rng);
      }
      tpair.push_back(seconds_since(t0));
      cpu[&tpair].push_back(cpu_secs.back());
      for (const auto& w : work) checksum += w.y[0];
    }
    // fy16
    if (n <= 65536) {
      std::vector<Series> work = series;
      Timer t0;
      for (std::size_t i = 0; i < s; ++i) {
        Xoshiro rng(seed * 1000003u + i);
        double* a = work[i].y.data();
        for (long b = 0; b < k; ++b) fy16(a, n, rng);
      }
      t16.push_back(seconds_since(t0));
      cpu[&t16].push_back(cpu_secs.back());
      for (const auto& w : work) checksum += w.y[0];
    }
    // fy32_x4: series in groups of four (a last partial group reuses arrays)
    {
      std::vector<Series> work = series;
      Timer t0;
      for (std::size_t i = 0; i < s; i += 4) {
        double* a[4];
        Xoshiro rng[4] = {Xoshiro(seed * 1000003u + i), Xoshiro(seed * 1000003u + i + 1),
                          Xoshiro(seed * 1000003u + i + 2), Xoshiro(seed * 1000003u + i + 3)};
        for (int l = 0; l < 4; ++l) a[l] = work[std::min(i + l, s - 1)].y.data();
        for (long b = 0; b < k; ++b) fy32_x4(a, n, rng);
      }
      // Time per series: a partial last group counts as the series it holds.
      t4.push_back(seconds_since(t0) * double(s) / double((s + 3) / 4 * 4));
      cpu[&t4].push_back(cpu_secs.back() * double(s) / double((s + 3) / 4 * 4));
      for (const auto& w : work) checksum += w.y[0];
    }
    // swap_only
    if (have_table) {
      std::vector<Series> work = series;
      Timer t0;
      for (std::size_t i = 0; i < s; ++i) {
        double* a = work[i].y.data();
        for (long b = 0; b < k; ++b) swap_only(a, n, &table[(b & 255) * (n + 1)]);
      }
      tswap.push_back(seconds_since(t0));
      cpu[&tswap].push_back(cpu_secs.back());
      for (const auto& w : work) checksum += w.y[0];
    }
#ifdef PG_WITH_CORE
    {
      propgrad::ShuffleOptions opt;  // defaults: Grad, two-sided, plus-one
      opt.n_perm = k;
      opt.seed = seed;
      propgrad::StopSignal stop;
      Timer t0;
      for (std::size_t i = 0; i < s; ++i) {
        propgrad::SeriesData d;
        d.y = series[i].y.data();
        d.t = series[i].t.data();
        d.n = n;
        d.d = 1;
        d.key = 0x9e3779b97f4a7c15ULL * (i + 1);  // any fixed key per series
        p[i] = propgrad::shuffle_series(d, opt, nullptr, stop, true).p_value;
      }
      tcore.push_back(seconds_since(t0));
      cpu[&tcore].push_back(cpu_secs.back());
    }
#endif
  }
  report("fy32", t32, cpu[&t32], s, n, k, "");
  report("fy_pair", tpair, cpu[&tpair], s, n, k, "");
  if (!t16.empty()) report("fy16", t16, cpu[&t16], s, n, k, "");
  report("fy32_x4", t4, cpu[&t4], s, n, k, "");
  if (have_table) report("swap_only", tswap, cpu[&tswap], s, n, k, "");
#ifdef PG_WITH_CORE
  {
    double sum = 0.0;
    std::string ps;
    for (std::size_t i = 0; i < s; ++i) {
      sum += p[i];
      char buf[32];
      std::snprintf(buf, sizeof buf, "%s%.6g", i ? ";" : "", p[i]);
      ps += buf;
    }
    char extra[64];
    std::snprintf(extra, sizeof extra, " mean_p=%.6f", sum / double(s));
    report("core_shuffle_series", tcore, cpu[&tcore], s, n, k, std::string(extra) + " p=" + ps);
  }
#endif
  std::printf("checksum=%.6g\n", checksum);
  return 0;
}
