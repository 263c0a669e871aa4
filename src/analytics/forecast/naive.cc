// The benchmark models: naive, seasonal naive, M4's Naive2 and drift. Intervals follow the standard
// residual-variance formulas (Hyndman & Athanasopoulos, FPP3 5.5).
#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "analytics/forecast/model.h"

namespace foresight::analytics::forecast_internal {
namespace {

// Root mean square of y[i] - y[i-lag] over the data (0 when there is no such pair).
double LagResidualSd(std::span<const double> y, size_t lag) {
  double s = 0;
  size_t n = 0;
  for (size_t i = lag; i < y.size(); ++i) {
    const double e = y[i] - y[i - lag];
    s += e * e, ++n;
  }
  return n == 0 ? 0 : std::sqrt(s / static_cast<double>(n));
}

}  // namespace

absl::StatusOr<ModelOutput> NaiveModel(const ModelInput& in) {
  if (in.y.empty()) return absl::InvalidArgumentError("naive: no data");
  ModelOutput out;
  out.name = "naive";
  out.mean.assign(in.horizon, in.y.back());
  const double sigma = LagResidualSd(in.y, 1);
  std::vector<double> sd(in.horizon);
  for (size_t h = 0; h < in.horizon; ++h) sd[h] = sigma * std::sqrt(static_cast<double>(h + 1));
  out.bands = NormalBands(out.mean, sd, in.levels);
  return out;
}

absl::StatusOr<ModelOutput> SeasonalNaiveModel(const ModelInput& in) {
  const size_t m = in.periods.empty() ? 1 : in.periods.front();
  if (in.y.size() < m) {
    return absl::InvalidArgumentError(absl::StrCat("snaive: ", in.y.size(), " points, period ", m));
  }
  ModelOutput out;
  out.name = m > 1 ? absl::StrCat("snaive(", m, ")") : "naive";
  const size_t n = in.y.size();
  const double sigma = LagResidualSd(in.y, m);
  std::vector<double> sd(in.horizon);
  out.mean.resize(in.horizon);
  for (size_t h = 0; h < in.horizon; ++h) {
    out.mean[h] = in.y[n - m + h % m];
    sd[h] = sigma * std::sqrt(static_cast<double>(h / m + 1));
  }
  out.bands = NormalBands(out.mean, sd, in.levels);
  out.params = {{"period", static_cast<double>(m)}};
  return out;
}

absl::StatusOr<ModelOutput> Naive2Model(const ModelInput& in) {
  if (in.y.empty()) return absl::InvalidArgumentError("naive2: no data");
  const size_t m = in.periods.empty() ? 1 : in.periods.front();
  const size_t n = in.y.size();
  const std::vector<double> idx = M4SeasonalIndices(in.y, m);
  std::vector<double> adj(n);
  for (size_t i = 0; i < n; ++i) adj[i] = in.y[i] / idx[i % idx.size()];
  const double sigma = LagResidualSd(adj, 1);
  ModelOutput out;
  out.name = "naive2";
  std::vector<double> sd(in.horizon);
  out.mean.resize(in.horizon);
  for (size_t h = 0; h < in.horizon; ++h) {
    const double s = idx[(n + h) % idx.size()];
    out.mean[h] = adj.back() * s;
    sd[h] = sigma * s * std::sqrt(static_cast<double>(h + 1));
  }
  out.bands = NormalBands(out.mean, sd, in.levels);
  return out;
}

absl::StatusOr<ModelOutput> DriftModel(const ModelInput& in) {
  const size_t n = in.y.size();
  if (n < 2) return absl::InvalidArgumentError("drift: needs at least 2 points");
  const double slope = (in.y.back() - in.y.front()) / static_cast<double>(n - 1);
  double s = 0;
  for (size_t i = 1; i < n; ++i) {
    const double e = in.y[i] - in.y[i - 1] - slope;
    s += e * e;
  }
  const double sigma = n > 2 ? std::sqrt(s / static_cast<double>(n - 2)) : 0;
  ModelOutput out;
  out.name = "drift";
  out.mean.resize(in.horizon);
  std::vector<double> sd(in.horizon);
  for (size_t h = 0; h < in.horizon; ++h) {
    const double k = static_cast<double>(h + 1);
    out.mean[h] = in.y.back() + slope * k;
    sd[h] = sigma * std::sqrt(k * (1 + k / static_cast<double>(n - 1)));
  }
  out.bands = NormalBands(out.mean, sd, in.levels);
  out.params = {{"slope", slope}};
  return out;
}

}  // namespace foresight::analytics::forecast_internal
