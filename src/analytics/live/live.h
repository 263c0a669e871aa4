// Continuous anomaly detection: every watch's query is evaluated at each of its intervals, every series it
// returns feeds a StreamingDetector of its own, and the verdicts are written back to storage as series:
//
//   anomaly_score{<source labels>, watch="<name>"}      in [0, 1); 0 while the detector learns
//   anomaly_expected{...}, anomaly_lower{...}, anomaly_upper{...}   the expected value and band (after
//   learning)
//
// The detectors' states are saved to a file after every run (atomically: write, fsync, rename) and restored
// at start, so a restart neither re-learns nor misses points: the first run after it catches up from where
// the saved state ended (at most `catchup` back). See docs/analytics/api.md.
//
//   LiveDetector live({.queryable = db, .appendable = db, .engine = &engine},
//                     {.watches = *ParseWatches(config["foresight"]["anomaly_detection"]),
//                      .state_path = data_dir + "/analytics/anomaly_state.bin"});
//   live.Start();   // restores the state, starts the thread
//   ...
//   live.Stop();    // stops the thread, saves the state
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/labels.h"
#include "query/engine/engine.h"
#include "storage/storage.h"

namespace YAML {
class Node;
}

namespace foresight::analytics {

struct Watch {
  std::string name;             // required, unique; the `watch` label of the output series
  std::string query;            // required: a PromQL expression returning an instant vector
  double sensitivity = 0.5;     // [0, 1]
  int64_t interval_ms = 60000;  // how often the query is evaluated (one point per series per interval)
  int64_t warmup = 400;         // points learnt before scoring (>= 16)
  int64_t catchup_ms = 0;       // how far back the first run looks; 0: warmup intervals
};

// Parses the `anomaly_detection` node of the `foresight` config section:
//   watches:
//     - name: api_latency
//       query: histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))
//       sensitivity: 0.5      # optional
//       interval: 1m          # optional, a Prometheus duration
//       warmup: 400           # optional
//       catchup: 12h          # optional
// An undefined or null node gives no watches. Errors name the watch and the field.
absl::StatusOr<std::vector<Watch>> ParseWatches(const YAML::Node& anomaly_detection);

struct LiveDeps {
  storage::Queryable* queryable = nullptr;    // required
  storage::Appendable* appendable = nullptr;  // required
  query::Engine* engine = nullptr;            // required
};

struct LiveOptions {
  std::vector<Watch> watches;
  std::string state_path;           // "": the state is not saved
  std::function<int64_t()> now_ms;  // null: the system clock
  size_t max_series_per_watch = 10000;
};

class LiveDetector {
 public:
  LiveDetector(LiveDeps deps, LiveOptions options);
  ~LiveDetector();  // Stop()
  LiveDetector(const LiveDetector&) = delete;
  LiveDetector& operator=(const LiveDetector&) = delete;

  // Loads the saved state. A missing file is a fresh start (OK); a corrupt one or one that cannot be read is
  // an error, after which the detector starts fresh. State of a watch whose query, sensitivity, interval or
  // warm-up changed is dropped.
  absl::Status Restore();
  // Restores (unless done; a restore error is logged, not fatal) and starts the background thread.
  // Errors: bad dependencies or watches.
  absl::Status Start();
  // Stops the thread and saves the state. Safe to call more than once.
  void Stop();

  // Evaluates every watch due at now_ms (each at the times on its interval grid since its last run, at most
  // catchup back), writes the results and saves the state. Returns the first error; other watches still run.
  absl::Status RunOnce(int64_t now_ms);
  absl::Status SaveState();

  struct SeriesStatus {
    std::string watch;
    Labels labels;       // of the source series
    int64_t points = 0;  // learnt by its detector
    int64_t last_t = 0;  // ms, the last point fed
    double last_score = 0;
  };
  std::vector<SeriesStatus> Status() const;

  struct WatchState;  // defined in live.cc

 private:
  absl::Status RunWatch(WatchState& w, int64_t now_ms, storage::Appender& app);
  void Loop();

  LiveDeps deps_;
  LiveOptions options_;
  mutable std::mutex mu_;  // guards watches_ and the restored flag
  std::vector<std::unique_ptr<WatchState>> watches_;
  bool restored_ = false;
  std::mutex thread_mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace foresight::analytics
