// MSTL + ETS for one or several seasonalities (as statsforecast's MSTL model): decompose with MSTL, forecast
// each seasonal part by repeating its last cycle, forecast trend + remainder with a non-seasonal ETS chosen
// by AICc, and add them up. Intervals come from the non-seasonal ETS (seasonal parts taken as known).
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "analytics/forecast/ets.h"
#include "analytics/forecast/model.h"
#include "analytics/stats/decompose.h"

namespace foresight::analytics::forecast_internal {

absl::StatusOr<ModelOutput> MstlEtsModel(const ModelInput& in) {
  const size_t n = in.y.size();
  auto dec = Mstl(in.y, in.periods);
  if (!dec.ok()) return dec.status();
  if (dec->periods.empty()) return absl::InvalidArgumentError("mstl: no period with two full cycles");
  std::vector<double> deseason(n);
  for (size_t i = 0; i < n; ++i) deseason[i] = dec->trend[i] + dec->remainder[i];
  const EtsSpec specs[] = {{'A', 'N', 'N', 1}, {'A', 'D', 'N', 1}};
  auto fit = AutoEts(deseason, specs);
  if (!fit.ok()) return fit.status();
  ModelOutput out = EtsForecast(*fit, in.horizon, in.levels);
  std::vector<double> add(in.horizon, 0.0);
  for (size_t k = 0; k < dec->periods.size(); ++k) {
    const size_t p = dec->periods[k];
    for (size_t h = 0; h < in.horizon; ++h) add[h] += dec->seasonals[k][n - p + h % p];
  }
  for (size_t h = 0; h < in.horizon; ++h) {
    out.mean[h] += add[h];
    for (auto& b : out.bands) b.lower[h] += add[h], b.upper[h] += add[h];
  }
  std::string periods;
  for (size_t p : dec->periods) absl::StrAppend(&periods, periods.empty() ? "" : ",", p);
  out.params.emplace_back("trend_strength", TrendStrength(dec->trend, dec->remainder));
  out.params.emplace_back("seasonal_strength", SeasonalStrength(dec->seasonals.back(), dec->remainder));
  out.name = absl::StrCat("mstl(", periods, ";", out.name, ")");
  return out;
}

}  // namespace foresight::analytics::forecast_internal
