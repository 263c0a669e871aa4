// Synthetic series with known structure for the forecasting tests.
#pragma once

#include <cmath>
#include <numbers>
#include <random>
#include <vector>

namespace foresight::analytics::testing {

struct SyntheticSpec {
  size_t n = 24 * 7 * 6;
  double level = 100;
  double slope = 0.05;
  double daily = 20;  // amplitude of a 24-step sine
  double weekly = 0;  // amplitude of a 168-step pattern
  double noise = 2;   // normal noise sd
  unsigned seed = 1;
};

inline double SyntheticMean(const SyntheticSpec& s, size_t t) {
  const double x = static_cast<double>(t);
  double v = s.level + s.slope * x + s.daily * std::sin(2 * std::numbers::pi * x / 24);
  if (s.weekly != 0) v += s.weekly * ((t / 24) % 7 >= 5 ? -1.0 : 0.4);  // weekend dip
  return v;
}

// Values for t in [0, n + extra): the first n are the "history", the rest truth for a forecast.
inline std::vector<double> Synthetic(const SyntheticSpec& s, size_t extra = 0) {
  std::mt19937_64 rng(s.seed);
  std::normal_distribution<double> noise(0, s.noise);
  std::vector<double> v(s.n + extra);
  for (size_t t = 0; t < v.size(); ++t) v[t] = SyntheticMean(s, t) + noise(rng);
  return v;
}

}  // namespace foresight::analytics::testing
