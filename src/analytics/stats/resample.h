// Resampling irregular samples (timestamps in ms, values) onto a regular grid, and filling gaps.
//
// The rule (docs/analytics/forecasting.md): the value at grid point t is the LAST sample with timestamp in
// (t - lookback, t], as a PromQL instant query sees it. A Prometheus stale marker (the NaN with bit pattern
// 0x7ff0000000000002) or any NaN sample makes the point missing if it is that last sample. A point with no
// sample in its lookback window is missing, unless it lies in a gap between two real samples that are at
// most max_interpolation_gap_ms apart: then it is linearly interpolated between them. Missing points are NaN.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"

namespace foresight::analytics {

// The bit pattern Prometheus writes to mark a series as stale.
inline constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002ULL;
bool IsStaleMarker(double v);

// Values at start_ms, start_ms + step_ms, ... (NaN = missing).
struct RegularSeries {
  int64_t start_ms = 0;
  int64_t step_ms = 0;
  std::vector<double> values;
};

struct ResampleOptions {
  int64_t start_ms = 0;
  int64_t end_ms = 0;   // inclusive when on the grid
  int64_t step_ms = 0;  // > 0
  int64_t lookback_ms = 5 * 60 * 1000;
  int64_t max_interpolation_gap_ms = 0;  // 0: no interpolation
};

// Timestamps must be non-decreasing and as many as values; at most 11,000,000 grid points (as Prometheus'
// range-query limit) are produced.
absl::StatusOr<RegularSeries> Resample(std::span<const int64_t> timestamps_ms, std::span<const double> values,
                                       const ResampleOptions& options);

// Makes a regular series usable by models that need every value: drops leading and trailing NaN and
// linearly interpolates interior gaps. Fails when fewer than `min_points` finite values remain or more
// than `max_missing_fraction` of the kept span was missing.
absl::StatusOr<std::vector<double>> FillGaps(std::span<const double> values, size_t min_points = 2,
                                             double max_missing_fraction = 0.5);

}  // namespace foresight::analytics
