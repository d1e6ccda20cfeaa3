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
#pragma once
#include <cstddef>

namespace propgrad {

// Sum of |row r| over the interior rows; mid may be nullptr (all zero).
double interior_abs_sum(const double* lo, const double* mid, const double* hi, const double* y,
                        std::size_t n);

// The same with the AVX2 path off, for tests.
double interior_abs_sum_portable(const double* lo, const double* mid, const double* hi,
                                 const double* y, std::size_t n);

}  // namespace propgrad
