// File helpers of the block code. Writes go through storage/fs (so tests inject disk-full and sync failures
// with FaultyFs); reads map the immutable files into memory.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/fs/fs.h"

namespace foresight::storage::block {

// Gathers small appends into large writes to an fs::WritableFile.
class BufferedFile {
 public:
  explicit BufferedFile(std::unique_ptr<fs::WritableFile> file);
  static absl::StatusOr<std::unique_ptr<BufferedFile>> Create(fs::FileSystem& fs, const std::string& path);

  absl::Status Append(std::string_view data);
  absl::Status Flush();
  // Flushes and makes the file durable.
  absl::Status Sync();
  const std::string& path() const { return file_->path(); }

 private:
  static constexpr size_t kBufSize = 1 << 16;
  std::unique_ptr<fs::WritableFile> file_;
  std::string buf_;
};

// A read-only memory map of a whole file. Unlinking the file while mapped is fine (Linux keeps the pages).
class MappedFile {
 public:
  static absl::StatusOr<std::unique_ptr<MappedFile>> Open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::string_view data() const { return {static_cast<const char*>(addr_), size_}; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  MappedFile(std::string path, void* addr, size_t size) : path_(std::move(path)), addr_(addr), size_(size) {}
  std::string path_;
  void* addr_;
  size_t size_;
};

// Removes a directory tree; a missing directory is not an error.
absl::Status RemoveTree(fs::FileSystem& fs, const std::string& path);
absl::Status ReadWholeFile(fs::FileSystem& fs, const std::string& path, std::string* out);

}  // namespace foresight::storage::block
