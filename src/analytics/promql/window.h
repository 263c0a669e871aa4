// Internal: a range-vector window (irregular samples) made regular for the models: one value per step,
// anchored at the last sample, with interior gaps filled.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "query/engine/value.h"

namespace foresight::analytics::promql {

struct Grid {
  int64_t start_ms = 0;  // time of values[0]
  int64_t step_ms = 0;
  std::vector<double> values;  // all finite
  int64_t end_ms() const { return start_ms + static_cast<int64_t>(values.size() - 1) * step_ms; }
};

// The step is the median interval between samples, widened so that there are at most `max_points` values;
// each grid point takes the last sample at or before it within one step (as a PromQL instant query with that
// lookback), and gaps are linearly interpolated. Errors: fewer than `min_points` values, more than half the
// grid missing.
absl::StatusOr<Grid> MakeGrid(const std::vector<query::Point>& points, size_t max_points, size_t min_points);

// The finite sample values of a window, in time order.
std::vector<double> FiniteValues(const std::vector<query::Point>& points);

// The series' labels without the metric name (as Prometheus' functions drop it).
Labels DropName(const Labels& l);

}  // namespace foresight::analytics::promql
