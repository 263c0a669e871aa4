// Names of the files in a WAL directory (docs/format/wal.md): segments "00000001", checkpoints
// "checkpoint.00000001" and checkpoints being written "checkpoint.00000001.tmp".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "storage/fs/fs.h"

namespace foresight::storage::wal {

std::string SegmentName(uint32_t n);
std::string CheckpointName(uint32_t n);
std::optional<uint32_t> ParseSegmentName(std::string_view name);
std::optional<uint32_t> ParseCheckpointName(std::string_view name);

// The name of the single segment file inside a checkpoint directory.
inline constexpr std::string_view kCheckpointSegment = "00000000";
inline constexpr std::string_view kTmpSuffix = ".tmp";

struct DirContents {
  std::vector<uint32_t> segments;     // ascending
  std::vector<uint32_t> checkpoints;  // ascending; the last one is the one replay reads
  std::vector<std::string> tmp;       // names of interrupted checkpoints
  std::optional<uint32_t> latest_checkpoint() const {
    return checkpoints.empty() ? std::nullopt : std::optional<uint32_t>(checkpoints.back());
  }
};

// Lists a WAL directory; a missing directory is empty. Unknown names are ignored.
absl::StatusOr<DirContents> ListDir(fs::FileSystem& fs, const std::string& dir);

}  // namespace foresight::storage::wal
