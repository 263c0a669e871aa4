// Time-series decomposition: STL (Cleveland, Cleveland, McRae & Terpenning 1990), MSTL for several periods
// (Bandara, Hyndman & Bergmeir 2021), classical decomposition, and the strength of trend and seasonality
// (Wang, Smith & Hyndman 2006; Hyndman & Athanasopoulos, FPP3 4.3). Inputs must be free of NaN.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "absl/status/statusor.h"

namespace foresight::analytics {

struct StlOptions {
  size_t seasonal_window = 7;  // odd, >= 3; 0 means "periodic" (the same pattern every cycle)
  size_t trend_window = 0;     // odd; 0: smallest odd >= 1.5*period / (1 - 1.5/seasonal_window)
  size_t lowpass_window = 0;   // odd; 0: smallest odd >= period
  int inner_iterations = 2;
  int outer_iterations = 0;  // robustness iterations; Robust() sets 15 and 1 inner, as R's stl(robust=TRUE)
  static StlOptions Robust() {
    StlOptions o;
    o.inner_iterations = 1;
    o.outer_iterations = 15;
    return o;
  }
};

// data = trend + seasonal + remainder exactly (up to rounding).
struct StlResult {
  std::vector<double> trend;
  std::vector<double> seasonal;
  std::vector<double> remainder;
  std::vector<double> weights;  // robustness weights (all 1 without outer iterations)
};

// Needs period >= 2 and at least two full periods of finite data.
absl::StatusOr<StlResult> Stl(std::span<const double> data, size_t period, const StlOptions& options = {});

struct MstlResult {
  std::vector<size_t> periods;  // the periods used, ascending (too long ones are dropped)
  std::vector<double> trend;
  std::vector<std::vector<double>> seasonals;  // one per period
  std::vector<double> remainder;
};

// MSTL: STL applied in turn for each period (ascending), `iterations` times, each on the data minus the
// other seasonal parts; period i (from 0) uses seasonal window 7 + 4*i unless options says otherwise.
// Periods with fewer than two full cycles are dropped; with none left the result has no seasonal part and
// the trend is a loess smooth of the data.
absl::StatusOr<MstlResult> Mstl(std::span<const double> data, std::vector<size_t> periods,
                                int iterations = 2);

// Classical decomposition seasonal indices, one per phase: index[i % period] applies to data[i].
// Multiplicative indices average 1 (needs positive data); additive ones average 0.
absl::StatusOr<std::vector<double>> ClassicalSeasonalIndices(std::span<const double> data, size_t period,
                                                             bool multiplicative);

// max(0, 1 - Var(remainder) / Var(trend + remainder)); likewise with the seasonal part. 0 when undefined.
double TrendStrength(std::span<const double> trend, std::span<const double> remainder);
double SeasonalStrength(std::span<const double> seasonal, std::span<const double> remainder);

// Loess smoothing of y at every index (tricube weights, local polynomial of degree 0 or 1, window of q
// points), evaluated every `jump` points and linearly interpolated in between. Exposed for tests and STL.
std::vector<double> LoessSmooth(std::span<const double> y, std::span<const double> robustness, size_t q,
                                int degree, size_t jump);

}  // namespace foresight::analytics
