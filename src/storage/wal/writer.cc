#include "storage/wal/writer.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "storage/wal/dir.h"
#include "storage/wal/format.h"

namespace foresight::storage::wal {
namespace {

// A batch buffer larger than this is released after use rather than kept for the next batch.
constexpr size_t kMaxRetainedBuffer = 8 << 20;
// Checkpoints are written in chunks of this size so that a large head does not need one huge buffer.
constexpr size_t kCheckpointChunk = 4 << 20;

int64_t SteadyNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

absl::Status Annotate(const absl::Status& s, std::string_view what) {
  return absl::Status(s.code(),
                      absl::StrCat("wal: ", absl::string_view(what.data(), what.size()), ": ", s.message()));
}

}  // namespace

Writer::Writer(fs::FileSystem* fs, std::string dir, WriterOptions options)
    : fs_(fs), dir_(std::move(dir)), options_(std::move(options)) {}

Writer::~Writer() = default;

absl::StatusOr<std::unique_ptr<Writer>> Writer::Open(fs::FileSystem* fs, std::string dir,
                                                     WriterOptions options) {
  if (options.segment_bytes <= 0) return absl::InvalidArgumentError("wal: segment_bytes must be positive");
  if (!options.now_ms) options.now_ms = SteadyNowMs;
  if (absl::Status s = fs->CreateDir(dir); !s.ok()) return Annotate(s, "create directory");
  auto contents = ListDir(*fs, dir);
  if (!contents.ok()) return Annotate(contents.status(), "list directory");
  for (const std::string& tmp : contents->tmp) {
    // An interrupted checkpoint: the previous one and its segments are still in place.
    if (absl::Status s = fs::RemoveDirAndFiles(*fs, fs::JoinPath(dir, tmp)); !s.ok()) {
      return Annotate(s, "remove interrupted checkpoint");
    }
  }
  const auto cp = contents->latest_checkpoint();
  uint32_t last = 0;
  if (!contents->segments.empty()) last = contents->segments.back();
  if (cp) last = std::max(last, *cp);
  if (last == UINT32_MAX) return absl::OutOfRangeError("wal: segment numbers exhausted in " + dir);
  uint32_t next = last + 1;
  if (!contents->segments.empty() && contents->segments.back() == last && (!cp || last > *cp)) {
    // An empty last segment holds nothing to protect: reuse it, so that restarts without writes (a crash
    // loop) do not pile up empty segments. (One not above the checkpoint would be ignored by replay.)
    auto size = fs->FileSize(fs::JoinPath(dir, SegmentName(last)));
    if (size.ok() && *size == 0) next = last;
  }

  std::unique_ptr<Writer> w(new Writer(fs, std::move(dir), std::move(options)));
  std::lock_guard<std::mutex> lock(w->mu_);
  w->last_sync_ms_ = w->options_.now_ms();
  if (absl::Status s = w->OpenSegment(next); !s.ok()) return s;
  return w;
}

absl::Status Writer::OpenSegment(uint32_t n) {
  std::string path = fs::JoinPath(dir_, SegmentName(n));
  auto f = fs_->Create(path);
  if (!f.ok()) return Annotate(f.status(), "create segment");
  // Without the directory sync a power loss could drop the whole new file, synced records included.
  if (options_.sync != SyncPolicy::kNever) {
    if (absl::Status s = fs_->SyncDir(dir_); !s.ok()) return Annotate(s, "sync directory");
  }
  file_ = std::move(*f);
  segment_ = n;
  next_record_ = 0;
  rotate_before_write_ = false;
  segments_created_++;
  return absl::OkStatus();
}

absl::Status Writer::CloseSegment() {
  absl::Status s;
  if (options_.sync != SyncPolicy::kNever) s = SyncLocked();
  file_.reset();
  return s;
}

absl::Status Writer::SyncLocked() {
  last_sync_ms_ = options_.now_ms();
  if (file_ == nullptr) return absl::OkStatus();
  Pos target{segment_, file_->Size()};
  if (target <= synced_ || target.offset == 0) return absl::OkStatus();
  return RecordSync(file_->Sync(), target);
}

absl::Status Writer::RecordSync(const absl::Status& s, Pos target) {
  if (!s.ok()) {
    // After a failed fsync the kernel may have dropped the dirty pages: do not write more after them, and do
    // not trust a later fsync of the same file to have saved them.
    failed_sync_segment_ = target.segment;
    if (target.segment == segment_) rotate_before_write_ = true;
    return Annotate(s, "sync");
  }
  fsyncs_++;
  synced_ = std::max(synced_, target);
  return absl::OkStatus();
}

absl::Status Writer::SyncThrough(std::shared_ptr<fs::WritableFile> file, Pos end) {
  std::lock_guard<std::mutex> sync_lock(sync_mu_);
  Pos target = end;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (end.segment == failed_sync_segment_) {
      return absl::DataLossError(
          absl::StrCat("wal: an fsync of ", file->path(), " failed; the batch may not survive a crash"));
    }
    if (end <= synced_) return absl::OkStatus();  // another thread's fsync covered this batch
    if (end.segment == segment_ && file_ != nullptr)
      target.offset = file_->Size();  // cover later batches too
  }
  absl::Status s = file->Sync();
  std::lock_guard<std::mutex> lock(mu_);
  last_sync_ms_ = options_.now_ms();
  return RecordSync(s, target);
}

