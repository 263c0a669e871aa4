// The WAL writer: appends batches of records to numbered segment files, applies the sync policy, and
// truncates the log behind a checkpoint. Format: docs/format/wal.md. Thread-safe: appends from many threads
// are serialised; Sync and Truncate may run from other threads (a timer, the maintenance thread).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/fs/fs.h"

namespace foresight::storage::wal {

// Mirrors storage::WalSyncPolicy (db.h) without depending on the engine.
enum class SyncPolicy { kNever, kInterval, kAlways };

struct WriterOptions {
  SyncPolicy sync = SyncPolicy::kInterval;
  int64_t sync_interval_ms = 1000;
  int64_t segment_bytes = 128LL << 20;
  // The clock of kInterval, in ms; tests replace it. Defaults to a steady clock.
  std::function<int64_t()> now_ms = nullptr;
};

struct WriterStats {
  uint64_t bytes_written = 0;     // bytes appended to segments (framing included)
  uint64_t records = 0;           // records acknowledged
  uint64_t segments_created = 0;  // by this writer
  uint64_t fsyncs = 0;
  uint64_t write_errors = 0;
  uint64_t checkpoints = 0;
};

class Writer {
 public:
  // Opens the log in `dir` (created if missing) and starts a new segment after the highest existing one
  // (or reuses that one when it is empty).
  // Replay (reader.h) must run before: it cuts a torn tail that would otherwise stay as a corruption.
  // `fs` must outlive the writer.
  static absl::StatusOr<std::unique_ptr<Writer>> Open(fs::FileSystem* fs, std::string dir,
                                                      WriterOptions options);
  ~Writer();  // closes without syncing; call Close() for a clean shutdown

  // Writes the records as one batch (one write(2) when possible) and applies the sync policy. On error
  // nothing of the batch stays in the log (it is cut back) and the batch is not acknowledged; a full disk
  // gives ResourceExhausted with "disk full" and the path.
  absl::Status Append(std::span<const std::string_view> records);
  absl::Status Append(std::string_view record) {
    return Append(std::span<const std::string_view>(&record, 1));
  }

  // Fsyncs the current segment if it holds unsynced bytes.
  absl::Status Sync();

  // Closes the current segment (fsynced unless kNever) and starts the next. Returns the closed segment's
  // number: every record acknowledged before the call is in it or an earlier segment.
  absl::StatusOr<uint32_t> Rotate();

  // Writes `checkpoint_records` as checkpoint.<last_segment> (atomically: temp dir, fsync, rename), then
  // deletes segments <= last_segment and older checkpoints. last_segment must be below current_segment().
  absl::Status Truncate(uint32_t last_segment, std::span<const std::string_view> checkpoint_records);

  // Syncs and closes the current segment; later calls fail with FailedPrecondition.
  absl::Status Close();

  uint32_t current_segment() const;
  const std::string& dir() const { return dir_; }
  WriterStats stats() const;

 private:
  Writer(fs::FileSystem* fs, std::string dir, WriterOptions options);
  // A position in the log; later positions compare greater.
  struct Pos {
    uint32_t segment = 0;
    uint64_t offset = 0;
    friend auto operator<=>(const Pos&, const Pos&) = default;
  };

  absl::Status OpenSegment(uint32_t n);                                // requires mu_
  absl::Status CloseSegment();                                         // requires mu_
  absl::Status SyncLocked();                                           // requires mu_
  absl::Status RecordSync(const absl::Status& s, Pos target);          // requires mu_
  absl::Status WriteBatch(std::span<const std::string_view> records);  // requires mu_
  // Group commit for kAlways: makes the log durable through `end`, with one fsync for all the batches written
  // meanwhile by other threads. Takes sync_mu_ and then mu_ briefly; the fsync runs without mu_.
  absl::Status SyncThrough(std::shared_ptr<fs::WritableFile> file, Pos end);

  fs::FileSystem* const fs_;
  const std::string dir_;
  const WriterOptions options_;

  std::mutex sync_mu_;                      // one group-commit fsync at a time; taken before mu_
  mutable std::mutex mu_;                   // guards everything below
  std::shared_ptr<fs::WritableFile> file_;  // shared with a group-commit fsync that outlives a rotation
  uint32_t segment_ = 0;
  uint32_t next_record_ = 0;          // record number within the segment
  Pos synced_;                        // everything before it is durable
  uint32_t failed_sync_segment_ = 0;  // a segment whose fsync failed (0: none): its unsynced tail is in doubt
  int64_t last_sync_ms_ = 0;
  bool rotate_before_write_ = false;  // the segment has a damaged tail we could not cut
  bool closed_ = false;
  std::string buf_;

  std::mutex truncate_mu_;  // one checkpoint at a time, without blocking appends

  std::atomic<uint64_t> bytes_written_{0}, records_{0}, segments_created_{0}, fsyncs_{0}, write_errors_{0},
      checkpoints_{0};
};

}  // namespace foresight::storage::wal
