// KSG estimator (see ksg.h). The original walk merges each point's left and
// right x-neighbours in order of x distance, keeps the k smallest max-norm
// distances and stops once the x distance alone reaches the k-th; marginal
// counts are then binary searches in the sorted x and sorted y. The plan
// keeps all of that but moves the x-only parts out of the loop: the merge
// order is stored per point (so no data-dependent branch picks a side), the
// k smallest distances are kept by a branch-free insertion, n_x is where the
// walk stopped, and n_y is a branch-free search of the fixed sorted y. Every
// distance and comparison is the same floating-point expression as in the
// walk, so eps, n_x and n_y are identical, and the digamma terms are summed
// in the same order: the result is the same double.
#include "ksg.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <stdexcept>

#if defined(__SSE2__) && !defined(PROPGRAD_NO_SIMD)
#include <emmintrin.h>
#endif

namespace propgrad {

namespace {

std::vector<double> digamma_table(std::size_t upto) {
  // digamma(1) = -Euler gamma; digamma(m + 1) = digamma(m) + 1 / m.
  std::vector<double> psi(upto + 1, 0.0);
  if (upto >= 1) psi[1] = -0.57721566490153286061;
  for (std::size_t m = 1; m < upto; ++m) psi[m + 1] = psi[m] + 1.0 / static_cast<double>(m);
  return psi;
}

// ---- The original walk, unchanged ---------------------------------------

// Number of values in sorted v strictly inside (c - r, c + r), i.e. with
// |v - c| < r evaluated exactly as the neighbour distances were. The binary
// searches use fl(c -/+ r), which can be one value off, so the ends are then
// moved to the exact boundary.
std::size_t count_within(const double* begin, const double* end, double c, double r) {
  auto inside = [c, r](double a) { return std::abs(a - c) < r; };
  auto lo = std::upper_bound(begin, end, c - r);
  while (lo != begin && inside(*(lo - 1))) --lo;
  while (lo != end && *lo < c && !inside(*lo)) ++lo;
  auto hi = std::lower_bound(lo, end, c + r);
  while (hi != end && inside(*hi)) ++hi;
  while (hi != lo && *(hi - 1) > c && !inside(*(hi - 1))) --hi;
  return static_cast<std::size_t>(hi - lo);
}

// x, y, y_sorted: n values each; psi: digamma(m), m = 0..n.
double reference_core(const double* x, const double* y, const double* y_sorted, std::size_t n,
                      int k, const double* psi) {
  double best[16];
  double sum_psi = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    int have = 0;
    long left = static_cast<long>(i) - 1;
    std::size_t right = i + 1;
    while (left >= 0 || right < n) {
      const double dl = left >= 0 ? x[i] - x[left] : INFINITY;
      const double dr = right < n ? x[right] - x[i] : INFINITY;
      // Written so a NaN distance can never step past either end.
      const bool take_left = left >= 0 && (right >= n || dl <= dr);
      const double dx = take_left ? dl : dr;
      if (have == k && dx >= best[k - 1]) break;
      const std::size_t j = take_left ? static_cast<std::size_t>(left--) : right++;
      const double dist = std::max(dx, std::abs(y[j] - y[i]));
      if (have < k) {
        best[have++] = dist;
        std::sort(best, best + have);
      } else if (dist < best[k - 1]) {
        int pos = k - 1;
        while (pos > 0 && best[pos - 1] > dist) {
          best[pos] = best[pos - 1];
          --pos;
        }
        best[pos] = dist;
      }
    }
    const double eps = best[k - 1];
    // Minus the point itself (absent from the count only when eps is 0).
    const std::size_t cx = count_within(x, x + n, x[i], eps);
    const std::size_t cy = count_within(y_sorted, y_sorted + n, y[i], eps);
    const std::size_t nx = cx > 0 ? cx - 1 : 0, ny = cy > 0 ? cy - 1 : 0;
    sum_psi += psi[nx + 1] + psi[ny + 1];
  }
  const double mi = psi[n] + psi[k] - sum_psi / static_cast<double>(n);
  return std::max(0.0, mi);
}

// ---- The plan's pieces -----------------------------------------------------

// Finite values this small have finite differences.
constexpr double kLimit = DBL_MAX / 4;

// Two lanes of doubles: SSE2 where the compiler targets it (all x86-64),
// plain code elsewhere or with PROPGRAD_NO_SIMD. Both compute the same
// selects, so the result does not depend on which is used: lower(a, b) is
// a < b ? a : b and upper(a, b) is a > b ? a : b, exactly minpd and maxpd.
#if defined(__SSE2__) && !defined(PROPGRAD_NO_SIMD)
struct Lanes {
  __m128d v;
};
inline Lanes lanes(double a0, double a1) { return {_mm_set_pd(a1, a0)}; }
inline Lanes load_lanes(const double* p) { return {_mm_loadu_pd(p)}; }
inline double lane0(Lanes a) { return _mm_cvtsd_f64(a.v); }
inline double lane1(Lanes a) { return _mm_cvtsd_f64(_mm_unpackhi_pd(a.v, a.v)); }
inline Lanes lower(Lanes a, Lanes b) { return {_mm_min_pd(a.v, b.v)}; }
inline Lanes upper(Lanes a, Lanes b) { return {_mm_max_pd(a.v, b.v)}; }
inline Lanes abs_diff(Lanes a, Lanes b) {
  return {_mm_andnot_pd(_mm_set1_pd(-0.0), _mm_sub_pd(a.v, b.v))};
}
// Per-lane counters.
struct Counts {
  __m128i v;
};
inline Counts zero_counts() { return {_mm_setzero_si128()}; }
// Counts the lanes where a < b; false when there are none.
inline bool count_below(Lanes a, Lanes b, Counts& c) {
  const __m128d below = _mm_cmplt_pd(a.v, b.v);
  c.v = _mm_sub_epi64(c.v, _mm_castpd_si128(below));  // a true lane is all ones, i.e. -1
  return _mm_movemask_pd(below) != 0;
}
inline std::size_t count_of(Counts c, int lane) {
  alignas(16) int64_t v[2];
  _mm_store_si128(reinterpret_cast<__m128i*>(v), c.v);
  return static_cast<std::size_t>(v[lane]);
}
#else
struct Lanes {
  double v0, v1;
};
inline Lanes lanes(double a0, double a1) { return {a0, a1}; }
inline Lanes load_lanes(const double* p) { return {p[0], p[1]}; }
inline double lane0(Lanes a) { return a.v0; }
inline double lane1(Lanes a) { return a.v1; }
inline Lanes lower(Lanes a, Lanes b) { return {a.v0 < b.v0 ? a.v0 : b.v0, a.v1 < b.v1 ? a.v1 : b.v1}; }
inline Lanes upper(Lanes a, Lanes b) { return {a.v0 > b.v0 ? a.v0 : b.v0, a.v1 > b.v1 ? a.v1 : b.v1}; }
inline Lanes abs_diff(Lanes a, Lanes b) { return {std::abs(a.v0 - b.v0), std::abs(a.v1 - b.v1)}; }
struct Counts {
  std::size_t v0, v1;
};
inline Counts zero_counts() { return {0, 0}; }
inline bool count_below(Lanes a, Lanes b, Counts& c) {
  const bool below0 = a.v0 < b.v0, below1 = a.v1 < b.v1;
  c.v0 += below0;
  c.v1 += below1;
  return below0 | below1;
}
inline std::size_t count_of(Counts c, int lane) { return lane == 0 ? c.v0 : c.v1; }
#endif

// best[0..k) sorted ascending becomes the k smallest of best and d, lane by
// lane, without a data-dependent branch: slot q keeps its value, takes d,
// or takes the value shifted up from q - 1, i.e.
// upper(lower(best[q], d), best[q - 1]). Ties only differ in the sign of a
// zero, and eps is only ever compared. K is the compile-time k (the
// engine's is at most 5), or 0 for any k.
template <int Q>
struct InsertLanes {  // slots Q, Q - 1, ..., 0, unrolled whatever the optimiser does
  static void run(Lanes* best, Lanes d) {
    best[Q] = upper(lower(best[Q], d), best[Q - 1]);
    InsertLanes<Q - 1>::run(best, d);
  }
};
template <>
struct InsertLanes<0> {
  static void run(Lanes* best, Lanes d) { best[0] = lower(best[0], d); }
};
template <int K>
inline void insert_lanes(Lanes* best, int /*k*/, Lanes d) {
  InsertLanes<K - 1>::run(best, d);
}
template <>
inline void insert_lanes<0>(Lanes* best, int k, Lanes d) {
  for (int q = k - 1; q > 0; --q) best[q] = upper(lower(best[q], d), best[q - 1]);
  best[0] = lower(best[0], d);
}

// One lane of the same, for the merging walk beyond the stored order.
inline void insert_one(double* best, int k, double d) {
  for (int q = k - 1; q > 0; --q) {
    const double low = best[q] < d ? best[q] : d;
    best[q] = low > best[q - 1] ? low : best[q - 1];
  }
  best[0] = best[0] < d ? best[0] : d;
}

}  // namespace

