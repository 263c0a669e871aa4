#include "analytics/api/common.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "query/engine/value.h"
#include "query/promql/ast.h"

namespace foresight::analytics::api {
namespace {

std::optional<double> ParseNumber(std::string_view s) {
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

int HttpCode(query::ErrorType t) {
  switch (t) {
    case query::ErrorType::kBadData:
      return 400;
    case query::ErrorType::kExecution:
      return 422;
    case query::ErrorType::kTimeout:
    case query::ErrorType::kCanceled:
    case query::ErrorType::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

}  // namespace

absl::Status ParamError(std::string_view name, std::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("invalid parameter \"",
                                                 absl::string_view(name.data(), name.size()),
                                                 "\": ", absl::string_view(message.data(), message.size())));
}

web::Response ErrorResponse(const absl::Status& s) {
  query::ErrorType t = query::ErrorTypeOf(s);
  if (t == query::ErrorType::kNone) t = query::ErrorType::kInternal;
  Json j;
  j["status"] = "error";
  j["errorType"] = std::string(query::ErrorTypeName(t));
  j["error"] = std::string(s.message());
  return web::Response::Json(HttpCode(t), j.dump(-1, ' ', false, Json::error_handler_t::replace));
}

web::Response SuccessResponse(const Json& data) {
  Json j;
  j["status"] = "success";
  j["data"] = data;
  return web::Response::Json(200, j.dump(-1, ' ', false, Json::error_handler_t::replace));
}

int64_t NowMs(const AnalyticsApiDeps& deps) {
  if (deps.now_ms) return deps.now_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<std::string_view> OptionalParam(const web::Request& req, std::string_view name) {
  auto v = req.Param(name);
  if (!v || v->empty()) return std::nullopt;
  return v;
}

absl::StatusOr<std::string> RequiredParam(const web::Request& req, std::string_view name) {
  auto v = OptionalParam(req, name);
  if (!v) return ParamError(name, "missing");
  return std::string(*v);
}

absl::StatusOr<int64_t> TimeParam(const web::Request& req, std::string_view name,
                                  std::optional<int64_t> fallback) {
  auto v = OptionalParam(req, name);
  if (!v) {
    if (fallback) return *fallback;
    return ParamError(name, "missing");
  }
  if (auto n = ParseNumber(*v)) {
    if (!std::isfinite(*n) || std::fabs(*n) > 9e15) return ParamError(name, "timestamp out of range");
    return static_cast<int64_t>(std::llround(*n * 1000.0));
  }
  absl::Time t;
  std::string err;
  if (absl::ParseTime(absl::RFC3339_full, absl::string_view(v->data(), v->size()), &t, &err)) {
    return absl::ToUnixMillis(t);
  }
  return ParamError(name, absl::StrCat("cannot parse \"", absl::string_view(v->data(), v->size()),
                                       "\" to a valid timestamp"));
}

std::optional<int64_t> ParseDurationMs(std::string_view s) {
  if (auto n = ParseNumber(s)) {
    if (!std::isfinite(*n) || std::fabs(*n) > 9e15) return std::nullopt;
    return static_cast<int64_t>(std::llround(*n * 1000.0));
  }
  return query::promql::ParseDuration(s);
}

absl::StatusOr<int64_t> DurationParam(const web::Request& req, std::string_view name,
                                      std::optional<int64_t> fallback) {
  auto v = OptionalParam(req, name);
  if (!v) {
    if (fallback) return *fallback;
    return ParamError(name, "missing");
  }
  auto d = ParseDurationMs(*v);
  if (!d) {
    return ParamError(name, absl::StrCat("cannot parse \"", absl::string_view(v->data(), v->size()),
                                         "\" to a valid duration"));
  }
  if (*d <= 0) return ParamError(name, "must be positive");
  return *d;
}

absl::StatusOr<double> NumberParam(const web::Request& req, std::string_view name, double fallback, double lo,
                                   double hi) {
  auto v = OptionalParam(req, name);
  if (!v) return fallback;
  auto n = ParseNumber(*v);
  if (!n || !std::isfinite(*n)) return ParamError(name, "not a finite number");
  if (*n < lo || *n > hi) return ParamError(name, absl::StrCat("must be in [", lo, ", ", hi, "]"));
  return *n;
}

absl::StatusOr<int64_t> IntParam(const web::Request& req, std::string_view name, int64_t fallback, int64_t lo,
                                 int64_t hi) {
  auto v = OptionalParam(req, name);
  if (!v) return fallback;
  int64_t n = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || p != v->data() + v->size()) return ParamError(name, "not an integer");
  if (n < lo || n > hi) return ParamError(name, absl::StrCat("must be in [", lo, ", ", hi, "]"));
  return n;
}

absl::StatusOr<std::string> EnumParam(const web::Request& req, std::string_view name,
                                      std::string_view fallback, const std::vector<std::string>& allowed) {
  auto v = OptionalParam(req, name);
  if (!v) return std::string(fallback);
  if (std::find(allowed.begin(), allowed.end(), *v) == allowed.end()) {
    std::string list;
    for (const auto& a : allowed) absl::StrAppend(&list, list.empty() ? "" : ", ", a);
    return ParamError(name, absl::StrCat("must be one of: ", list));
  }
  return std::string(*v);
}

std::vector<std::string> ListParam(const web::Request& req, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& v : req.ParamValues(name)) {
    for (absl::string_view item : absl::StrSplit(v, ',', absl::SkipWhitespace())) {
      out.emplace_back(absl::StripAsciiWhitespace(item));
    }
  }
  return out;
}

absl::StatusOr<Range> RangeParams(const AnalyticsApiDeps& deps, const web::Request& req) {
  Range r;
  // Without start and step (a hand-typed URL), the last hour on a grid of about 250 points, at least one
  // default scrape interval apart: the same answer a dashboard's "last hour" panel would ask for.
  constexpr int64_t kDefaultSpanMs = 3600 * 1000, kMinDefaultStepMs = 15 * 1000, kDefaultPoints = 250;
  auto end = TimeParam(req, "end", NowMs(deps));
  if (!end.ok()) return end.status();
  auto start = TimeParam(req, "start", *end - kDefaultSpanMs);
  if (!start.ok()) return start.status();
  if (*end < *start) return ParamError("end", "end timestamp must not be before start time");
  const int64_t auto_step =
      std::max(kMinDefaultStepMs, ((*end - *start) / kDefaultPoints + 999) / 1000 * 1000);
  auto step = DurationParam(req, "step", auto_step);
  if (!step.ok()) {
    if (OptionalParam(req, "step")) {
      return ParamError("step", "zero or negative query resolution step widths are not accepted");
    }
    return step.status();
  }
  r.start = *start;
  r.end = *end;
  r.step = *step;
  if ((r.end - r.start) / r.step >= kMaxPoints) {
    return ParamError("step",
                      "exceeded maximum resolution of 11,000 points per timeseries. Try increasing "
                      "the step");
  }
  return r;
}

absl::StatusOr<std::vector<GridSeries>> EvalRange(const AnalyticsApiDeps& deps, std::string_view query,
                                                  const Range& range) {
  auto res = deps.engine->Range(*deps.queryable, query, range.start, range.end, range.step);
  if (!res.ok()) return res.status();
  const auto* m = std::get_if<query::Matrix>(&res->value);
  if (!m) return absl::InvalidArgumentError("query must return an instant vector or a scalar");
  if (m->size() > deps.max_series) {
    return absl::InvalidArgumentError(absl::StrCat("query returned ", m->size(),
                                                   " series, more than the limit of ", deps.max_series,
                                                   "; narrow the query"));
  }
  const int64_t n = range.points();
  std::vector<GridSeries> out;
  out.reserve(m->size());
  for (const auto& s : *m) {
    GridSeries g{s.metric,
                 std::vector<double>(static_cast<size_t>(n), std::numeric_limits<double>::quiet_NaN())};
    for (const auto& p : s.points) {
      const int64_t i = (p.t - range.start) / range.step;
      if (p.t >= range.start && i < n && (p.t - range.start) % range.step == 0)
        g.values[static_cast<size_t>(i)] = p.v;
    }
    out.push_back(std::move(g));
  }
  return out;
}

std::pair<size_t, size_t> FiniteSpan(std::span<const double> v) {
  size_t first = 0, last = v.size();
  while (first < last && !std::isfinite(v[first])) ++first;
  while (last > first && !std::isfinite(v[last - 1])) --last;
  if (first == last) return {0, 0};
  return {first, last};
}

Json ValueString(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, ec == std::errc() ? p : buf);
}

Json TimeJson(int64_t ms) {
  if (ms % 1000 == 0) return ms / 1000;
  return static_cast<double>(ms) / 1000.0;
}

Json LabelsJson(const Labels& l) {
  Json j = Json::object();
  for (const auto& lab : l) j[lab.name] = lab.value;
  return j;
}

Json NumberOrNull(double v) {
  if (!std::isfinite(v)) return nullptr;
  return v;
}

Json PointsJson(int64_t start, int64_t step, std::span<const double> values) {
  Json out = Json::array();
  for (size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) continue;
    out.push_back(Json::array({TimeJson(start + static_cast<int64_t>(i) * step), ValueString(values[i])}));
  }
  return out;
}

Json PeriodsJson(std::span<const size_t> periods, int64_t step_ms) {
  Json out = Json::array();
  for (size_t p : periods) {
    out.push_back(
        Json{{"steps", p}, {"seconds", static_cast<double>(p) * static_cast<double>(step_ms) / 1000.0}});
  }
  return out;
}

}  // namespace foresight::analytics::api
