// Helpers shared by the WAL tests: temporary directories, deterministic records, replay into a vector,
// and an in-memory ReadableFile for loops that read thousands of damaged variants of one segment.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "storage/fs/fs.h"
#include "storage/wal/reader.h"

namespace foresight::storage::wal::testing {

// Status messages are absl::string_view, which gmock's string matchers do not take.
inline std::string Msg(const absl::Status& s) { return std::string(s.message()); }

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "foresight_wal_XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string Sub(std::string_view name) const { return path_ + "/" + std::string(name); }

 private:
  std::string path_;
};

// A record whose bytes depend on `i`, so that a record delivered out of place is noticed.
inline std::string MakeRecord(uint64_t i, size_t size) {
  std::string r(size, '\0');
  uint64_t x = i * 0x9E3779B97F4A7C15ULL + 1;
  for (size_t k = 0; k < size; k++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    r[k] = static_cast<char>(x);
  }
  return r;
}

// Compares record lists without printing megabytes of binary on failure.
inline ::testing::AssertionResult SameRecords(const std::vector<std::string>& got,
                                              const std::vector<std::string>& want) {
  for (size_t i = 0; i < std::min(got.size(), want.size()); i++) {
    if (got[i] != want[i]) {
      return ::testing::AssertionFailure()
             << "record " << i << " differs (" << got[i].size() << " vs " << want[i].size() << " bytes); got "
             << got.size() << " records, want " << want.size();
    }
  }
  if (got.size() != want.size()) {
    return ::testing::AssertionFailure() << "got " << got.size() << " records, want " << want.size();
  }
  return ::testing::AssertionSuccess();
}

struct Replayed {
  std::vector<std::string> records;
  ReplayReport report;
};

inline Replayed ReplayAll(fs::FileSystem& fs, const std::string& dir, ReplayOptions options = {}) {
  Replayed out;
  auto report = Replay(
      fs, dir,
      [&](std::string_view r) {
        out.records.emplace_back(r);
        return absl::OkStatus();
      },
      options);
  EXPECT_TRUE(report.ok()) << report.status();
  if (report.ok()) out.report = std::move(*report);
  return out;
}

inline std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void WriteFileBytes(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

class StringFile final : public fs::ReadableFile {
 public:
  explicit StringFile(std::string_view data, std::string path = "mem")
      : data_(data), path_(std::move(path)) {}
  absl::StatusOr<size_t> ReadAt(uint64_t offset, std::span<char> dst) const override {
    if (offset >= data_.size()) return size_t{0};
    size_t n = std::min(dst.size(), data_.size() - static_cast<size_t>(offset));
    std::copy_n(data_.data() + offset, n, dst.data());
    return n;
  }
  absl::StatusOr<uint64_t> Size() const override { return data_.size(); }
  const std::string& path() const override { return path_; }

 private:
  std::string_view data_;
  std::string path_;
};

struct SegmentRead {
  std::vector<std::string> records;
  SegmentResult result;
};

inline SegmentRead ReadBytes(std::string_view bytes) {
  SegmentRead out;
  StringFile f(bytes);
  auto r = ReadSegment(f, [&](std::string_view rec) {
    out.records.emplace_back(rec);
    return absl::OkStatus();
  });
  EXPECT_TRUE(r.ok()) << r.status();
  if (r.ok()) out.result = std::move(*r);
  return out;
}

}  // namespace foresight::storage::wal::testing
