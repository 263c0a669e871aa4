// FaultyFs: a FileSystem wrapper for tests that injects the failures a real disk produces, so that full
// disks, failing fsyncs, torn writes and power losses are ordinary unit tests.
//
// It tracks, for each file written through it, how many bytes were made durable by Sync and whether its
// directory entry was made durable by SyncDir. Crash() then rewrites the underlying files to what a power
// loss could leave: unsynced bytes dropped (or a prefix kept, for a torn tail), files whose creation was
// never synced removed. Renames and removals are modelled as durable at once (the checkpoint code syncs after
// them).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "storage/fs/fs.h"

namespace foresight::storage::fs {

class FaultyFs final : public FileSystem {
 public:
  explicit FaultyFs(FileSystem* base);
  ~FaultyFs() override;

  // After `bytes` more bytes have been written (over all files), writes fail with ENOSPC. The write that
  // crosses the limit writes the prefix that fits, as a real full disk does.
  void FailWritesAfter(uint64_t bytes);
  void ClearWriteLimit();
  // Sync and SyncDir fail with EIO while set.
  void FailSyncs(bool fail);
  // WritableFile::Truncate and Truncate fail with EIO while set.
  void FailTruncates(bool fail);

  struct CrashOptions {
    // Keep up to this many unsynced bytes at the end of each file: a torn write.
    uint64_t keep_unsynced_bytes = 0;
    // Remove files created since their directory was last synced.
    bool drop_unsynced_files = true;
  };
  // Simulates a power loss. Every call then fails (Unavailable) until Restart, so that threads still running
  // cannot write after the "crash"; files opened before it stay dead after Restart too.
  absl::Status Crash(CrashOptions options);
  absl::Status Crash() { return Crash(CrashOptions{}); }
  // Brings the simulated machine back up after Crash: what is on disk is what the crash left.
  void Restart();

  uint64_t bytes_written() const;
  uint64_t syncs() const;

  absl::StatusOr<std::unique_ptr<WritableFile>> OpenForAppend(const std::string& path) override;
  absl::StatusOr<std::unique_ptr<WritableFile>> Create(const std::string& path) override;
  absl::StatusOr<std::unique_ptr<ReadableFile>> OpenForRead(const std::string& path) override;
  absl::Status Rename(const std::string& from, const std::string& to) override;
  absl::Status Remove(const std::string& path) override;
  absl::StatusOr<std::vector<std::string>> ListDir(const std::string& path) override;
  absl::Status CreateDir(const std::string& path) override;
  absl::Status Truncate(const std::string& path, uint64_t size) override;
  absl::StatusOr<uint64_t> FileSize(const std::string& path) override;
  absl::StatusOr<bool> IsDirectory(const std::string& path) override;
  absl::Status SyncDir(const std::string& path) override;

  struct State;  // shared with the open files

 private:
  absl::StatusOr<std::unique_ptr<WritableFile>> Wrap(const std::string& path, bool create);
  absl::Status CheckUp(const std::string& path) const;

  FileSystem* base_;
  std::shared_ptr<State> state_;
};

}  // namespace foresight::storage::fs
