#include "analytics/promql/window.h"

#include <algorithm>
#include <cmath>

#include "analytics/stats/resample.h"

namespace foresight::analytics::promql {

absl::StatusOr<Grid> MakeGrid(const std::vector<query::Point>& points, size_t max_points, size_t min_points) {
  std::vector<int64_t> ts;
  std::vector<double> vs;
  for (const auto& p : points) {
    if (!std::isfinite(p.v)) continue;
    ts.push_back(p.t);
    vs.push_back(p.v);
  }
  if (ts.size() < std::max<size_t>(min_points, 2)) {
    return absl::InvalidArgumentError("too few samples in the window");
  }
  std::vector<int64_t> gaps;
  for (size_t i = 1; i < ts.size(); ++i) {
    if (ts[i] > ts[i - 1]) gaps.push_back(ts[i] - ts[i - 1]);
  }
  if (gaps.empty()) return absl::InvalidArgumentError("every sample of the window has the same timestamp");
  std::nth_element(gaps.begin(), gaps.begin() + static_cast<std::ptrdiff_t>(gaps.size() / 2), gaps.end());
  const int64_t span = ts.back() - ts.front();
  const int64_t widest = (span + static_cast<int64_t>(max_points) - 2) / static_cast<int64_t>(max_points - 1);
  const int64_t step = std::max({gaps[gaps.size() / 2], widest, int64_t{1}});
  ResampleOptions o;
  o.end_ms = ts.back();
  o.start_ms = o.end_ms - span / step * step;
  o.step_ms = step;
  o.lookback_ms = step;
  auto r = Resample(ts, vs, o);
  if (!r.ok()) return r.status();
  auto filled = FillGaps(r->values, min_points, 0.5);
  if (!filled.ok()) return filled.status();
  // FillGaps drops leading missing points; the last point always holds the last sample.
  Grid g;
  g.step_ms = step;
  g.values = std::move(*filled);
  g.start_ms = o.end_ms - static_cast<int64_t>(g.values.size() - 1) * step;
  return g;
}

std::vector<double> FiniteValues(const std::vector<query::Point>& points) {
  std::vector<double> out;
  out.reserve(points.size());
  for (const auto& p : points) {
    if (std::isfinite(p.v)) out.push_back(p.v);
  }
  return out;
}

Labels DropName(const Labels& l) { return LabelsBuilder(l).Del(kMetricNameLabel).Build(); }

}  // namespace foresight::analytics::promql
