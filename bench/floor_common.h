// What bench_floor.cpp and bench_shared.cpp share (not a test): the
// xoshiro256++ generator with Lemire's bounded draws written out here, so the
// floors do not move when the engine's generator does (src/core/rng.h); the
// 16-bit Fisher-Yates, the floors' fastest variant; wall and CPU timers; the
// series (from a file, or simulated); and the one-line report both print.
#pragma once
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

__extension__ typedef unsigned __int128 u128;

uint64_t splitmix(uint64_t& s) {
  uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

struct Xoshiro {
  uint64_t s[4];
  uint32_t half = 0;
  bool have_half = false;
  explicit Xoshiro(uint64_t seed) {
    for (auto& v : s) v = splitmix(seed);
  }
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t next() {
    const uint64_t r = rotl(s[0] + s[3], 23) + s[0];
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return r;
  }
  uint32_t next32() {
    if (have_half) {
      have_half = false;
      return half;
    }
    const uint64_t r = next();
    half = static_cast<uint32_t>(r);
    have_half = true;
    return static_cast<uint32_t>(r >> 32);
  }
  // Lemire (2019): uniform in [0, range).
  uint32_t bounded(uint32_t range) {
    uint64_t m = static_cast<uint64_t>(next32()) * range;
    uint32_t low = static_cast<uint32_t>(m);
    if (low < range) {
      const uint32_t threshold = static_cast<uint32_t>(-range) % range;
      while (low < threshold) {
        m = static_cast<uint64_t>(next32()) * range;
        low = static_cast<uint32_t>(m);
      }
    }
    return static_cast<uint32_t>(m >> 32);
  }
  // Two indices in [0, r1) and [0, r2) from one 64-bit output.
  void bounded_pair(uint64_t r1, uint64_t r2, uint64_t& o1, uint64_t& o2) {
    const uint64_t bound = r1 * r2;
    u128 m = static_cast<u128>(next()) * r1;
    o1 = static_cast<uint64_t>(m >> 64);
    m = static_cast<u128>(static_cast<uint64_t>(m)) * r2;
    o2 = static_cast<uint64_t>(m >> 64);
    uint64_t left = static_cast<uint64_t>(m);
    if (left < bound) {
      const uint64_t threshold = (0 - bound) % bound;
      while (left < threshold) {
        m = static_cast<u128>(next()) * r1;
        o1 = static_cast<uint64_t>(m >> 64);
        m = static_cast<u128>(static_cast<uint64_t>(m)) * r2;
        o2 = static_cast<uint64_t>(m >> 64);
        left = static_cast<uint64_t>(m);
      }
    }
  }
};

// Lemire on 16 bits: uniform in [0, range) from a 16-bit chunk r, range <=
// 2^16; a rejected chunk (probability < range / 2^16) is replaced by fresh
// 16 bits from the generator.
inline uint32_t bounded16(uint32_t r, uint32_t range, Xoshiro& rng) {
  uint32_t m = r * range;
  if ((m & 0xFFFFu) < range) {
    const uint32_t threshold = (0x10000u - range) % range;
    while ((m & 0xFFFFu) < threshold) m = static_cast<uint32_t>(rng.next() >> 48) * range;
  }
  return m >> 16;
}

// Four positions per 64-bit output (16-bit draws; n <= 2^16): what
// "32-bit (or narrower) index draws where N allows" can save.
template <typename T>
void fy16(T* a, std::size_t n, Xoshiro& rng) {
  std::size_t i = n;
  auto swap = [a](std::size_t x, std::size_t y) {
    const T tmp = a[x];
    a[x] = a[y];
    a[y] = tmp;
  };
  for (; i > 4; i -= 4) {
    const uint64_t r = rng.next();
    swap(i - 1, bounded16(uint32_t(r & 0xFFFF), uint32_t(i), rng));
    swap(i - 2, bounded16(uint32_t((r >> 16) & 0xFFFF), uint32_t(i - 1), rng));
    swap(i - 3, bounded16(uint32_t((r >> 32) & 0xFFFF), uint32_t(i - 2), rng));
    swap(i - 4, bounded16(uint32_t(r >> 48), uint32_t(i - 3), rng));
  }
  if (i > 1) {
    uint64_t r = rng.next();
    for (; i > 1; --i, r >>= 16) swap(i - 1, bounded16(uint32_t(r & 0xFFFF), uint32_t(i), rng));
  }
}

// Wall and CPU time of one timed block; the CPU time (std::clock, the
// process's) is what other jobs on a shared machine disturb least.
struct Timer {
  std::chrono::steady_clock::time_point wall = std::chrono::steady_clock::now();
  std::clock_t cpu = std::clock();
};
std::vector<double> cpu_secs;  // CPU seconds of the block just timed
double seconds_since(const Timer& t0) {
  cpu_secs.push_back(double(std::clock() - t0.cpu) / CLOCKS_PER_SEC);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0.wall).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

struct Series {
  std::vector<double> t, y;
};

std::vector<Series> read_series(const std::string& path, std::size_t n) {
  std::vector<Series> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ss(line);
    std::vector<double> v;
    double x;
    while (ss >> x) v.push_back(x);
    if (v.empty()) continue;
    if (v.size() != 2 * n) {
      std::fprintf(stderr, "bench_floor: a line of %s has %zu values, not 2 x %zu\n", path.c_str(),
                   v.size(), n);
      std::exit(2);
    }
    out.push_back({std::vector<double>(v.begin(), v.begin() + n),
                   std::vector<double>(v.begin() + n, v.end())});
  }
  return out;
}