KsgPlan::KsgPlan(const double* x_sorted, const double* y_values, std::size_t n, int k,
                 std::size_t order_cap)
    : n_(n), k_(k), x_(x_sorted, x_sorted + n), y_sorted_(y_values, y_values + n),
      psi_(digamma_table(n + 1)), yp_(n + 2, 0.0) {
  std::sort(y_sorted_.begin(), y_sorted_.end());
  y_sorted_.push_back(INFINITY);  // a sentinel for count_y
  bool ok = n >= 2 && k >= 1 && k <= 16 && static_cast<std::size_t>(k) < n;
  for (std::size_t i = 0; ok && i < n; ++i) {
    ok = std::abs(x_[i]) <= kLimit && std::abs(y_sorted_[i]) <= kLimit &&
         (i == 0 || x_[i - 1] <= x_[i]);
  }
  fast_ok_ = ok;
  if (!fast_ok_) return;
  xp_.resize(n + 2);
  xp_[0] = -INFINITY;
  std::copy(x_.begin(), x_.end(), xp_.begin() + 1);
  xp_[n + 1] = INFINITY;
  prepare_order(order_cap);
  prepare_buckets();
}

void KsgPlan::prepare_order(std::size_t order_cap) {
  // The whole order for moderate n; the nearest few hundred beyond, where
  // the walk carries on by merging (about 6 MiB at most). Points 2P + 1 and
  // 2P + 2 (padded indices) share pair P's rows, entries interleaved; for
  // odd n the last pair's second lane is a dummy that is done at once.
  const std::size_t n = n_;
  if (order_cap == 0) order_cap = std::max<std::size_t>(256, (std::size_t{1} << 19) / n);
  order_len_ = std::min(n - 1, order_cap);
  const std::size_t len = order_len_, pairs = (n + 1) / 2;
  order_.assign(pairs * len * 2, 1);
  order_dx_.assign(pairs * len * 2, INFINITY);
  order_left_.assign(n, 0);
  const double* xp = xp_.data();
  for (std::size_t p = 1; p <= n; ++p) {
    const std::size_t base = (p - 1) / 2 * len * 2 + (p - 1) % 2;
    std::size_t left = p - 1, right = p + 1;
    uint32_t n_left = 0;
    for (std::size_t m = 0; m < len; ++m) {
      // The walk's choice: left on ties, never a sentinel while points remain.
      const double dl = xp[p] - xp[left], dr = xp[right] - xp[p];
      if (dl <= dr) {
        order_[base + 2 * m] = static_cast<uint32_t>(left--);
        order_dx_[base + 2 * m] = dl;
        ++n_left;
      } else {
        order_[base + 2 * m] = static_cast<uint32_t>(right++);
        order_dx_[base + 2 * m] = dr;
      }
    }
    order_left_[p - 1] = n_left;
  }
}

