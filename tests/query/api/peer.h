// Test and benchmark helpers for running real peers (Prometheus, VictoriaMetrics) on loopback: a child
// process, HTTP GET/POST through libcurl, and a remote-write 1.0 client (hand-written protobuf + snappy).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/labels.h"
#include "storage/storage.h"

namespace foresight::testing {

struct RwSeries {
  Labels labels;
  std::vector<storage::Sample> samples;
};

// The prometheus.WriteRequest protobuf of the series (labels must be sorted, as Labels are).
std::string EncodeWriteRequest(const std::vector<RwSeries>& series);
// POSTs the snappy-compressed WriteRequest to `url`; an error unless the answer is 2xx.
absl::Status RemoteWrite(const std::string& url, const std::vector<RwSeries>& series);

struct HttpResult {
  long code = 0;
  std::string body;
};
absl::StatusOr<HttpResult> HttpGet(const std::string& url);
// A form POST (application/x-www-form-urlencoded) or any body with the given content type.
absl::StatusOr<HttpResult> HttpPost(const std::string& url, const std::string& body,
                                    const std::string& content_type);
std::string UrlEncode(const std::string& s);

// A free TCP port on 127.0.0.1 (bound to port 0 and released).
int FreePort();

// A child process killed (SIGTERM, then SIGKILL) when stopped or destroyed.
class Process {
 public:
  Process() = default;
  ~Process() { Stop(); }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  // Starts argv[0] (searched in PATH) with stdout and stderr to `log_path`.
  absl::Status Start(const std::vector<std::string>& argv, const std::string& log_path);
  void Stop();
  bool running() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
};

// Polls `url` until it answers 200 or `timeout_ms` passes.
bool WaitReady(const std::string& url, int timeout_ms);

}  // namespace foresight::testing
