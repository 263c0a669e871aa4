// Internal: the handlers behind RegisterAnalyticsApi. Each computes the "data" JSON of its endpoint, or an
// error status (InvalidArgument for a bad parameter or input: 400 bad_data).
#pragma once

#include "absl/status/statusor.h"
#include "analytics/api/common.h"

namespace foresight::analytics::api {

absl::StatusOr<Json> Forecast(const AnalyticsApiDeps& deps, const web::Request& req);
absl::StatusOr<Json> Decompose(const AnalyticsApiDeps& deps, const web::Request& req);
absl::StatusOr<Json> Stats(const AnalyticsApiDeps& deps, const web::Request& req);
absl::StatusOr<Json> Anomalies(const AnalyticsApiDeps& deps, const web::Request& req);
absl::StatusOr<Json> Correlate(const AnalyticsApiDeps& deps, const web::Request& req);
absl::StatusOr<Json> Cluster(const AnalyticsApiDeps& deps, const web::Request& req);

// Periods given as durations (the `periods` parameter) in steps of `step_ms`; each must come to >= 2 steps.
absl::StatusOr<std::vector<size_t>> PeriodsParam(const web::Request& req, int64_t step_ms);

}  // namespace foresight::analytics::api
