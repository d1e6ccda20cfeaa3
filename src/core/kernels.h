// The hot sums of the shuffle engine, in one fixed order so results are the
// same bit for bit on every machine, thread count and code path: the
// interior gradient rows r = 1..n-2 of a three-point stencil go to eight
// running sums by (r - 1) mod 8, each added in ascending r, and the eight
// are combined as ((s0 + s4) + (s1 + s5)) + ((s2 + s6) + (s3 + s7)). A row is lo[r] y[r-1] + mid[r] y[r]
// + hi[r] y[r+1], evaluated left to right; without fused multiply-adds on
// x86-64, whose baseline and AVX2 targets have none (the C++ tests build
// with -ffp-contract=off; a build that enables FMA, such as -march=native
// or ARM, may fuse and so differ in the last bits from other machines,
// though never between threads or runs); when every interior mid is 0
// (evenly spaced steps) the middle term is skipped, which changes no |row|
// for finite y. An AVX2 path (chosen at run time) keeps the eight sums in
// two registers' lanes; the portable path keeps them in an array.
//
// centred_dot() is corr's sum, sum of w[i] (y[i] - m), in the same
// eight-way order (i mod 8; one chain of a hundred dependent additions
// was most of a corr shuffle's cost).
//
// running_moments_many() gives many series' RunningMoments (stream.h) at
// once: each lane does exactly the additions RunningMoments::add() does, in
// the same order, so the result equals adding the values one by one; with
// four (AVX2: eight to twelve) series side by side the divisions of
// Welford's update overlap instead of waiting on each other.
#pragma once
#include <cstddef>

#include "stream.h"

namespace propgrad {

// Sum of |row r| over the interior rows; mid may be nullptr (all zero).
double interior_abs_sum(const double* lo, const double* mid, const double* hi, const double* y,
                        std::size_t n);

// The same with the AVX2 path off, for tests.
double interior_abs_sum_portable(const double* lo, const double* mid, const double* hi,
                                 const double* y, std::size_t n);

// Sum of w[i] (y[i] - m) over i < n, in the fixed eight-way order.
double centred_dot(const double* w, const double* y, double m, std::size_t n);

// The same with the AVX2 path off, for tests.
double centred_dot_portable(const double* w, const double* y, double m, std::size_t n);

// out[s] = the moments of values[s * stride + k], k < count, for s < m.
void running_moments_many(const double* values, std::size_t stride, std::size_t count, std::size_t m,
                          RunningMoments* out);

// The same with the AVX2 path off, for tests.
void running_moments_many_portable(const double* values, std::size_t stride, std::size_t count,
                                   std::size_t m, RunningMoments* out);

}  // namespace propgrad
