// Runs the scrapes of many targets on a few threads with libcurl's multi interface (not a thread per
// target). Each target is scraped every interval at an offset within the interval derived from a hash of
// its labels, so that targets do not all fire at once. A scrape still running when its next turn comes
// skips that turn. Parsing and appending happen on the same thread, after the transfer completes.
//
// Requests: Accept negotiating OpenMetrics 1.0.0 and text 0.0.4, Accept-Encoding gzip,
// X-Prometheus-Scrape-Timeout-Seconds, basic auth or an Authorization header (credential files are read
// at each scrape), TLS (ca_file, cert_file, key_file, insecure_skip_verify, and server_name for SNI and the
// certificate check), and the target's timeout for the whole transfer.
#pragma once

#include <memory>

#include "collection/scrape/scrape_loop.h"

namespace foresight::collection {

class ScrapeScheduler {
 public:
  // `threads` worker threads, each with its own curl multi handle; targets are spread over them by hash.
  explicit ScrapeScheduler(int threads);
  ~ScrapeScheduler();  // Stop()
  ScrapeScheduler(const ScrapeScheduler&) = delete;
  ScrapeScheduler& operator=(const ScrapeScheduler&) = delete;

  // Starts scraping `loop`. Thread-safe.
  void Add(std::shared_ptr<ScrapeLoop> loop);
  // Stops scraping `loop` (cancelling a transfer in flight); with `stale`, writes stale markers for all its
  // series. Thread-safe; returns before the worker has done it.
  void Remove(std::shared_ptr<ScrapeLoop> loop, bool stale);
  // Stops every worker; with `stale`, marks all series of every target stale first.
  void Stop(bool stale = false);

  class Worker;

 private:
  std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace foresight::collection
