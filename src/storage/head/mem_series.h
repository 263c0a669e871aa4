// One series in the head: its packed labels and its samples as compressed chunks, guarded by a spin lock
// (held for a few hundred nanoseconds at most: one append, or copying chunk references for a reader).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "storage/encoding/chunk.h"
#include "storage/index/index_reader.h"
#include "storage/storage.h"

namespace foresight::storage::head {

using index::SeriesId;

// A one-byte lock: a million series must not each carry a 40-byte std::mutex.
class SpinLock {
 public:
  void lock() {
    while (flag_.exchange(true, std::memory_order_acquire)) {
      while (flag_.load(std::memory_order_relaxed)) std::this_thread::yield();
    }
  }
  void unlock() { flag_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> flag_{false};
};

// An immutable chunk shared between the series and the readers that are iterating it.
struct ChunkRef {
  int64_t mint;
  int64_t maxt;
  encoding::ChunkEncoding encoding;
  std::shared_ptr<const std::string> bytes;
  // The newest two samples, so that an instant query finds its sample without decoding the chunk: the value
  // at maxt, and the sample before it (prev_t kMinTime when the chunk holds one sample). The second matters
  // when a query's time falls just before the latest scrape.
  double last_v = 0;
  int64_t prev_t = kMinTime;
  double prev_v = 0;
};

// kRemoved: the series was dropped by head truncation after the writer found it; the writer looks it up
// again.
enum class AppendOutcome { kAppended, kOutOfOrder, kDuplicate, kSameSample, kRemoved };

class MemSeries {
 public:
  // Samples per open chunk before it is sealed: Prometheus' 120 keeps chunks small for queries over recent
  // data.
  static constexpr int kSamplesPerChunk = 120;

  MemSeries(SeriesId id, uint64_t hash, std::string packed_labels);

  SeriesId id() const { return id_; }
  uint64_t hash() const { return hash_; }
  const std::string& packed_labels() const { return packed_labels_; }

  // Reserves timestamp t for an append not yet committed: fails when t is not after every sample already
  // accepted, so order is checked before the batch reaches the log. Returns the previous reservation.
  bool Reserve(int64_t t, int64_t* previous);
  // Undoes a reservation of a rolled-back batch (only if nothing newer was reserved since).
  void Unreserve(int64_t t, int64_t previous);

  // Adds a sample; requires the lock. A sample at the last timestamp is a duplicate unless its value is
  // bit-identical (then it is dropped silently, as Prometheus does). Adds 1 to *chunks_opened when the
  // sample starts a new chunk (the head's chunk count; the caller sums a batch's and adds it once).
  AppendOutcome AppendLocked(int64_t t, double v, uint64_t* chunks_opened = nullptr);

  // Chunks overlapping [mint, maxt], oldest first; the open chunk is copied. Requires the lock.
  void ChunksLocked(int64_t mint, int64_t maxt, std::vector<ChunkRef>* out) const;
  // Drops sealed chunks that end before t. Requires the lock. Returns the number dropped.
  int TruncateBeforeLocked(int64_t t);
  // True when the series has no samples at or after t. Requires the lock.
  bool EmptyFromLocked(int64_t t) const {
    return last_t_ < t && reserved_t_.load(std::memory_order_seq_cst) < t;
  }
  // Truncation marks a series removed after checking it has no reservation at or after its cut; a writer
  // checks the mark after reserving. With both sequentially consistent, one of them sees the other.
  void MarkRemovedLocked() { removed_.store(true, std::memory_order_seq_cst); }
  bool removed() const { return removed_.load(std::memory_order_seq_cst); }
  int64_t last_time_locked() const { return last_t_; }
  size_t num_chunks_locked() const { return sealed_.size() + (open_.num_samples() > 0 ? 1 : 0); }
  // Approximate heap bytes held (memory accounting in benchmarks).
  size_t MemoryBytesLocked() const;

  SpinLock& mu() const { return mu_; }
  // Prefetch hints for a commit applying samples to many series: first the series, later its chunk tail
  // (which reads the series, so it should have arrived by then). Without them a commit over 100k series
  // waits on two cache misses per sample.
  void PrefetchSeries() const { __builtin_prefetch(this, 1); }
  void PrefetchChunkTail() const { open_.PrefetchTail(); }
  // The same for a query reading many series (labels, ChunksLocked): the whole object, by address only.
  void PrefetchSeriesForRead() const {
    for (size_t off = 0; off < sizeof(MemSeries); off += 64)
      __builtin_prefetch(reinterpret_cast<const char*>(this) + off, 0);
  }

  // Whether the series' record is in the write-ahead log (a failed log write leaves it unlogged, and the
  // next batch that uses the series logs it again).
  bool logged() const { return logged_.load(std::memory_order_acquire); }
  void set_logged() { logged_.store(true, std::memory_order_release); }
  // The committed last sample, read under the lock (duplicate checks at append time).
  bool SameAsLastLocked(int64_t t, double v) const;

 private:
  void SealOpenChunkLocked();

  const SeriesId id_;
  const uint64_t hash_;
  const std::string packed_labels_;
  mutable SpinLock mu_;
  std::atomic<int64_t> reserved_t_{kMinTime};
  int64_t last_t_ = kMinTime;
  double last_v_ = 0;
  int64_t prev_t_ = kMinTime;  // the sample before the last in the open chunk (kMinTime if none)
  double prev_v_ = 0;
  std::atomic<bool> removed_{false};
  std::atomic<bool> logged_{false};
  int64_t open_mint_ = kMaxTime;
  encoding::XorChunkAppender open_;
  std::vector<ChunkRef> sealed_;
};

}  // namespace foresight::storage::head
