#include "server/services.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "absl/time/time.h"
#include "analytics/api/api.h"
#include "analytics/forecast/events.h"
#include "analytics/live/live.h"
#include "analytics/promql/functions.h"
#include "collection/config/config.h"
#include "collection/config/duration.h"
#include "collection/host/host_collector.h"
#include "collection/push/push.h"
#include "collection/scrape/service.h"
#include "common/fmt_absl.h"
#include "common/metrics/metrics.h"
#include "common/metrics/text_format.h"
#include "query/api/api.h"
#include "query/engine/engine.h"
#include "storage/db.h"

namespace foresight::server {

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Rfc3339(int64_t ms) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::FromUnixMillis(ms), absl::UTCTimeZone());
}

// The process' threads (Prometheus reports goroutines in the same field), from /proc/self/status.
int64_t ThreadCount() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::atoll(line.c_str() + 8);
  }
  return 0;
}

// Bytes as Prometheus prints a size flag: the largest base-2 unit that divides it ("512MiB", "10GiB").
std::string FormatBytes(int64_t b) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int u = 0;
  while (u < 6 && b != 0 && b % 1024 == 0) b /= 1024, ++u;
  return std::to_string(b) + kUnits[u];
}

// Prometheus' storageRetention: "15d", "10GiB", or "15d or 10GiB".
std::string RetentionString(const Flags& f) {
  std::string time = f.retention_ms > 0 ? collection::FormatDuration(f.retention_ms) : "";
  std::string size = f.retention_bytes > 0 ? FormatBytes(f.retention_bytes) : "";
  if (!time.empty() && !size.empty()) return time + " or " + size;
  return !time.empty() ? time : size;
}

absl::StatusOr<std::vector<analytics::Watch>> ParseAnomalyWatches(const collection::Config& cfg) {
  YAML::Node anomaly;
  if (auto it = cfg.sections.find("foresight"); it != cfg.sections.end() && it->second["anomaly_detection"]) {
    anomaly = it->second["anomaly_detection"];
  }
  return analytics::ParseWatches(anomaly);
}

std::string ReadFileText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

Services::Services(Flags flags)
    : flags_(std::move(flags)),
      engine_(std::make_unique<query::Engine>(query::EngineOptions{
          .lookback_delta_ms = flags_.query_lookback_ms,
          .max_samples = flags_.query_max_samples,
          .timeout_ms = flags_.query_timeout_ms,
          .max_concurrent = flags_.query_max_concurrency,
          .eval_threads = flags_.query_eval_threads,
      })),
      push_stats_(std::make_unique<collection::PushStats>()),
      pushed_metadata_(std::make_unique<collection::MetadataStore>()),
      start_ms_(NowMs()) {}

absl::Status Services::StartLiveDetection(std::vector<analytics::Watch> watches) {
  if (live_) {
    live_->Stop();  // saves the detectors' state
    live_.reset();
  }
  if (watches.empty()) return absl::OkStatus();
  analytics::LiveOptions lopts;
  lopts.watches = std::move(watches);
  lopts.state_path = flags_.storage_path + "/analytics/anomaly_state.bin";
  live_ = std::make_unique<analytics::LiveDetector>(analytics::LiveDeps{&storage_, &storage_, engine_.get()},
                                                    std::move(lopts));
  return live_->Start();
}

void Services::NoteConfigLoad(bool ok) {
  last_config_ok_ = ok;
  if (!ok) return;
  last_config_ms_ = NowMs();
  config_text_ =
      flags_.config_file.empty() ? collection::DefaultConfigYaml(port_) : ReadFileText(flags_.config_file);
}

Services::~Services() { Stop(); }

absl::StatusOr<std::unique_ptr<Services>> Services::Create(const Flags& flags, web::Router& router) {
  std::unique_ptr<Services> s(new Services(flags));
  // Check the file now so that a broken configuration stops the start with its error, before anything runs.
  if (auto cfg = s->LoadConfig(0); !cfg.ok()) return cfg.status();
  if (auto st = s->RegisterRoutes(router); !st.ok()) return st;
  // Not under mu_: the registry runs collectors under its own lock, which RemoveCollector also takes.
  Services* self = s.get();
  s->metrics_collector_ = metrics::DefaultRegistry().AddCollector([self](auto* out) {
    std::lock_guard lock(self->mu_);
    if (self->collection_) self->collection_->AppendMetrics(self->push_stats_.get(), out);
  });
  return s;
}

