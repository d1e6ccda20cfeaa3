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
std::size_t count_within(const std::vector<double>& v, double c, double r) {
  auto inside = [c, r](double a) { return std::abs(a - c) < r; };
  auto lo = std::upper_bound(v.begin(), v.end(), c - r);
  while (lo != v.begin() && inside(*(lo - 1))) --lo;
  while (lo != v.end() && *lo < c && !inside(*lo)) ++lo;
  auto hi = std::lower_bound(lo, v.end(), c + r);
  while (hi != v.end() && inside(*hi)) ++hi;
  while (hi != lo && *(hi - 1) > c && !inside(*(hi - 1))) --hi;
  return static_cast<std::size_t>(hi - lo);
}

double reference_core(const std::vector<double>& x, const double* y,
                      const std::vector<double>& y_sorted, int k, const std::vector<double>& psi) {
  const std::size_t n = x.size();
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
    const std::size_t cx = count_within(x, x[i], eps), cy = count_within(y_sorted, y[i], eps);
    const std::size_t nx = cx > 0 ? cx - 1 : 0, ny = cy > 0 ? cy - 1 : 0;
    sum_psi += psi[nx + 1] + psi[ny + 1];
  }
  const double mi = psi[n] + psi[k] - sum_psi / static_cast<double>(n);
  return std::max(0.0, mi);
}

// ---- The plan's pieces -----------------------------------------------------

// Finite values this small have finite differences.
constexpr double kLimit = DBL_MAX / 4;

// best[0..k) sorted ascending becomes the k smallest of best and d, without
// a data-dependent branch: slot q keeps its value, takes d, or takes the
// value shifted up from q - 1, i.e. max(best[q - 1], min(best[q], d)).
// K is a compile-time constant where it can be (the engine's k is at most
// 5), so the array stays in registers.
// The selects are written in the operand order of SSE2's minsd/maxsd so
// they compile to one instruction each, in place (std::min would need a copy
// to keep its choice on ties, which only differ in the sign of a zero).
template <int K>
inline void insert_sorted(double* best, int /*k*/, double d) {
  for (int q = K - 1; q > 0; --q) {
    const double lower = best[q] < d ? best[q] : d;
    best[q] = lower > best[q - 1] ? lower : best[q - 1];
  }
  best[0] = best[0] < d ? best[0] : d;
}
template <>
inline void insert_sorted<0>(double* best, int k, double d) {
  if (!(d < best[k - 1])) return;
  int q = k - 1;
  while (q > 0 && best[q - 1] > d) {
    best[q] = best[q - 1];
    --q;
  }
  best[q] = d;
}

}  // namespace

KsgPlan::KsgPlan(const double* x_sorted, const double* y_values, std::size_t n, int k,
                 std::size_t order_cap)
    : n_(n), k_(k), x_(x_sorted, x_sorted + n), y_sorted_(y_values, y_values + n),
      psi_(digamma_table(n + 1)), yp_(n + 2, 0.0) {
  std::sort(y_sorted_.begin(), y_sorted_.end());
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
  // the walk carries on by merging (about 4 MiB of indices at most).
  const std::size_t n = n_;
  if (order_cap == 0) order_cap = std::max<std::size_t>(256, (std::size_t{1} << 20) / n);
  order_len_ = std::min(n - 1, order_cap);
  order_.resize(n * order_len_);
  order_dx_.resize(n * order_len_);
  order_left_.resize(n);
  const double* xp = xp_.data();
  for (std::size_t p = 1; p <= n; ++p) {
    uint32_t* out = &order_[(p - 1) * order_len_];
    double* out_dx = &order_dx_[(p - 1) * order_len_];
    std::size_t left = p - 1, right = p + 1;
    uint32_t n_left = 0;
    for (std::size_t m = 0; m < order_len_; ++m) {
      // The walk's choice: left on ties, never a sentinel while points remain.
      const double dl = xp[p] - xp[left], dr = xp[right] - xp[p];
      if (dl <= dr) {
        out[m] = static_cast<uint32_t>(left--);
        out_dx[m] = dl;
        ++n_left;
      } else {
        out[m] = static_cast<uint32_t>(right++);
        out_dx[m] = dr;
      }
    }
    order_left_[p - 1] = n_left;
  }
}

