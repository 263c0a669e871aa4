// The storage engine: a write-ahead log, an in-memory head of compressed chunks, immutable on-disk blocks,
// compaction and retention, behind the Appendable and Queryable interfaces of storage/storage.h.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "storage/storage.h"

namespace foresight::storage {

namespace fs {
class FileSystem;
}

enum class WalSyncPolicy {
  kNever,     // write(2) at commit, no fsync: survives a killed process, not a power loss
  kInterval,  // write(2) at commit, fsync every sync_interval_ms (default): at most that much lost on power
              // loss
  kAlways,    // fsync before every commit returns
};

struct DBOptions {
  std::string dir;                                 // --storage.tsdb.path
  int64_t retention_ms = 15LL * 24 * 3600 * 1000;  // --storage.tsdb.retention.time (0: no time limit)
  int64_t retention_bytes = 0;                     // --storage.tsdb.retention.size (0: no size limit)
  int64_t block_duration_ms = 2LL * 3600 * 1000;   // the head is cut into blocks of this span
  int64_t max_block_duration_ms = 0;               // compaction limit; 0: 10% of retention, at most 31 days
  WalSyncPolicy wal_sync = WalSyncPolicy::kInterval;
  int64_t wal_sync_interval_ms = 1000;
  int64_t wal_segment_bytes = 128LL << 20;
  bool background_maintenance = true;  // a thread that cuts blocks, compacts and applies retention
  // A head cut waits while some commit of the last lagging_writer_window_ms of wall time had its newest
  // sample below the cut: a backfilling or lagging remote-write connection is still writing there and would
  // have its samples refused as too old. It waits until the head spans max_head_span_blocks block durations
  // at most. Keep the window short: a fast writer's own earlier commits also hold the cut until they age out.
  // 0: never wait.
  int64_t lagging_writer_window_ms = 10'000;
  int64_t max_head_span_blocks = 3;
  std::function<int64_t()> wall_clock_ms;  // null: the steady clock (tests inject their own)
  fs::FileSystem* fs = nullptr;            // the log's file system (tests inject faults); null: the real one
};

// Counters and gauges of the engine, read by the self-monitoring endpoint (/metrics).
struct DBStats {
  uint64_t head_series = 0;
  uint64_t head_chunks = 0;
  uint64_t head_samples_appended = 0;
  uint64_t samples_rejected_out_of_order = 0;
  uint64_t samples_rejected_duplicate = 0;
  uint64_t samples_rejected_too_old = 0;
  uint64_t samples_rejected_invalid_labels = 0;
  uint64_t commits = 0;
  uint64_t wal_bytes = 0;
  uint64_t wal_segments = 0;
  uint64_t wal_fsyncs = 0;
  uint64_t wal_corruptions = 0;
  uint64_t compactions = 0;
  uint64_t compactions_failed = 0;
  uint64_t blocks = 0;
  uint64_t block_bytes = 0;
  uint64_t retention_deleted_blocks = 0;
  uint64_t head_cuts_held = 0;  // maintenance passes that delayed a cut for a lagging writer
  int64_t head_min_time = 0;
  int64_t head_max_time = 0;
};

class DB : public Appendable, public Queryable {
 public:
  // Opens (creating if needed) the store in options.dir, loads its blocks and replays the write-ahead log.
  // A torn or corrupt log tail is truncated with a warning; it never refuses to start for it.
  static absl::StatusOr<std::unique_ptr<DB>> Open(const DBOptions& options);
  ~DB() override;

  std::unique_ptr<Appender> NewAppender() override;
  absl::StatusOr<std::unique_ptr<Querier>> NewQuerier(int64_t mint, int64_t maxt) override;

  DBStats Stats() const;

  // Cuts whatever of the head is ready into blocks, compacts and applies retention now (the background
  // thread does this on its own; tests and benchmarks call it to be deterministic).
  absl::Status RunMaintenance();
  // Cuts the whole head into blocks regardless of age and compacts them, windows not yet complete too
  // (POST /api/v1/admin/tsdb/flush; benchmarks measuring on-disk size). Later blocks of such a window are
  // merged into it by the next compaction.
  absl::Status FlushHead();
  // Stops the background work and syncs the log. Further appends fail.
  absl::Status Close();

  class Impl;

 private:
  explicit DB(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace foresight::storage
