// Metric metadata: the type, help and unit of a metric family, as /api/v1/metadata lists it.
//
// Scraped metadata lives with each scrape target (a target that goes away takes its metadata with it, as in
// Prometheus). Metadata that is pushed (the `metadata` of remote-write requests: Prometheus sends the
// metadata of everything it scrapes every metadata_config.send_interval) has no target, so it is kept here,
// and ScrapeManager::Metadata merges both.
//
//   MetadataStore store;
//   store.Put("http_requests_total", {"counter", "Requests served.", ""});
//   store.Get("http_requests_total");   // {"http_requests_total": [{"counter", "Requests served.", ""}]}
//
// Bounded: at most max_families families (new ones beyond are refused) and max_variants distinct metadata
// per family (a new variant replaces the one not seen for longest). Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace foresight::collection {

struct FamilyMetadata {
  std::string type;  // "counter", "gauge", "histogram", "gaugehistogram", "summary", "info", "stateset",
                     // "unknown"
  std::string help;
  std::string unit;
  friend bool operator==(const FamilyMetadata&, const FamilyMetadata&) = default;
};

struct MetadataStoreOptions {
  size_t max_families = 200'000;
  size_t max_variants = 4;  // distinct (type, help, unit) kept per family
};

class MetadataStore {
 public:
  explicit MetadataStore(MetadataStoreOptions options = {}) : options_(options) {}

  // Records `md` for `family`. False when refused: an empty family name, or a new family in a full store.
  bool Put(std::string_view family, FamilyMetadata md);

  // The distinct metadata of every family (of `metric` only, unless empty), by family name; each family's
  // variants most recently seen first.
  std::map<std::string, std::vector<FamilyMetadata>> Get(std::string_view metric = {}) const;

  size_t families() const;

 private:
  struct Variant {
    FamilyMetadata metadata;
    uint64_t last_seen = 0;  // a sequence number of Put calls
  };

  MetadataStoreOptions options_;
  mutable std::mutex mu_;
  absl::flat_hash_map<std::string, std::vector<Variant>> by_family_;
  uint64_t seq_ = 0;
};

}  // namespace foresight::collection
