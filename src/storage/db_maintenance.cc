// Background work of the engine: cutting the head into blocks, truncating the log behind them, compacting
// blocks into larger ones and deleting blocks beyond retention.
#include <chrono>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "common/fmt_absl.h"
#include "storage/block/compact.h"
#include "storage/db_impl.h"
#include "storage/head/head_querier.h"

namespace foresight::storage {

namespace stdfs = std::filesystem;

namespace {

int64_t FloorTo(int64_t t, int64_t d) { return (t >= 0 ? t : t - d + 1) / d * d; }

}  // namespace

int64_t DB::Impl::NowMs() const {
  if (options.wall_clock_ms) return options.wall_clock_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

absl::Status DB::Impl::WriteHeadBlock(int64_t mint, int64_t maxt) {
  auto epoch = head.AcquireEpoch();
  std::vector<head::SeriesId> ids = head.SortedIds(head.AllPostings());
  size_t pos = 0;
  block::SeriesSource source = [&](Labels* labels, std::vector<Sample>* samples) -> absl::StatusOr<bool> {
    while (pos < ids.size()) {
      head::MemSeries* s = head.ById(ids[pos++]);
      if (s == nullptr) continue;
      std::vector<head::ChunkRef> chunks;
      {
        std::lock_guard lock(s->mu());
        s->ChunksLocked(mint, maxt - 1, &chunks);
      }
      if (chunks.empty()) continue;
      samples->clear();
      auto it = head::NewChunkListIterator(std::move(chunks), mint, maxt - 1);
      while (it->Next()) samples->push_back(it->At());
      if (!it->Err().ok()) return it->Err();
      if (samples->empty()) continue;
      *labels = head.LabelsOf(*s);
      return true;
    }
    return false;
  };
  auto meta = block::WriteBlockFromSeries(options.dir, mint, maxt, source);
  if (!meta.ok()) return meta.status();
  auto b = block::Block::Open(options.dir + "/" + meta->id);
  if (!b.ok()) return b.status();
  {
    std::unique_lock view(view_mu);
    AddBlock(std::move(*b));
    head.set_min_read_time(maxt);
    head.ResetMinTime(maxt);
    auto stats = head.Truncate(maxt);
    spdlog::debug("head truncated at {}: {} chunks and {} series removed", maxt, stats.chunks_removed,
                  stats.series_removed);
  }
  spdlog::info("wrote block {} [{}, {}): {} series, {} samples", meta->id, mint, maxt, meta->stats.num_series,
               meta->stats.num_samples);
  return absl::OkStatus();
}

absl::Status DB::Impl::CutBlocks(bool everything) {
  const int64_t d = options.block_duration_ms;
  bool cut = false;
  while (true) {
    int64_t mint = std::max(head.MinTime(), head.min_valid_time());
    int64_t maxt = head.MaxTime();
    if (maxt == kMinTime || mint > maxt) break;
    // As Prometheus: cut when the head spans 1.5 block durations, keeping the newest half block in memory.
    if (!everything && maxt - mint <= d * 3 / 2) break;
    int64_t start = FloorTo(mint, d);
    int64_t end = start + d;
    if (everything && end > maxt + 1) end = maxt + 1;
    {
      std::lock_guard commit_lock(commit_mu);
      // A writer still committing below `end` (backfill, a lagging connection) would be refused from here
      // on: wait for it while the head's span allows.
      const int64_t window = options.lagging_writer_window_ms;
      if (!everything && window > 0 && maxt - mint <= d * options.max_head_span_blocks &&
          frontiers.Lowest(NowMs(), window) < end) {
        counters.head_cuts_held.fetch_add(1, std::memory_order_relaxed);
        break;
      }
      // From here on no commit can add samples below `end`; the ones already applied are in the head.
      head.set_min_valid_time(end);
    }
    if (auto st = WriteHeadBlock(start, end); !st.ok()) {
      return absl::Status(st.code(), absl::StrCat("cutting the head into a block: ", st.message()));
    }
    cut = true;
    if (everything && end > maxt) break;
  }
  if (cut) return TruncateLog(head.min_valid_time());
  return absl::OkStatus();
}

absl::Status DB::Impl::TruncateLog(int64_t min_time) {
  uint32_t last = 0;
  {
    std::lock_guard commit_lock(commit_mu);
    if (!log) return absl::OkStatus();
    uint32_t current = log->current_segment();
    // When even the segment being written holds only samples now in blocks (after FlushHead), close it so
    // that it can go too.
    if (auto it = segment_max_time.find(current); it != segment_max_time.end() && it->second < min_time) {
      auto closed = log->Rotate();
      if (!closed.ok()) return closed.status();
      current = log->current_segment();
    }
    // The longest run of old segments whose samples all lie below min_time (they are in blocks now).
    for (const auto& [seg, maxt] : segment_max_time) {
      if (seg >= current || maxt >= min_time) break;
      last = seg;
    }
    if (last == 0) return absl::OkStatus();
    for (auto it = segment_max_time.begin(); it != segment_max_time.end() && it->first <= last;) {
      it = segment_max_time.erase(it);
    }
  }
  // The checkpoint keeps the series records of every live series (later segments refer to them).
  auto epoch = head.AcquireEpoch();
  std::string record;
  wal::StartSeriesRecord(&record);
  std::vector<std::string> records;
  for (head::SeriesId id = 1; id <= head.MaxId(); ++id) {
    head::MemSeries* s = head.ById(id);
    if (s == nullptr || !s->logged()) continue;
    wal::AppendSeries(id, head.LabelsOf(*s), &record);
    if (record.size() > (1 << 20)) {
      records.push_back(std::move(record));
      record.clear();
      wal::StartSeriesRecord(&record);
    }
  }
  records.push_back(std::move(record));
  std::vector<std::string_view> views(records.begin(), records.end());
  if (auto st = log->Truncate(last, views); !st.ok()) {
    return absl::Status(st.code(), absl::StrCat("truncating the write-ahead log: ", st.message()));
  }
  return absl::OkStatus();
}

absl::Status DB::Impl::Compact(bool close_open_windows) {
  int64_t max_range = options.max_block_duration_ms;
  if (max_range <= 0) {
    max_range = options.retention_ms > 0 ? options.retention_ms / 10 : 31LL * 24 * 3600 * 1000;
    max_range = std::min<int64_t>(max_range, 31LL * 24 * 3600 * 1000);
  }
  while (true) {
    auto snapshot = BlocksSnapshot();
    if (snapshot.size() < 2) return absl::OkStatus();
    int64_t newest_end = snapshot.back()->meta().max_time;
    for (const auto& b : snapshot) newest_end = std::max(newest_end, b->meta().max_time);
    std::vector<std::shared_ptr<block::Block>> plan;
    // Overlapping blocks (left by backfill or a crash) are merged first.
    for (size_t i = 1; i < snapshot.size() && plan.empty(); ++i) {
      if (snapshot[i]->meta().min_time < snapshot[i - 1]->meta().max_time)
        plan = {snapshot[i - 1], snapshot[i]};
    }
    // Then blocks that share a complete window of 3x, 9x, ... the block duration.
    for (int64_t range = options.block_duration_ms * 3; plan.empty() && range <= max_range; range *= 3) {
      for (size_t i = 0; i < snapshot.size() && plan.empty(); ++i) {
        int64_t window = FloorTo(snapshot[i]->meta().min_time, range);
        if (window + range > newest_end && !close_open_windows) break;  // it may still receive blocks
        std::vector<std::shared_ptr<block::Block>> group;
        for (size_t j = i; j < snapshot.size(); ++j) {
          const auto& m = snapshot[j]->meta();
          if (m.min_time < window || m.max_time > window + range) break;
          group.push_back(snapshot[j]);
        }
        if (group.size() >= 2) plan = std::move(group);
      }
    }
    if (plan.empty()) return absl::OkStatus();
    auto meta = block::Compact(options.dir, plan);
    if (!meta.ok()) {
      counters.compactions_failed.fetch_add(1);
      return absl::Status(meta.status().code(), absl::StrCat("compaction: ", meta.status().message()));
    }
    auto b = block::Block::Open(options.dir + "/" + meta->id);
    if (!b.ok()) {
      counters.compactions_failed.fetch_add(1);
      return b.status();
    }
    {
      std::unique_lock view(view_mu);
      {
        std::unique_lock lock(blocks_mu);
        std::erase_if(blocks,
                      [&](const auto& x) { return std::find(plan.begin(), plan.end(), x) != plan.end(); });
      }
      AddBlock(std::move(*b));
    }
    // Readers still holding the inputs keep their mappings; the files go now.
    std::error_code ec;
    for (const auto& p : plan) stdfs::remove_all(p->dir(), ec);
    counters.compactions.fetch_add(1);
    spdlog::info("compacted {} blocks into {} [{}, {})", plan.size(), meta->id, meta->min_time,
                 meta->max_time);
  }
}

absl::Status DB::Impl::ApplyRetention() {
  auto snapshot = BlocksSnapshot();
  if (snapshot.empty()) return absl::OkStatus();
  std::vector<std::shared_ptr<block::Block>> doomed;
  if (options.retention_ms > 0) {
    int64_t newest = head.MaxTime();
    for (const auto& b : snapshot) newest = std::max(newest, b->meta().max_time - 1);
    int64_t cutoff = newest - options.retention_ms;
    for (const auto& b : snapshot) {
      if (b->meta().max_time <= cutoff) doomed.push_back(b);
    }
  }
  if (options.retention_bytes > 0) {
    uint64_t total = log ? log->stats().bytes_written : 0;
    for (const auto& b : snapshot) total += b->size_bytes();
    for (const auto& b : snapshot) {  // oldest first
      if (total <= static_cast<uint64_t>(options.retention_bytes)) break;
      if (std::find(doomed.begin(), doomed.end(), b) == doomed.end()) doomed.push_back(b);
      total -= b->size_bytes();
    }
  }
  if (doomed.empty()) return absl::OkStatus();
  {
    std::unique_lock lock(blocks_mu);
    std::erase_if(blocks,
                  [&](const auto& x) { return std::find(doomed.begin(), doomed.end(), x) != doomed.end(); });
  }
  std::error_code ec;
  for (const auto& b : doomed) {
    spdlog::info("retention: deleting block {} [{}, {})", b->meta().id, b->meta().min_time,
                 b->meta().max_time);
    stdfs::remove_all(b->dir(), ec);
    if (ec) spdlog::error("deleting {}: {}", b->dir(), ec.message());
  }
  counters.retention_deleted_blocks.fetch_add(doomed.size());
  return absl::OkStatus();
}

void DB::Impl::MaintenanceLoop() {
  using namespace std::chrono;
  auto next_maintenance = steady_clock::now() + seconds(10);
  std::unique_lock lock(stop_mu);
  while (!stopping) {
    auto tick = milliseconds(std::max<int64_t>(100, std::min<int64_t>(options.wal_sync_interval_ms, 1000)));
    stop_cv.wait_for(lock, tick, [this] { return stopping; });
    if (stopping) break;
    lock.unlock();
    if (options.wal_sync == WalSyncPolicy::kInterval && log) {
      if (auto st = log->Sync(); !st.ok()) spdlog::error("write-ahead log sync: {}", st.message());
    }
    if (steady_clock::now() >= next_maintenance) {
      std::lock_guard mlock(maintenance_mu);
      if (auto st = CutBlocks(false); !st.ok()) spdlog::error("{}", st.message());
      if (auto st = Compact(false); !st.ok()) spdlog::error("{}", st.message());
      if (auto st = ApplyRetention(); !st.ok()) spdlog::error("{}", st.message());
      next_maintenance = steady_clock::now() + seconds(30);
    }
    lock.lock();
  }
}

}  // namespace foresight::storage
