// JSON push: POST /metrics with one object of numeric fields, an array of them, or {"metrics": [...]}.
//
//   {"cpu_usage": 75.5, "memory_usage": 82.3, "labels": {"host": "web-1"}, "timestamp": 1700000000.5}
//
// Every numeric field becomes a sample of the series named as the field, with the object's labels plus
// job="push" (unless the labels set job): cpu_usage{host="web-1",job="push"}. Labels come from "labels"
// (an object of strings) and from top-level "host" and "service" strings. "timestamp" is Unix seconds (a
// number) or an RFC 3339 string; without it the time of the request is used. See docs/push.md.
//
// Answers 200 {"status":"success","data":{"samples":N}}; 400 {"status":"error","errorType":"bad_data",
// "error":"..."} naming the field for bad JSON, a non-numeric value, a bad name or timestamp (nothing is
// appended then), or for samples the storage refused (the others are committed); 503/500 for storage
// failures.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/labels.h"
#include "storage/storage.h"
#include "web/http/http.h"

namespace foresight::web {
class Router;
}

namespace foresight::collection {

struct JsonPushStats {
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> requests_invalid{0};
  std::atomic<uint64_t> samples_ingested{0};
  std::atomic<uint64_t> samples_rejected{0};
  static constexpr size_t kReasons = 8;
  std::atomic<uint64_t> rejected_by_reason[kReasons] = {};  // indexed by storage::RejectReason
};

struct JsonPushOptions {
  std::string job = "push";                   // the job label added unless the labels carry one
  std::function<int64_t()> now_ms = nullptr;  // the clock for samples without timestamp; null: system clock
};

struct PushedSample {
  Labels labels;
  int64_t t;  // ms
  double v;
};

// Parses a request body into samples (no storage involved). Errors are InvalidArgument naming the field.
absl::StatusOr<std::vector<PushedSample>> ParseJsonPush(std::string_view body,
                                                        const JsonPushOptions& options);

class JsonPushHandler {
 public:
  JsonPushHandler(storage::Appendable& storage, JsonPushStats* stats, JsonPushOptions options = {});
  web::Response Handle(const web::Request& request) const;

 private:
  storage::Appendable& storage_;
  JsonPushStats* stats_;
  JsonPushOptions options_;
};

// Registers POST /metrics.
absl::Status RegisterJsonPushRoute(web::Router& router, storage::Appendable& storage, JsonPushStats* stats,
                                   JsonPushOptions options = {});

}  // namespace foresight::collection
