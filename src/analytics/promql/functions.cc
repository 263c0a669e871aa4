#include "analytics/promql/functions.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "analytics/anomaly/detector.h"
#include "analytics/promql/impl.h"
#include "analytics/promql/window.h"
#include "analytics/stats/stats.h"

namespace foresight::analytics {
namespace promql {
namespace {

using query::ValueType;

// Windows with fewer finite values are not scored (no output for the series).
constexpr size_t kMinAnomalyPoints = 24;

query::Vector OverTime(const query::FunctionCall& call, double (*f)(std::span<const double>)) {
  query::Vector out;
  for (const auto& s : call.args[0].matrix) {
    std::vector<double> v;
    v.reserve(s.points.size());
    for (const auto& p : s.points) v.push_back(p.v);
    if (v.empty()) continue;
    out.push_back(query::Sample{DropName(s.metric), call.t, f(v)});
  }
  return out;
}

absl::StatusOr<query::Vector> AnomalyScore(const query::FunctionCall& call) {
  double sensitivity = 0.5;
  if (call.args.size() > 1) {
    sensitivity = call.args[1].scalar;
    if (!(sensitivity >= 0 && sensitivity <= 1)) {
      return absl::InvalidArgumentError("foresight_anomaly_score: sensitivity must be in [0, 1]");
    }
  }
  query::Vector out;
  for (const auto& s : call.args[0].matrix) {
    const std::vector<double> v = FiniteValues(s.points);
    if (v.size() < kMinAnomalyPoints) continue;
    // Learn from everything before the last point (at most the detector's usual warm-up), then score it.
    DetectorConfig c;
    c.sensitivity = sensitivity;
    c.warmup = std::min<int64_t>(400, static_cast<int64_t>(v.size()) - 1);
    c.max_period = std::clamp<int64_t>(static_cast<int64_t>(v.size()) / 2, 4, 1100);
    StreamingDetector d(c);
    AnomalyPoint last;
    for (double x : v) last = d.Update(x);
    out.push_back(query::Sample{DropName(s.metric), call.t, last.score});
  }
  return out;
}

query::promql::FunctionDef Def(std::string name, std::vector<ValueType> args, int variadic) {
  query::promql::FunctionDef d;
  d.name = std::move(name);
  d.arg_types = std::move(args);
  d.variadic = variadic;
  d.return_type = ValueType::kVector;
  return d;
}

absl::Status RegisterAll() {
  using query::promql::FunctionDef;
  constexpr ValueType M = ValueType::kMatrix, S = ValueType::kScalar, Str = ValueType::kString;
  const std::pair<FunctionDef, query::ExtensionFunction> fns[] = {
      {Def("foresight_forecast", {M, S, Str}, 1),
       [](const query::FunctionCall& c) { return ForecastFunction(c, ForecastPart::kPoint); }},
      {Def("foresight_forecast_lower", {M, S, S}, 1),
       [](const query::FunctionCall& c) { return ForecastFunction(c, ForecastPart::kLower); }},
      {Def("foresight_forecast_upper", {M, S, S}, 1),
       [](const query::FunctionCall& c) { return ForecastFunction(c, ForecastPart::kUpper); }},
      {Def("foresight_predict_seasonal", {M, S, S}, 1), &PredictSeasonalFunction},
      {Def("foresight_median_over_time", {M}, 0),
       [](const query::FunctionCall& c) -> absl::StatusOr<query::Vector> { return OverTime(c, &Median); }},
      {Def("foresight_mode_over_time", {M}, 0),
       [](const query::FunctionCall& c) -> absl::StatusOr<query::Vector> { return OverTime(c, &Mode); }},
      {Def("foresight_mad_over_time", {M}, 0),
       [](const query::FunctionCall& c) -> absl::StatusOr<query::Vector> { return OverTime(c, &Mad); }},
      {Def("foresight_anomaly_score", {M, S}, 1), &AnomalyScore},
  };
  for (const auto& [def, impl] : fns) {
    if (auto st = query::RegisterExtensionFunction(def, impl); !st.ok()) return st;
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace promql

absl::Status RegisterAnalyticsFunctions() {
  static std::once_flag once;
  static absl::Status* result = nullptr;
  std::call_once(once, [] { result = new absl::Status(promql::RegisterAll()); });
  return *result;
}

}  // namespace foresight::analytics
