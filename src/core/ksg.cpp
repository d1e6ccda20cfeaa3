// KSG estimator (see ksg.h). The original walk merges each point's left and
// right x-neighbours in order of x distance, keeps the k smallest max-norm
// distances and stops once the x distance alone reaches the k-th; marginal
// counts are then binary searches in the sorted x and sorted y. The plan
// keeps that walk but takes out what depends on x or on the y multiset
// alone: each point's first 127 merge steps are stored (as byte offsets),
// two points are walked side by side in SIMD lanes (lanes.h) with a
// branch-free insertion of the k smallest, n_x is where the walk stopped,
// and n_y comes from a bucket table over the fixed sorted y. Every
// distance and comparison is the same floating-point expression as in the
// walk, so eps, n_x and n_y are identical, and the digamma terms are summed
// in the same order: the result is the same double (tests/cpp/test_ksg.cpp).
#include "ksg.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <stdexcept>

#include "lanes.h"

namespace propgrad {

using namespace simd;  // lanes.h

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

// One lane of insert_lanes() (lanes.h), for the merging walk beyond the
// stored order.
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
    : n_(n), k_(k), xp_(n + 2), y_sorted_(y_values, y_values + n), psi_(digamma_table(n + 1)),
      yp_(n + 2, 0.0) {
  xp_[0] = -INFINITY;
  std::copy(x_sorted, x_sorted + n, xp_.begin() + 1);
  xp_[n + 1] = INFINITY;
  std::sort(y_sorted_.begin(), y_sorted_.end());
  y_sorted_.push_back(INFINITY);  // a sentinel for count_y
  bool ok = n >= 2 && k >= 1 && k <= 16 && static_cast<std::size_t>(k) < n;
  for (std::size_t i = 1; ok && i <= n; ++i) {
    ok = std::abs(xp_[i]) <= kLimit && std::abs(y_sorted_[i - 1]) <= kLimit &&
         (i == 1 || xp_[i - 1] <= xp_[i]);
  }
  fast_ok_ = ok;
  if (!fast_ok_) return;
  prepare_order(order_cap);
  prepare_buckets();
}

void KsgPlan::prepare_order(std::size_t order_cap) {
  // The walk's first steps for every point as offsets from it (one byte
  // each); the few walks that go further carry on by merging. Points
  // 2P + 1 and 2P + 2 (padded indices) share pair P's rows, interleaved;
  // for odd n the last pair's second lane repeats the last point.
  const std::size_t n = n_;
  order_len_ = std::min<std::size_t>({n - 1, 127, order_cap > 0 ? order_cap : 127});
  const std::size_t len = order_len_, pairs = (n + 1) / 2;
  order_.assign(pairs * len * 2, 0);
  order_left_.assign(n, 0);
  const double* xp = xp_.data();
  for (std::size_t slot = 0; slot < 2 * pairs; ++slot) {
    const std::size_t p = std::min(slot + 1, n);
    int8_t* out = &order_[slot / 2 * len * 2 + slot % 2];
    std::size_t left = p - 1, right = p + 1;
    for (std::size_t m = 0; m < len; ++m) {
      // The walk's choice: left on ties, never a sentinel while points remain.
      const bool take_left = xp[p] - xp[left] <= xp[right] - xp[p];
      const std::size_t j = take_left ? left-- : right++;
      out[2 * m] = static_cast<int8_t>(static_cast<long>(j) - static_cast<long>(p));
    }
    order_left_[p - 1] = static_cast<uint8_t>(p - 1 - left);
  }
}

void KsgPlan::prepare_buckets() {
  const std::size_t n = n_;
  const std::size_t buckets = 4 * n;
  y_lo_ = y_sorted_[0];
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
  const double* xp = xp_.data();
  const double* psi = psi_.data();
  Lanes best[16];
  double sum_psi = 0.0;
  for (std::size_t pair = 0; pair < pairs; ++pair) {
    const std::size_t p0 = 2 * pair + 1, p1 = std::min(p0 + 1, n);
    const Lanes xi = lanes(xp[p0], xp[p1]), yi = lanes(yp[p0], yp[p1]);
    for (int q = 0; q < k; ++q) best[q] = lanes(INFINITY, INFINITY);
    const int8_t* ord = &order_[pair * len * 2];
    // Neighbours in order of x distance until that alone reaches the k-th
    // smallest max-norm distance: no later one can come closer. A lane done
    // first keeps going with the other, harmlessly: every later distance is
    // at least its k-th, so insertion leaves it unchanged. `walked` counts,
    // per lane, the steps before it was done (a lane once done stays so).
    // |x_j - x_i| is the walk's x_i - x_j or x_j - x_i exactly.
    Counts walked = zero_counts();
    for (std::size_t m = 0; m < len; ++m) {
      const std::size_t j0 = p0 + ord[2 * m], j1 = p1 + ord[2 * m + 1];
      const Lanes dx = abs_diff(lanes(xp[j0], xp[j1]), xi);
      if (!count_below(dx, best[k - 1], walked)) break;
      const Lanes dy = abs_diff(lanes(yp[j0], yp[j1]), yi);
      // upper(dy, dx) is std::max(dx, dy) of the walk, ties included.
      insert_lanes<K>(best, k, upper(dy, dx));
    }
    double kth[2][16];
    for (int q = 0; q < k; ++q) {
      kth[0][q] = lane0(best[q]);
      kth[1][q] = lane1(best[q]);
    }
    sum_psi += finish_point(p0, 0, kth[0], count_of(walked, 0), yp);
    if (p0 < n) sum_psi += finish_point(p1, 1, kth[1], count_of(walked, 1), yp);
  }
  const double mi = psi[n] + psi[k] - sum_psi / static_cast<double>(n);
  return std::max(0.0, mi);
}

// psi(n_x + 1) + psi(n_y + 1) of point p (lane `lane` of its pair), whose
// walk over the stored order was done after m steps (m = len: not done
// there) with the k smallest distances in best[0..k).
double KsgPlan::finish_point(std::size_t p, int lane, double* best, std::size_t m,
                             const double* yp) const {
  const std::size_t n = n_, len = order_len_;
  const int k = k_;
  const double* xp = xp_.data();
  const double xi = xp[p], yi = yp[p];
  const int8_t* ord = &order_[(p - 1) / 2 * len * 2 + lane];
  auto dx = [&](std::size_t step) { return std::abs(xp[p + ord[2 * step]] - xi); };
  std::size_t nx;
  if (m < len || len == n - 1 || !(dx(len - 1) < best[k - 1])) {
    const double eps = best[k - 1];
    // The x distances grow along the order: n_x is where they reach eps
    // (m >= k >= 1 here, as the first k always enter).
    m -= !(dx(m - 1) < eps);
    while (m > 0 && !(dx(m - 1) < eps)) --m;
    nx = m;
  } else {
    // Beyond the stored order: merge both sides as the walk does (the
    // sentinels stop it at either end).
    std::size_t left = p - 1 - order_left_[p - 1], right = p + 1 + (len - order_left_[p - 1]);
    for (;;) {
      const double dl = xi - xp[left], dr = xp[right] - xi;
      const bool take_left = dl <= dr;
      const double d = take_left ? dl : dr;
      if (d >= best[k - 1]) break;
      const std::size_t j = take_left ? left-- : right++;
      insert_one(best, k, std::max(d, std::abs(yp[j] - yi)));
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
  return reference_core(xp_.data() + 1, yp_.data() + 1, y_sorted_.data(), n_, k_, psi_.data());
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

std::size_t KsgPlan::bytes() const {
  return sizeof(double) * (xp_.capacity() + y_sorted_.capacity() + psi_.capacity() + yp_.capacity()) +
         sizeof(uint32_t) * bucket_start_.capacity() + order_.capacity() + order_left_.capacity();
}

}  // namespace propgrad
