// A minimal hand-written SVG line chart: history, actuals, forecast and prediction bands.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace foresight::analytics::eval {

struct ForecastPlot {
  std::string title;
  std::vector<double> history;  // ends at the forecast origin
  std::vector<double> actual;   // after the origin (may be empty)
  std::vector<double> forecast;
  std::vector<double> lower80, upper80, lower95, upper95;
  double step_minutes = 5;  // for the time axis labels (hours before/after the origin)
};

absl::Status WriteForecastSvg(const std::string& path, const ForecastPlot& plot);

}  // namespace foresight::analytics::eval