absl::StatusOr<collection::Config> Services::LoadConfig(int port) const {
  if (flags_.config_file.empty()) return collection::DefaultConfig(port);
  return collection::LoadConfigFile(flags_.config_file);
}

namespace {

// The collection part answers with whole API responses; the query API wants their "data".
std::string DataOf(const std::string& response) {
  auto j = nlohmann::json::parse(response, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.contains("data")) return "{}";
  return j["data"].dump();
}

// foresight.events becomes the calendar every forecast uses (API and PromQL), swapped whole on reload.
void InstallEventCalendar(const collection::Config& cfg) {
  std::vector<analytics::CalendarEvent> events;
  for (const auto& e : cfg.events) {
    events.push_back({e.name, e.start_ms, e.end_ms,
                      analytics::ParseRecurrence(e.recurrence).value_or(analytics::Recurrence::kNone)});
  }
  if (!events.empty() || !analytics::CurrentEventCalendar()->empty()) {
    spdlog::info("event calendar: {} event(s)", events.size());
  }
  analytics::SetEventCalendar(std::move(events));
}

}  // namespace

absl::Status Services::RegisterRoutes(web::Router& router) {
  query::QueryApiDeps deps;
  deps.queryable = &storage_;
  deps.engine = engine_.get();
  deps.targets_json = [this](std::string_view state, std::string_view scrape_pool) -> std::string {
    std::lock_guard lock(mu_);
    if (!collection_) return R"({"activeTargets":[],"droppedTargets":[]})";
    return DataOf(collection_->TargetsJson(state, scrape_pool));
  };
  deps.metadata_json = [this](std::string_view metric, int64_t limit) -> std::string {
    std::lock_guard lock(mu_);
    if (!collection_) return "{}";
    return DataOf(collection_->MetadataJson(metric, static_cast<int>(limit)));
  };
  deps.db_stats = [this] {
    storage::DB* db = db_.load();
    return db != nullptr ? db->Stats() : storage::DBStats{};
  };
  deps.config_yaml = [this]() -> std::string {
    std::lock_guard lock(mu_);
    if (config_text_.empty() && flags_.config_file.empty()) return collection::DefaultConfigYaml(port_);
    return config_text_;
  };
  deps.runtime_info = [this] {
    query::RuntimeInfo r;
    r.start_time = Rfc3339(start_ms_);
    std::error_code ec;
    r.cwd = std::filesystem::current_path(ec).string();
    {
      std::lock_guard lock(mu_);
      r.reload_config_success = last_config_ok_;
      if (last_config_ms_ > 0) r.last_config_time = Rfc3339(last_config_ms_);
    }
    r.goroutine_count = ThreadCount();
    r.gomaxprocs = static_cast<int64_t>(std::thread::hardware_concurrency());
    r.storage_retention = RetentionString(flags_);
    return r;
  };
  const char* sync_names[] = {"never", "interval", "always"};
  deps.flags = {{"config.file", flags_.config_file},
                {"storage.tsdb.path", flags_.storage_path},
                {"storage.tsdb.retention.time", collection::FormatDuration(flags_.retention_ms)},
                {"storage.tsdb.retention.size", FormatBytes(flags_.retention_bytes)},
                {"storage.tsdb.wal-sync", sync_names[static_cast<int>(flags_.wal_sync)]},
                {"web.listen-address", flags_.listen_address},
                {"web.read-timeout", collection::FormatDuration(flags_.read_timeout_ms)},
                {"log.level", flags_.log_level},
                {"query.lookback-delta", collection::FormatDuration(flags_.query_lookback_ms)},
                {"query.max-samples", std::to_string(flags_.query_max_samples)},
                {"query.timeout", collection::FormatDuration(flags_.query_timeout_ms)},
                {"query.max-concurrency", std::to_string(flags_.query_max_concurrency)},
                {"query.eval-threads", std::to_string(flags_.query_eval_threads)}};
  if (auto st = query::RegisterQueryApi(router, deps); !st.ok()) return st;
  // Foresight's own PromQL functions (foresight_forecast, ...) and the analytics endpoints.
  if (auto st = analytics::RegisterAnalyticsFunctions(); !st.ok()) return st;
  analytics::AnalyticsApiDeps adeps;
  adeps.queryable = &storage_;
  adeps.engine = engine_.get();
  if (auto st = analytics::RegisterAnalyticsApi(router, adeps); !st.ok()) return st;
  collection::RemoteWriteOptions rw_options;
  rw_options.metadata = pushed_metadata_.get();
  if (auto st = collection::RegisterPushRoutes(router, storage_, push_stats_.get(), rw_options); !st.ok())
    return st;
  // The built-in host collector, in node_exporter's names; the default configuration scrapes it.
  if (auto st = router.Get("/host/metrics",
                           [this](const web::Request&) {
                             {
                               std::lock_guard lock(mu_);  // foresight.collection.host_collector: false
                               if (collection_ && !collection_->host_collector_enabled())
                                 return web::Response::Error(404, "the host collector is disabled");
                             }
                             web::Response r = web::Response::Text(200, collection::CollectHostMetrics());
                             r.headers.Set("Content-Type", std::string(metrics::kTextContentType));
                             return r;
                           });
      !st.ok()) {
    return st;
  }
  // Writes the whole head out as blocks now (benchmarks measuring bytes on disk; backups of a quiet store).
  if (auto st = router.Post("/api/v1/admin/tsdb/flush",
                            [this](const web::Request&) {
                              storage::DB* db = db_.load();
                              if (db == nullptr) return web::Response::Error(503, "storage is not open yet");
                              absl::Status flushed = db->FlushHead();
                              if (flushed.ok()) flushed = db->RunMaintenance();  // compacts the new blocks
                              if (!flushed.ok())
                                return web::Response::Error(500, std::string(flushed.message()));
                              return web::Response::Text(204, "");
                            });
      !st.ok()) {
    return st;
  }
  if (auto st = router.Post("/-/reload",
                            [this](const web::Request&) {
                              if (auto reloaded = Reload(); !reloaded.ok()) {
                                return web::Response::Error(500, std::string(reloaded.message()));
                              }
                              return web::Response::Text(200, "");
                            });
      !st.ok()) {
    return st;
  }
  return absl::OkStatus();
}

