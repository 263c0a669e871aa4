// Collectors for /metrics: the storage engine's DBStats and the process itself (build info, start time, CPU,
// memory, file descriptors, threads), as metric families under Prometheus-like names.
#pragma once

#include <vector>

#include "common/metrics/metrics.h"
#include "storage/db.h"

namespace foresight::server {

// foresight_tsdb_*: head series/chunks, appended and rejected samples (by reason), commits, WAL size, fsyncs
// and corruptions, compactions, blocks, retention deletions, head time range.
void AppendStorageMetrics(const storage::DBStats& stats, std::vector<metrics::FamilySnapshot>* out);

// foresight_build_info{version}, process_start_time_seconds, process_cpu_seconds_total,
// process_resident_memory_bytes, process_virtual_memory_bytes, process_open_fds, process_threads
// (read from /proc; what cannot be read is left out).
void AppendProcessMetrics(double start_time_seconds, std::vector<metrics::FamilySnapshot>* out);

}  // namespace foresight::server
