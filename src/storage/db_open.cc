// Opening the engine: the directory lock, the blocks on disk, then the write-ahead log replayed into the
// head.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/fmt_absl.h"
#include "storage/block/meta.h"
#include "storage/db_impl.h"
#include "storage/wal/reader.h"

namespace foresight::storage {

namespace stdfs = std::filesystem;

absl::Status DB::Impl::Open() {
  if (options.fs != nullptr) fs = options.fs;
  std::error_code ec;
  stdfs::create_directories(options.dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("creating ", options.dir, ": ", ec.message()));
  // One process per directory: a second one would interleave log writes.
  std::string lock_path = options.dir + "/lock";
  lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd < 0) return absl::InternalError(absl::StrCat("open ", lock_path, ": ", std::strerror(errno)));
  if (flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(options.dir, " is in use by another process (", lock_path, " is locked)"));
  }
  if (auto st = LoadBlocks(); !st.ok()) return st;
  if (auto st = Replay(); !st.ok()) return st;
  wal::WriterOptions wopts;
  switch (options.wal_sync) {
    case WalSyncPolicy::kNever:
      wopts.sync = wal::SyncPolicy::kNever;
      break;
    case WalSyncPolicy::kInterval:
      wopts.sync = wal::SyncPolicy::kInterval;
      break;
    case WalSyncPolicy::kAlways:
      wopts.sync = wal::SyncPolicy::kAlways;
      break;
  }
  wopts.sync_interval_ms = options.wal_sync_interval_ms;
  wopts.segment_bytes = options.wal_segment_bytes;
  auto writer = wal::Writer::Open(fs, WalDir(), wopts);
  if (!writer.ok()) return writer.status();
  log = std::move(*writer);
  // Segments from before this start hold samples up to the newest replayed one at most.
  for (uint32_t seg = 0; seg < log->current_segment(); ++seg) {
    if (head.MaxTime() != kMinTime) segment_max_time[seg] = head.MaxTime();
  }
  return absl::OkStatus();
}

void DB::Impl::AddBlock(std::shared_ptr<block::Block> b) {
  std::unique_lock lock(blocks_mu);
  blocks.push_back(std::move(b));
  std::sort(blocks.begin(), blocks.end(), [](const auto& x, const auto& y) {
    return x->meta().min_time != y->meta().min_time ? x->meta().min_time < y->meta().min_time
                                                    : x->meta().id < y->meta().id;
  });
}

absl::Status DB::Impl::LoadBlocks() {
  std::error_code ec;
  std::vector<std::shared_ptr<block::Block>> loaded;
  for (const auto& entry : stdfs::directory_iterator(options.dir, ec)) {
    std::string name = entry.path().filename();
    if (!entry.is_directory()) continue;
    if (name.ends_with(".tmp")) {
      // A block or compaction interrupted by a crash: never renamed into place, so never acknowledged.
      spdlog::warn("removing unfinished block {}", entry.path().string());
      stdfs::remove_all(entry.path(), ec);
      continue;
    }
    if (!block::IsBlockId(name)) continue;
    auto b = block::Block::Open(entry.path());
    if (!b.ok()) {
      // Keep the data for inspection, out of the way of queries; the rest of the store still opens.
      std::string aside = entry.path().string() + ".corrupt";
      spdlog::error("block {} cannot be opened ({}); moved to {}", name, b.status().message(), aside);
      stdfs::rename(entry.path(), aside, ec);
      continue;
    }
    loaded.push_back(std::move(*b));
  }
  if (ec) return absl::InternalError(absl::StrCat("listing ", options.dir, ": ", ec.message()));
  // A compaction that crashed after writing its output but before deleting its inputs leaves both.
  absl::flat_hash_map<std::string, bool> replaced;
  for (const auto& b : loaded) {
    for (const auto& p : b->meta().parents) replaced[p] = true;
  }
  for (auto& b : loaded) {
    if (replaced.contains(b->meta().id)) {
      spdlog::info("removing block {}: already compacted into a newer block", b->meta().id);
      stdfs::remove_all(b->dir(), ec);
      continue;
    }
    AddBlock(std::move(b));
  }
  int64_t blocks_end = kMinTime;
  for (const auto& b : blocks) blocks_end = std::max(blocks_end, b->meta().max_time);
  if (blocks_end != kMinTime) {
    head.set_min_valid_time(blocks_end);
    head.set_min_read_time(blocks_end);
  }
  return absl::OkStatus();
}

