// The Theta method as the M4 benchmark runs it (Assimakopoulos & Nikolopoulos 2000, in the SES-with-drift
// form of Hyndman & Billah 2003): seasonally adjust by classical multiplicative decomposition when the 90%
// seasonality test passes, fit simple exponential smoothing, add half the slope of the linear trend, and
// reseasonalise.
#include <cmath>

#include "analytics/forecast/ets.h"
#include "analytics/forecast/model.h"

namespace foresight::analytics::forecast_internal {

absl::StatusOr<ModelOutput> ThetaModel(const ModelInput& in) {
  const size_t n = in.y.size();
  if (n < 4) return absl::InvalidArgumentError("theta: needs at least 4 points");
  const size_t m = in.periods.empty() ? 1 : in.periods.front();
  const std::vector<double> idx = M4SeasonalIndices(in.y, m);
  std::vector<double> adj(n);
  for (size_t i = 0; i < n; ++i) adj[i] = in.y[i] / idx[i % idx.size()];
  auto ses = FitEts(adj, EtsSpec{'A', 'N', 'N', 1});
  if (!ses.ok()) return ses.status();
  // Slope of the least-squares line through the adjusted data (the theta=0 line, halved below).
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (size_t i = 0; i < n; ++i) {
    const double x = static_cast<double>(i);
    sx += x, sy += adj[i], sxx += x * x, sxy += x * adj[i];
  }
  const double dn = static_cast<double>(n);
  const double b0 = (dn * sxy - sx * sy) / (dn * sxx - sx * sx);
  const double a = ses->alpha;
  const double drift_base = 1 / a - std::pow(1 - a, dn) / a;
  ModelOutput out;
  out.name = "theta";
  out.mean.resize(in.horizon);
  std::vector<double> sd(in.horizon);
  const double sigma = std::sqrt(ses->sigma2);
  for (size_t h = 0; h < in.horizon; ++h) {
    const double s = idx[(n + h) % idx.size()];
    out.mean[h] = (ses->level + 0.5 * b0 * (static_cast<double>(h) + drift_base)) * s;
    sd[h] = sigma * std::sqrt(1 + a * a * static_cast<double>(h)) * s;
  }
  out.bands = NormalBands(out.mean, sd, in.levels);
  out.params = {{"alpha", a}, {"drift", 0.5 * b0}, {"seasonal_adjusted", idx.size() > 1 ? 1.0 : 0.0}};
  return out;
}

}  // namespace foresight::analytics::forecast_internal
