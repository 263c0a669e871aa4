// The Prometheus HTTP API v1 (query, query_range, series, labels, label values, metadata, targets, status
// pages, exemplars) over a storage::Queryable and a query::Engine, with Prometheus 2.42's JSON and errors.
//
//   QueryApiDeps deps{.queryable = db, .engine = &engine, .db_stats = [&] { return db->Stats(); }};
//   RETURN_IF_ERROR(RegisterQueryApi(server.router(), deps));
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "query/engine/engine.h"
#include "storage/db.h"
#include "storage/storage.h"
#include "web/http/router.h"

namespace foresight::query {

// /api/v1/status/buildinfo.
struct BuildInfo {
  std::string version = "0.1.0";
  std::string revision = "unknown";
  std::string branch = "main";
  std::string build_user = "foresight";
  std::string build_date = "unknown";
  std::string go_version = "none";  // the field Grafana reads; we report the compiler here
};

// /api/v1/status/runtimeinfo (field names as Prometheus').
struct RuntimeInfo {
  std::string start_time;  // RFC 3339
  std::string cwd;
  bool reload_config_success = true;
  std::string last_config_time;  // RFC 3339
  int64_t corruption_count = 0;
  int64_t goroutine_count = 0;  // threads
  int64_t gomaxprocs = 0;       // hardware threads
  std::string storage_retention;
};

struct QueryApiDeps {
  storage::Queryable* queryable = nullptr;  // required
  Engine* engine = nullptr;                 // required
  // The "data" JSON of /api/v1/targets, given the `state` parameter ("", "active", "dropped", "any") and
  // the `scrapePool` parameter ("" for all pools).
  std::function<std::string(std::string_view state, std::string_view scrape_pool)> targets_json;
  // The "data" JSON of /api/v1/metadata, given the `metric` parameter ("" for all) and `limit` (-1: none).
  std::function<std::string(std::string_view metric, int64_t limit)> metadata_json;
  BuildInfo build_info;
  std::function<RuntimeInfo()> runtime_info;
  std::function<storage::DBStats()> db_stats;  // headStats' chunk count and time range
  std::map<std::string, std::string> flags;    // /api/v1/status/flags
  std::function<std::string()> config_yaml;    // /api/v1/status/config
  std::function<int64_t()> now_ms;             // the default `time`; null: the system clock
};

// Registers /api/v1/... on `router`. Errors: missing queryable or engine, or a route already registered.
absl::Status RegisterQueryApi(web::Router& router, const QueryApiDeps& deps);

}  // namespace foresight::query
