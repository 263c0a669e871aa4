// The Forecast entry point: input cleaning, period detection, model dispatch, output checks.
#include "analytics/forecast/forecast.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "analytics/forecast/auto_select.h"
#include "analytics/forecast/model.h"
#include "analytics/stats/seasonality.h"

namespace foresight::analytics {
namespace {

using forecast_internal::ModelFn;
using forecast_internal::ModelInput;
using forecast_internal::ModelOutput;

struct NamedModel {
  const char* name;
  ModelFn fn;
};

constexpr NamedModel kModels[] = {
    {"naive", forecast_internal::NaiveModel},   {"snaive", forecast_internal::SeasonalNaiveModel},
    {"naive2", forecast_internal::Naive2Model}, {"drift", forecast_internal::DriftModel},
    {"ets", forecast_internal::EtsModel},       {"theta", forecast_internal::ThetaModel},
    {"mstl", forecast_internal::MstlEtsModel},  {"prophet", forecast_internal::ProphetModel},
    {"arima", forecast_internal::ArimaModel},
};

ForecastResult ConstantResult(double value, const ForecastOptions& o) {
  ForecastResult r;
  r.points.assign(o.horizon, value);
  for (double level : o.levels) r.bands.push_back({level, r.points, r.points});
  r.model = "constant";
  return r;
}

absl::Status CheckOutput(const ModelOutput& out, size_t horizon) {
  bool ok = out.mean.size() == horizon;
  for (double v : out.mean) ok = ok && std::isfinite(v);
  for (const auto& b : out.bands) {
    for (size_t h = 0; ok && h < horizon; ++h) ok = std::isfinite(b.lower[h]) && std::isfinite(b.upper[h]);
  }
  return ok ? absl::OkStatus()
            : absl::InternalError(
                  absl::StrCat("forecast: model ", out.name, " produced a non-finite forecast"));
}

}  // namespace

const std::vector<std::string>& ForecastModelNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v = {"auto", "ensemble"};
    for (const auto& m : kModels) v.emplace_back(m.name);
    return v;
  }();
  return names;
}

absl::StatusOr<ForecastResult> Forecast(std::span<const double> values, const ForecastOptions& o) {
  if (o.horizon == 0) return absl::InvalidArgumentError("forecast: horizon must be positive");
  if (o.horizon > 100000) return absl::InvalidArgumentError("forecast: horizon above 100000 steps");
  for (double level : o.levels) {
    if (!(level > 0 && level < 100)) {
      return absl::InvalidArgumentError(absl::StrCat("forecast: level ", level, " not in (0, 100)"));
    }
  }
  const auto& names = ForecastModelNames();
  if (std::find(names.begin(), names.end(), o.model) == names.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("forecast: unknown model \"", o.model, "\"; known: ", absl::StrJoin(names, ", ")));
  }
  auto filled = FillGaps(values, 3, 0.5);
  if (!filled.ok()) return absl::InvalidArgumentError(absl::StrCat("forecast: ", filled.status().message()));
  const std::vector<double>& y = *filled;
  const auto [lo, hi] = std::minmax_element(y.begin(), y.end());
  if (*hi - *lo <= 1e-12 * std::max(1.0, std::fabs(*hi))) return ConstantResult(y.back(), o);

  ModelInput in;
  in.y = y;
  in.horizon = o.horizon;
  in.levels = o.levels;
  in.events = o.events;
  in.periods = o.periods;
  if (o.detect_periods) {
    // Detected periods only add longer cycles to the given ones (the first given period stays primary).
    const size_t longest = o.periods.empty() ? 0 : *std::max_element(o.periods.begin(), o.periods.end());
    for (const auto& p : DetectSeasonality(y)) {
      if (p.period > longest + longest / 10) in.periods.push_back(p.period);
    }
  }
  std::sort(in.periods.begin(), in.periods.end());
  in.periods.erase(std::unique(in.periods.begin(), in.periods.end()), in.periods.end());
  // A period needs two full cycles in the data to be usable; longer ones are dropped (documented fallback).
  std::erase_if(in.periods, [&](size_t p) { return p < 2 || 2 * p > y.size(); });

  ForecastResult r;
  ModelOutput out;
  if (o.model == "auto" || o.model == "ensemble") {
    const auto candidates = forecast_internal::AutoCandidates(in);
    auto sel = forecast_internal::SelectAndForecast(in, candidates, std::max<size_t>(o.validation_origins, 1),
                                                    o.ensemble_size, o.model == "ensemble");
    if (!sel.ok()) return sel.status();
    out = std::move(sel->output);
    r.validation_error = sel->validation_error;
  } else {
    for (const auto& m : kModels) {
      if (o.model != m.name) continue;
      auto res = m.fn(in);
      if (!res.ok()) return res.status();
      out = std::move(*res);
    }
  }
  if (auto st = CheckOutput(out, o.horizon); !st.ok()) return st;
  // Non-negative history (counts, rates, bytes): forecasts and bounds are clamped at 0.
  if (*lo >= 0) {
    for (double& v : out.mean) v = std::max(v, 0.0);
    for (auto& b : out.bands) {
      for (double& v : b.lower) v = std::max(v, 0.0);
      for (double& v : b.upper) v = std::max(v, 0.0);
    }
  }
  r.points = std::move(out.mean);
  r.bands = std::move(out.bands);
  r.model = std::move(out.name);
  r.params = std::move(out.params);
  r.periods = in.periods;
  return r;
}

absl::StatusOr<ForecastResult> Forecast(const RegularSeries& series, const ForecastOptions& options) {
  return Forecast(std::span<const double>(series.values), options);
}

}  // namespace foresight::analytics
