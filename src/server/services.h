// The parts of Foresight around the storage engine, wired together for the binary: the configuration,
// collection (scraping, remote-write, JSON push, the host collector), the PromQL engine and its HTTP API,
// and the analytics endpoints. App owns one Services; its routes are registered before the HTTP server
// starts, and they answer 503 until the storage engine is open.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/flags.h"
#include "server/late_storage.h"
#include "web/http/router.h"

namespace foresight::storage {
class DB;
}
namespace foresight::collection {
class CollectionService;
struct Config;
struct PushStats;
class MetadataStore;
}  // namespace foresight::collection
namespace foresight::query {
class Engine;
}
namespace foresight::analytics {
class LiveDetector;
struct Watch;
}  // namespace foresight::analytics

namespace foresight::server {

class Services {
 public:
  // Loads the configuration (--config.file, or the embedded default) and registers every part's routes.
  // A configuration that does not load is an error naming the file, line and key.
  static absl::StatusOr<std::unique_ptr<Services>> Create(const Flags& flags, web::Router& router);
  ~Services();

  // Once the storage engine is open and the server listens on `port`: starts scraping.
  absl::Status Start(storage::DB* db, int port);
  // Re-reads the configuration file (SIGHUP, POST /-/reload). A bad new file is refused and the running
  // configuration stays.
  absl::Status Reload();
  // Stops scraping before the storage engine closes.
  void Stop();

 private:
  explicit Services(Flags flags);
  absl::StatusOr<collection::Config> LoadConfig(int port) const;
  absl::Status RegisterRoutes(web::Router& router);
  // Continuous anomaly detection (foresight.anomaly_detection.watches): (re)started with these watches, or
  // stopped when there are none. Requires mu_.
  absl::Status StartLiveDetection(std::vector<analytics::Watch> watches);
  // Records a configuration load for /api/v1/status/runtimeinfo and /api/v1/status/config. Requires mu_.
  void NoteConfigLoad(bool ok);

  Flags flags_;
  LateStorage storage_;
  std::atomic<storage::DB*> db_{nullptr};
  std::unique_ptr<query::Engine> engine_;
  std::unique_ptr<collection::PushStats> push_stats_;
  // Metadata received by remote write; /api/v1/metadata lists it beside the scraped metadata.
  std::unique_ptr<collection::MetadataStore> pushed_metadata_;
  std::atomic<uint64_t> metrics_collector_{0};  // the collection part's self-monitoring (DefaultRegistry)
  std::mutex mu_;  // guards collection_ and port_ against a reload during start or stop
  std::unique_ptr<collection::CollectionService> collection_;
  std::unique_ptr<analytics::LiveDetector> live_;
  int port_ = 0;
  // For the status API: when the services started, the last configuration load, and the file's text as it
  // was when it last loaded (guarded by mu_).
  const int64_t start_ms_;
  bool last_config_ok_ = true;
  int64_t last_config_ms_ = 0;
  std::string config_text_;
};

}  // namespace foresight::server
