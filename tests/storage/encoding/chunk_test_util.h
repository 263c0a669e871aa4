// Sample generators and a decode helper shared by the chunk tests.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "storage/encoding/chunk.h"
#include "storage/storage.h"

namespace foresight::storage::encoding::testing {

inline uint64_t Bits(double v) { return std::bit_cast<uint64_t>(v); }

// Decodes a whole chunk; *err receives the iterator's error.
inline std::vector<Sample> Decode(ChunkEncoding e, std::string_view bytes, absl::Status* err = nullptr) {
  std::vector<Sample> out;
  auto it = NewChunkIterator(e, bytes);
  while (it->Next()) out.push_back(it->At());
  if (err) *err = it->Err();
  return out;
}

// Bit-exact comparison, so NaN payloads and -0.0 count.
inline bool SameSamples(const std::vector<Sample>& a, const std::vector<Sample>& b, std::string* why) {
  if (a.size() != b.size()) {
    *why = "size " + std::to_string(a.size()) + " vs " + std::to_string(b.size());
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].t != b[i].t || Bits(a[i].v) != Bits(b[i].v)) {
      *why = "sample " + std::to_string(i) + ": t " + std::to_string(a[i].t) + " vs " +
             std::to_string(b[i].t) + ", bits " + std::to_string(Bits(a[i].v)) + " vs " +
             std::to_string(Bits(b[i].v));
      return false;
    }
  }
  return true;
}

inline std::vector<Sample> Regular(int n, int64_t t0, int64_t step, double (*f)(int)) {
  std::vector<Sample> s;
  for (int i = 0; i < n; ++i) s.push_back({t0 + i * step, f(i)});
  return s;
}

// Values that break naive codecs, cycled over a jittery timeline.
inline std::vector<Sample> Adversarial() {
  const double inf = std::numeric_limits<double>::infinity();
  const double values[] = {0.0,
                           -0.0,
                           StaleNaN(),
                           std::bit_cast<double>(uint64_t{0x7ff8000000000000}),  // quiet NaN
                           std::bit_cast<double>(uint64_t{0xfff0000000000001}),  // negative signalling NaN
                           std::bit_cast<double>(uint64_t{0x7ff0dead00beef01}),  // NaN with a payload
                           inf,
                           -inf,
                           std::numeric_limits<double>::denorm_min(),
                           -std::numeric_limits<double>::denorm_min(),
                           std::numeric_limits<double>::min(),
                           std::numeric_limits<double>::max(),
                           std::numeric_limits<double>::lowest(),
                           1.0,
                           1.0,
                           0.1,
                           -12345.678,
                           1.8446744073709552e19,
                           StaleNaN()};
  std::vector<Sample> s;
  int64_t t = -1000;
  int i = 0;
  for (double v : values) {
    s.push_back({t, v});
    t += 15000 + (i++ % 3) - 1;
  }
  return s;
}

inline std::vector<Sample> RandomBits(int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Sample> s;
  int64_t t = static_cast<int64_t>(rng() >> 2) - (int64_t{1} << 61);
  for (int i = 0; i < n; ++i) {
    t += 1 + static_cast<int64_t>(rng() % 100000);
    s.push_back({t, std::bit_cast<double>(rng())});
  }
  return s;
}

inline std::vector<Sample> HugeJumps() {
  const int64_t mn = std::numeric_limits<int64_t>::min(), mx = std::numeric_limits<int64_t>::max();
  return {{mn, 1},
          {mn + 1, 2},
          {-(int64_t{1} << 62), 3},
          {-1, 4},
          {0, 5},
          {1, 6},
          {int64_t{1} << 62, 7},
          {(int64_t{1} << 62) + 1, 8},
          {(int64_t{1} << 62) + 3, 9},
          {mx - 1, 10},
          {mx, 11}};
}

inline std::vector<Sample> RandomWalk(int n, uint64_t seed, int decimals) {
  std::mt19937_64 rng(seed);
  std::vector<Sample> s;
  int64_t m = 100000;
  const double scale = std::pow(10.0, decimals);
  for (int i = 0; i < n; ++i) {
    m += static_cast<int64_t>(rng() % 2001) - 1000;
    s.push_back({1700000000000 + i * 15000 + static_cast<int64_t>(rng() % 5), m / scale});
  }
  return s;
}

// A scrape-duration-like gauge: 6 significant digits of noise far from zero, jittered timestamps.
inline std::vector<Sample> NoisyGauge(int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Sample> s;
  for (int i = 0; i < n; ++i) {
    const int64_t m = 150000 + static_cast<int64_t>(rng() % 50000);
    s.push_back({1700000000000 + i * 15000 + static_cast<int64_t>(rng() % 5) - 2, m / 1e9});
  }
  return s;
}

}  // namespace foresight::storage::encoding::testing