std::vector<Series> simulate_series(std::size_t s, std::size_t n, uint64_t seed) {
  Xoshiro rng(seed ^ 0x5eed);
  auto unif = [&rng] { return (rng.next() >> 11) * 0x1.0p-53; };
  auto normal = [&] {
    const double u1 = 1.0 - unif(), u2 = unif();
    return std::sqrt(-2 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  };
  std::vector<Series> out(s);
  for (std::size_t k = 0; k < s; ++k) {
    out[k].t.resize(n);
    out[k].y.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      const double t = n > 1 ? double(i) / double(n - 1) : 0.0;
      out[k].t[i] = t;
      out[k].y[i] = k < s / 2 ? 1.0 / (1.0 + std::exp(-10.0 * (t - 0.5))) + 0.03 * normal()
                              : normal();
    }
  }
  return out;
}

void report(const char* name, const std::vector<double>& secs, const std::vector<double>& cpu,
            std::size_t s, std::size_t n, long k, const std::string& extra) {
  const double tests = double(s), elems = double(s) * double(k) * double(n);
  const double mn = *std::min_element(secs.begin(), secs.end()), md = median(secs);
  const double cmn = *std::min_element(cpu.begin(), cpu.end());
  std::printf(
      "method=%s n=%zu k=%ld series=%zu reps=%zu min_ms_per_test=%.5f median_ms_per_test=%.5f "
      "min_ns_per_element=%.4f median_ns_per_element=%.4f min_cpu_ms_per_test=%.5f%s\n",
      name, n, k, s, secs.size(), 1e3 * mn / tests, 1e3 * md / tests, 1e9 * mn / elems,
      1e9 * md / elems, 1e3 * cmn / tests, extra.c_str());
  std::fflush(stdout);
}

// The arguments both programs take first: S REPS K N SEED (defaults 200,
// 5, 10000, 100, 1).
struct BenchArgs {
  std::size_t series;
  int reps;
  long k;
  std::size_t n;
  uint64_t seed;
};

BenchArgs bench_args(int argc, char** argv) {
  return BenchArgs{argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 200, argc > 2 ? std::atoi(argv[2]) : 5,
                   argc > 3 ? std::atol(argv[3]) : 10000, argc > 4 ? std::strtoul(argv[4], nullptr, 10) : 100,
                   argc > 5 ? std::strtoull(argv[5], nullptr, 10) : 1};
}

}  // namespace