absl::Status Services::Start(storage::DB* db, int port) {
  storage_.Set(db, db);
  db_.store(db);
  std::lock_guard lock(mu_);
  port_ = port;
  auto cfg = LoadConfig(port);
  if (!cfg.ok()) return cfg.status();
  NoteConfigLoad(true);
  InstallEventCalendar(*cfg);
  collection::CollectionOptions opts;
  opts.listen_port = port;
  opts.scrape.pushed_metadata = pushed_metadata_.get();
  auto svc = collection::CollectionService::Create(&storage_, *cfg, opts);
  if (!svc.ok()) return svc.status();
  collection_ = std::move(*svc);
  auto watches = ParseAnomalyWatches(*cfg);
  if (!watches.ok()) return watches.status();
  if (auto st = StartLiveDetection(std::move(*watches)); !st.ok()) return st;
  spdlog::info("collection started from {}", flags_.config_file.empty()
                                                 ? std::string("the embedded default configuration")
                                                 : flags_.config_file);
  return absl::OkStatus();
}

absl::Status Services::Reload() {
  std::lock_guard lock(mu_);
  auto cfg = LoadConfig(port_);
  if (!cfg.ok()) {
    spdlog::error("configuration reload refused, keeping the running one: {}", cfg.status().message());
    NoteConfigLoad(false);
    return cfg.status();
  }
  // Checked before anything changes, so that a bad watch refuses the whole reload.
  auto watches = ParseAnomalyWatches(*cfg);
  if (!watches.ok()) {
    spdlog::error("configuration reload refused, keeping the running one: {}", watches.status().message());
    NoteConfigLoad(false);
    return watches.status();
  }
  InstallEventCalendar(*cfg);
  if (collection_) {
    if (auto st = collection_->Reload(*cfg); !st.ok()) {
      NoteConfigLoad(false);
      return st;
    }
  }
  // The detectors' state is saved on stop and restored on start, per watch: a watch that stays keeps its
  // learning, a changed one starts afresh.
  if (auto st = StartLiveDetection(std::move(*watches)); !st.ok()) {
    NoteConfigLoad(false);
    return st;
  }
  NoteConfigLoad(true);
  spdlog::info("configuration reloaded");
  return absl::OkStatus();
}

void Services::Stop() {
  if (const uint64_t id = metrics_collector_.exchange(0); id != 0) {
    metrics::DefaultRegistry().RemoveCollector(id);
  }
  std::lock_guard lock(mu_);
  if (live_) {
    live_->Stop();  // saves the detectors' state
    live_.reset();
  }
  if (collection_) {
    collection_->Stop();
    collection_.reset();
  }
  storage_.Set(nullptr, nullptr);
  db_.store(nullptr);
}

}  // namespace foresight::server
