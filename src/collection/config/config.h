// The configuration file: a compatible subset of prometheus.yml plus Foresight's own sections.
// docs/config.md is the reference for every key.
//
// Errors read "FILE:LINE: key 'x': reason" (unknown keys, wrong types, bad durations, invalid regexes, keys
// of Prometheus that Foresight does not implement).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "collection/relabel/relabel.h"
#include "common/labels.h"
#include "yaml-cpp/yaml.h"

namespace foresight::collection {

struct GlobalConfig {
  int64_t scrape_interval_ms = 60'000;
  int64_t scrape_timeout_ms = 10'000;
  int64_t evaluation_interval_ms = 60'000;
  Labels external_labels;
};

struct BasicAuth {
  std::string username;
  std::string password;
  std::string password_file;  // resolved against the config file's folder
};

struct Authorization {
  std::string type = "Bearer";
  std::string credentials;
  std::string credentials_file;  // resolved against the config file's folder
};

struct TLSConfig {
  std::string ca_file, cert_file, key_file, server_name;
  bool insecure_skip_verify = false;
};

// One group of targets sharing labels (a static_configs entry or one group of a file_sd file).
struct TargetGroup {
  std::vector<std::string> targets;  // host:port
  Labels labels;
  std::string source;  // "static/0", or the file path for file SD
};

struct FileSDConfig {
  std::vector<std::string> files;  // globs, resolved against the config file's folder
  int64_t refresh_interval_ms = 300'000;
};

struct ScrapeConfig {
  std::string job_name;
  int64_t scrape_interval_ms = 0;  // 0 in the file means "global"; after loading always set
  int64_t scrape_timeout_ms = 0;
  std::string metrics_path = "/metrics";
  std::string scheme = "http";
  std::map<std::string, std::vector<std::string>> params;
  bool honor_labels = false;
  bool honor_timestamps = true;
  std::optional<BasicAuth> basic_auth;
  std::optional<Authorization> authorization;  // bearer_token(_file) become type Bearer
  TLSConfig tls_config;
  std::vector<TargetGroup> static_configs;
  std::vector<FileSDConfig> file_sd_configs;
  std::vector<RelabelConfig> relabel_configs;
  std::vector<RelabelConfig> metric_relabel_configs;
  uint64_t sample_limit = 0;  // 0: no limit
  uint64_t label_limit = 0;

  // A text that differs when any setting differs (not the targets): a reload keeps a job's running targets
  // only when this is unchanged.
  std::string Fingerprint() const;
};

// One entry of foresight.events, the calendar of known events that forecasts use as regressors
// (analytics/forecast/events.h). Entries sharing a name form one regressor.
struct KnownEvent {
  std::string name;  // [a-zA-Z_][a-zA-Z0-9_]*, not "none"
  int64_t start_ms = 0;
  int64_t end_ms = 0;               // > start_ms; with a recurrence, at most one recurrence period later
  std::string recurrence = "none";  // none, daily, weekly, monthly, yearly (UTC)
};

struct Config {
  std::string filename;  // "" for the built-in default
  GlobalConfig global;
  std::vector<ScrapeConfig> scrape_configs;
  // Sections kept as YAML for other parts: rule_files, alerting, remote_write, remote_read, storage,
  // tracing, and Foresight's own (foresight). Absent sections are absent from the map.
  std::map<std::string, YAML::Node> sections;

  // foresight.collection.host_collector (default true): serve /host/metrics and scrape it as job "node".
  bool host_collector = true;
  // foresight.events (default none).
  std::vector<KnownEvent> events;

  const ScrapeConfig* Job(std::string_view name) const;
};

// Parses a YAML document; `filename` is used in messages and to resolve relative file paths.
absl::StatusOr<Config> ParseConfig(std::string_view yaml, std::string_view filename);
// Reads and parses a file.
absl::StatusOr<Config> LoadConfigFile(const std::string& path);

// The built-in configuration used when no file is given: Foresight scrapes itself (job "foresight",
// localhost:<port>/metrics) and its host collector (job "node", localhost:<port>/host/metrics), every 15s.
std::string DefaultConfigYaml(int port);
Config DefaultConfig(int port);

}  // namespace foresight::collection
