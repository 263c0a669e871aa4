// Forecasting: one entry point for the HTTP API and the PromQL functions. Given a regular series (or plain
// values at a fixed step), it fits the requested model (or selects one automatically by rolling-origin
// validation) and returns point forecasts with prediction intervals. See docs/analytics/forecasting.md.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "analytics/stats/resample.h"

namespace foresight::analytics {

// One occurrence of a known event as a half-open index interval [begin, end) on the series' grid; indices
// at or beyond the series length are in the forecast horizon (index n is the first forecast step). The
// "prophet" model gives every distinct name one indicator regressor (1 inside its windows, 0 outside);
// EventWindowsOnGrid (events.h) makes them from a calendar.
struct EventWindow {
  size_t begin = 0;
  size_t end = 0;
  std::string name;
};

struct ForecastOptions {
  size_t horizon = 0;                // steps ahead, > 0
  std::vector<size_t> periods = {};  // seasonal periods in steps (may be empty)
  // Also run DetectSeasonality and add the periods it finds that are longer than every given one (e.g. a
  // weekly cycle on top of a given daily one). With periods empty and this false the series is treated as
  // non-seasonal. The shortest period is the primary one (seasonal naive, ETS, Theta, MASE scaling).
  bool detect_periods = true;
  // "auto", "naive", "snaive", "naive2", "drift", "ets", "theta", "mstl", "prophet", "arima", "ensemble"
  // (= auto restricted to the median ensemble of the best models).
  std::string model = "auto";
  std::vector<double> levels = {80, 95};  // central prediction-interval levels in percent, in (0, 100)
  size_t validation_origins = 3;          // rolling origins for model=auto (each horizon-long)
  size_t ensemble_size = 3;               // auto: also try the median of the best k models (0/1: never)
  // Known events (history and horizon): regressors of "prophet" and, through it, of every "auto" candidate.
  std::vector<EventWindow> events = {};
};

struct PredictionBand {
  double level = 0;
  std::vector<double> lower;
  std::vector<double> upper;
};

struct ForecastResult {
  std::vector<double> points;         // horizon values
  std::vector<PredictionBand> bands;  // one per requested level, in the order given
  std::string model;                  // e.g. "ets(A,Ad,A)", "theta", "ensemble(ets+mstl+snaive)"
  std::vector<size_t> periods;        // the seasonal periods used
  double validation_error = -1;       // mean MASE over the rolling origins; -1 when not validated
  std::vector<std::pair<std::string, double>> params;  // fitted parameters, by name
};

// Values at a regular step, NaN = missing: leading/trailing gaps are dropped and interior gaps linearly
// interpolated (see FillGaps); more than half missing, fewer than 3 points or non-finite data is an error.
// A constant series is forecast as that constant with zero-width intervals. When the history has no
// negative value, points and bounds are clamped at 0. The forecast never contains NaN.
absl::StatusOr<ForecastResult> Forecast(std::span<const double> values, const ForecastOptions& options);
absl::StatusOr<ForecastResult> Forecast(const RegularSeries& series, const ForecastOptions& options);

// Model names Forecast accepts.
const std::vector<std::string>& ForecastModelNames();

}  // namespace foresight::analytics
