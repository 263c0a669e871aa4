// The JSON responses of /api/v1/targets and /api/v1/metadata, in Prometheus' shape.
#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>

#include "collection/config/duration.h"
#include "collection/relabel/strcat.h"
#include "collection/scrape/manager.h"

namespace foresight::collection {
namespace {

nlohmann::json LabelsJson(const Labels& labels) {
  nlohmann::json o = nlohmann::json::object();
  for (const Label& l : labels) o[l.name] = l.value;
  return o;
}

// RFC 3339 with milliseconds in UTC; Go's zero time for "never".
std::string Rfc3339(int64_t ms) {
  if (ms == 0) return "0001-01-01T00:00:00Z";
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

}  // namespace

std::string ScrapeManager::TargetsJson(std::string_view state, std::string_view scrape_pool) const {
  const bool any = state.empty() || state == "any";
  nlohmann::json data = nlohmann::json::object();
  nlohmann::json active = nlohmann::json::array();
  nlohmann::json dropped = nlohmann::json::array();
  if (any || state == "active") {
    std::vector<TargetSnapshot> targets = Targets();
    std::sort(targets.begin(), targets.end(), [](const TargetSnapshot& a, const TargetSnapshot& b) {
      return a.scrape_pool != b.scrape_pool ? a.scrape_pool < b.scrape_pool : a.scrape_url < b.scrape_url;
    });
    for (const TargetSnapshot& t : targets) {
      if (!scrape_pool.empty() && t.scrape_pool != scrape_pool) continue;
      active.push_back({{"discoveredLabels", LabelsJson(t.discovered_labels)},
                        {"labels", LabelsJson(t.labels)},
                        {"scrapePool", t.scrape_pool},
                        {"scrapeUrl", t.scrape_url},
                        {"globalUrl", t.scrape_url},
                        {"lastError", t.last_error},
                        {"lastScrape", Rfc3339(t.last_scrape_ms)},
                        {"lastScrapeDuration", t.last_scrape_duration_s},
                        {"health", std::string(HealthName(t.health))},
                        {"scrapeInterval", FormatDuration(t.interval_ms)},
                        {"scrapeTimeout", FormatDuration(t.timeout_ms)}});
    }
  }
  if (any || state == "dropped") {
    for (const DroppedTarget& d : DroppedTargets()) {
      if (!scrape_pool.empty() && d.scrape_pool != scrape_pool) continue;
      dropped.push_back({{"discoveredLabels", LabelsJson(d.discovered_labels)}});
    }
  }
  if (any || state == "active") data["activeTargets"] = std::move(active);
  if (any || state == "dropped") data["droppedTargets"] = std::move(dropped);
  nlohmann::json out = {{"status", "success"}, {"data", std::move(data)}};
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string ScrapeManager::MetadataJson(std::string_view metric, int limit) const {
  nlohmann::json data = nlohmann::json::object();
  int n = 0;
  for (auto& [name, mds] : Metadata(metric)) {
    if (limit >= 0 && n >= limit) break;
    nlohmann::json list = nlohmann::json::array();
    for (const FamilyMetadata& md : mds) {
      list.push_back({{"type", md.type.empty() ? "unknown" : md.type}, {"help", md.help}, {"unit", md.unit}});
    }
    data[name] = std::move(list);
    ++n;
  }
  nlohmann::json out = {{"status", "success"}, {"data", std::move(data)}};
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace foresight::collection
