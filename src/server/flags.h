// The command line of the `foresight` binary. Flag names follow Prometheus where the meaning is the same.
//
//   --config.file                    configuration file ("" = built-in defaults)
//   --storage.tsdb.path              data directory (default data/)
//   --storage.tsdb.retention.time    how long to keep samples: 15d, 12h, 1y, 1h30m; 0 = no time limit
//   (default 15d)
//   --storage.tsdb.retention.size    maximum bytes of blocks: 512MB, 10GB (base 2: 1KB = 1024 B); 0 = off
//   --storage.tsdb.wal-sync          never | interval | always (default interval)
//   --web.listen-address             host:port to serve HTTP on (default 0.0.0.0:9095, Foresight's own port
//   so
//                                    that it can run beside a Prometheus on :9090)
//   --web.read-timeout               maximum time to read one request (default 5m)
//   --log.level                      debug | info | warn | error (default info)
//   --query.lookback-delta           how far back an instant selector looks for a sample (default 5m)
//   --query.max-samples              samples one query may load (default 50000000)
//   --query.timeout                  maximum time one query may take (default 2m)
//   --query.max-concurrency          queries evaluated at once; more wait (default 20)
//   --query.eval-threads             threads evaluating a range function's series in parallel, shared by
//                                    all queries: 0 = one per hardware thread, 1 = serial (default 0)
//   --version, --help
//
// A bad value is reported naming the flag, and the process exits with code 2.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace foresight::server {

enum class WalSync { kNever, kInterval, kAlways };

struct Flags {
  std::string config_file;
  std::string storage_path = "data/";
  int64_t retention_ms = 15LL * 24 * 3600 * 1000;
  int64_t retention_bytes = 0;
  WalSync wal_sync = WalSync::kInterval;
  std::string listen_address = "0.0.0.0:9095";
  int64_t read_timeout_ms = 5LL * 60 * 1000;
  std::string log_level = "info";
  int64_t query_lookback_ms = 5LL * 60 * 1000;
  int64_t query_max_samples = 50'000'000;
  int64_t query_timeout_ms = 2LL * 60 * 1000;
  int query_max_concurrency = 20;
  int query_eval_threads = 0;
};

// What main() does with the command line: run with `flags`, or print `output` and exit with `exit_code`
// (0 for --help and --version, 2 for a bad command line).
struct ParsedFlags {
  Flags flags;
  bool exit = false;
  int exit_code = 0;
  std::string output;
};

ParsedFlags ParseFlags(const std::vector<std::string>& args);  // args[0] is the program name
ParsedFlags ParseFlags(int argc, const char* const* argv);

// Prometheus durations: one or more <integer><unit> in decreasing unit order, units y (365d), w, d, h, m, s,
// ms; or "0". Returns milliseconds. "1h30m" = 5400000.
absl::StatusOr<int64_t> ParseDuration(std::string_view s);

// Byte sizes with a unit: B, KB, MB, GB, TB, PB, EB (or KiB, MiB, ...), all base 2, case-insensitive unit; a
// decimal number is allowed ("1.5GB"); a bare number is bytes; "0" is zero.
absl::StatusOr<int64_t> ParseBytes(std::string_view s);

// The version line printed by --version.
std::string VersionString();

}  // namespace foresight::server
