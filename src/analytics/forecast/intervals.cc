// Shared helpers of the models: normal and simulated prediction bands, M4 seasonal adjustment.
#include <algorithm>
#include <cmath>

#include "analytics/forecast/model.h"
#include "analytics/stats/decompose.h"
#include "analytics/stats/seasonality.h"
#include "analytics/stats/stats.h"

namespace foresight::analytics::forecast_internal {
namespace {

// Inverse of the standard normal CDF (rational approximations by region, relative error < 1.2e-9 after
// one Newton step).
double InverseNormalCdf(double p) {
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                                 1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                                 6.680131188771972e+01, -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                                 -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                                 3.754408661907416e+00};
  double x;
  if (p < 0.02425) {
    const double q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p > 1 - 0.02425) {
    const double q = std::sqrt(-2 * std::log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else {
    const double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
  // One Newton step on erfc for full precision.
  const double e = 0.5 * std::erfc(-x / std::sqrt(2.0)) - p;
  const double u = e * std::sqrt(2 * M_PI) * std::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

}  // namespace

double NormalQuantileForLevel(double level) {
  const double p = std::clamp(level, 1e-6, 100 - 1e-6) / 100;
  return InverseNormalCdf(0.5 + p / 2);
}

std::vector<PredictionBand> NormalBands(std::span<const double> mean, std::span<const double> sd,
                                        std::span<const double> levels) {
  std::vector<PredictionBand> bands;
  for (double level : levels) {
    const double z = NormalQuantileForLevel(level);
    PredictionBand b;
    b.level = level;
    for (size_t h = 0; h < mean.size(); ++h) {
      const double s = std::isfinite(sd[h]) ? std::max(0.0, sd[h]) : 0.0;
      b.lower.push_back(mean[h] - z * s);
      b.upper.push_back(mean[h] + z * s);
    }
    bands.push_back(std::move(b));
  }
  return bands;
}

std::vector<PredictionBand> SimulatedBands(const std::vector<std::vector<double>>& paths, size_t horizon,
                                           std::span<const double> levels) {
  std::vector<PredictionBand> bands(levels.size());
  for (size_t l = 0; l < levels.size(); ++l) bands[l].level = levels[l];
  std::vector<double> column(paths.size());
  for (size_t h = 0; h < horizon; ++h) {
    for (size_t p = 0; p < paths.size(); ++p) column[p] = paths[p][h];
    std::sort(column.begin(), column.end());
    for (size_t l = 0; l < levels.size(); ++l) {
      const double tail = (1 - std::clamp(levels[l], 0.0, 100.0) / 100) / 2;
      auto at = [&](double q) {
        const double rank = q * static_cast<double>(column.size() - 1);
        const size_t lo = static_cast<size_t>(rank);
        const size_t hi = std::min(lo + 1, column.size() - 1);
        return column[lo] + (rank - static_cast<double>(lo)) * (column[hi] - column[lo]);
      };
      bands[l].lower.push_back(at(tail));
      bands[l].upper.push_back(at(1 - tail));
    }
  }
  return bands;
}

std::vector<double> M4SeasonalIndices(std::span<const double> y, size_t period) {
  std::vector<double> ones(std::max<size_t>(period, 1), 1.0);
  if (period < 2 || !SeasonalityTest(y, period)) return ones;
  auto idx = ClassicalSeasonalIndices(y, period, /*multiplicative=*/true);
  if (!idx.ok()) return ones;
  for (double v : *idx) {
    if (!std::isfinite(v) || v <= 0) return ones;
  }
  return *idx;
}

}  // namespace foresight::analytics::forecast_internal
