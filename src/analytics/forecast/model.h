// Internal interface of the forecast models: each takes finite data (no NaN) and returns a point forecast
// and bands for the requested levels. Not part of the public API (see forecast.h).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "analytics/forecast/forecast.h"

namespace foresight::analytics::forecast_internal {

struct ModelInput {
  std::span<const double> y;
  size_t horizon = 0;
  std::vector<size_t> periods;  // ascending; may be empty
  std::vector<double> levels;
  std::span<const EventWindow> events;
};

struct ModelOutput {
  std::vector<double> mean;
  std::vector<PredictionBand> bands;
  std::string name;
  std::vector<std::pair<std::string, double>> params;
};

using ModelFn = absl::StatusOr<ModelOutput> (*)(const ModelInput&);

absl::StatusOr<ModelOutput> NaiveModel(const ModelInput& in);
absl::StatusOr<ModelOutput> SeasonalNaiveModel(const ModelInput& in);  // uses the first (shortest) period
absl::StatusOr<ModelOutput> Naive2Model(const ModelInput& in);         // M4 Naive2
absl::StatusOr<ModelOutput> DriftModel(const ModelInput& in);
absl::StatusOr<ModelOutput> EtsModel(const ModelInput& in);      // AICc over the ETS family (ets.cc)
absl::StatusOr<ModelOutput> ThetaModel(const ModelInput& in);    // theta.cc
absl::StatusOr<ModelOutput> MstlEtsModel(const ModelInput& in);  // mstl_ets.cc
absl::StatusOr<ModelOutput> ProphetModel(const ModelInput& in);  // prophet.cc
absl::StatusOr<ModelOutput> ArimaModel(const ModelInput& in);    // auto-ARIMA on the first period (arima.cc)

// Normal quantile z for a central interval of `level` percent (e.g. 95 -> 1.95996).
double NormalQuantileForLevel(double level);
// Bands mean +- z * sd[h] for every level.
std::vector<PredictionBand> NormalBands(std::span<const double> mean, std::span<const double> sd,
                                        std::span<const double> levels);
// Bands from simulated sample paths: paths[p][h]; empirical quantiles per step.
std::vector<PredictionBand> SimulatedBands(const std::vector<std::vector<double>>& paths, size_t horizon,
                                           std::span<const double> levels);

// M4-style seasonal adjustment: multiplicative classical indices when the 90% seasonality test passes for
// `period` and the data are positive; otherwise all-ones. index[i % period] applies to y[i].
std::vector<double> M4SeasonalIndices(std::span<const double> y, size_t period);

}  // namespace foresight::analytics::forecast_internal
