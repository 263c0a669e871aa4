#include "server/flags.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <sstream>

#include "web/http/server.h"

#ifndef FORESIGHT_VERSION
#define FORESIGHT_VERSION "unknown"
#endif

namespace foresight::server {

namespace {

absl::Status Invalid(std::string_view what, std::string_view value) {
  return absl::InvalidArgumentError(std::string(what) + " \"" + std::string(value) + "\"");
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

absl::StatusOr<int64_t> ParseDuration(std::string_view s) {
  if (s == "0") return 0;
  if (s.empty()) return Invalid("empty duration", s);
  struct Unit {
    std::string_view name;
    int64_t ms;
  };
  // In the order they must appear; "ms" before "m" so that it matches first.
  static constexpr Unit kUnits[] = {{"y", 365LL * 24 * 3600 * 1000},
                                    {"w", 7LL * 24 * 3600 * 1000},
                                    {"d", 24LL * 3600 * 1000},
                                    {"h", 3600LL * 1000},
                                    {"m", 60LL * 1000},
                                    {"s", 1000},
                                    {"ms", 1}};
  int64_t total = 0;
  int last_unit = -1;
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    int64_t n = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      if (n > (std::numeric_limits<int64_t>::max() - 9) / 10) return Invalid("duration out of range", s);
      n = n * 10 + (s[i] - '0');
      ++i;
    }
    if (i == start) return Invalid("not a valid duration string:", s);
    size_t unit_start = i;
    while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i]))) ++i;
    std::string_view unit = s.substr(unit_start, i - unit_start);
    int index = -1;
    for (int u = 0; u < static_cast<int>(std::size(kUnits)); ++u) {
      if (kUnits[u].name == unit) index = u;
    }
    if (index < 0) return Invalid("unknown unit in duration", s);
    // Each unit at most once and in decreasing order ("1m1h" is an error), with "ms" after "s".
    int order = index;
    if (order <= last_unit) return Invalid("units out of order in duration", s);
    last_unit = order;
    if (n > std::numeric_limits<int64_t>::max() / kUnits[index].ms)
      return Invalid("duration out of range", s);
    int64_t add = n * kUnits[index].ms;
    if (total > std::numeric_limits<int64_t>::max() - add) return Invalid("duration out of range", s);
    total += add;
  }
  return total;
}

absl::StatusOr<int64_t> ParseBytes(std::string_view s) {
  if (s.empty()) return Invalid("empty size", s);
  size_t i = 0;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
  std::string number(s.substr(0, i));
  if (number.empty() || number.front() == '.' || number.back() == '.' ||
      number.find('.') != number.rfind('.')) {
    return Invalid("not a valid size:", s);
  }
  std::string unit = Lower(s.substr(i));
  int shift = -1;
  static constexpr std::string_view kUnits[] = {"b", "kb", "mb", "gb", "tb", "pb", "eb"};
  for (int u = 0; u < static_cast<int>(std::size(kUnits)); ++u) {
    std::string with_i = std::string(kUnits[u].substr(0, 1)) + "ib";  // kib, mib, ...
    if (unit == kUnits[u] || (u > 0 && unit == with_i)) shift = 10 * u;
  }
  if (unit.empty()) shift = 0;
  if (shift < 0) return Invalid("unknown unit in size (want B, KB, MB, GB, TB, PB or EB)", s);
  long double value = std::stold(number) * std::ldexp(1.0L, shift);
  if (value >= static_cast<long double>(std::numeric_limits<int64_t>::max()))
    return Invalid("size out of range", s);
  return static_cast<int64_t>(value);
}

std::string VersionString() { return std::string("foresight, version ") + FORESIGHT_VERSION + "\n"; }

ParsedFlags ParseFlags(int argc, const char* const* argv) {
  std::vector<std::string> args;
  for (int i = 0; i < argc; ++i) args.emplace_back(argv[i]);
  return ParseFlags(args);
}