void KsgPlan::prepare_buckets() {
  const std::size_t n = n_;
  const std::size_t buckets = 8 * n;
  y_lo_ = y_sorted_.front();
  const double range = y_sorted_[n - 1] - y_lo_;
  bucket_scale_ = range > 0 ? static_cast<double>(buckets) / range : 0.0;
  if (!std::isfinite(bucket_scale_)) bucket_scale_ = 0.0;
  bucket_last_ = buckets - 1;
  bucket_start_.assign(buckets + 1, 0);
  for (std::size_t i = 0; i < n; ++i) ++bucket_start_[bucket(y_sorted_[i]) + 1];
  for (std::size_t b = 0; b < buckets; ++b) bucket_start_[b + 1] += bucket_start_[b];
}

std::size_t KsgPlan::count_y(double c, double r) const {
  if (!(r > 0)) return 0;
  const double* v = y_sorted_.data();
  // Past the run's start: at or right of c, or inside.
  auto past_lo = [c, r](double a) { return (a >= c) | (std::abs(a - c) < r); };
  // Past the run's end: right of c and not inside.
  auto past_hi = [c, r](double a) { return (a > c) & !(std::abs(a - c) < r); };
  std::size_t lo = bucket_start_[bucket(c - r)], hi = bucket_start_[bucket(c + r)];
  // The bucket's first value is at most a few values before the end sought
  // (after it only by rounding in c -/+ r, rarely); the +inf sentinel at
  // v[n] is past both ends. One step is taken without a branch.
  while (lo > 0 && past_lo(v[lo - 1])) --lo;
  while (hi > 0 && past_hi(v[hi - 1])) --hi;
  lo += !past_lo(v[lo]);
  hi += !past_hi(v[hi]);
  while (!past_lo(v[lo])) ++lo;
  while (!past_hi(v[hi])) ++hi;
  return hi - lo;
}

