// Seasonal ARIMA (p,d,q)(P,D,Q)_m with a compact automatic order search in the manner of Hyndman &
// Khandakar (2008): seasonal differencing by the STL seasonal-strength test, non-seasonal differencing by
// KPSS tests, then a stepwise search over small orders by AICc. Parameters are fitted by conditional sum of
// squares with NLopt (BOBYQA) over partial autocorrelations, which keeps the AR part stationary and the MA
// part invertible. Prediction intervals come from the psi-weights. Internal to forecast/.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "analytics/forecast/model.h"

namespace foresight::analytics::forecast_internal {

struct ArimaOrder {
  int p = 0, d = 0, q = 0;
  int P = 0, D = 0, Q = 0;
  size_t m = 1;              // seasonal period (P = D = Q = 0 when m < 2)
  bool constant = false;     // a mean of the differenced series (only when d + D <= 1)
  std::string Name() const;  // "arima(1,0,1)(0,1,1)[24]" or "arima(2,1,0) with drift"
};

struct ArimaFit {
  ArimaOrder order;
  // Expanded polynomials of the differenced, mean-removed series z: z_t = sum ar[i]*z_{t-i} + e_t +
  // sum ma[j]*e_{t-j} (index 0 unused, so ar[i] is the coefficient of lag i).
  std::vector<double> ar, ma;
  std::vector<double> params;  // the non-seasonal then seasonal AR and MA coefficients, for reports
  double mean = 0;
  double sigma2 = 0;
  double aicc = 0;
  std::vector<double> residuals;  // e_t of the differenced series (0 before the conditioning start)
  size_t css_start = 0;           // the differenced values conditioned on
};

// Fits one order by conditional sum of squares, conditioning on the first `css_start` differenced values
// (0: p + m*P). `warm_start`, when given, is the `params` of an earlier fit of the same order (e.g. on more
// data): the search starts there with a smaller budget. Errors: too few points for the order, or no finite
// fit.
absl::StatusOr<ArimaFit> FitArima(std::span<const double> y, const ArimaOrder& order, size_t css_start = 0,
                                  const std::vector<double>* warm_start = nullptr);

struct ArimaSearchOptions {
  size_t max_fits = 40;   // the stepwise search stops after this many models
  size_t max_cycles = 0;  // > 0: search on the last max_cycles*m points only (the cost is linear in n)
};

// Chooses d and D by tests and (p,q)(P,Q) by a stepwise AICc search (p, q <= 3; P, Q <= 1).
absl::StatusOr<ArimaFit> AutoArima(std::span<const double> y, size_t m,
                                   const ArimaSearchOptions& options = {});

// The KPSS level-stationarity statistic (Kwiatkowski et al. 1992, Bartlett window of trunc(3*sqrt(n)/13)
// lags); above 0.463 rejects stationarity at 5%.
double KpssStatistic(std::span<const double> x);

// Point forecast and normal bands from the psi-weights of the fitted model (on y, differencing included).
ModelOutput ArimaForecast(std::span<const double> y, const ArimaFit& fit, size_t horizon,
                          std::span<const double> levels);

}  // namespace foresight::analytics::forecast_internal
