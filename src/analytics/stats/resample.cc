#include "analytics/stats/resample.h"

#include <bit>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"

namespace foresight::analytics {

bool IsStaleMarker(double v) { return std::bit_cast<uint64_t>(v) == kStaleNaNBits; }

absl::StatusOr<RegularSeries> Resample(std::span<const int64_t> ts, std::span<const double> values,
                                       const ResampleOptions& o) {
  if (ts.size() != values.size()) {
    return absl::InvalidArgumentError("resample: timestamps and values differ in length");
  }
  if (o.step_ms <= 0) return absl::InvalidArgumentError("resample: step must be positive");
  if (o.end_ms < o.start_ms) return absl::InvalidArgumentError("resample: end before start");
  if (o.lookback_ms <= 0) return absl::InvalidArgumentError("resample: lookback must be positive");
  const uint64_t points = static_cast<uint64_t>(o.end_ms - o.start_ms) / static_cast<uint64_t>(o.step_ms) + 1;
  if (points > 11'000'000) {
    return absl::InvalidArgumentError(absl::StrCat("resample: ", points, " points exceed the limit"));
  }
  for (size_t i = 1; i < ts.size(); ++i) {
    if (ts[i] < ts[i - 1]) return absl::InvalidArgumentError("resample: timestamps not sorted");
  }
  RegularSeries out;
  out.start_ms = o.start_ms;
  out.step_ms = o.step_ms;
  out.values.assign(points, std::numeric_limits<double>::quiet_NaN());
  // j: index of the first sample with timestamp > t (samples before it are <= t).
  size_t j = 0;
  for (size_t k = 0; k < points; ++k) {
    const int64_t t = o.start_ms + static_cast<int64_t>(k) * o.step_ms;
    while (j < ts.size() && ts[j] <= t) ++j;
    if (j > 0 && ts[j - 1] > t - o.lookback_ms) {
      out.values[k] = std::isnan(values[j - 1]) ? std::numeric_limits<double>::quiet_NaN() : values[j - 1];
      continue;
    }
    if (o.max_interpolation_gap_ms <= 0 || j == 0 || j >= ts.size()) continue;
    // A gap: interpolate between the real samples either side when they are close enough.
    const size_t a = j - 1, b = j;
    if (std::isnan(values[a]) || std::isnan(values[b])) continue;
    if (ts[b] - ts[a] > o.max_interpolation_gap_ms) continue;
    const double w = static_cast<double>(t - ts[a]) / static_cast<double>(ts[b] - ts[a]);
    out.values[k] = values[a] + w * (values[b] - values[a]);
  }
  return out;
}

absl::StatusOr<std::vector<double>> FillGaps(std::span<const double> values, size_t min_points,
                                             double max_missing_fraction) {
  size_t first = 0, last = values.size();
  while (first < last && !std::isfinite(values[first])) ++first;
  while (last > first && !std::isfinite(values[last - 1])) --last;
  size_t finite = 0;
  for (size_t i = first; i < last; ++i) finite += std::isfinite(values[i]) ? 1 : 0;
  if (finite < std::max<size_t>(min_points, 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("too few finite values: ", finite, " (need ", std::max<size_t>(min_points, 1), ")"));
  }
  const double missing = 1.0 - static_cast<double>(finite) / static_cast<double>(last - first);
  if (missing > max_missing_fraction) {
    return absl::InvalidArgumentError(absl::StrCat("too many missing values: ", missing * 100, "%"));
  }
  std::vector<double> out(values.begin() + static_cast<std::ptrdiff_t>(first),
                          values.begin() + static_cast<std::ptrdiff_t>(last));
  size_t prev = 0;  // out[0] is finite
  for (size_t i = 1; i < out.size(); ++i) {
    if (!std::isfinite(out[i])) continue;
    for (size_t k = prev + 1; k < i; ++k) {
      const double w = static_cast<double>(k - prev) / static_cast<double>(i - prev);
      out[k] = out[prev] + w * (out[i] - out[prev]);
    }
    prev = i;
  }
  return out;
}

}  // namespace foresight::analytics
