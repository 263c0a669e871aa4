// Automatic model selection by rolling-origin validation. Internal to forecast/.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "analytics/forecast/model.h"

namespace foresight::analytics::forecast_internal {

struct Candidate {
  std::string label;
  std::function<absl::StatusOr<ModelOutput>(const ModelInput&)> fit;
};

// The candidates model=auto considers for this data and these periods.
std::vector<Candidate> AutoCandidates(const ModelInput& in);

// Mean absolute scaled error of forecast f against actual a, scaled by the in-sample MAE of the seasonal
// naive forecast (lag m, falling back to lag 1) on train. NaN when the scale is 0.
double Mase(std::span<const double> train, std::span<const double> actual, std::span<const double> f,
            size_t m);

struct Selection {
  ModelOutput output;
  double validation_error = -1;
};

// Rolling-origin validation over `origins` horizon-long windows at the end of the data; every candidate is
// refitted at each origin and scored by mean MASE; the best one (or the median ensemble of the best
// `ensemble_size`, when it validates better) is then fitted on all data. With too little data for even one
// origin, the first candidate that fits is used and validation_error stays -1.
absl::StatusOr<Selection> SelectAndForecast(const ModelInput& in, const std::vector<Candidate>& candidates,
                                            size_t origins, size_t ensemble_size, bool ensemble_only);

}  // namespace foresight::analytics::forecast_internal