double KsgPlan::fast(const double* yp) const {
  switch (k_) {
    case 1: return fast_k<1>(yp);
    case 2: return fast_k<2>(yp);
    case 3: return fast_k<3>(yp);
    case 4: return fast_k<4>(yp);
    case 5: return fast_k<5>(yp);
    default: return fast_k<0>(yp);
  }
}

template <int K>
double KsgPlan::fast_k(const double* yp) const {
  const std::size_t n = n_, len = order_len_, pairs = (n + 1) / 2;
  const int k = K > 0 ? K : k_;
  const double* psi = psi_.data();
  Lanes best[16];
  double sum_psi = 0.0;
  for (std::size_t pair = 0; pair < pairs; ++pair) {
    const std::size_t p0 = 2 * pair + 1, p1 = std::min(p0 + 1, n);
    const Lanes yi = lanes(yp[p0], yp[p1]);
    for (int q = 0; q < k; ++q) best[q] = lanes(INFINITY, INFINITY);
    const uint32_t* ord = &order_[pair * len * 2];
    const double* ord_dx = &order_dx_[pair * len * 2];
    // Neighbours in order of x distance until that alone reaches the k-th
    // smallest max-norm distance: no later one can come closer. A lane done
    // first keeps going with the other, harmlessly: every later distance is
    // at least its k-th, so insertion leaves it unchanged. `walked` counts,
    // per lane, the steps before it was done (a lane once done stays so).
    Counts walked = zero_counts();
    for (std::size_t m = 0; m < len; ++m) {
      const Lanes dx = load_lanes(ord_dx + 2 * m);
      if (!count_below(dx, best[k - 1], walked)) break;
      const Lanes dy = abs_diff(lanes(yp[ord[2 * m]], yp[ord[2 * m + 1]]), yi);
      // upper(dy, dx) is std::max(dx, dy) of the walk, ties included.
      insert_lanes<K>(best, k, upper(dy, dx));
    }
    double kth[2][16];
    for (int q = 0; q < k; ++q) {
      kth[0][q] = lane0(best[q]);
      kth[1][q] = lane1(best[q]);
    }
    sum_psi += finish_point(p0, 0, kth[0], count_of(walked, 0), ord_dx, yp);
    if (p0 < n) sum_psi += finish_point(p0 + 1, 1, kth[1], count_of(walked, 1), ord_dx, yp);
  }
  const double mi = psi[n] + psi[k] - sum_psi / static_cast<double>(n);
  return std::max(0.0, mi);
}

