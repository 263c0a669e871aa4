// Exponential smoothing in state-space form (Hyndman, Koehler, Ord & Snyder 2008): error A/M, trend
// N/A/Ad, season N/A/M. Smoothing parameters are fitted by maximum likelihood with NLopt (Nelder-Mead within
// bounds); initial states come from a classical decomposition of all full cycles. Internal to forecast/.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "analytics/forecast/model.h"

namespace foresight::analytics::forecast_internal {

struct EtsSpec {
  char error = 'A';          // 'A' or 'M'
  char trend = 'N';          // 'N', 'A' or 'D' (additive damped)
  char season = 'N';         // 'N', 'A' or 'M'
  size_t period = 1;         // used when season != 'N'
  std::string Name() const;  // e.g. "ets(M,Ad,M)"
};

struct EtsFit {
  EtsSpec spec;
  double alpha = 0, beta = 0, gamma = 0, phi = 1;
  double level = 0, slope = 0;  // final states
  std::vector<double> season;   // season[k] applies to time n + k (k < period)
  double sigma2 = 0;            // variance of the (absolute or relative) innovations
  double aicc = 0;
  size_t n = 0;
};

// Fits one model; fails when the spec does not suit the data (multiplicative parts with non-positive data,
// a season without two full cycles, too few points) or the optimiser finds no finite likelihood.
absl::StatusOr<EtsFit> FitEts(std::span<const double> y, const EtsSpec& spec);

// The candidate specs for period m (m < 2: non-seasonal ones), excluding multiplicative forms when the data
// are not all positive and additive-error/multiplicative-season (numerically unstable).
std::vector<EtsSpec> EtsCandidates(std::span<const double> y, size_t period);

// Lowest-AICc fit among the candidates.
absl::StatusOr<EtsFit> AutoEts(std::span<const double> y, std::span<const EtsSpec> candidates);

// Point forecast and bands: analytic variance for the linear (additive error, no multiplicative season)
// models, otherwise simulated sample paths (fixed seed, so results are reproducible).
ModelOutput EtsForecast(const EtsFit& fit, size_t horizon, std::span<const double> levels);

}  // namespace foresight::analytics::forecast_internal
