// The head: every series the engine has seen recently, their in-memory chunks, and a label index over them.
// Writers create series and append through the engine's appender (storage/db_appender.cc); readers get
// chunk snapshots through HeadQuerier. Series removed by truncation are freed only when no reader or writer
// that could still see them is left (see Epoch).
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "storage/head/mem_series.h"
#include "storage/head/series_table.h"
#include "storage/index/index_reader.h"

namespace foresight::storage::head {

// Keeps retired series alive while any reader or writer that started before their removal is running.
// Each epoch holds the next one, so an epoch's retired series die only after it and all older epochs are
// released.
class Epoch {
 public:
  ~Epoch() = default;
  std::vector<std::unique_ptr<MemSeries>> retired;
  std::shared_ptr<Epoch> next;
};

class Head final : public index::IndexReader {
 public:
  Head();
  ~Head() override;

  // The series with these labels, created if new (`created` tells). Labels must be valid and sorted.
  MemSeries* GetOrCreate(const Labels& labels, bool* created);
  // Recreates a series with a known id (log replay). Returns the existing one if the id is taken.
  MemSeries* CreateWithId(SeriesId id, const Labels& labels);
  // The live series with this id, or nullptr.
  MemSeries* ById(SeriesId id) const { return table_.Get(id); }

  // Samples older than this are refused (they belong to a range already written to blocks).
  int64_t min_valid_time() const { return min_valid_time_.load(std::memory_order_acquire); }
  void set_min_valid_time(int64_t t) { min_valid_time_.store(t, std::memory_order_release); }
  // Readers see head samples from this time on; it follows min_valid_time once the block holding the
  // samples below is visible, so that no sample is ever missing from a read (equal ones are merged).
  int64_t min_read_time() const { return min_read_time_.load(std::memory_order_acquire); }
  void set_min_read_time(int64_t t) { min_read_time_.store(t, std::memory_order_release); }
  // Bounds of the samples appended so far (kMaxTime/kMinTime while empty).
  int64_t MinTime() const { return min_time_.load(std::memory_order_acquire); }
  int64_t MaxTime() const { return max_time_.load(std::memory_order_acquire); }
  void ObserveTimes(int64_t mint, int64_t maxt);
  void ResetMinTime(int64_t t);

  // Commits hold it shared while applying samples; readers take it exclusively to snapshot chunks, so a
  // reader sees each commit whole or not at all.
  std::shared_mutex& isolation_mu() const { return isolation_mu_; }

  // Protects series pointers handed out under it from being freed by a concurrent Truncate.
  std::shared_ptr<Epoch> AcquireEpoch() const;

  struct TruncateStats {
    int chunks_removed = 0;
    int series_removed = 0;
  };
  // Drops chunks that end before t and series with no samples at or after t.
  TruncateStats Truncate(int64_t t);

  uint64_t NumSeries() const { return num_series_.load(std::memory_order_relaxed); }
  // Chunks in the head, sealed and open (writers report the chunks they open, Truncate the ones it drops).
  uint64_t NumChunks() const { return num_chunks_.load(std::memory_order_relaxed); }
  void AddChunks(uint64_t n) {
    if (n != 0) num_chunks_.fetch_add(n, std::memory_order_relaxed);
  }
  SeriesId MaxId() const { return table_.MaxId(); }
  // Ids of all live series, sorted by their labels (for cutting blocks).
  std::vector<SeriesId> SortedIds(const index::Postings& ids) const;
  Labels LabelsOf(const MemSeries& s) const;

  // IndexReader
  index::Postings PostingsFor(std::string_view name, std::string_view value) const override;
  index::Postings PostingsForValues(std::string_view name,
                                    const std::function<bool(std::string_view)>& accept) const override;
  index::Postings AllPostings() const override;
  std::vector<std::string> LabelValues(std::string_view name) const override;
  std::vector<std::string> LabelNames() const override;

 private:
  static constexpr int kShards = 64;
  struct Shard {
    std::mutex mu;
    absl::flat_hash_map<uint64_t, MemSeries*> by_hash;
    // Rare: different label sets with the same 64-bit hash.
    absl::flat_hash_map<uint64_t, std::vector<MemSeries*>> collisions;
  };

  MemSeries* Insert(SeriesId id, const Labels& labels, uint64_t hash, std::string packed);
  void IndexSeries(SeriesId id, const Labels& labels);
  void UnindexSeries(SeriesId id, const Labels& labels);
  static MemSeries* FindInShard(Shard& shard, uint64_t hash, const std::string& packed);

  SeriesTable table_;
  std::array<Shard, kShards> shards_;
  std::atomic<SeriesId> next_id_{1};
  std::atomic<uint64_t> num_series_{0};
  std::atomic<uint64_t> num_chunks_{0};

  mutable std::shared_mutex postings_mu_;
  absl::flat_hash_map<std::string, absl::flat_hash_map<std::string, index::Postings>> postings_;
  index::Postings all_;

  mutable std::shared_mutex isolation_mu_;
  mutable std::mutex epoch_mu_;
  std::shared_ptr<Epoch> epoch_;

  std::atomic<int64_t> min_valid_time_{kMinTime};
  std::atomic<int64_t> min_read_time_{kMinTime};
  std::atomic<int64_t> min_time_{kMaxTime};
  std::atomic<int64_t> max_time_{kMinTime};
};

}  // namespace foresight::storage::head
