// Times one "mi" shuffle statistic (KSG mutual information, src/core/ksg.h)
// by the prepared plan against the original walk it replaced
// (KsgPlan::reference), on the same shuffled outputs, and checks that both
// give the same double every time. Data as a property sweep: t = 1..N
// evenly spaced, y a sigmoid trend plus normal noise, both standardised as
// SeriesStatistic does; y is shuffled by the engine's Fisher-Yates.
// Built with the C++ tests (tests/cpp/CMakeLists.txt, target bench_mi):
//   bench_mi [shuffles per size, default 20000] [repetitions, default 5]
// prints ns per shuffle (best of the repetitions, old and new interleaved).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "ksg.h"
#include "rng.h"

namespace {

double uniform(propgrad::Xoshiro256pp& r) { return (r.next() >> 11) * 0x1.0p-53; }

double normal(propgrad::Xoshiro256pp& r) {
  const double u1 = 1.0 - uniform(r), u2 = uniform(r);
  return std::sqrt(-2 * std::log(u1)) * std::cos(2 * std::acos(-1.0) * u2);
}

std::vector<double> standardised(std::vector<double> v) {
  double m = 0, ss = 0;
  for (double a : v) m += a;
  m /= static_cast<double>(v.size());
  for (double a : v) ss += (a - m) * (a - m);
  const double sd = std::sqrt(ss / static_cast<double>(v.size()));
  for (auto& a : v) a /= sd;
  return v;
}

template <typename F>
double seconds(F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const long shuffles = argc > 1 ? std::atol(argv[1]) : 20000;
  const int reps = argc > 2 ? std::atoi(argv[2]) : 5;
  std::printf("%6s %3s %14s %14s %8s\n", "N", "k", "old ns/shuffle", "new ns/shuffle", "speedup");
  for (int k : {5, 3}) {
    for (std::size_t n : {20u, 50u, 100u, 500u}) {
      propgrad::Xoshiro256pp rng(42 + n, 7);
      std::vector<double> t(n), y(n);
      for (std::size_t i = 0; i < n; ++i) {
        t[i] = static_cast<double>(i + 1);
        const double z = (static_cast<double>(i) - n / 2.0) / (n / 10.0);
        y[i] = 1.0 / (1.0 + std::exp(-z)) + 0.5 * normal(rng);
      }
      const std::vector<double> x = standardised(t), ys = standardised(y);
      const propgrad::KsgPlan plan(x.data(), ys.data(), n, k);
      // A pool of shuffles reused round-robin, so both sides see the same inputs.
      const std::size_t pool = 256;
      std::vector<double> shuffled(pool * n);
      std::vector<double> cur = ys;
      for (std::size_t s = 0; s < pool; ++s) {
        propgrad::fisher_yates(cur.data(), n, rng);
        std::memcpy(&shuffled[s * n], cur.data(), n * sizeof(double));
      }
      long mismatches = 0;
      for (std::size_t s = 0; s < pool; ++s) {
        const double a = plan(&shuffled[s * n], 1.0), b = plan.reference(&shuffled[s * n], 1.0);
        mismatches += std::memcmp(&a, &b, sizeof a) != 0;
      }
      double best_old = INFINITY, best_new = INFINITY, sink = 0;
      for (int r = 0; r < reps; ++r) {
        best_old = std::min(best_old, seconds([&] {
          for (long s = 0; s < shuffles; ++s) {
            sink += plan.reference(&shuffled[(s % pool) * n], 1.0);
          }
        }));
        best_new = std::min(best_new, seconds([&] {
          for (long s = 0; s < shuffles; ++s) sink += plan(&shuffled[(s % pool) * n], 1.0);
        }));
      }
      const double old_ns = best_old / shuffles * 1e9, new_ns = best_new / shuffles * 1e9;
      std::printf("%6zu %3d %14.0f %14.0f %7.1fx%s\n", n, k, old_ns, new_ns, old_ns / new_ns,
                  mismatches ? "  MISMATCH" : "");
      if (sink == 12345.678) std::printf(" ");  // keep the loops
      if (mismatches) return 1;
    }
  }
  return 0;
}