ParsedFlags ParseFlags(const std::vector<std::string>& args) {
  ParsedFlags out;
  Flags& f = out.flags;
  std::string retention_time = "15d", retention_size = "0", wal_sync = "interval", read_timeout = "5m";
  std::string lookback = "5m", query_timeout = "2m";
  bool version = false;

  CLI::App app("Foresight: monitoring with forecasts, speaking Prometheus' interfaces.", "foresight");
  app.add_option("--config.file", f.config_file,
                 "Configuration file path (default: built-in configuration).");
  app.add_option("--storage.tsdb.path", f.storage_path, "Base path for metrics storage.")
      ->capture_default_str();
  app.add_option("--storage.tsdb.retention.time", retention_time,
                 "How long to retain samples in storage: 15d, 12h, 1y, 1h30m; 0 disables.")
      ->capture_default_str();
  app.add_option("--storage.tsdb.retention.size", retention_size,
                 "Maximum number of bytes of storage blocks: 512MB, 10GB (base 2); 0 disables.")
      ->capture_default_str();
  app.add_option("--storage.tsdb.wal-sync", wal_sync,
                 "When to fsync the write-ahead log: never, interval, always.")
      ->capture_default_str();
  app.add_option("--web.listen-address", f.listen_address,
                 "Address to listen on for the UI, API and telemetry.")
      ->capture_default_str();
  app.add_option("--web.read-timeout", read_timeout,
                 "Maximum duration before timing out read of the request.")
      ->capture_default_str();
  app.add_option("--log.level", f.log_level,
                 "Only log messages with the given severity or above: debug, info, "
                 "warn, error.")
      ->capture_default_str();
  app.add_option("--query.lookback-delta", lookback,
                 "The maximum lookback duration for retrieving metrics during expression evaluations.")
      ->capture_default_str();
  app.add_option("--query.max-samples", f.query_max_samples,
                 "Maximum number of samples a single query can load into memory.")
      ->capture_default_str();
  app.add_option("--query.timeout", query_timeout, "Maximum time a query may take before being aborted.")
      ->capture_default_str();
  app.add_option("--query.max-concurrency", f.query_max_concurrency,
                 "Maximum number of queries executed concurrently.")
      ->capture_default_str();
  app.add_option("--query.eval-threads", f.query_eval_threads,
                 "Threads evaluating the series of a range function in parallel, shared by all queries: "
                 "0 = one per hardware thread, 1 = serial.")
      ->capture_default_str();
  app.add_flag("--version", version, "Show the version and exit.");

  std::vector<std::string> rest(args.size() > 1 ? args.begin() + 1 : args.end(), args.end());
  std::reverse(rest.begin(), rest.end());  // CLI11 takes the arguments in reverse order
  try {
    app.parse(rest);
  } catch (const CLI::CallForHelp&) {
    out.exit = true;
    out.output = app.help();
    return out;
  } catch (const CLI::ParseError& e) {
    out.exit = true;
    out.exit_code = 2;
    out.output = std::string("foresight: error: ") + e.what() + "\nRun with --help for usage.\n";
    return out;
  }
  if (version) {
    out.exit = true;
    out.output = VersionString();
    return out;
  }
  auto fail = [&](std::string_view flag, std::string_view value, const std::string& why) {
    out.exit = true;
    out.exit_code = 2;
    out.output = "foresight: error: invalid value \"" + std::string(value) + "\" for --" + std::string(flag) +
                 ": " + why + "\n";
    return out;
  };
  auto retention = ParseDuration(retention_time);
  if (!retention.ok())
    return fail("storage.tsdb.retention.time", retention_time, std::string(retention.status().message()));
  f.retention_ms = *retention;
  auto size = ParseBytes(retention_size);
  if (!size.ok())
    return fail("storage.tsdb.retention.size", retention_size, std::string(size.status().message()));
  f.retention_bytes = *size;
  auto timeout = ParseDuration(read_timeout);
  if (!timeout.ok()) return fail("web.read-timeout", read_timeout, std::string(timeout.status().message()));
  if (*timeout <= 0) return fail("web.read-timeout", read_timeout, "must be positive");
  f.read_timeout_ms = *timeout;
  auto lookback_ms = ParseDuration(lookback);
  if (!lookback_ms.ok())
    return fail("query.lookback-delta", lookback, std::string(lookback_ms.status().message()));
  if (*lookback_ms <= 0) return fail("query.lookback-delta", lookback, "must be positive");
  f.query_lookback_ms = *lookback_ms;
  auto query_timeout_ms = ParseDuration(query_timeout);
  if (!query_timeout_ms.ok())
    return fail("query.timeout", query_timeout, std::string(query_timeout_ms.status().message()));
  if (*query_timeout_ms <= 0) return fail("query.timeout", query_timeout, "must be positive");
  f.query_timeout_ms = *query_timeout_ms;
  if (f.query_max_samples <= 0)
    return fail("query.max-samples", std::to_string(f.query_max_samples), "must be positive");
  if (f.query_max_concurrency <= 0)
    return fail("query.max-concurrency", std::to_string(f.query_max_concurrency), "must be positive");
  if (f.query_eval_threads < 0 || f.query_eval_threads > 256)
    return fail("query.eval-threads", std::to_string(f.query_eval_threads), "want 0 to 256");
  std::string sync = Lower(wal_sync);
  if (sync == "never") {
    f.wal_sync = WalSync::kNever;
  } else if (sync == "interval") {
    f.wal_sync = WalSync::kInterval;
  } else if (sync == "always") {
    f.wal_sync = WalSync::kAlways;
  } else {
    return fail("storage.tsdb.wal-sync", wal_sync, "want never, interval or always");
  }
  f.log_level = Lower(f.log_level);
  if (f.log_level != "debug" && f.log_level != "info" && f.log_level != "warn" && f.log_level != "error") {
    return fail("log.level", f.log_level, "want debug, info, warn or error");
  }
  std::string host;
  uint16_t port = 0;
  if (auto s = web::ParseListenAddress(f.listen_address, &host, &port); !s.ok()) {
    return fail("web.listen-address", f.listen_address, std::string(s.message()));
  }
  if (f.storage_path.empty()) return fail("storage.tsdb.path", f.storage_path, "must not be empty");
  return out;
}

}  // namespace foresight::server
