// The scrape manager: turns a Config into running scrape loops and keeps them in step with reloads and
// file-based discovery.
//
//   ScrapeManager m(&db, {});
//   m.ApplyConfig(cfg);   // the caller has already refused a bad config (ParseConfig)
//   m.Start();
//   ... m.ApplyConfig(new_cfg) ...   // unchanged targets keep running; removed ones get stale markers
//   m.Stop();
//
// A target is kept across a reload when its job's settings (ScrapeConfig::Fingerprint) and its labels after
// relabelling are unchanged. Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "collection/config/config.h"
#include "collection/metadata/metadata_store.h"
#include "collection/scrape/scrape_loop.h"
#include "collection/scrape/target.h"
#include "storage/storage.h"

namespace foresight::collection {

class ScrapeScheduler;

struct ScrapeManagerOptions {
  int threads = 2;                     // scrape worker threads (each a curl multi handle)
  int64_t discovery_check_ms = 1'000;  // how often file_sd refresh deadlines are checked
  bool stale_on_stop = false;          // Stop() writes stale markers for every series (as a shutdown)
  // Metadata pushed by remote-write senders, listed by Metadata() beside the scraped metadata; may be null.
  // Must outlive the manager.
  const MetadataStore* pushed_metadata = nullptr;
};

// Metadata of one metric family as /api/v1/metadata lists it.
struct MetadataEntry {
  std::string metric;
  FamilyMetadata metadata;
};

class ScrapeManager {
 public:
  ScrapeManager(storage::Appendable* storage, ScrapeManagerOptions options = {});
  ~ScrapeManager();  // Stop()
  ScrapeManager(const ScrapeManager&) = delete;
  ScrapeManager& operator=(const ScrapeManager&) = delete;

  // Replaces the set of jobs and targets. Before Start() the targets wait; after, they run at once.
  absl::Status ApplyConfig(const Config& config);
  void Start();
  void Stop();

  std::vector<TargetSnapshot> Targets() const;
  // Active targets per scrape pool (job), every configured pool listed.
  std::map<std::string, size_t> PoolSizes() const;
  const ScrapeStats& stats() const { return stats_; }
  std::vector<DroppedTarget> DroppedTargets() const;
  // Distinct metadata per metric across targets and the pushed metadata, sorted by metric name; `metric` ""
  // for all.
  std::map<std::string, std::vector<FamilyMetadata>> Metadata(std::string_view metric = {}) const;

  // Prometheus' /api/v1/targets response: state is "active", "dropped", "any" or "" (any); scrape_pool ""
  // for all pools.
  std::string TargetsJson(std::string_view state = {}, std::string_view scrape_pool = {}) const;
  // Prometheus' /api/v1/metadata response: limit < 0 for no limit; metric "" for all.
  std::string MetadataJson(std::string_view metric = {}, int limit = -1) const;

 private:
  struct Job {
    std::shared_ptr<const ScrapeConfig> config;
    std::string fingerprint;
    // file_sd: the groups last read from each file, and when to read again.
    std::map<std::string, std::vector<TargetGroup>> file_groups;
    int64_t next_refresh_ms = 0;
    std::map<std::string, std::shared_ptr<ScrapeLoop>> loops;  // by fingerprint + target labels
    std::vector<DroppedTarget> dropped;
  };

  // Reads due file_sd files of `job` (all when `force`); true when its groups changed.
  bool RefreshFileSD(Job& job, int64_t now_ms, bool force);
  // Brings the job's loops in line with its target groups. Called with mu_ held.
  void SyncLocked(Job& job);
  void DiscoveryLoop();

  storage::Appendable* storage_;
  ScrapeManagerOptions options_;
  ScrapeStats stats_;
  std::unique_ptr<ScrapeScheduler> scheduler_;

  mutable std::mutex mu_;
  std::map<std::string, Job> jobs_;
  bool started_ = false;
  bool stopping_ = false;
  std::condition_variable cv_;
  std::thread discovery_;
};

}  // namespace foresight::collection
