// /api/v1/forecast and /api/v1/decompose.
#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "analytics/api/handlers.h"
#include "analytics/forecast/events.h"
#include "analytics/forecast/forecast.h"
#include "analytics/stats/decompose.h"
#include "analytics/stats/resample.h"
#include "analytics/stats/seasonality.h"

namespace foresight::analytics::api {
namespace {

absl::StatusOr<std::vector<double>> LevelsParam(const web::Request& req) {
  auto items = ListParam(req, "levels");
  if (items.empty()) return std::vector<double>{80, 95};
  std::vector<double> out;
  for (const auto& s : items) {
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size() || !(v > 0 && v < 100)) {
      return ParamError("levels", absl::StrCat("\"", s, "\" is not a percentage in (0, 100)"));
    }
    out.push_back(v);
  }
  return out;
}

// The `events` parameter: names of calendar events to use (default all of them; "none": no event).
absl::StatusOr<std::vector<std::string>> EventsParam(const web::Request& req,
                                                     const std::vector<CalendarEvent>& calendar,
                                                     bool* use_events) {
  auto items = ListParam(req, "events");
  *use_events = true;
  if (items.empty()) return items;
  if (items.size() == 1 && items[0] == "none") {
    *use_events = false;
    return std::vector<std::string>{};
  }
  for (const auto& name : items) {
    const bool known =
        std::any_of(calendar.begin(), calendar.end(), [&](const CalendarEvent& e) { return e.name == name; });
    if (!known) {
      return ParamError("events", absl::StrCat("no event \"", name, "\" in the configured calendar"));
    }
  }
  return items;
}

// When every series failed, the first failure is the answer (the input is unusable); otherwise failures are
// reported per series.
absl::StatusOr<Json> Collect(Json results, const absl::Status& first_error, size_t failed) {
  if (failed > 0 && failed == results.size()) return first_error;
  return results;
}

}  // namespace

