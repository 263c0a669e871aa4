#include "storage/block/file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <span>

namespace foresight::storage::block {

BufferedFile::BufferedFile(std::unique_ptr<fs::WritableFile> file) : file_(std::move(file)) {
  buf_.reserve(kBufSize);
}

absl::StatusOr<std::unique_ptr<BufferedFile>> BufferedFile::Create(fs::FileSystem& fs,
                                                                   const std::string& path) {
  auto f = fs.Create(path);
  if (!f.ok()) return f.status();
  return std::make_unique<BufferedFile>(std::move(*f));
}

absl::Status BufferedFile::Append(std::string_view data) {
  if (buf_.size() + data.size() <= kBufSize) {
    buf_.append(data);
    return absl::OkStatus();
  }
  if (auto s = Flush(); !s.ok()) return s;
  if (data.size() >= kBufSize) return file_->Append(data);
  buf_.append(data);
  return absl::OkStatus();
}

absl::Status BufferedFile::Flush() {
  if (buf_.empty()) return absl::OkStatus();
  absl::Status s = file_->Append(buf_);
  buf_.clear();
  return s;
}

absl::Status BufferedFile::Sync() {
  if (auto s = Flush(); !s.ok()) return s;
  return file_->Sync();
}

absl::StatusOr<std::unique_ptr<MappedFile>> MappedFile::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fs::ErrnoStatus("open", path, errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return fs::ErrnoStatus("stat", path, err);
  }
  size_t size = static_cast<size_t>(st.st_size);
  void* addr = nullptr;
  if (size > 0) {
    addr = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
    if (addr == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      return fs::ErrnoStatus("mmap", path, err);
    }
  }
  ::close(fd);  // the mapping keeps the file alive
  return std::unique_ptr<MappedFile>(new MappedFile(path, addr, size));
}

MappedFile::~MappedFile() {
  if (addr_ != nullptr) ::munmap(addr_, size_);
}

absl::Status RemoveTree(fs::FileSystem& fs, const std::string& path) {
  auto names = fs.ListDir(path);
  if (absl::IsNotFound(names.status())) return absl::OkStatus();
  if (!names.ok()) return names.status();
  for (const std::string& n : *names) {
    std::string child = fs::JoinPath(path, n);
    auto dir = fs.IsDirectory(child);
    absl::Status s = dir.ok() && *dir ? RemoveTree(fs, child) : fs.Remove(child);
    if (!s.ok() && !absl::IsNotFound(s)) return s;
  }
  absl::Status s = fs.Remove(path);
  return absl::IsNotFound(s) ? absl::OkStatus() : s;
}

absl::Status ReadWholeFile(fs::FileSystem& fs, const std::string& path, std::string* out) {
  auto f = fs.OpenForRead(path);
  if (!f.ok()) return f.status();
  auto size = (*f)->Size();
  if (!size.ok()) return size.status();
  out->resize(*size);
  auto n = (*f)->ReadAt(0, std::span<char>(out->data(), out->size()));
  if (!n.ok()) return n.status();
  out->resize(*n);
  return absl::OkStatus();
}

}  // namespace foresight::storage::block
