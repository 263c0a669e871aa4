// DB::Impl: the engine's parts and the locks between them. Internal to storage/.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

#include <map>

#include "storage/block/block.h"
#include "storage/db.h"
#include "storage/fs/fs.h"
#include "storage/head/head.h"
#include "storage/wal/records.h"
#include "storage/wal/writer.h"

namespace foresight::storage {

struct DBCounters {
  std::atomic<uint64_t> samples_appended{0};
  std::atomic<uint64_t> rejected_out_of_order{0};
  std::atomic<uint64_t> rejected_duplicate{0};
  std::atomic<uint64_t> rejected_too_old{0};
  std::atomic<uint64_t> rejected_invalid_labels{0};
  std::atomic<uint64_t> commits{0};
  std::atomic<uint64_t> wal_corruptions{0};
  std::atomic<uint64_t> compactions{0};
  std::atomic<uint64_t> compactions_failed{0};
  std::atomic<uint64_t> retention_deleted_blocks{0};
  std::atomic<uint64_t> head_cuts_held{0};

  void Count(RejectReason r);
};

// The lowest "frontier" (newest sample time of a commit) seen in recent wall-clock time: a writer whose
// frontier lies below a planned head cut is still writing there, so the cut waits for it.
class WriterFrontiers {
 public:
  void Observe(int64_t now_ms, int64_t window_ms, int64_t frontier) {
    int64_t bucket = now_ms / SlotMs(window_ms);
    Slot& slot = slots_[static_cast<size_t>(bucket) % slots_.size()];
    if (slot.bucket != bucket) slot = Slot{bucket, frontier};
    slot.lowest = std::min(slot.lowest, frontier);
  }
  // kMaxTime when nothing was committed within the window.
  int64_t Lowest(int64_t now_ms, int64_t window_ms) const {
    int64_t first = (now_ms - window_ms) / SlotMs(window_ms);
    int64_t lowest = kMaxTime;
    for (const Slot& s : slots_) {
      if (s.bucket >= first) lowest = std::min(lowest, s.lowest);
    }
    return lowest;
  }

 private:
  struct Slot {
    int64_t bucket = -1;
    int64_t lowest = kMaxTime;
  };
  static int64_t SlotMs(int64_t window_ms) { return std::max<int64_t>(1, window_ms / 4); }
  std::array<Slot, 8> slots_{};  // 8 slots of a quarter window: two windows of history
};

class DB::Impl {
 public:
  explicit Impl(DBOptions options) : options(std::move(options)) {}

  absl::Status Open();
  absl::Status LoadBlocks();
  absl::Status Replay();
  // Writes a batch to the log (the caller holds commit_mu).
  absl::Status LogBatch(const std::vector<std::pair<head::SeriesId, const head::MemSeries*>>& new_series,
                        std::span<const wal::RefSample> samples);
  std::string WalDir() const { return options.dir + "/wal"; }

  // Maintenance (storage/db_maintenance.cc).
  absl::Status CutBlocks(bool everything);
  // Merges blocks sharing a window of 3x, 9x, ... the block duration; windows that may still receive
  // blocks only when close_open_windows.
  absl::Status Compact(bool close_open_windows);
  absl::Status ApplyRetention();
  absl::Status TruncateLog(int64_t min_time);
  // Writes the head's samples in [mint, maxt) as a block and makes it visible.
  absl::Status WriteHeadBlock(int64_t mint, int64_t maxt);
  void AddBlock(std::shared_ptr<block::Block> b);
  void MaintenanceLoop();

  std::vector<std::shared_ptr<block::Block>> BlocksSnapshot() const {
    std::shared_lock lock(blocks_mu);
    return blocks;
  }

  DBOptions options;
  head::Head head;
  fs::FileSystem* fs = fs::DefaultFs();
  std::unique_ptr<wal::Writer> log;
  int lock_fd = -1;
  // Highest sample time logged into each segment (guarded by commit_mu): a segment whose samples all lie
  // below the head's min valid time can be dropped with only series records checkpointed.
  std::map<uint32_t, int64_t> segment_max_time;
  DBCounters counters;

  // Commits are logged and applied in one order, so that replay rebuilds exactly the state that was served.
  std::mutex commit_mu;
  WriterFrontiers frontiers;  // guarded by commit_mu
  int64_t NowMs() const;
  std::atomic<bool> closed{false};

  // Held shared by every Select, exclusively while the head hands a range over to a new block (block
  // added, head read floor raised, head truncated), so a read sees the range in one place or both.
  mutable std::shared_mutex view_mu;
  mutable std::shared_mutex blocks_mu;
  std::vector<std::shared_ptr<block::Block>> blocks;  // sorted by min time

  std::mutex maintenance_mu;  // one maintenance pass at a time
  std::mutex stop_mu;
  std::condition_variable stop_cv;
  bool stopping = false;
  std::thread maintenance_thread;
  int64_t last_sync_ms = 0;
};

}  // namespace foresight::storage
