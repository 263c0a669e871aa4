// Traffic mode of forecast_eval: rolling-origin forecasts on a request-count trace.
#pragma once

#include <string>

namespace foresight::analytics::eval {

// Reads "timestamp,count[,...]" (one header line), evaluates 1 h and 24 h horizons at rolling origins
// (MASE of `model` vs seasonal naive), and writes an SVG of the busiest week's forecast when svg_path is set.
int RunTraffic(const std::string& csv_path, const std::string& svg_path, const std::string& model);

}  // namespace foresight::analytics::eval