void KsgPlan::prepare_buckets() {
  const std::size_t n = n_;
  const std::size_t buckets = 8 * n;
  y_lo_ = y_sorted_.front();
  const double range = y_sorted_.back() - y_lo_;
  bucket_scale_ = range > 0 ? static_cast<double>(buckets) / range : 0.0;
  if (!std::isfinite(bucket_scale_)) bucket_scale_ = 0.0;
  bucket_last_ = buckets - 1;
  bucket_start_.assign(buckets + 1, 0);
  for (double v : y_sorted_) ++bucket_start_[bucket(v) + 1];
  for (std::size_t b = 0; b < buckets; ++b) bucket_start_[b + 1] += bucket_start_[b];
}

std::size_t KsgPlan::count_y(double c, double r) const {
  if (!(r > 0)) return 0;
  const double* v = y_sorted_.data();
  const std::size_t n = n_;
  // Past the run's start: at or right of c, or inside.
  auto past_lo = [c, r](double a) { return (a >= c) | (std::abs(a - c) < r); };
  // Past the run's end: right of c and not inside.
  auto past_hi = [c, r](double a) { return (a > c) & !(std::abs(a - c) < r); };
  std::size_t lo = bucket_start_[bucket(c - r)], hi = bucket_start_[bucket(c + r)];
  // The bucket's first value is at or before the end sought (bar rounding
  // in c -/+ r); usually few values separate them.
  while (lo > 0 && past_lo(v[lo - 1])) --lo;
  while (lo < n && !past_lo(v[lo])) ++lo;
  while (hi > 0 && past_hi(v[hi - 1])) --hi;
  while (hi < n && !past_hi(v[hi])) ++hi;
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
  const std::size_t n = n_, len = order_len_;
  const int k = K > 0 ? K : k_;
  const double* xp = xp_.data();
  const double* psi = psi_.data();
  double best[16];
  double sum_psi = 0.0;
  for (std::size_t p = 1; p <= n; ++p) {
    const double xi = xp[p], yi = yp[p];
    for (int q = 0; q < k; ++q) best[q] = INFINITY;
    const uint32_t* ord = &order_[(p - 1) * len];
    const double* ord_dx = &order_dx_[(p - 1) * len];
    // Neighbours in order of x distance until that alone reaches the k-th
    // smallest max-norm distance: no later one can come closer.
    std::size_t m = 0;
    for (; m < len; ++m) {
      const std::size_t j = ord[m];
      const double dx = ord_dx[m];
      if (dx >= best[k - 1]) break;
      insert_sorted<K>(best, k, std::max(dx, std::abs(yp[j] - yi)));
    }
    std::size_t nx;
    if (m < len || len == n - 1) {
      const double eps = best[k - 1];
      // The x distances grow along the order: n_x is where they reach eps,
      // usually at most one step back (m >= k >= 1 here, as the first k
      // always enter).
      m -= !(ord_dx[m - 1] < eps);
      while (m > 0 && !(ord_dx[m - 1] < eps)) --m;
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
        insert_sorted<K>(best, k, std::max(dx, std::abs(yp[j] - yi)));
      }
      const double eps = best[k - 1];
      std::size_t lo = left + 1, hi = right - 1;
      while (lo < p && !(xi - xp[lo] < eps)) ++lo;
      while (hi > p && !(xp[hi] - xi < eps)) --hi;
      nx = (p - lo) + (hi - p);
    }
    const std::size_t cy = count_y(yi, best[k - 1]);
    const std::size_t ny = cy > 0 ? cy - 1 : 0;
    sum_psi += psi[nx + 1] + psi[ny + 1];
  }
  const double mi = psi[n] + psi[k] - sum_psi / static_cast<double>(n);
  return std::max(0.0, mi);
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
  return reference_core(x_, yp_.data() + 1, y_sorted_, k_, psi_);
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
