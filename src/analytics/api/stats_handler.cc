// /api/v1/stats and /api/v1/anomalies.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "analytics/anomaly/detector.h"
#include "analytics/anomaly/seasonal_esd.h"
#include "analytics/api/handlers.h"
#include "analytics/stats/resample.h"
#include "analytics/stats/seasonality.h"
#include "analytics/stats/stats.h"

namespace foresight::analytics::api {
namespace {

absl::StatusOr<std::vector<double>> QuantilesParam(const web::Request& req) {
  auto items = ListParam(req, "quantiles");
  if (items.empty()) return std::vector<double>{0.5, 0.9, 0.99};
  std::vector<double> out;
  for (const auto& s : items) {
    char* end = nullptr;
    const double q = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size() || !(q >= 0 && q <= 1)) {
      return ParamError("quantiles", absl::StrCat("\"", s, "\" is not a number in [0, 1]"));
    }
    out.push_back(q);
  }
  return out;
}

std::string QuantileKey(double q) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", q);
  return buf;
}

// The season for ESD: the given period, else the strongest one detected on the gap-filled values.
size_t EsdPeriod(const std::vector<size_t>& given, std::span<const double> values) {
  if (!given.empty()) return given.front();
  const auto [first, last] = FiniteSpan(values);
  auto filled = FillGaps(values.subspan(first, last - first), 8, 0.5);
  if (!filled.ok()) return 0;
  SeasonalityOptions o;
  o.max_periods = 1;
  auto found = DetectSeasonality(*filled, o);
  return found.empty() ? 0 : found.front().period;
}

Json AnomalyJson(int64_t t, double value, double score, std::string_view kind, double expected, double lower,
                 double upper) {
  return Json{
      {"t", TimeJson(t)},           {"value", ValueString(value)},       {"score", score},
      {"kind", std::string(kind)},  {"expected", ValueString(expected)}, {"lower", ValueString(lower)},
      {"upper", ValueString(upper)}};
}

}  // namespace

absl::StatusOr<Json> Stats(const AnalyticsApiDeps& deps, const web::Request& req) {
  auto query = RequiredParam(req, "query");
  if (!query.ok()) return query.status();
  auto range = RangeParams(deps, req);
  if (!range.ok()) return range.status();
  auto quantiles = QuantilesParam(req);
  if (!quantiles.ok()) return quantiles.status();
  auto series = EvalRange(deps, *query, *range);
  if (!series.ok()) return series.status();

  Json results = Json::array();
  for (const auto& s : *series) {
    std::vector<double> v;
    for (double x : s.values) {
      if (std::isfinite(x)) v.push_back(x);
    }
    Json r;
    r["metric"] = LabelsJson(s.metric);
    r["count"] = v.size();
    const bool any = !v.empty();
    const auto [mn, mx] = std::minmax_element(v.begin(), v.end());
    r["mean"] = NumberOrNull(Mean(v));
    r["median"] = NumberOrNull(Median(v));
    r["mode"] = NumberOrNull(Mode(v));
    r["variance"] = NumberOrNull(Variance(v));
    r["stddev"] = NumberOrNull(StdDev(v));
    r["min"] = any ? NumberOrNull(*mn) : Json(nullptr);
    r["max"] = any ? NumberOrNull(*mx) : Json(nullptr);
    Json q = Json::object();
    for (double p : *quantiles) q[QuantileKey(p)] = NumberOrNull(any ? Quantile(p, v) : NAN);
    r["quantiles"] = std::move(q);
    r["mad"] = NumberOrNull(Mad(v));
    results.push_back(std::move(r));
  }
  return results;
}

absl::StatusOr<Json> Anomalies(const AnalyticsApiDeps& deps, const web::Request& req) {
  auto query = RequiredParam(req, "query");
  if (!query.ok()) return query.status();
  auto range = RangeParams(deps, req);
  if (!range.ok()) return range.status();
  auto method = EnumParam(req, "method", "stream", {"stream", "esd"});
  if (!method.ok()) return method.status();
  auto sensitivity = NumberParam(req, "sensitivity", 0.5, 0, 1);
  if (!sensitivity.ok()) return sensitivity.status();
  auto threshold = NumberParam(req, "threshold", 0.5, 0, 1);
  if (!threshold.ok()) return threshold.status();
  const int64_t n = range->points();
  auto warmup = IntParam(req, "warmup", std::clamp<int64_t>(n / 4, 16, 400), 16, 1 << 20);
  if (!warmup.ok()) return warmup.status();
  auto max_fraction = NumberParam(req, "max_fraction", 0.1, 0.001, 0.49);
  if (!max_fraction.ok()) return max_fraction.status();
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
    r["method"] = *method;
    Json found = Json::array();
    if (*method == "stream") {
      DetectorConfig c;
      c.sensitivity = *sensitivity;
      c.warmup = *warmup;
      StreamingDetector d(c);
      for (size_t i = 0; i < s.values.size(); ++i) {
        const AnomalyPoint p = d.Update(s.values[i]);
        if (p.score < *threshold || p.score <= 0) continue;
        found.push_back(AnomalyJson(range->TimeAt(static_cast<int64_t>(i)), s.values[i], p.score,
                                    AnomalyKindName(p.kind), p.expected, p.lower, p.upper));
      }
      r["warmup"] = *warmup;
      r["learned"] = d.count() >= *warmup;  // false: too few points to score any
      r["period"] = PeriodsJson(std::vector<size_t>{static_cast<size_t>(d.period())}, range->step)[0];
    } else {
      EsdConfig c;
      c.period = static_cast<int64_t>(EsdPeriod(*periods, s.values));
      c.max_fraction = *max_fraction;
      // Sensitivity 0.5 is the test's customary 5% significance; each 0.5 step changes it tenfold.
      c.alpha = std::min(0.5, 0.05 * std::pow(10.0, 2.0 * (*sensitivity - 0.5)));
      auto esd = SeasonalHybridEsd(s.values, c);
      if (!esd.ok()) {
        const auto st = absl::InvalidArgumentError(absl::StrCat("anomalies: ", esd.status().message()));
        if (failed++ == 0) first_error = st;
        r["error"] = std::string(st.message());
        results.push_back(std::move(r));
        continue;
      }
      for (const auto& a : *esd) {
        // The statistic is the deviation in robust sigmas; the band is 3 of them around the expected value.
        const double sigma = a.statistic > 0 ? std::fabs(a.value - a.expected) / a.statistic : 0;
        const double score = std::erf(a.statistic / std::sqrt(2.0));
        Json j = AnomalyJson(range->TimeAt(a.index), a.value, score, a.value >= a.expected ? "spike" : "drop",
                             a.expected, a.expected - 3 * sigma, a.expected + 3 * sigma);
        j["statistic"] = a.statistic;
        found.push_back(std::move(j));
      }
      r["period"] = PeriodsJson(std::vector<size_t>{static_cast<size_t>(c.period)}, range->step)[0];
    }
    r["anomalies"] = std::move(found);
    results.push_back(std::move(r));
  }
  if (failed > 0 && failed == results.size()) return first_error;
  return results;
}

}  // namespace foresight::analytics::api
