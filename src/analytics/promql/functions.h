// Foresight's PromQL extension functions. Every name starts with "foresight_", so none can clash with a
// Prometheus function now or later:
//
//   foresight_forecast(v range-vector, horizon scalar [, model string])      forecast value `horizon` seconds
//                                                                             after the evaluation time
//   foresight_forecast_lower(v range-vector, horizon scalar [, level scalar]) lower bound of its prediction
//   foresight_forecast_upper(v range-vector, horizon scalar [, level scalar]) interval (level % , default 95)
//   foresight_predict_seasonal(v range-vector, t scalar [, period scalar])   predict_linear plus the seasonal
//                                                                             pattern (period in seconds;
//                                                                             detected when not given)
//   foresight_median_over_time(v range-vector)
//   foresight_mode_over_time(v range-vector)
//   foresight_mad_over_time(v range-vector)                                   median absolute deviation
//   foresight_anomaly_score(v range-vector [, sensitivity scalar])           score in [0, 1) of each series'
//                                                                             last point in the window
//
// Semantics and examples: docs/analytics/api.md.
#pragma once

#include "absl/status/status.h"

namespace foresight::analytics {

// Registers the functions with the PromQL parser and engine. Call once at startup before queries run; later
// calls do nothing and return OK.
absl::Status RegisterAnalyticsFunctions();

}  // namespace foresight::analytics
