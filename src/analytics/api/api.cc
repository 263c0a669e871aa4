#include "analytics/api/api.h"

#include <string>
#include <utility>

#include "analytics/api/handlers.h"

namespace foresight::analytics {
namespace {

using Fn = absl::StatusOr<api::Json> (*)(const AnalyticsApiDeps&, const web::Request&);

web::Handler Wrap(const AnalyticsApiDeps& deps, Fn fn) {
  return [deps, fn](const web::Request& req) {
    auto data = fn(deps, req);
    if (!data.ok()) return api::ErrorResponse(data.status());
    return api::SuccessResponse(*data);
  };
}

}  // namespace

absl::Status RegisterAnalyticsApi(web::Router& router, const AnalyticsApiDeps& deps) {
  if (deps.queryable == nullptr || deps.engine == nullptr) {
    return absl::InvalidArgumentError("analytics API: queryable and engine are required");
  }
  const std::pair<const char*, Fn> routes[] = {
      {"/api/v1/forecast", &api::Forecast},   {"/api/v1/decompose", &api::Decompose},
      {"/api/v1/stats", &api::Stats},         {"/api/v1/anomalies", &api::Anomalies},
      {"/api/v1/correlate", &api::Correlate}, {"/api/v1/cluster", &api::Cluster},
  };
  for (const auto& [path, fn] : routes) {
    if (auto st = router.GetPost(path, Wrap(deps, fn)); !st.ok()) return st;
  }
  return absl::OkStatus();
}

}  // namespace foresight::analytics
