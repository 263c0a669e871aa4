#include "storage/fs/faulty_fs.h"

#include <cerrno>
#include <limits>

namespace foresight::storage::fs {

struct FaultyFs::State {
  struct FileInfo {
    uint64_t synced = 0;        // bytes made durable by Sync
    bool durable_entry = true;  // the directory entry survives a crash
  };

  std::mutex mu;
  uint64_t write_budget = std::numeric_limits<uint64_t>::max();
  bool fail_syncs = false;
  bool fail_truncates = false;
  uint64_t epoch = 0;  // bumped by Crash: handles from an older epoch are dead
  bool down = false;   // between Crash and Restart every call fails
  uint64_t bytes_written = 0;
  uint64_t syncs = 0;
  std::map<std::string, FileInfo> files;
};

namespace {

std::string DirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

absl::Status Down(const std::string& path) {
  return absl::UnavailableError("faulty fs: " + path + ": the simulated machine is down (call Restart)");
}

absl::Status Crashed(const std::string& path) {
  return absl::InternalError("faulty fs: " + path + ": file used after a simulated crash");
}

class FaultyWritableFile final : public WritableFile {
 public:
  FaultyWritableFile(std::unique_ptr<WritableFile> base, std::shared_ptr<FaultyFs::State> state,
                     uint64_t epoch)
      : base_(std::move(base)), state_(std::move(state)), epoch_(epoch) {}

  absl::Status Append(std::string_view data) override {
    std::lock_guard<std::mutex> lock(state_->mu);
    if (state_->epoch != epoch_) return Crashed(path());
    bool full = data.size() > state_->write_budget;
    std::string_view part = full ? data.substr(0, state_->write_budget) : data;
    absl::Status s = base_->Append(part);
    state_->write_budget -= part.size();
    state_->bytes_written += part.size();
    if (!s.ok()) return s;
    if (full) return ErrnoStatus("write", path(), ENOSPC);
    return absl::OkStatus();
  }

  absl::Status Sync() override {
    std::lock_guard<std::mutex> lock(state_->mu);
    if (state_->epoch != epoch_) return Crashed(path());
    if (state_->fail_syncs) return ErrnoStatus("fdatasync", path(), EIO);
    if (absl::Status s = base_->Sync(); !s.ok()) return s;
    state_->syncs++;
    state_->files[path()].synced = base_->Size();
    return absl::OkStatus();
  }

  absl::Status Truncate(uint64_t size) override {
    std::lock_guard<std::mutex> lock(state_->mu);
    if (state_->epoch != epoch_) return Crashed(path());
    if (state_->fail_truncates) return ErrnoStatus("ftruncate", path(), EIO);
    if (absl::Status s = base_->Truncate(size); !s.ok()) return s;
    auto& info = state_->files[path()];
    if (info.synced > size) info.synced = size;
    return absl::OkStatus();
  }

  uint64_t Size() const override { return base_->Size(); }
  const std::string& path() const override { return base_->path(); }

 private:
  std::unique_ptr<WritableFile> base_;
  std::shared_ptr<FaultyFs::State> state_;
  uint64_t epoch_;
};

}  // namespace

FaultyFs::FaultyFs(FileSystem* base) : base_(base), state_(std::make_shared<State>()) {}
FaultyFs::~FaultyFs() = default;

void FaultyFs::FailWritesAfter(uint64_t bytes) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->write_budget = bytes;
}

void FaultyFs::ClearWriteLimit() { FailWritesAfter(std::numeric_limits<uint64_t>::max()); }

void FaultyFs::FailSyncs(bool fail) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->fail_syncs = fail;
}

void FaultyFs::FailTruncates(bool fail) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->fail_truncates = fail;
}

uint64_t FaultyFs::bytes_written() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->bytes_written;
}

uint64_t FaultyFs::syncs() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->syncs;
}

absl::Status FaultyFs::Crash(CrashOptions options) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->epoch++;
  state_->down = true;
  absl::Status result;
  for (const auto& [path, info] : state_->files) {
    if (!info.durable_entry && options.drop_unsynced_files) {
      if (absl::Status s = base_->Remove(path); !s.ok() && !absl::IsNotFound(s)) result.Update(s);
      continue;
    }
    auto size = base_->FileSize(path);
    if (absl::IsNotFound(size.status())) continue;  // removed since
    if (!size.ok()) {
      result.Update(size.status());
      continue;
    }
    uint64_t keep = info.synced + options.keep_unsynced_bytes;
    if (keep < info.synced) keep = std::numeric_limits<uint64_t>::max();  // overflow
    if (*size > keep) result.Update(base_->Truncate(path, keep));
  }
  state_->files.clear();  // what is left on disk is now durable
  return result;
}

