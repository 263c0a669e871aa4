// Writes one immutable block: series in label order with their chunks. The block is built in
// <parent>/<id>.tmp and renamed to <parent>/<id> only when complete and synced, so a crash or an error
// never leaves a half block under a block name. Format: docs/format/block.md.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/labels.h"
#include "storage/block/chunks.h"
#include "storage/block/file.h"
#include "storage/block/index_writer.h"
#include "storage/block/meta.h"
#include "storage/encoding/chunk.h"

namespace foresight::storage::block {

// One chunk handed to the writer. `mint` and `maxt` are the first and last sample times (inclusive).
struct ChunkData {
  int64_t mint = 0;
  int64_t maxt = 0;
  encoding::ChunkEncoding encoding = encoding::ChunkEncoding::kCompact;
  std::string_view bytes;
};

struct BlockWriterOptions {
  uint64_t max_segment_bytes = kDefaultMaxSegmentBytes;
  fs::FileSystem* fs = nullptr;  // default: fs::DefaultFs() (tests inject failures with fs::FaultyFs)
  // Recorded in meta.json: 1 and {own id} for a block cut from the head; set by compaction.
  int level = 1;
  std::vector<std::string> sources;
  std::vector<std::string> parents;
};

class BlockWriter {
 public:
  // Starts a block covering [mint, maxt) (maxt exclusive) in `parent_dir`, which must exist.
  static absl::StatusOr<std::unique_ptr<BlockWriter>> Create(const std::string& parent_dir, int64_t mint,
                                                             int64_t maxt, BlockWriterOptions options = {});
  // Removes the temporary directory unless Finish succeeded.
  ~BlockWriter();

  // Adds a series. Labels must be non-empty with no empty name or value, and strictly greater
  // (labels operator<) than the previous series'. Chunks must be in time order, not overlapping, inside
  // [mint, maxt). Such mistakes return InvalidArgument and leave the writer usable; a write error is
  // returned naming the file, removes the temporary directory and makes every later call fail.
  absl::Status AddSeries(const Labels& labels, std::span<const ChunkData> chunks);

  // Writes the index and meta.json, syncs everything and renames the block into place.
  absl::StatusOr<BlockMeta> Finish();

  const std::string& id() const { return meta_.id; }

 private:
  BlockWriter(std::string parent_dir, BlockMeta meta, BlockWriterOptions options);
  absl::Status Fail(absl::Status s);  // records a sticky error and removes the temporary directory
  absl::Status WriteFile(const std::string& path, std::string_view data);
  std::string tmp_dir() const;

  std::string parent_dir_;
  BlockMeta meta_;
  BlockWriterOptions options_;
  std::unique_ptr<ChunkSegmentWriter> chunks_;
  IndexWriter index_;
  std::optional<Labels> last_;
  std::vector<ChunkMeta> metas_;  // scratch
  absl::Status error_;
  bool done_ = false;
};

}  // namespace foresight::storage::block
