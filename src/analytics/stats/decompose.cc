// Classical decomposition and strength measures (STL and MSTL are in stl.cc).
#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "analytics/stats/decompose.h"
#include "analytics/stats/stats.h"

namespace foresight::analytics {

absl::StatusOr<std::vector<double>> ClassicalSeasonalIndices(std::span<const double> y, size_t m,
                                                             bool multiplicative) {
  const size_t n = y.size();
  if (m < 2) return absl::InvalidArgumentError("classical decomposition: period must be at least 2");
  if (n < 2 * m) {
    return absl::InvalidArgumentError(
        absl::StrCat("classical decomposition: ", n, " points are fewer than two periods of ", m));
  }
  for (double v : y) {
    if (!std::isfinite(v)) return absl::InvalidArgumentError("classical decomposition: NaN or Inf in data");
    if (multiplicative && !(v > 0)) {
      return absl::InvalidArgumentError("classical decomposition: multiplicative needs positive data");
    }
  }
  // Centred moving average: order m when odd, 2xm when even.
  std::vector<double> sum(m, 0.0);
  std::vector<size_t> count(m, 0);
  const size_t half = m / 2;
  for (size_t i = half; i + half < n; ++i) {
    double trend = 0;
    if (m % 2 == 1) {
      for (size_t k = i - half; k <= i + half; ++k) trend += y[k];
      trend /= static_cast<double>(m);
    } else {
      if (i + half >= n) break;
      for (size_t k = i - half; k <= i + half; ++k) {
        trend += (k == i - half || k == i + half) ? y[k] / 2 : y[k];
      }
      trend /= static_cast<double>(m);
    }
    const double ratio = multiplicative ? y[i] / trend : y[i] - trend;
    if (!std::isfinite(ratio)) continue;
    sum[i % m] += ratio;
    ++count[i % m];
  }
  std::vector<double> idx(m, multiplicative ? 1.0 : 0.0);
  double total = 0;
  for (size_t k = 0; k < m; ++k) {
    if (count[k] > 0) idx[k] = sum[k] / static_cast<double>(count[k]);
    total += idx[k];
  }
  const double mean = total / static_cast<double>(m);
  for (double& v : idx) v = multiplicative ? v / mean : v - mean;
  return idx;
}

namespace {
double StrengthOf(std::span<const double> part, std::span<const double> remainder) {
  if (part.size() != remainder.size() || part.empty()) return 0;
  std::vector<double> sum(part.size());
  for (size_t i = 0; i < part.size(); ++i) sum[i] = part[i] + remainder[i];
  const double vs = Variance(sum);
  if (!(vs > 0)) return 0;
  return std::clamp(1 - Variance(remainder) / vs, 0.0, 1.0);
}
}  // namespace

double TrendStrength(std::span<const double> trend, std::span<const double> remainder) {
  return StrengthOf(trend, remainder);
}

double SeasonalStrength(std::span<const double> seasonal, std::span<const double> remainder) {
  return StrengthOf(seasonal, remainder);
}

}  // namespace foresight::analytics
