// One target's scrape results into storage: parse, label, limit, append, commit whole or not at all,
// staleness, report series and target state. The HTTP side (scheduler.h) calls Report on one thread at a
// time; Snapshot and metadata reads are thread-safe.
//
// Per scrape, as Prometheus:
//  - series are cached by their raw exposition text ("name{labels}"), so a steady-state scrape does no label
//    work and appends by series ref;
//  - target labels are attached (honor_labels: the scraped value wins; otherwise a clashing scraped label is
//    kept as exported_<name>), then metric_relabel_configs;
//  - sample_limit (after relabelling) and label_limit fail the scrape;
//  - a failed scrape (HTTP error, timeout, malformed payload, limit) commits no scraped sample, marks every
//    series of the previous scrape stale and records up 0 with the reason as last error;
//  - series that vanished since the previous successful scrape get a stale marker; samples with explicit
//    timestamps (honor_timestamps) are not tracked for staleness;
//  - report series: up, scrape_duration_seconds, scrape_samples_scraped,
//    scrape_samples_post_metric_relabeling, scrape_series_added.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/node_hash_map.h"
#include "absl/status/status.h"
#include "collection/config/config.h"
#include "collection/metadata/metadata_store.h"
#include "collection/scrape/target.h"
#include "collection/textparse/payload.h"
#include "storage/storage.h"

namespace foresight::collection {

// Counters over every target of a ScrapeManager, for self-monitoring (relaxed atomics).
struct ScrapeStats {
  static constexpr int kReasons = 8;  // indexed by storage::RejectReason
  std::atomic<uint64_t> scrapes{0};
  std::atomic<uint64_t> scrapes_failed_fetch{0};  // connection, TLS, HTTP status, timeout
  std::atomic<uint64_t> scrapes_failed_parse{0};  // malformed payload
  std::atomic<uint64_t> scrapes_failed_limit{0};  // sample_limit or label_limit
  std::atomic<uint64_t> scrapes_failed_storage{0};
  std::atomic<uint64_t> samples_ingested{0};  // scraped samples committed (report series not counted)
  std::atomic<uint64_t> samples_rejected[kReasons] = {};  // refused by the storage, by reason
};

class ScrapeLoop {
 public:
  // `stats` (may be null) must outlive the loop.
  ScrapeLoop(storage::Appendable* db, std::shared_ptr<const ScrapeConfig> cfg, Labels full_labels,
             Labels discovered, ScrapeStats* stats = nullptr);
  ScrapeLoop(const ScrapeLoop&) = delete;
  ScrapeLoop& operator=(const ScrapeLoop&) = delete;

  const ScrapeConfig& config() const { return *cfg_; }
  const std::string& url() const { return url_; }
  const Labels& labels() const { return public_labels_; }  // attached to every series
  const Labels& full_labels() const { return full_labels_; }
  uint64_t hash() const { return hash_; }  // of the full labels: spreads scrape offsets
  // From __scrape_interval__ / __scrape_timeout__ (relabelling may change them per target).
  int64_t interval_ms() const { return interval_ms_; }
  int64_t timeout_ms() const { return timeout_ms_; }

  // The result of one scrape that started at `t_ms` (wall clock): `fetch` is the HTTP outcome; on OK,
  // `body` and `content_type` are the response. Returns the scrape's status (also kept as last error).
  absl::Status Report(int64_t t_ms, double duration_s, const absl::Status& fetch, std::string_view body,
                      std::string_view content_type);
  // Stale markers at `t_ms` for every series of the last scrape and for the report series (the target went
  // away). Further Reports are ignored.
  void MarkAllStale(int64_t t_ms);

  TargetSnapshot Snapshot() const;
  // Metadata per metric family, as of the last scrape.
  std::map<std::string, FamilyMetadata> Metadata() const;

 private:
  struct Entry {
    storage::SeriesRef ref = 0;
    Labels labels;
    uint64_t hash = 0;
    uint64_t last_iter = 0;
    bool dropped = false;  // by metric_relabel_configs
  };
  class Visitor;

  absl::Status AppendPayload(storage::Appender& app, int64_t t, std::string_view body,
                             std::string_view content_type, uint64_t* scraped, uint64_t* post_relabel,
                             uint64_t* added);
  // Builds the final labels of a new series; nullopt when dropped by relabelling.
  std::optional<Labels> SeriesLabels(const SampleView& s);
  absl::Status StaleMarkers(storage::Appender& app, int64_t t, bool all);
  // Adds the scrape's outcome to stats_ (`fetch`: the HTTP outcome; `result`: the scrape's).
  void CountScrape(const absl::Status& fetch, const absl::Status& result);
  void AppendReport(storage::Appender& app, int64_t t, bool up, double duration_s, uint64_t scraped,
                    uint64_t post_relabel, uint64_t added, bool stale);

  storage::Appendable* db_;
  ScrapeStats* stats_;
  std::shared_ptr<const ScrapeConfig> cfg_;
  Labels full_labels_, public_labels_, discovered_;
  std::string url_;
  uint64_t hash_;
  int64_t interval_ms_, timeout_ms_;

  // Used only by the thread calling Report.
  absl::node_hash_map<std::string, Entry> cache_;  // by raw series text
  std::vector<Entry*> cur_, prev_;                 // series appended by this and the previous scrape
  absl::flat_hash_set<uint64_t> cur_hashes_;
  std::vector<std::string> new_keys_;  // cache entries added by the running scrape
  uint64_t pending_appended_ = 0;      // of the running scrape, counted if it commits
  uint64_t pending_rejected_[ScrapeStats::kReasons] = {};
  std::vector<LabelView> sorted_;
  uint64_t iter_ = 0;
  storage::SeriesRef report_refs_[5] = {0, 0, 0, 0, 0};
  Labels report_labels_[5];
  bool gone_ = false;

  mutable std::mutex mu_;  // guards the state below
  TargetHealth health_ = TargetHealth::kUnknown;
  int64_t last_scrape_ms_ = 0;
  double last_duration_s_ = 0;
  std::string last_error_;
  uint64_t last_samples_ = 0;
  absl::flat_hash_map<std::string, FamilyMetadata> metadata_;
};

}  // namespace foresight::collection
