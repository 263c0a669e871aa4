// Shared pieces of the forecast_eval tool: data loading, accuracy measures, CSV output.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "analytics/forecast/forecast.h"

namespace foresight::analytics::eval {

struct NamedSeries {
  std::string id;
  std::vector<double> values;
};

// M4 wide CSV: a header row, then "id",v1,v2,... with trailing empty cells.
absl::StatusOr<std::vector<NamedSeries>> ReadM4Csv(const std::string& path);

// sMAPE in percent as M4 defines it: 200/h * sum |y-f| / (|y|+|f|).
double Smape(const std::vector<double>& actual, const std::vector<double>& f);
// MASE with the in-sample seasonal naive (lag m) MAE as scale, as M4 defines it.
double Mase(const std::vector<double>& train, const std::vector<double>& actual, const std::vector<double>& f,
            size_t m);

// Accumulates accuracy and interval coverage of one model over many series.
struct Score {
  std::string model;
  double smape_sum = 0, mase_sum = 0;
  size_t series = 0, failures = 0;
  double seconds = 0;
  std::vector<double> levels;
  std::vector<size_t> covered;  // per level
  size_t points = 0;
  void Add(const std::vector<double>& train, const std::vector<double>& actual, const ForecastResult& r,
           size_t m);
  double Smape() const { return series ? smape_sum / static_cast<double>(series) : 0; }
  double Mase() const { return series ? mase_sum / static_cast<double>(series) : 0; }
};

// Writes one row per series (id, values) and, beside it, <stem>.bands.csv with id,level,side,values.
absl::Status WriteForecasts(const std::string& path, const std::vector<std::string>& ids,
                            const std::vector<ForecastResult>& results);

}  // namespace foresight::analytics::eval
