// A narrow filesystem interface for the storage engine. Everything that touches disk goes through it so that
// tests can inject faults (a full disk, a failing fsync, a crash that drops unsynced data) with FaultyFs
// instead of needing a broken disk. Errors are values: every failure names the path and the errno text.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace foresight::storage::fs {

// A file open for appending. Not thread-safe.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Writes all of `data` at the end of the file. On error a prefix of `data` may have been written
  // (as with a real full disk); Size() then reports what the file actually holds.
  virtual absl::Status Append(std::string_view data) = 0;
  // Makes the bytes written so far durable (fdatasync).
  virtual absl::Status Sync() = 0;
  // Cuts the file to `size` bytes; later appends continue from there.
  virtual absl::Status Truncate(uint64_t size) = 0;
  // Bytes in the file, including any partial write of a failed Append.
  virtual uint64_t Size() const = 0;
  virtual const std::string& path() const = 0;
};

// A file open for reading at arbitrary offsets. Thread-compatible.
class ReadableFile {
 public:
  virtual ~ReadableFile() = default;
  // Reads up to dst.size() bytes at `offset`; returns the count read, less than asked only at end of file.
  virtual absl::StatusOr<size_t> ReadAt(uint64_t offset, std::span<char> dst) const = 0;
  virtual absl::StatusOr<uint64_t> Size() const = 0;
  virtual const std::string& path() const = 0;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // Opens `path` for appending, creating it when missing; writes go after the existing bytes.
  virtual absl::StatusOr<std::unique_ptr<WritableFile>> OpenForAppend(const std::string& path) = 0;
  // Creates `path` empty, replacing any file there.
  virtual absl::StatusOr<std::unique_ptr<WritableFile>> Create(const std::string& path) = 0;
  virtual absl::StatusOr<std::unique_ptr<ReadableFile>> OpenForRead(const std::string& path) = 0;
  // Atomically replaces `to` with `from` (files or directories; rename(2) semantics).
  virtual absl::Status Rename(const std::string& from, const std::string& to) = 0;
  // Removes a file or an empty directory. NotFound when missing.
  virtual absl::Status Remove(const std::string& path) = 0;
  // Names (not paths) of the entries of a directory, sorted, without "." and "..".
  virtual absl::StatusOr<std::vector<std::string>> ListDir(const std::string& path) = 0;
  // Creates a directory; OK when it already exists.
  virtual absl::Status CreateDir(const std::string& path) = 0;
  virtual absl::Status Truncate(const std::string& path, uint64_t size) = 0;
  virtual absl::StatusOr<uint64_t> FileSize(const std::string& path) = 0;
  virtual absl::StatusOr<bool> IsDirectory(const std::string& path) = 0;
  // Makes creations, removals and renames inside directory `path` durable.
  virtual absl::Status SyncDir(const std::string& path) = 0;
};

// The real filesystem (POSIX calls). Shared by everyone: it holds no state.
FileSystem* DefaultFs();

// Builds an error from errno for an operation on a path: "write /d/wal/00000003: No space left on device".
// ENOSPC and EDQUOT become ResourceExhausted (with "disk full" in the message), ENOENT NotFound, others
// Internal.
absl::Status ErrnoStatus(std::string_view op, std::string_view path, int err);

// Joins a directory and a name with one '/'.
std::string JoinPath(std::string_view dir, std::string_view name);

// Removes a directory and the files in it (one level: what checkpoints need). OK when missing.
absl::Status RemoveDirAndFiles(FileSystem& fs, const std::string& path);

}  // namespace foresight::storage::fs
