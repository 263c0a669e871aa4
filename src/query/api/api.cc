// Registration of the /api/v1 routes, and the small status endpoints.
#include "query/api/api.h"

#include <charconv>

#include "query/api/handlers.h"
#include "query/api/json.h"

namespace foresight::query {

namespace {

using api::AppendString;

void AppendField(std::string* out, std::string_view name, std::string_view value, bool comma = true) {
  if (comma) out->push_back(',');
  AppendString(out, name);
  out->push_back(':');
  AppendString(out, value);
}

std::string BuildInfoJson(const BuildInfo& b) {
  std::string out = "{";
  AppendField(&out, "version", b.version, false);
  AppendField(&out, "revision", b.revision);
  AppendField(&out, "branch", b.branch);
  AppendField(&out, "buildUser", b.build_user);
  AppendField(&out, "buildDate", b.build_date);
  AppendField(&out, "goVersion", b.go_version);
  out.push_back('}');
  return out;
}

std::string RuntimeInfoJson(const RuntimeInfo& r) {
  std::string out = "{";
  AppendField(&out, "startTime", r.start_time, false);
  AppendField(&out, "CWD", r.cwd);
  out.append(R"(,"reloadConfigSuccess":)");
  out.append(r.reload_config_success ? "true" : "false");
  AppendField(&out, "lastConfigTime", r.last_config_time);
  out.append(R"(,"corruptionCount":)" + std::to_string(r.corruption_count));
  out.append(R"(,"goroutineCount":)" + std::to_string(r.goroutine_count));
  out.append(R"(,"GOMAXPROCS":)" + std::to_string(r.gomaxprocs));
  AppendField(&out, "GOGC", "");
  AppendField(&out, "GODEBUG", "");
  AppendField(&out, "storageRetention", r.storage_retention);
  out.push_back('}');
  return out;
}

std::string FlagsJson(const std::map<std::string, std::string>& flags) {
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : flags) {
    AppendField(&out, k, v, !first);
    first = false;
  }
  out.push_back('}');
  return out;
}

}  // namespace

absl::Status RegisterQueryApi(web::Router& router, const QueryApiDeps& deps_in) {
  if (deps_in.queryable == nullptr || deps_in.engine == nullptr)
    return absl::InvalidArgumentError("RegisterQueryApi: queryable and engine are required");
  auto deps = std::make_shared<const QueryApiDeps>(deps_in);
  auto route = [&router, deps](std::string_view pattern,
                               web::Response (*fn)(const QueryApiDeps&, const web::Request&)) {
    return router.GetPost(pattern, [deps, fn](const web::Request& req) { return fn(*deps, req); });
  };
  absl::Status st;
  auto add = [&st](absl::Status s) {
    if (st.ok()) st = s;
  };
  add(route("/api/v1/query", api::HandleQuery));
  add(route("/api/v1/query_range", api::HandleQueryRange));
  add(route("/api/v1/series", api::HandleSeries));
  add(route("/api/v1/labels", api::HandleLabels));
  add(route("/api/v1/label/:name/values", api::HandleLabelValues));
  add(route("/api/v1/status/tsdb", api::HandleTsdbStatus));
  add(router.GetPost("/api/v1/query_exemplars", [](const web::Request&) { return api::Success("[]"); }));
  add(router.Get("/api/v1/metadata", [deps](const web::Request& req) {
    int64_t limit = -1;
    std::string_view l = req.params.GetOr("limit");
    if (!l.empty()) {
      auto r = std::from_chars(l.data(), l.data() + l.size(), limit);
      if (r.ec != std::errc() || r.ptr != l.data() + l.size())
        return api::ErrorResponse("bad_data", "limit must be a number");
    }
    if (!deps->metadata_json) return api::Success("{}");
    return api::Success(deps->metadata_json(req.params.GetOr("metric"), limit));
  }));
  add(router.Get("/api/v1/targets", [deps](const web::Request& req) {
    if (!deps->targets_json) return api::Success(R"({"activeTargets":[],"droppedTargets":[]})");
    return api::Success(deps->targets_json(req.params.GetOr("state"), req.params.GetOr("scrapePool")));
  }));
  add(router.Get("/api/v1/status/buildinfo",
                 [deps](const web::Request&) { return api::Success(BuildInfoJson(deps->build_info)); }));
  add(router.Get("/api/v1/status/runtimeinfo", [deps](const web::Request&) {
    return api::Success(RuntimeInfoJson(deps->runtime_info ? deps->runtime_info() : RuntimeInfo{}));
  }));
  add(router.Get("/api/v1/status/flags",
                 [deps](const web::Request&) { return api::Success(FlagsJson(deps->flags)); }));
  add(router.Get("/api/v1/status/config", [deps](const web::Request&) {
    std::string data = R"({"yaml":)";
    AppendString(&data, deps->config_yaml ? deps->config_yaml() : "");
    data.push_back('}');
    return api::Success(data);
  }));
  return st;
}

}  // namespace foresight::query
