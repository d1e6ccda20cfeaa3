// The floor of shared permutations, for bench/bench_shuffle.R (not a test).
// With share_permutations = TRUE a group of G series takes each shuffle
// from one permutation, so a shuffle costs one draw and reorder for the
// group plus the gradient rows of every series. "shared_floor" times that
// and nothing else, K times per group: an in-place 16-bit Fisher-Yates of
// the group's row pointers (the floors' fastest draw, floor_common.h), then
// for each interior row r and each series |lo_r y[P(r-1)] + hi_r y[P(r+1)]|
// added to four running sums per series (rows in any order), four series
// per AVX2 vector, eight per pass -- no fixed order of sums, no end rows,
// no counting, no p-value. A checksum of the sums is printed so the work
// cannot be optimised away.
//
// Built with -DPG_WITH_CORE and linked with propgrad's core (src/core), it
// also times propgrad::shuffle_many() with share_permutations on the same
// series: in groups of G ("core_shared_groups": what G series sharing cost
// without R) and all S series in one group ("core_shared_all"), one thread,
// default ShuffleOptions otherwise (Grad, two-sided, plus-one).
//
// Usage: bench_shared [S=200] [REPS=5] [K=10000] [N=100] [SEED=1] [G=10] [FILE]
// FILE and the output lines are as in bench_floor.cpp (ms per test = time
// per series).
#include <cstring>
#include <map>

#include "floor_common.h"

#ifdef PG_WITH_CORE
#include "shuffle.h"
#endif

namespace {

typedef double v4d __attribute__((vector_size(32)));
typedef long long v4i __attribute__((vector_size(32)));

constexpr std::size_t kMaxLanes = 64;  // series per group

// Interior rows of lanes [o, o + 4 B) into sum (four running sums per
// vector, so the additions overlap).
template <int B>
inline __attribute__((always_inline)) void floor_lanes(const double* const* order, const double* lo,
                                                       const double* hi, std::size_t n, std::size_t o,
                                                       double* sum) {
  const v4i mask = {0x7fffffffffffffffLL, 0x7fffffffffffffffLL, 0x7fffffffffffffffLL, 0x7fffffffffffffffLL};
  v4d acc[B][4] = {};
  auto row = [&](std::size_t r, v4d& into, int b) {
    const v4d l = {lo[r], lo[r], lo[r], lo[r]}, h = {hi[r], hi[r], hi[r], hi[r]};
    v4d x, y;
    std::memcpy(&x, order[r - 1] + o + 4 * b, sizeof x);
    std::memcpy(&y, order[r + 1] + o + 4 * b, sizeof y);
    const v4d g = l * x + h * y;
    into += reinterpret_cast<v4d>(reinterpret_cast<v4i>(g) & mask);
  };
  std::size_t r = 1;
  for (; r + 4 < n; r += 4) {
#pragma GCC unroll 4
    for (int q = 0; q < 4; ++q) {
#pragma GCC unroll 2
      for (int b = 0; b < B; ++b) row(r + q, acc[b][q], b);
    }
  }
  for (; r + 1 < n; ++r) {
    for (int b = 0; b < B; ++b) row(r, acc[b][0], b);
  }
  for (int b = 0; b < B; ++b) {
    const v4d t = (acc[b][0] + acc[b][1]) + (acc[b][2] + acc[b][3]);
    for (int l = 0; l < 4; ++l) sum[4 * b + l] += t[l];
  }
}

// K shuffles of one group: rows is n x stride (series side by side).
#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx2")))
#endif
double shared_floor_group(const double* rows, std::size_t stride, std::size_t n, const double* lo,
                          const double* hi, long k, Xoshiro& rng, std::vector<const double*>& order) {
  for (std::size_t i = 0; i < n; ++i) order[i] = rows + i * stride;
  double sum[kMaxLanes] = {};
  for (long b = 0; b < k; ++b) {
    fy16(order.data(), n, rng);
    std::size_t o = 0;
    for (; o + 8 <= stride; o += 8) floor_lanes<2>(order.data(), lo, hi, n, o, sum + o);
    if (o < stride) floor_lanes<1>(order.data(), lo, hi, n, o, sum + o);
  }
  double checksum = 0.0;
  for (std::size_t o = 0; o < stride; ++o) checksum += sum[o];
  return checksum;
}

}  // namespace

