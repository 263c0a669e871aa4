// The analytics HTTP API: forecasting, decomposition, statistics, anomalies, correlation and clustering of
// the series a PromQL query returns, with the Prometheus API's JSON envelope and errors. Every endpoint and
// its parameters are described in docs/analytics/api.md.
//
//   AnalyticsApiDeps deps{.queryable = db, .engine = &engine};
//   RETURN_IF_ERROR(RegisterAnalyticsApi(server.router(), deps));
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "query/engine/engine.h"
#include "storage/storage.h"
#include "web/http/router.h"

namespace foresight::analytics {

struct AnalyticsApiDeps {
  storage::Queryable* queryable = nullptr;  // required
  query::Engine* engine = nullptr;          // required
  std::function<int64_t()> now_ms;          // the default `end`; null: the system clock
  size_t max_series = 500;                  // series one request may analyse (more: 400 bad_data)
};

// Registers GET and POST /api/v1/{forecast,decompose,stats,anomalies,correlate,cluster}. Errors: a missing
// dependency, or a route already registered.
absl::Status RegisterAnalyticsApi(web::Router& router, const AnalyticsApiDeps& deps);

}  // namespace foresight::analytics