absl::Status Writer::WriteBatch(std::span<const std::string_view> records) {
  uint64_t start = file_->Size();
  auto encode = [&](uint64_t offset) {
    buf_.clear();
    for (size_t i = 0; i < records.size(); i++) {
      AppendFragments(records[i], next_record_ + static_cast<uint32_t>(i), &offset, &buf_);
    }
  };
  encode(start);
  if (start > 0 && start + buf_.size() > static_cast<uint64_t>(options_.segment_bytes)) {
    absl::Status closed = CloseSegment();
    if (absl::Status s = OpenSegment(segment_ + 1); !s.ok()) {
      rotate_before_write_ = true;  // no file: the next append tries again
      return s;
    }
    if (!closed.ok()) return closed;  // the new segment is in place; the batch was not written
    start = 0;
    encode(start);
  }
  absl::Status s = file_->Append(buf_);
  if (!s.ok()) {
    write_errors_++;
    // Cut the partial batch so that no reader sees half of it, and so that the next batch follows good data.
    if (absl::Status cut = file_->Truncate(start); !cut.ok()) {
      rotate_before_write_ = true;
      return Annotate(
          s, absl::StrCat("append (and cutting back the partial write failed: ", cut.message(), ")"));
    }
    return Annotate(s, absl::StrCat("append (log cut back to offset ", start, ")"));
  }
  next_record_ += static_cast<uint32_t>(records.size());
  bytes_written_ += buf_.size();
  records_ += records.size();
  if (buf_.capacity() > kMaxRetainedBuffer) std::string().swap(buf_);
  return absl::OkStatus();
}

absl::Status Writer::Append(std::span<const std::string_view> records) {
  std::shared_ptr<fs::WritableFile> file;
  Pos end;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return absl::FailedPreconditionError("wal: append to a closed log in " + dir_);
    if (rotate_before_write_ || file_ == nullptr) {
      if (file_ != nullptr) CloseSegment().IgnoreError();  // its tail is already known bad
      if (absl::Status s = OpenSegment(segment_ + 1); !s.ok()) return s;
    }
    if (absl::Status s = WriteBatch(records); !s.ok()) return s;
    switch (options_.sync) {
      case SyncPolicy::kNever:
        return absl::OkStatus();
      case SyncPolicy::kInterval:
        if (options_.now_ms() - last_sync_ms_ >= options_.sync_interval_ms) return SyncLocked();
        return absl::OkStatus();
      case SyncPolicy::kAlways:
        file = file_;
        end = Pos{segment_, file_->Size()};
        break;
    }
  }
  return SyncThrough(std::move(file), end);
}

absl::Status Writer::Sync() {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return absl::OkStatus();
  return SyncLocked();
}

