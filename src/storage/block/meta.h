// A block's identity and description: its id and meta.json. Format: docs/format/block.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace foresight::storage::block {

inline constexpr int kBlockFormatVersion = 1;
inline constexpr std::string_view kMetaFilename = "meta.json";
inline constexpr std::string_view kIndexFilename = "index";
inline constexpr std::string_view kChunksDirname = "chunks";

// A new block id: 26 Crockford base32 characters encoding 48 bits of Unix milliseconds and 80 random
// bits (the ULID layout), so ids sort by creation time. Ids made by one process are strictly increasing.
std::string NewBlockId();
// Whether `s` is a well-formed block id (26 characters of the Crockford alphabet, upper case).
bool IsBlockId(std::string_view s);

struct BlockStats {
  uint64_t num_series = 0;
  uint64_t num_samples = 0;
  uint64_t num_chunks = 0;
};

struct BlockMeta {
  std::string id;
  int64_t min_time = 0;  // inclusive, ms
  int64_t max_time = 0;  // exclusive, ms (as Prometheus): samples have min_time <= t < max_time
  BlockStats stats;
  int level = 1;                     // 1 for a block cut from the head; max(inputs) + 1 for a compaction
  std::vector<std::string> sources;  // ids of the level-1 blocks whose data this block holds (sorted)
  std::vector<std::string> parents;  // ids of the blocks compacted into this one (empty at level 1)
  int version = kBlockFormatVersion;
};

std::string EncodeMeta(const BlockMeta& meta);
// Parses meta.json contents; `path` names the file in errors.
absl::StatusOr<BlockMeta> DecodeMeta(std::string_view json, std::string_view path);
absl::StatusOr<BlockMeta> ReadMeta(const std::string& block_dir);  // through fs::DefaultFs()

}  // namespace foresight::storage::block