// psi(n_x + 1) + psi(n_y + 1) of point p (lane `lane` of its pair), whose
// walk over the stored order was done after m steps (m = len: not done
// there) with the k smallest distances in best[0..k).
double KsgPlan::finish_point(std::size_t p, int lane, double* best, std::size_t m,
                             const double* ord_dx, const double* yp) const {
  const std::size_t n = n_, len = order_len_;
  const int k = k_;
  const double* xp = xp_.data();
  const double xi = xp[p], yi = yp[p];
  std::size_t nx;
  if (m < len || len == n - 1 || !(ord_dx[2 * (len - 1) + lane] < best[k - 1])) {
    const double eps = best[k - 1];
    // The x distances grow along the order: n_x is where they reach eps
    // (m >= k >= 1 here, as the first k always enter).
    m -= !(ord_dx[2 * (m - 1) + lane] < eps);
    while (m > 0 && !(ord_dx[2 * (m - 1) + lane] < eps)) --m;
    nx = m;
  } else {
    // Beyond the stored order: merge both sides as the walk does (the
    // sentinels stop it at either end).
    std::size_t left = p - 1 - order_left_[p - 1], right = p + 1 + (len - order_left_[p - 1]);
    for (;;) {
      const double dl = xi - xp[left], dr = xp[right] - xi;
      const bool take_left = dl <= dr;
      const double dx = take_left ? dl : dr;
      if (dx >= best[k - 1]) break;
      const std::size_t j = take_left ? left-- : right++;
      insert_one(best, k, std::max(dx, std::abs(yp[j] - yi)));
    }
    const double eps = best[k - 1];
    std::size_t lo = left + 1, hi = right - 1;
    while (lo < p && !(xi - xp[lo] < eps)) ++lo;
    while (hi > p && !(xp[hi] - xi < eps)) --hi;
    nx = (p - lo) + (hi - p);
  }
  const std::size_t cy = count_y(yi, best[k - 1]);
  const std::size_t ny = cy > 0 ? cy - 1 : 0;
  return psi_[nx + 1] + psi_[ny + 1];
}

double KsgPlan::operator()(const double* y, double scale) const {
  if (!fast_ok_) return reference(y, scale);
  bool finite = true;
  for (std::size_t i = 0; i < n_; ++i) {
    const double v = y[i] * scale;
    yp_[i + 1] = v;
    finite &= std::abs(v) <= kLimit;
  }
  return finite ? fast(yp_.data()) : reference(y, scale);
}

double KsgPlan::reference(const double* y, double scale) const {
  for (std::size_t i = 0; i < n_; ++i) yp_[i + 1] = y[i] * scale;
  return reference_core(x_.data(), yp_.data() + 1, y_sorted_.data(), n_, k_, psi_.data());
}

namespace {

void check_ksg_arguments(const std::vector<double>& x, const std::vector<double>& y, int k) {
  if (x.size() != y.size() || k < 1 || static_cast<std::size_t>(k) >= y.size() || k > 16) {
    throw std::invalid_argument("ksg: need equal lengths and 1 <= k < n, k <= 16");
  }
}

}  // namespace

double ksg_mutual_information(const std::vector<double>& x_sorted,
                              const std::vector<double>& y, int k) {
  check_ksg_arguments(x_sorted, y, k);
  return KsgPlan(x_sorted.data(), y.data(), y.size(), k)(y.data(), 1.0);
}

double ksg_reference(const std::vector<double>& x_sorted, const std::vector<double>& y, int k) {
  check_ksg_arguments(x_sorted, y, k);
  return KsgPlan(x_sorted.data(), y.data(), y.size(), k).reference(y.data(), 1.0);
}

}  // namespace propgrad
