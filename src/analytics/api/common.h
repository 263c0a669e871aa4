// Internal: what the analytics handlers share: parameter parsing with Prometheus-style errors, evaluating a
// query onto a regular grid, and the JSON envelope.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "analytics/api/api.h"
#include "common/labels.h"
#include "nlohmann/json.hpp"
#include "web/http/http.h"

namespace foresight::analytics::api {

using Json = nlohmann::ordered_json;

// Prometheus' limit on points per series of a range query.
inline constexpr int64_t kMaxPoints = 11000;

// InvalidArgument `invalid parameter "<name>": <message>` (answered 400 bad_data).
absl::Status ParamError(std::string_view name, std::string_view message);
// An error response with the Prometheus API's type and HTTP code: InvalidArgument and engine bad_data
// errors 400, execution errors 422, timeouts and cancellations 503, internal errors 500.
web::Response ErrorResponse(const absl::Status& s);
// {"status":"success","data":<data>}
web::Response SuccessResponse(const Json& data);

int64_t NowMs(const AnalyticsApiDeps& deps);

// The parameter's value, or nullopt when absent or empty.
std::optional<std::string_view> OptionalParam(const web::Request& req, std::string_view name);
absl::StatusOr<std::string> RequiredParam(const web::Request& req, std::string_view name);
// Unix seconds (fraction allowed) or RFC 3339.
absl::StatusOr<int64_t> TimeParam(const web::Request& req, std::string_view name,
                                  std::optional<int64_t> fallback);
// Seconds as a number ("300", "0.5") or a Prometheus duration ("5m", "1h30m"), in milliseconds; must be > 0.
absl::StatusOr<int64_t> DurationParam(const web::Request& req, std::string_view name,
                                      std::optional<int64_t> fallback);
// A finite number in [lo, hi].
absl::StatusOr<double> NumberParam(const web::Request& req, std::string_view name, double fallback, double lo,
                                   double hi);
// An integer in [lo, hi].
absl::StatusOr<int64_t> IntParam(const web::Request& req, std::string_view name, int64_t fallback, int64_t lo,
                                 int64_t hi);
// One of `allowed`.
absl::StatusOr<std::string> EnumParam(const web::Request& req, std::string_view name,
                                      std::string_view fallback, const std::vector<std::string>& allowed);
// Comma-separated items (empty ones skipped); every repetition of the parameter is added.
std::vector<std::string> ListParam(const web::Request& req, std::string_view name);
// Parses one duration as DurationParam does (milliseconds), or nullopt.
std::optional<int64_t> ParseDurationMs(std::string_view s);

// The history a query is evaluated over: start, start+step, ... <= end.
struct Range {
  int64_t start = 0, end = 0, step = 0;
  int64_t points() const { return (end - start) / step + 1; }
  int64_t TimeAt(int64_t i) const { return start + i * step; }
};
// start (required), end (default now), step (required), with Prometheus' checks and its 11,000-point limit.
absl::StatusOr<Range> RangeParams(const AnalyticsApiDeps& deps, const web::Request& req);

// A series of a query's result on the range's grid: values[i] at range.TimeAt(i), NaN when missing.
struct GridSeries {
  Labels metric;
  std::vector<double> values;
};
// Evaluates `query` as a range query. More than deps.max_series series is a bad_data error.
absl::StatusOr<std::vector<GridSeries>> EvalRange(const AnalyticsApiDeps& deps, std::string_view query,
                                                  const Range& range);

// The indices [first, last) between the first and the last finite value ({0, 0} when there is none).
std::pair<size_t, size_t> FiniteSpan(std::span<const double> v);

// JSON pieces in the Prometheus API's forms.
Json ValueString(double v);        // "1.5", "NaN", "+Inf", "-Inf"
Json TimeJson(int64_t ms);         // seconds: 1700000000 or 1700000000.5
Json LabelsJson(const Labels& l);  // {"__name__":"up","job":"x"}
Json NumberOrNull(double v);       // a number, or null when not finite
// [[t,"v"],...] for values[i] at start + i*step; non-finite values are left out.
Json PointsJson(int64_t start, int64_t step, std::span<const double> values);
// [{"steps":24,"seconds":86400},...]
Json PeriodsJson(std::span<const size_t> periods, int64_t step_ms);

}  // namespace foresight::analytics::api