absl::StatusOr<std::vector<size_t>> PeriodsParam(const web::Request& req, int64_t step_ms) {
  std::vector<size_t> out;
  for (const auto& s : ListParam(req, "periods")) {
    auto ms = ParseDurationMs(s);
    if (!ms || *ms <= 0)
      return ParamError("periods", absl::StrCat("cannot parse \"", s, "\" to a valid duration"));
    const int64_t steps = (*ms + step_ms / 2) / step_ms;
    if (steps < 2) return ParamError("periods", absl::StrCat("\"", s, "\" is shorter than two steps"));
    if (steps > kMaxPoints) return ParamError("periods", absl::StrCat("\"", s, "\" is too long"));
    out.push_back(static_cast<size_t>(steps));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

absl::StatusOr<Json> Forecast(const AnalyticsApiDeps& deps, const web::Request& req) {
  auto query = RequiredParam(req, "query");
  if (!query.ok()) return query.status();
  auto range = RangeParams(deps, req);
  if (!range.ok()) return range.status();
  auto horizon = DurationParam(req, "horizon", std::nullopt);
  if (!horizon.ok()) return horizon.status();
  const int64_t horizon_steps = (*horizon + range->step - 1) / range->step;
  if (horizon_steps > kMaxPoints)
    return ParamError("horizon", "more than 11,000 steps ahead; increase the step");
  auto model = EnumParam(req, "model", "auto", ForecastModelNames());
  if (!model.ok()) return model.status();
  auto levels = LevelsParam(req);
  if (!levels.ok()) return levels.status();
  auto periods = PeriodsParam(req, range->step);
  if (!periods.ok()) return periods.status();
  const auto calendar = CurrentEventCalendar();
  bool use_events = true;
  auto event_names = EventsParam(req, *calendar, &use_events);
  if (!event_names.ok()) return event_names.status();

  auto series = EvalRange(deps, *query, *range);
  if (!series.ok()) return series.status();
  Json results = Json::array();
  absl::Status first_error;
  size_t failed = 0;
  for (const auto& s : *series) {
    Json r;
    r["metric"] = LabelsJson(s.metric);
    const auto [first, last] = FiniteSpan(s.values);
    ForecastOptions o;
    // The forecast starts after the last value and reaches end + horizon.
    o.horizon = static_cast<size_t>(horizon_steps) + (s.values.size() - last);
    o.model = *model;
    o.levels = *levels;
    o.periods = *periods;
    if (use_events && last > first) {
      o.events = EventWindowsOnGrid(*calendar, range->TimeAt(static_cast<int64_t>(first)), range->step,
                                    last - first + o.horizon, *event_names);
    }
    absl::StatusOr<ForecastResult> f =
        last == 0 ? absl::InvalidArgumentError("forecast: the series has no finite value in the range")
                  : analytics::Forecast(std::span<const double>(s.values).subspan(first, last - first), o);
    if (!f.ok()) {
      if (failed++ == 0) first_error = f.status();
      r["error"] = std::string(f.status().message());
      results.push_back(std::move(r));
      continue;
    }
    const int64_t t0 = range->TimeAt(static_cast<int64_t>(last));
    r["model"] = f->model;
    r["validation_error"] = f->validation_error < 0 ? Json(nullptr) : NumberOrNull(f->validation_error);
    r["periods"] = PeriodsJson(f->periods, range->step);
    Json effects = Json::object();  // the fitted effect of each known event, when the model used them
    for (const auto& [name, value] : f->params) {
      if (name.starts_with("event_effect:")) effects[name.substr(13)] = NumberOrNull(value);
    }
    if (!effects.empty()) r["event_effects"] = std::move(effects);
    r["points"] = PointsJson(t0, range->step, f->points);
    Json bands = Json::array();
    for (const auto& b : f->bands) {
      bands.push_back(Json{{"level", b.level},
                           {"lower", PointsJson(t0, range->step, b.lower)},
                           {"upper", PointsJson(t0, range->step, b.upper)}});
    }
    r["bands"] = std::move(bands);
    results.push_back(std::move(r));
  }
  return Collect(std::move(results), first_error, failed);
}

absl::StatusOr<Json> Decompose(const AnalyticsApiDeps& deps, const web::Request& req) {
  auto query = RequiredParam(req, "query");
  if (!query.ok()) return query.status();
  auto range = RangeParams(deps, req);
  if (!range.ok()) return range.status();
  auto periods = PeriodsParam(req, range->step);
  if (!periods.ok()) return periods.status();

  auto series = EvalRange(deps, *query, *range);
  if (!series.ok()) return series.status();
  Json results = Json::array();
  absl::Status first_error;
  size_t failed = 0;
  for (const auto& s : *series) {
    Json r;
    r["metric"] = LabelsJson(s.metric);
    const auto [first, last] = FiniteSpan(s.values);
    auto filled = FillGaps(std::span<const double>(s.values).subspan(first, last - first), 8, 0.5);
    absl::StatusOr<MstlResult> d = absl::InternalError("unset");
    if (!filled.ok()) {
      d = filled.status();
    } else {
      std::vector<size_t> p = *periods;
      if (p.empty()) {
        for (const auto& dp : DetectSeasonality(*filled)) p.push_back(dp.period);
      }
      d = Mstl(*filled, p);
    }
    if (!d.ok()) {
      if (failed++ == 0)
        first_error = absl::InvalidArgumentError(absl::StrCat("decompose: ", d.status().message()));
      r["error"] = absl::StrCat("decompose: ", d.status().message());
      results.push_back(std::move(r));
      continue;
    }
    const int64_t t0 = range->TimeAt(static_cast<int64_t>(first));
    r["periods"] = PeriodsJson(d->periods, range->step);
    r["trend"] = PointsJson(t0, range->step, d->trend);
    r["trend_strength"] = TrendStrength(d->trend, d->remainder);
    Json seasonal = Json::array();
    for (size_t i = 0; i < d->seasonals.size(); ++i) {
      const size_t period = d->periods[i];
      seasonal.push_back(
          Json{{"steps", period},
               {"seconds", static_cast<double>(period) * static_cast<double>(range->step) / 1000.0},
               {"strength", SeasonalStrength(d->seasonals[i], d->remainder)},
               {"values", PointsJson(t0, range->step, d->seasonals[i])}});
    }
    r["seasonal"] = std::move(seasonal);
    r["remainder"] = PointsJson(t0, range->step, d->remainder);
    results.push_back(std::move(r));
  }
  return Collect(std::move(results), first_error, failed);
}

}  // namespace foresight::analytics::api
