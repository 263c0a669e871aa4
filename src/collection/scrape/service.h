// The collection part as the server binary sees it: scraping (ScrapeManager) plus the host collector's
// endpoint.
//
//   auto svc = CollectionService::Create(db, config, {.listen_port = 9090});
//   svc.value()->RegisterRoutes(server.router());   // GET /host/metrics
//   ... on SIGHUP: parse the new file; if it parses, svc->Reload(new_config) ...
//   query API: svc->TargetsJson(state, pool), svc->MetadataJson(metric, limit)
//   registry.AddCollector([&](auto* out) { svc->AppendMetrics(&push_stats, out); });   // GET /metrics
//   svc->Stop();
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "collection/config/config.h"
#include "collection/host/host_collector.h"
#include "collection/scrape/manager.h"
#include "storage/storage.h"
#include "web/http/router.h"

namespace foresight::metrics {
struct FamilySnapshot;
}

namespace foresight::collection {

struct PushStats;

struct CollectionOptions {
  int listen_port = 9090;  // Foresight's own port (what the default config scrapes)
  ScrapeManagerOptions scrape;
  HostCollectorOptions host;
};

class CollectionService {
 public:
  // Applies `config` and starts scraping.
  static absl::StatusOr<std::unique_ptr<CollectionService>> Create(storage::Appendable* storage,
                                                                   const Config& config,
                                                                   CollectionOptions options = {});
  ~CollectionService();

  // Applies a config that has already parsed: unchanged targets keep running, removed ones go stale.
  absl::Status Reload(const Config& config);
  void Stop();

  // GET /host/metrics: the host collector's payload (404 when foresight.collection.host_collector is false).
  absl::Status RegisterRoutes(web::Router& router);
  // Optional: GET/POST /api/v1/targets (?state=&scrapePool=) and /api/v1/metadata (?metric=&limit=), for a
  // server whose query API does not serve them itself.
  absl::Status RegisterApiRoutes(web::Router& router);

  std::string TargetsJson(std::string_view state = {}, std::string_view scrape_pool = {}) const;
  std::string MetadataJson(std::string_view metric = {}, int limit = -1) const;
  ScrapeManager& manager() { return *manager_; }
  // foresight.collection.host_collector of the running configuration.
  bool host_collector_enabled() const { return host_enabled_; }

  // Self-monitoring (service_metrics.cc): foresight_samples_ingested_total{path},
  // foresight_samples_rejected_total{path,reason}, foresight_scrapes_total, foresight_scrapes_failed_total,
  // foresight_scrape_pool_targets{scrape_pool}, and with `push` (may be null) the push endpoints' counters
  // (foresight_remote_write_*, foresight_push_*). For a Registry collector.
  void AppendMetrics(const PushStats* push, std::vector<metrics::FamilySnapshot>* out) const;

 private:
  CollectionService(storage::Appendable* storage, CollectionOptions options);

  CollectionOptions options_;
  std::unique_ptr<ScrapeManager> manager_;
  std::atomic<bool> host_enabled_{true};
};

}  // namespace foresight::collection
