// foresight_forecast, foresight_forecast_lower/upper and foresight_predict_seasonal.
#include <algorithm>
#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "analytics/forecast/events.h"
#include "analytics/forecast/forecast.h"
#include "analytics/promql/impl.h"
#include "analytics/promql/window.h"
#include "analytics/stats/decompose.h"
#include "analytics/stats/seasonality.h"

namespace foresight::analytics::promql {
namespace {

// Points a window is reduced to before a model sees it (bounds the cost of each evaluation).
constexpr size_t kForecastPoints = 500;
constexpr size_t kSeasonalPoints = 2000;
constexpr int64_t kMaxHorizonSteps = 10000;

const char* Name(ForecastPart part) {
  switch (part) {
    case ForecastPart::kLower:
      return "foresight_forecast_lower";
    case ForecastPart::kUpper:
      return "foresight_forecast_upper";
    default:
      return "foresight_forecast";
  }
}

// The forecast at `target_ms` (after the grid's end), linearly interpolated between the steps around it.
absl::StatusOr<double> ForecastAt(const Grid& g, int64_t target_ms, const std::string& model, double level,
                                  ForecastPart part) {
  const double x = static_cast<double>(target_ms - g.end_ms()) / static_cast<double>(g.step_ms);
  const int64_t h = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(x)));
  if (h > kMaxHorizonSteps) return absl::InvalidArgumentError("horizon too far ahead of the window");
  ForecastOptions o;
  o.horizon = static_cast<size_t>(h);
  o.model = model;
  o.levels = {level};
  // Every event of the configured calendar applies (a regressor of the prophet model, alone or in auto).
  o.events = EventWindowsOnGrid(*CurrentEventCalendar(), g.start_ms, g.step_ms, g.values.size() + o.horizon);
  auto f = Forecast(g.values, o);
  if (!f.ok()) return f.status();
  const std::vector<double>* path = &f->points;
  if (part == ForecastPart::kLower) path = &f->bands[0].lower;
  if (part == ForecastPart::kUpper) path = &f->bands[0].upper;
  const double hi = (*path)[static_cast<size_t>(h - 1)];
  const double lo = h >= 2 ? (*path)[static_cast<size_t>(h - 2)] : g.values.back();
  const double w = std::clamp(x - static_cast<double>(h - 1), 0.0, 1.0);
  return lo + w * (hi - lo);
}

}  // namespace

absl::StatusOr<query::Vector> ForecastFunction(const query::FunctionCall& call, ForecastPart part) {
  const double horizon_s = call.args[1].scalar;
  if (!std::isfinite(horizon_s) || horizon_s <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(Name(part), ": horizon must be a positive number of seconds"));
  }
  std::string model = "auto";
  double level = 95;
  if (call.args.size() > 2) {
    if (part == ForecastPart::kPoint) {
      model = call.args[2].str;
      const auto& names = ForecastModelNames();
      if (std::find(names.begin(), names.end(), model) == names.end()) {
        return absl::InvalidArgumentError(absl::StrCat(Name(part), ": unknown model \"", model, "\""));
      }
    } else {
      level = call.args[2].scalar;
      if (!(level > 0 && level < 100)) {
        return absl::InvalidArgumentError(absl::StrCat(Name(part), ": level must be in (0, 100)"));
      }
    }
  }
  const int64_t target = call.t + static_cast<int64_t>(std::llround(std::min(horizon_s, 1e12) * 1000.0));
  query::Vector out;
  for (const auto& s : call.args[0].matrix) {
    auto g = MakeGrid(s.points, kForecastPoints, 3);
    if (!g.ok()) continue;  // too little data: no output for the series, as rate() with one sample
    auto v = ForecastAt(*g, target, model, level, part);
    if (!v.ok()) continue;
    out.push_back(query::Sample{DropName(s.metric), call.t, *v});
  }
  return out;
}

absl::StatusOr<query::Vector> PredictSeasonalFunction(const query::FunctionCall& call) {
  const double t_s = call.args[1].scalar;
  if (!std::isfinite(t_s)) return absl::InvalidArgumentError("foresight_predict_seasonal: t must be finite");
  double period_s = 0;
  if (call.args.size() > 2) {
    period_s = call.args[2].scalar;
    if (!std::isfinite(period_s) || period_s <= 0) {
      return absl::InvalidArgumentError(
          "foresight_predict_seasonal: period must be a positive number of seconds");
    }
  }
  const int64_t target = call.t + static_cast<int64_t>(std::llround(std::clamp(t_s, -1e12, 1e12) * 1000.0));
  query::Vector out;
  for (const auto& s : call.args[0].matrix) {
    auto g = MakeGrid(s.points, kSeasonalPoints, 2);
    if (!g.ok()) continue;
    const std::vector<double>& y = g->values;
    const size_t n = y.size();
    size_t period = 0;
    if (period_s > 0) {
      period = static_cast<size_t>(std::llround(period_s * 1000.0 / static_cast<double>(g->step_ms)));
    } else if (n >= 8) {
      SeasonalityOptions so;
      so.max_periods = 1;
      auto found = DetectSeasonality(y, so);
      if (!found.empty()) period = found.front().period;
    }
    std::vector<double> index;
    if (period >= 2 && n >= 2 * period) {
      auto idx = ClassicalSeasonalIndices(y, period, false);
      if (idx.ok()) index = std::move(*idx);
    }
    // Least squares on the deseasonalised values, x in steps from the grid's start.
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (size_t i = 0; i < n; ++i) {
      const double x = static_cast<double>(i);
      const double v = y[i] - (index.empty() ? 0.0 : index[i % index.size()]);
      sx += x, sy += v, sxx += x * x, sxy += x * v;
    }
    const double dn = static_cast<double>(n);
    const double den = dn * sxx - sx * sx;
    const double slope = den != 0 ? (dn * sxy - sx * sy) / den : 0.0;
    const double intercept = (sy - slope * sx) / dn;
    const double xt = static_cast<double>(target - g->start_ms) / static_cast<double>(g->step_ms);
    double v = intercept + slope * xt;
    if (!index.empty()) {
      const int64_t p = static_cast<int64_t>(index.size());
      const int64_t phase = ((static_cast<int64_t>(std::llround(xt)) % p) + p) % p;
      v += index[static_cast<size_t>(phase)];
    }
    out.push_back(query::Sample{DropName(s.metric), call.t, v});
  }
  return out;
}

}  // namespace foresight::analytics::promql
