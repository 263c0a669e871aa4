// The remote-write 1.0 receiver: POST /api/v1/write with a snappy-compressed WriteRequest.
//
// Answers (as Prometheus 2.42's receiver, see docs/format/remote-write.md):
//   204  every sample was appended and committed.
//   400  invalid data, which a retry cannot fix: bad snappy, bad protobuf, non-UTF-8 labels (nothing is
//        appended), or series/samples the storage refused (unsorted, duplicate or empty label names; out of
//        order, duplicate, too old): those are dropped, the rest of the request IS committed, and the body
//        names the reasons with counts and the first message.
//   5xx  conditions a retry can fix: storage closed or failing (503), commit failure (500).
// One Appender per request. Metric metadata (type, help, unit per family) goes to the MetadataStore of the
// options, where /api/v1/metadata finds it; it is stored as soon as the request decodes, whatever happens
// to the samples. Exemplars and native histograms are counted and ignored.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "collection/metadata/metadata_store.h"
#include "storage/storage.h"
#include "web/http/http.h"

namespace foresight::metrics {
class Registry;
struct FamilySnapshot;
}  // namespace foresight::metrics
namespace foresight::web {
class Router;
}

namespace foresight::collection {

// Counters of one receiver, safe to read while requests run (relaxed atomics).
struct RemoteWriteStats {
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> requests_invalid{0};  // answered 400 because the body did not decode
  std::atomic<uint64_t> requests_failed{0};   // answered 5xx
  std::atomic<uint64_t> samples_ingested{0};  // appended and committed
  std::atomic<uint64_t> rejected_out_of_order{0};
  std::atomic<uint64_t> rejected_duplicate{0};
  std::atomic<uint64_t> rejected_too_old{0};
  std::atomic<uint64_t> rejected_invalid_labels{0};
  std::atomic<uint64_t> exemplars_ignored{0};
  std::atomic<uint64_t> histograms_ignored{0};
  std::atomic<uint64_t> metadata_stored{0};
  std::atomic<uint64_t> metadata_ignored{0};  // no store, no family name, or the store is full
};

struct RemoteWriteOptions {
  size_t max_decoded_bytes = 256u << 20;  // a larger uncompressed WriteRequest is refused with 400
  MetadataStore* metadata = nullptr;      // where received metadata goes (must outlive the receiver); null:
                                          // counted as ignored
};

class RemoteWriteReceiver {
 public:
  // `storage` and `stats` must outlive the receiver; stats may be null.
  RemoteWriteReceiver(storage::Appendable& storage, RemoteWriteStats* stats, RemoteWriteOptions options = {});

  // Handles one request (thread-safe).
  web::Response Handle(const web::Request& request) const;

 private:
  storage::Appendable& storage_;
  RemoteWriteStats* stats_;
  RemoteWriteOptions options_;
};

// Registers POST /api/v1/write on the router. The receiver is owned by the route's handler.
absl::Status RegisterRemoteWriteRoute(web::Router& router, storage::Appendable& storage,
                                      RemoteWriteStats* stats, RemoteWriteOptions options = {});

// The stats as foresight_remote_write_* counter families.
void AppendRemoteWriteMetrics(const RemoteWriteStats& stats, std::vector<metrics::FamilySnapshot>* out);

// Exports the stats as foresight_remote_write_* counters at every gather. Returns the collector id
// (Registry::RemoveCollector) — remove it before the stats are destroyed.
uint64_t ExportRemoteWriteStats(metrics::Registry& registry, const RemoteWriteStats* stats);

}  // namespace foresight::collection