absl::StatusOr<uint32_t> Writer::Rotate() {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return absl::FailedPreconditionError("wal: rotate a closed log in " + dir_);
  uint32_t closed = segment_;
  absl::Status synced = file_ != nullptr ? CloseSegment() : absl::OkStatus();
  if (absl::Status s = OpenSegment(segment_ + 1); !s.ok()) return s;
  if (!synced.ok()) return synced;
  return closed;
}

absl::Status Writer::Truncate(uint32_t last_segment, std::span<const std::string_view> checkpoint_records) {
  std::lock_guard<std::mutex> truncate_lock(truncate_mu_);
  if (last_segment >= current_segment()) {
    return absl::InvalidArgumentError(absl::StrCat("wal: truncate up to segment ", last_segment,
                                                   " which is still being written; rotate first"));
  }
  auto contents = ListDir(*fs_, dir_);
  if (!contents.ok()) return Annotate(contents.status(), "list directory");
  if (auto cp = contents->latest_checkpoint(); cp && *cp >= last_segment) {
    // Replacing it would leave a moment with no checkpoint for segments already deleted.
    return absl::InvalidArgumentError(
        absl::StrCat("wal: checkpoint ", *cp, " already covers segment ", last_segment, "; rotate first"));
  }

  const std::string final_dir = fs::JoinPath(dir_, CheckpointName(last_segment));
  const std::string tmp_dir = final_dir + std::string(kTmpSuffix);
  if (absl::Status s = fs::RemoveDirAndFiles(*fs_, tmp_dir); !s.ok()) return Annotate(s, "remove old temp");
  if (absl::Status s = fs_->CreateDir(tmp_dir); !s.ok()) return Annotate(s, "create checkpoint");
  auto file = fs_->Create(fs::JoinPath(tmp_dir, kCheckpointSegment));
  if (!file.ok()) return Annotate(file.status(), "create checkpoint");
  std::string buf;
  uint64_t offset = 0;
  for (size_t i = 0; i < checkpoint_records.size(); i++) {
    AppendFragments(checkpoint_records[i], static_cast<uint32_t>(i), &offset, &buf);
    if (buf.size() >= kCheckpointChunk || i + 1 == checkpoint_records.size()) {
      if (absl::Status s = (*file)->Append(buf); !s.ok()) return Annotate(s, "write checkpoint");
      buf.clear();
    }
  }
  if (absl::Status s = (*file)->Sync(); !s.ok()) return Annotate(s, "sync checkpoint");
  file->reset();
  if (absl::Status s = fs_->SyncDir(tmp_dir); !s.ok()) return Annotate(s, "sync checkpoint");
  if (absl::Status s = fs_->Rename(tmp_dir, final_dir); !s.ok()) return Annotate(s, "publish checkpoint");
  if (absl::Status s = fs_->SyncDir(dir_); !s.ok()) return Annotate(s, "sync directory");
  checkpoints_++;

  // The checkpoint is durable: what it replaces can go. A failure here leaves files replay ignores.
  for (uint32_t n : contents->segments) {
    if (n > last_segment) break;
    absl::Status s = fs_->Remove(fs::JoinPath(dir_, SegmentName(n)));
    if (!s.ok() && !absl::IsNotFound(s)) return Annotate(s, "remove segment");
  }
  for (uint32_t n : contents->checkpoints) {
    absl::Status s = fs::RemoveDirAndFiles(*fs_, fs::JoinPath(dir_, CheckpointName(n)));
    if (!s.ok()) return Annotate(s, "remove old checkpoint");
  }
  return fs_->SyncDir(dir_);
}

absl::Status Writer::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return absl::OkStatus();
  closed_ = true;
  absl::Status s = file_ != nullptr ? SyncLocked() : absl::OkStatus();
  file_.reset();
  return s;
}

uint32_t Writer::current_segment() const {
  std::lock_guard<std::mutex> lock(mu_);
  return segment_;
}

WriterStats Writer::stats() const {
  WriterStats s;
  s.bytes_written = bytes_written_.load();
  s.records = records_.load();
  s.segments_created = segments_created_.load();
  s.fsyncs = fsyncs_.load();
  s.write_errors = write_errors_.load();
  s.checkpoints = checkpoints_.load();
  return s;
}

}  // namespace foresight::storage::wal
