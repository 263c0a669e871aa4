#include "collection/scrape/manager.h"

#include <algorithm>
#include <chrono>

#include "collection/config/file_sd.h"
#include "collection/relabel/strcat.h"
#include "collection/scrape/scheduler.h"

namespace foresight::collection {
namespace {

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string GroupsKey(const std::map<std::string, std::vector<TargetGroup>>& groups) {
  std::string out;
  for (const auto& [file, gs] : groups) {
    CatTo(&out, file, "\n");
    for (const TargetGroup& g : gs) {
      CatTo(&out, g.labels.ToString(), "\n");
      for (const std::string& t : g.targets) CatTo(&out, t, ",");
      out += "\n";
    }
  }
  return out;
}

}  // namespace

ScrapeManager::ScrapeManager(storage::Appendable* storage, ScrapeManagerOptions options)
    : storage_(storage), options_(options), scheduler_(std::make_unique<ScrapeScheduler>(options.threads)) {}

ScrapeManager::~ScrapeManager() { Stop(); }

absl::Status ScrapeManager::ApplyConfig(const Config& config) {
  std::lock_guard lock(mu_);
  std::map<std::string, Job> next;
  const int64_t now = WallMs();
  for (const ScrapeConfig& sc : config.scrape_configs) {
    Job& job = next[sc.job_name];
    job.config = std::make_shared<const ScrapeConfig>(sc);
    job.fingerprint = sc.Fingerprint();
    if (auto old = jobs_.find(sc.job_name); old != jobs_.end()) {
      job.loops = std::move(old->second.loops);
      job.file_groups = std::move(old->second.file_groups);
      old->second.loops.clear();
    }
    RefreshFileSD(job, now, true);
    SyncLocked(job);
  }
  for (auto& [name, job] : jobs_) {
    for (auto& [key, loop] : job.loops) scheduler_->Remove(loop, true);
  }
  jobs_ = std::move(next);
  return absl::OkStatus();
}

bool ScrapeManager::RefreshFileSD(Job& job, int64_t now_ms, bool force) {
  const ScrapeConfig& cfg = *job.config;
  if (cfg.file_sd_configs.empty()) {
    const bool had = !job.file_groups.empty();
    job.file_groups.clear();
    return had;
  }
  if (!force && now_ms < job.next_refresh_ms) return false;
  int64_t refresh = INT64_MAX;
  std::map<std::string, std::vector<TargetGroup>> groups;
  for (const FileSDConfig& fsd : cfg.file_sd_configs) {
    refresh = std::min(refresh, fsd.refresh_interval_ms);
    FileSDResult r = ReadFileSD(fsd);
    for (auto& [file, gs] : r.groups) groups[file] = std::move(gs);
    for (const auto& [file, err] : r.errors) {
      // A broken file keeps the groups it had.
      if (auto it = job.file_groups.find(file); it != job.file_groups.end()) groups[file] = it->second;
    }
  }
  job.next_refresh_ms = now_ms + std::max<int64_t>(refresh, 1);
  if (GroupsKey(groups) == GroupsKey(job.file_groups)) return false;
  job.file_groups = std::move(groups);
  return true;
}

void ScrapeManager::SyncLocked(Job& job) {
  const ScrapeConfig& cfg = *job.config;
  std::vector<const TargetGroup*> groups;
  for (const TargetGroup& g : cfg.static_configs) groups.push_back(&g);
  for (const auto& [file, gs] : job.file_groups) {
    for (const TargetGroup& g : gs) groups.push_back(&g);
  }
  std::map<std::string, std::shared_ptr<ScrapeLoop>> loops;
  job.dropped.clear();
  for (const TargetGroup* g : groups) {
    for (const std::string& addr : g->targets) {
      Labels discovered = DiscoveredLabels(addr, *g, cfg);
      absl::StatusOr<std::optional<Labels>> full = PopulateLabels(discovered, cfg);
      if (!full.ok() || !full->has_value()) {
        job.dropped.push_back(
            {cfg.job_name, std::move(discovered), full.ok() ? "" : std::string(SV(full.status().message()))});
        continue;
      }
      std::string key = Cat(job.fingerprint, "\xff", (*full)->ToString());
      if (loops.count(key)) continue;
      if (auto it = job.loops.find(key); it != job.loops.end()) {
        loops[key] = std::move(it->second);
        job.loops.erase(it);
        continue;
      }
      auto loop = std::make_shared<ScrapeLoop>(storage_, job.config, **std::move(full), std::move(discovered),
                                               &stats_);
      if (started_) scheduler_->Add(loop);
      loops[key] = std::move(loop);
    }
  }
  for (auto& [key, loop] : job.loops) scheduler_->Remove(loop, true);
  job.loops = std::move(loops);
}

void ScrapeManager::Start() {
  std::lock_guard lock(mu_);
  if (started_ || stopping_) return;
  started_ = true;
  for (auto& [name, job] : jobs_) {
    for (auto& [key, loop] : job.loops) scheduler_->Add(loop);
  }
  discovery_ = std::thread([this] { DiscoveryLoop(); });
}

void ScrapeManager::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (discovery_.joinable()) discovery_.join();
  scheduler_->Stop(options_.stale_on_stop);
}

void ScrapeManager::DiscoveryLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, std::chrono::milliseconds(options_.discovery_check_ms));
    if (stopping_) break;
    const int64_t now = WallMs();
    for (auto& [name, job] : jobs_) {
      if (!job.config->file_sd_configs.empty() && RefreshFileSD(job, now, false)) SyncLocked(job);
    }
  }
}

std::vector<TargetSnapshot> ScrapeManager::Targets() const {
  std::lock_guard lock(mu_);
  std::vector<TargetSnapshot> out;
  for (const auto& [name, job] : jobs_) {
    for (const auto& [key, loop] : job.loops) out.push_back(loop->Snapshot());
  }
  return out;
}

std::map<std::string, size_t> ScrapeManager::PoolSizes() const {
  std::lock_guard lock(mu_);
  std::map<std::string, size_t> out;
  for (const auto& [name, job] : jobs_) out[name] = job.loops.size();
  return out;
}

std::vector<DroppedTarget> ScrapeManager::DroppedTargets() const {
  std::lock_guard lock(mu_);
  std::vector<DroppedTarget> out;
  for (const auto& [name, job] : jobs_) out.insert(out.end(), job.dropped.begin(), job.dropped.end());
  return out;
}

std::map<std::string, std::vector<FamilyMetadata>> ScrapeManager::Metadata(std::string_view metric) const {
  std::vector<std::shared_ptr<ScrapeLoop>> loops;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, job] : jobs_) {
      for (const auto& [key, loop] : job.loops) loops.push_back(loop);
    }
  }
  std::map<std::string, std::vector<FamilyMetadata>> out;
  for (const auto& loop : loops) {
    for (auto& [family, md] : loop->Metadata()) {
      if (!metric.empty() && family != metric) continue;
      std::vector<FamilyMetadata>& v = out[family];
      if (std::find(v.begin(), v.end(), md) == v.end()) v.push_back(std::move(md));
    }
  }
  if (options_.pushed_metadata != nullptr) {
    for (auto& [family, mds] : options_.pushed_metadata->Get(metric)) {
      std::vector<FamilyMetadata>& v = out[family];
      for (FamilyMetadata& md : mds) {
        if (std::find(v.begin(), v.end(), md) == v.end()) v.push_back(std::move(md));
      }
    }
  }
  return out;
}

}  // namespace foresight::collection
