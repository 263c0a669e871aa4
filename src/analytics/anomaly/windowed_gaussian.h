// The "windowed Gaussian" baseline of NAB: the tail probability of each value under a normal distribution
// fitted to a sliding window of past values (refitted every `step` points).
#pragma once

#include <cstdint>
#include <vector>

namespace foresight::analytics {

struct WindowedGaussianConfig {
  int64_t window = 6400;
  int64_t step = 100;
};

// One score in [0, 1] per value: 1 - the one-sided normal tail probability beyond the value's distance
// from the window mean (refitting on every point until the window is full). Causal.
std::vector<double> WindowedGaussianScores(const std::vector<double>& values,
                                           const WindowedGaussianConfig& c = {});

}  // namespace foresight::analytics