absl::Status DB::Impl::Replay() {
  int64_t min_valid = head.min_valid_time();
  // Series ids are the log's refs, except where the same labels were logged under two refs.
  absl::flat_hash_map<SeriesRef, head::MemSeries*> remapped;
  std::vector<wal::SeriesRecord> series;
  std::vector<wal::RefSample> samples;
  uint64_t replayed = 0, unknown_refs = 0, skipped_old = 0, bad_records = 0, chunks_opened = 0;
  int64_t mint = kMaxTime, maxt = kMinTime;
  auto lookup = [&](SeriesRef ref) -> head::MemSeries* {
    if (!remapped.empty()) {
      if (auto it = remapped.find(ref); it != remapped.end()) return it->second;
    }
    return ref <= UINT32_MAX ? head.ById(static_cast<head::SeriesId>(ref)) : nullptr;
  };
  auto on_record = [&](std::string_view rec) -> absl::Status {
    auto type = wal::PeekType(rec);
    if (!type.ok()) {
      ++bad_records;
      return absl::OkStatus();
    }
    if (*type == wal::RecordType::kSeries) {
      series.clear();
      if (!wal::DecodeSeries(rec, &series).ok()) ++bad_records;
      for (const auto& s : series) {
        if (s.ref == 0 || s.ref > UINT32_MAX) continue;
        head::MemSeries* m = head.CreateWithId(static_cast<head::SeriesId>(s.ref), s.labels);
        m->set_logged();
        if (m->id() != s.ref) remapped[s.ref] = m;
      }
      return absl::OkStatus();
    }
    samples.clear();
    if (!wal::DecodeSamples(rec, &samples).ok()) {
      ++bad_records;
      return absl::OkStatus();
    }
    for (const auto& p : samples) {
      if (p.t < min_valid) {
        ++skipped_old;  // already in a block
        continue;
      }
      head::MemSeries* m = lookup(p.ref);
      if (m == nullptr) {
        ++unknown_refs;
        continue;
      }
      head::AppendOutcome outcome;
      {
        std::lock_guard lock(m->mu());
        outcome = m->AppendLocked(p.t, p.v, &chunks_opened);
      }
      if (outcome == head::AppendOutcome::kAppended) {
        ++replayed;
        mint = std::min(mint, p.t);
        maxt = std::max(maxt, p.t);
      }
    }
    return absl::OkStatus();
  };
  auto report = wal::Replay(*fs, WalDir(), on_record);
  if (!report.ok()) return report.status();
  if (replayed > 0) head.ObserveTimes(mint, maxt);
  head.AddChunks(chunks_opened);
  counters.samples_appended.fetch_add(replayed);
  if (report->torn_tail) {
    spdlog::warn(
        "write-ahead log: torn tail of {} truncated at offset {} ({} bytes): an unfinished write cut by a "
        "crash",
        report->torn_tail->file, report->torn_tail->offset, report->truncated_bytes);
  }
  for (const auto& c : report->corruptions) {
    counters.wal_corruptions.fetch_add(1);
    spdlog::error("write-ahead log corrupted in {} at offset {}: {}; lost {} bytes, {}{} records", c.file,
                  c.offset, c.reason, c.bytes_lost, c.to_end ? "at least " : "", c.records_lost);
  }
  if (bad_records > 0)
    spdlog::error("write-ahead log: {} records could not be decoded and were skipped", bad_records);
  if (unknown_refs > 0) spdlog::warn("write-ahead log: {} samples of unknown series skipped", unknown_refs);
  spdlog::info("replayed write-ahead log: {} records, {} samples into {} series ({} already in blocks)",
               report->records, replayed, head.NumSeries(), skipped_old);
  return absl::OkStatus();
}

absl::Status DB::Impl::LogBatch(
    const std::vector<std::pair<head::SeriesId, const head::MemSeries*>>& new_series,
    std::span<const wal::RefSample> samples) {
  thread_local std::string series_rec;
  thread_local std::string samples_rec;
  std::string_view records[2];
  size_t n = 0;
  if (!new_series.empty()) {
    series_rec.clear();
    wal::StartSeriesRecord(&series_rec);
    for (const auto& [id, s] : new_series) wal::AppendSeries(id, head.LabelsOf(*s), &series_rec);
    records[n++] = series_rec;
  }
  if (!samples.empty()) {
    samples_rec.clear();
    wal::EncodeSamples(samples, &samples_rec);
    records[n++] = samples_rec;
  }
  if (n == 0) return absl::OkStatus();
  if (auto st = log->Append(std::span<const std::string_view>(records, n)); !st.ok()) return st;
  if (!samples.empty()) {
    int64_t maxt = kMinTime;
    for (const auto& p : samples) maxt = std::max(maxt, p.t);
    auto [it, inserted] = segment_max_time.try_emplace(log->current_segment(), maxt);
    if (!inserted) it->second = std::max(it->second, maxt);
  }
  return absl::OkStatus();
}

}  // namespace foresight::storage
