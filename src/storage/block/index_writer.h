// Builds a block's index file from series given in label order. Internal to storage/block.
// Format: docs/format/index.md.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "common/labels.h"
#include "storage/block/chunks.h"
#include "storage/block/file.h"

namespace foresight::storage::block {

class IndexWriter {
 public:
  // Labels must be valid and in strictly increasing order and the chunks ordered and non-overlapping:
  // the BlockWriter checks both before calling.
  absl::Status AddSeries(const Labels& labels, std::span<const ChunkMeta> chunks);
  // Writes the whole index to `file` (not synced or closed).
  absl::Status WriteTo(BufferedFile* file);

  uint32_t num_series() const { return static_cast<uint32_t>(series_ends_.size()); }

 private:
  uint32_t Intern(const std::string& s);

  // Symbols in order of first appearance (a deque: the map's keys point into it).
  std::deque<std::string> symbols_;
  absl::flat_hash_map<std::string_view, uint32_t> symbol_ids_;
  // Per series, back to back: uvarint label count, (name id, value id) as uvarints in first-appearance
  // ids, then the encoded chunk metas. series_ends_[i] is where series i ends.
  std::string series_buf_;
  std::vector<uint64_t> series_ends_;
  // (name id << 32 | value id) -> ids of the series having it, increasing.
  absl::flat_hash_map<uint64_t, std::vector<uint32_t>> postings_;
};

// Appends the index encoding of a series' chunk metas (count, then delta-encoded ranges and refs).
void EncodeChunkMetas(std::span<const ChunkMeta> chunks, std::string* dst);

}  // namespace foresight::storage::block
