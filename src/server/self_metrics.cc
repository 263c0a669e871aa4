#include "server/self_metrics.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#ifndef FORESIGHT_VERSION
#define FORESIGHT_VERSION "unknown"
#endif

namespace foresight::server {

using metrics::FamilySnapshot;
using metrics::MetricType;

namespace {

void Add(std::vector<FamilySnapshot>* out, const char* name, const char* help, MetricType type, double v) {
  out->push_back(FamilySnapshot::Single(name, help, type, v));
}

double Num(const std::string& s) { return std::strtod(s.c_str(), nullptr); }

}  // namespace

void AppendStorageMetrics(const storage::DBStats& s, std::vector<FamilySnapshot>* out) {
  constexpr auto kC = MetricType::kCounter;
  constexpr auto kG = MetricType::kGauge;
  auto d = [](uint64_t v) { return static_cast<double>(v); };
  Add(out, "foresight_tsdb_head_series", "Series in the head block.", kG, d(s.head_series));
  Add(out, "foresight_tsdb_head_chunks", "Chunks in the head block.", kG, d(s.head_chunks));
  Add(out, "foresight_tsdb_head_samples_appended_total", "Samples appended to the head.", kC,
      d(s.head_samples_appended));
  FamilySnapshot rejected{
      "foresight_tsdb_samples_rejected_total", "Samples rejected on append, by reason.", kC, {}};
  for (auto [reason, value] : {std::pair{"out_of_order", s.samples_rejected_out_of_order},
                               std::pair{"duplicate", s.samples_rejected_duplicate},
                               std::pair{"too_old", s.samples_rejected_too_old},
                               std::pair{"invalid_labels", s.samples_rejected_invalid_labels}}) {
    auto& sample = rejected.samples.emplace_back();
    sample.labels.emplace_back("reason", reason);
    sample.value = d(value);
  }
  out->push_back(std::move(rejected));
  Add(out, "foresight_tsdb_commits_total", "Appender commits.", kC, d(s.commits));
  Add(out, "foresight_tsdb_wal_size_bytes", "Size of the write-ahead log.", kG, d(s.wal_bytes));
  Add(out, "foresight_tsdb_wal_segments", "Segments of the write-ahead log.", kG, d(s.wal_segments));
  Add(out, "foresight_tsdb_wal_fsyncs_total", "fsync calls on the write-ahead log.", kC, d(s.wal_fsyncs));
  Add(out, "foresight_tsdb_wal_corruptions_total", "Corrupt write-ahead log tails truncated.", kC,
      d(s.wal_corruptions));
  Add(out, "foresight_tsdb_compactions_total", "Compactions run.", kC, d(s.compactions));
  Add(out, "foresight_tsdb_compactions_failed_total", "Compactions that failed.", kC,
      d(s.compactions_failed));
  Add(out, "foresight_tsdb_blocks_loaded", "Persistent blocks loaded.", kG, d(s.blocks));
  Add(out, "foresight_tsdb_storage_blocks_bytes", "Bytes used by persistent blocks.", kG, d(s.block_bytes));
  Add(out, "foresight_tsdb_retention_deleted_blocks_total", "Blocks deleted by retention.", kC,
      d(s.retention_deleted_blocks));
  Add(out, "foresight_tsdb_head_cuts_held_total",
      "Maintenance passes that delayed a head cut for a writer still committing below it.", kC,
      d(s.head_cuts_held));
  Add(out, "foresight_tsdb_head_min_time", "Lowest timestamp in the head (ms).", kG,
      static_cast<double>(s.head_min_time));
  Add(out, "foresight_tsdb_head_max_time", "Highest timestamp in the head (ms).", kG,
      static_cast<double>(s.head_max_time));
}

void AppendProcessMetrics(double start_time_seconds, std::vector<FamilySnapshot>* out) {
  FamilySnapshot build{
      "foresight_build_info", "A metric with a constant 1 labelled by the version.", MetricType::kGauge, {}};
  auto& b = build.samples.emplace_back();
  b.labels.emplace_back("version", FORESIGHT_VERSION);
  b.value = 1;
  out->push_back(std::move(build));
  Add(out, "process_start_time_seconds", "Start time of the process since the Unix epoch in seconds.",
      MetricType::kGauge, start_time_seconds);

  // /proc/self/stat: fields after the parenthesised command name; utime, stime are fields 14 and 15
  // (1-based), num_threads 20, vsize 23, rss (pages) 24.
  std::ifstream stat_file("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
  size_t close = stat.rfind(')');
  if (close != std::string::npos) {
    std::istringstream in(stat.substr(close + 2));
    std::vector<std::string> f;
    for (std::string tok; in >> tok;) f.push_back(tok);
    // f[0] is field 3 (state).
    if (f.size() > 21) {
      double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
      double cpu = (Num(f[11]) + Num(f[12])) / ticks;
      Add(out, "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
          MetricType::kCounter, cpu);
      Add(out, "process_threads", "Number of OS threads in the process.", MetricType::kGauge, Num(f[17]));
      Add(out, "process_virtual_memory_bytes", "Virtual memory size in bytes.", MetricType::kGauge,
          Num(f[20]));
      Add(out, "process_resident_memory_bytes", "Resident memory size in bytes.", MetricType::kGauge,
          Num(f[21]) * static_cast<double>(sysconf(_SC_PAGESIZE)));
    }
  }
  std::error_code ec;
  size_t fds = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++fds;
  }
  if (!ec)
    Add(out, "process_open_fds", "Number of open file descriptors.", MetricType::kGauge,
        static_cast<double>(fds));
}

}  // namespace foresight::server