absl::StatusOr<std::unique_ptr<WritableFile>> FaultyFs::Wrap(const std::string& path, bool create) {
  std::lock_guard<std::mutex> lock(state_->mu);
  if (state_->down) return Down(path);
  auto existed = base_->FileSize(path);
  auto f = create ? base_->Create(path) : base_->OpenForAppend(path);
  if (!f.ok()) return f.status();
  auto it = state_->files.find(path);
  if (it == state_->files.end()) {
    // A file this wrapper has not seen is durable as it is; a new one is not until its directory is synced.
    State::FileInfo info;
    info.durable_entry = existed.ok();
    info.synced = existed.ok() ? *existed : 0;
    it = state_->files.emplace(path, info).first;
  }
  if (create) it->second.synced = 0;
  return std::unique_ptr<WritableFile>(
      std::make_unique<FaultyWritableFile>(std::move(*f), state_, state_->epoch));
}

absl::StatusOr<std::unique_ptr<WritableFile>> FaultyFs::OpenForAppend(const std::string& path) {
  return Wrap(path, /*create=*/false);
}

absl::StatusOr<std::unique_ptr<WritableFile>> FaultyFs::Create(const std::string& path) {
  return Wrap(path, /*create=*/true);
}

absl::Status FaultyFs::CheckUp(const std::string& path) const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->down ? Down(path) : absl::OkStatus();
}

void FaultyFs::Restart() {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->down = false;
}

absl::StatusOr<std::unique_ptr<ReadableFile>> FaultyFs::OpenForRead(const std::string& path) {
  if (absl::Status s = CheckUp(path); !s.ok()) return s;
  return base_->OpenForRead(path);
}

absl::Status FaultyFs::Rename(const std::string& from, const std::string& to) {
  std::lock_guard<std::mutex> lock(state_->mu);
  if (state_->down) return Down(from);
  if (absl::Status s = base_->Rename(from, to); !s.ok()) return s;
  // Move the tracking of `from` (or of files inside it, when a directory is renamed) to the new name.
  std::map<std::string, State::FileInfo> moved;
  for (auto it = state_->files.begin(); it != state_->files.end();) {
    if (it->first == from || it->first.starts_with(from + "/")) {
      moved[to + it->first.substr(from.size())] = it->second;
      it = state_->files.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& [p, info] : moved) state_->files[p] = info;
  return absl::OkStatus();
}

absl::Status FaultyFs::Remove(const std::string& path) {
  std::lock_guard<std::mutex> lock(state_->mu);
  if (state_->down) return Down(path);
  if (absl::Status s = base_->Remove(path); !s.ok()) return s;
  state_->files.erase(path);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> FaultyFs::ListDir(const std::string& path) {
  if (absl::Status s = CheckUp(path); !s.ok()) return s;
  return base_->ListDir(path);
}

absl::Status FaultyFs::CreateDir(const std::string& path) {
  if (absl::Status s = CheckUp(path); !s.ok()) return s;
  return base_->CreateDir(path);
}

absl::Status FaultyFs::Truncate(const std::string& path, uint64_t size) {
  std::lock_guard<std::mutex> lock(state_->mu);
  if (state_->down) return Down(path);
  if (state_->fail_truncates) return ErrnoStatus("truncate", path, EIO);
  if (absl::Status s = base_->Truncate(path, size); !s.ok()) return s;
  auto it = state_->files.find(path);
  if (it != state_->files.end() && it->second.synced > size) it->second.synced = size;
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> FaultyFs::FileSize(const std::string& path) {
  if (absl::Status s = CheckUp(path); !s.ok()) return s;
  return base_->FileSize(path);
}

absl::StatusOr<bool> FaultyFs::IsDirectory(const std::string& path) {
  if (absl::Status s = CheckUp(path); !s.ok()) return s;
  return base_->IsDirectory(path);
}

absl::Status FaultyFs::SyncDir(const std::string& path) {
  std::lock_guard<std::mutex> lock(state_->mu);
  if (state_->down) return Down(path);
  if (state_->fail_syncs) return ErrnoStatus("fsync", path, EIO);
  if (absl::Status s = base_->SyncDir(path); !s.ok()) return s;
  state_->syncs++;
  for (auto& [p, info] : state_->files) {
    if (DirOf(p) == path || DirOf(p) + "/" == path) info.durable_entry = true;
  }
  return absl::OkStatus();
}

}  // namespace foresight::storage::fs