int main(int argc, char** argv) {
  const auto [s_arg, reps, k, n, seed] = bench_args(argc, argv);
  const std::size_t group = argc > 6 ? std::strtoul(argv[6], nullptr, 10) : 10;
  const std::vector<Series> series = argc > 7 ? read_series(argv[7], n) : simulate_series(s_arg, n, seed);
  const std::size_t s = series.size();
  if (s == 0 || n < 3 || k < 1 || reps < 1 || group < 1 || group > kMaxLanes) {
    std::fprintf(stderr, "bench_shared: nothing to time\n");
    return 2;
  }
  // Three-point weights of the first series' steps (all series share them).
  const std::vector<double>& t = series[0].t;
  std::vector<double> lo(n, 0.0), hi(n, 0.0);
  for (std::size_t r = 1; r + 1 < n; ++r) {
    lo[r] = -1.0 / (t[r + 1] - t[r - 1]);
    hi[r] = -lo[r];
  }
  // Groups of `group` series, row-major, lanes padded to a multiple of four.
  const std::size_t stride = (group + 3) / 4 * 4;
  std::vector<std::vector<double>> rows;
  for (std::size_t g = 0; g < s; g += group) {
    std::vector<double> m(n * stride, 0.0);
    for (std::size_t j = 0; j < group && g + j < s; ++j) {
      for (std::size_t i = 0; i < n; ++i) m[i * stride + j] = series[g + j].y[i];
    }
    rows.push_back(m);
  }
  std::vector<double> tfloor, tgroups, tall;
  std::map<const std::vector<double>*, std::vector<double>> cpu;
  double checksum = 0.0;
  std::vector<const double*> order(n);
  for (int r = 0; r < reps; ++r) {
    {
      Timer t0;
      for (std::size_t g = 0; g < rows.size(); ++g) {
        Xoshiro rng(seed * 1000003u + g);
        checksum += shared_floor_group(rows[g].data(), stride, n, lo.data(), hi.data(), k, rng, order);
      }
      tfloor.push_back(seconds_since(t0));
      cpu[&tfloor].push_back(cpu_secs.back());
    }
#ifdef PG_WITH_CORE
    std::vector<propgrad::SeriesData> views(s);
    for (std::size_t i = 0; i < s; ++i) {
      views[i] = propgrad::SeriesData{series[i].y.data(), series[i].t.data(), n, 1,
                                      0x9e3779b97f4a7c15ULL * (i + 1)};
    }
    propgrad::ShuffleOptions opt;
    opt.n_perm = k;
    opt.seed = seed;
    opt.share_permutations = true;
    propgrad::StopSignal stop;
    {
      Timer t0;
      for (std::size_t g = 0; g < s; g += group) {
        const std::vector<propgrad::SeriesData> part(views.begin() + g, views.begin() + std::min(s, g + group));
        checksum += propgrad::shuffle_many(part, opt, 1, nullptr, 0, stop)[0].p_value;
      }
      tgroups.push_back(seconds_since(t0));
      cpu[&tgroups].push_back(cpu_secs.back());
    }
    {
      Timer t0;
      checksum += propgrad::shuffle_many(views, opt, 1, nullptr, 0, stop)[0].p_value;
      tall.push_back(seconds_since(t0));
      cpu[&tall].push_back(cpu_secs.back());
    }
#endif
  }
  report("shared_floor", tfloor, cpu[&tfloor], s, n, k, " group=" + std::to_string(group));
  if (!tgroups.empty()) report("core_shared_groups", tgroups, cpu[&tgroups], s, n, k, " group=" + std::to_string(group));
  if (!tall.empty()) report("core_shared_all", tall, cpu[&tall], s, n, k, " group=" + std::to_string(s));
  std::printf("checksum=%.6g\n", checksum);
  return 0;
}
