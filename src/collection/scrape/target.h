// From discovered targets to scrape targets, as Prometheus does it: the discovered labels of a target
// (its group's labels, __address__, job, __scheme__, __metrics_path__, __scrape_interval__,
// __scrape_timeout__, __param_<name>), then relabel_configs, then the checks and defaults (instance defaults
// to __address__). Labels starting with "__" are not attached to scraped series.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "collection/config/config.h"
#include "common/labels.h"

namespace foresight::collection {

// The discovered labels of one target of a group, before relabelling.
Labels DiscoveredLabels(const std::string& address, const TargetGroup& group, const ScrapeConfig& cfg);

// Applies relabel_configs and Prometheus' checks. nullopt: dropped by relabelling. An error: the target is
// invalid (e.g. no __address__ after relabelling, a bad interval) and is dropped with that reason.
absl::StatusOr<std::optional<Labels>> PopulateLabels(const Labels& discovered, const ScrapeConfig& cfg);

// The labels of the target that go on its series: every label not starting with "__".
Labels PublicLabels(const Labels& full);

// scheme://address/metrics_path?params, from the target's full labels (__param_* override params).
std::string ScrapeUrl(const Labels& full, const ScrapeConfig& cfg);

enum class TargetHealth { kUnknown, kUp, kDown };
std::string_view HealthName(TargetHealth h);  // "unknown", "up", "down"

// A point-in-time view of one target (see ScrapeManager::Targets).
struct TargetSnapshot {
  std::string scrape_pool;  // the job
  std::string scrape_url;
  Labels discovered_labels;
  Labels labels;  // public labels
  TargetHealth health = TargetHealth::kUnknown;
  int64_t last_scrape_ms = 0;  // wall clock, 0: never
  double last_scrape_duration_s = 0;
  std::string last_error;
  uint64_t last_samples = 0;  // post metric relabelling
  int64_t interval_ms = 0;
  int64_t timeout_ms = 0;
};

struct DroppedTarget {
  std::string scrape_pool;
  Labels discovered_labels;
  std::string reason;  // "" when dropped by relabelling
};

}  // namespace foresight::collection
