#include "storage/wal/dir.h"

#include <algorithm>

#include "absl/strings/str_format.h"

namespace foresight::storage::wal {
namespace {

constexpr std::string_view kCheckpointPrefix = "checkpoint.";

std::optional<uint32_t> ParseNumber(std::string_view s) {
  if (s.size() != 8) return std::nullopt;
  uint64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  if (n > UINT32_MAX) return std::nullopt;
  return static_cast<uint32_t>(n);
}

}  // namespace

std::string SegmentName(uint32_t n) { return absl::StrFormat("%08u", n); }
std::string CheckpointName(uint32_t n) { return absl::StrFormat("checkpoint.%08u", n); }

std::optional<uint32_t> ParseSegmentName(std::string_view name) { return ParseNumber(name); }

std::optional<uint32_t> ParseCheckpointName(std::string_view name) {
  if (!name.starts_with(kCheckpointPrefix)) return std::nullopt;
  return ParseNumber(name.substr(kCheckpointPrefix.size()));
}

absl::StatusOr<DirContents> ListDir(fs::FileSystem& fs, const std::string& dir) {
  DirContents c;
  auto names = fs.ListDir(dir);
  if (absl::IsNotFound(names.status())) return c;
  if (!names.ok()) return names.status();
  for (const std::string& name : *names) {
    if (auto n = ParseSegmentName(name)) {
      c.segments.push_back(*n);
    } else if (auto n = ParseCheckpointName(name)) {
      c.checkpoints.push_back(*n);
    } else if (name.starts_with(kCheckpointPrefix) && name.ends_with(kTmpSuffix)) {
      c.tmp.push_back(name);
    }
  }
  std::sort(c.segments.begin(), c.segments.end());
  std::sort(c.checkpoints.begin(), c.checkpoints.end());
  return c;
}

}  // namespace foresight::storage::wal
