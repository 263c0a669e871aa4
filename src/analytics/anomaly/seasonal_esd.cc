#include "analytics/anomaly/seasonal_esd.h"

#include <algorithm>
#include <cmath>

#include "absl/status/status.h"

namespace foresight::analytics {
namespace {

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  const double hi = v[mid];
  if (v.size() % 2 == 1) return hi;
  return 0.5 * (hi + *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid)));
}

}  // namespace

double NormalQuantile(double p) {
  if (!(p > 0 && p < 1)) return p <= 0 ? -INFINITY : INFINITY;
  // Bisection on the normal CDF, 0.5 * erfc(-x / sqrt 2): exact to double precision in 200 steps.
  double lo = -40, hi = 40;
  for (int i = 0; i < 200 && hi - lo > 1e-15; ++i) {
    const double mid = 0.5 * (lo + hi);
    (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

double StudentTQuantile(double p, double dof) {
  const double z = NormalQuantile(p);
  if (!(dof > 0) || !std::isfinite(z)) return z;
  const double z2 = z * z, z3 = z2 * z, z5 = z3 * z2, z7 = z5 * z2, z9 = z7 * z2;
  const double g1 = (z3 + z) / 4;
  const double g2 = (5 * z5 + 16 * z3 + 3 * z) / 96;
  const double g3 = (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / 384;
  const double g4 = (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / 92160;
  return z + g1 / dof + g2 / (dof * dof) + g3 / (dof * dof * dof) + g4 / (dof * dof * dof * dof);
}

absl::StatusOr<std::vector<EsdAnomaly>> SeasonalHybridEsd(const std::vector<double>& values,
                                                          const EsdConfig& config) {
  if (!(config.max_fraction > 0 && config.max_fraction <= 0.49)) {
    return absl::InvalidArgumentError("max_fraction must be in (0, 0.49]");
  }
  if (!(config.alpha > 0 && config.alpha < 1)) return absl::InvalidArgumentError("alpha must be in (0, 1)");
  if (config.period < 0 || config.period > static_cast<int64_t>(values.size()) / 2) {
    return absl::InvalidArgumentError("period must be in [0, n/2]");
  }
  std::vector<int64_t> idx;
  for (size_t i = 0; i < values.size(); ++i) {
    if (std::isfinite(values[i])) idx.push_back(static_cast<int64_t>(i));
  }
  if (idx.size() < 8) return absl::InvalidArgumentError("seasonal ESD needs at least 8 finite points");
  // Season: the median of each phase (of the de-medianed values); expected = median + season.
  std::vector<double> finite;
  for (int64_t i : idx) finite.push_back(values[i]);
  const double med = Median(finite);
  std::vector<double> season(static_cast<size_t>(std::max<int64_t>(config.period, 1)), 0.0);
  if (config.period > 0) {
    std::vector<std::vector<double>> by_phase(season.size());
    for (int64_t i : idx) by_phase[i % config.period].push_back(values[i] - med);
    for (size_t ph = 0; ph < season.size(); ++ph) season[ph] = Median(by_phase[ph]);
  }
  auto expected = [&](int64_t i) { return med + season[config.period > 0 ? i % config.period : 0]; };
  struct R {
    int64_t i;
    double r;
  };
  std::vector<R> res;
  for (int64_t i : idx) res.push_back({i, values[i] - expected(i)});
  const int64_t n = static_cast<int64_t>(res.size());
  const int64_t k = std::max<int64_t>(1, static_cast<int64_t>(config.max_fraction * static_cast<double>(n)));
  std::vector<EsdAnomaly> removed;
  int64_t significant = 0;
  for (int64_t step = 1; step <= k && static_cast<int64_t>(res.size()) > 2; ++step) {
    std::vector<double> r;
    for (const R& x : res) r.push_back(x.r);
    const double m = Median(r);
    for (double& v : r) v = std::abs(v - m);
    const double mad = 1.4826 * Median(r);
    if (!(mad > 0)) break;  // more than half the points are identical: deviations are undefined
    size_t worst = 0;
    for (size_t j = 1; j < r.size(); ++j) {
      if (r[j] > r[worst]) worst = j;
    }
    const double stat = r[worst] / mad;
    const double nn = static_cast<double>(n - step + 1);
    const double t = StudentTQuantile(1 - config.alpha / (2 * nn), nn - 2);
    const double lambda = (nn - 1) * t / std::sqrt((nn - 2 + t * t) * nn);
    const R w = res[worst];
    removed.push_back({w.i, values[w.i], expected(w.i), stat});
    if (stat > lambda) significant = step;
    res.erase(res.begin() + static_cast<std::ptrdiff_t>(worst));
  }
  removed.resize(static_cast<size_t>(significant));
  std::sort(removed.begin(), removed.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
  return removed;
}

}  // namespace foresight::analytics
