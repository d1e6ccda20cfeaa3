// Small helpers shared by the core's tests: uniform and normal draws from
// the package's own generator, so test data do not depend on the standard
// library's distributions (which differ between implementations).
#pragma once
#include <cmath>

#include "rng.h"

namespace test_helpers {

// Uniform double in [0, 1) from the top 53 bits.
inline double uniform(propgrad::Xoshiro256pp& r) { return (r.next() >> 11) * 0x1.0p-53; }

// Standard normal by Box-Muller.
inline double normal(propgrad::Xoshiro256pp& r) {
  const double u1 = 1.0 - uniform(r), u2 = uniform(r);
  return std::sqrt(-2 * std::log(u1)) * std::cos(2 * 3.141592653589793 * u2);
}

}  // namespace test_helpers
