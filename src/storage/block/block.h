// An opened, immutable on-disk block: its meta, its mapped index (an index::IndexReader) and chunk
// segments. Opening reads meta.json, the index header and table of contents and the segment headers;
// nothing else is decoded up front. Safe for concurrent readers. Hold it by shared_ptr: the files may
// be deleted from disk (retention) while readers still use the mapped data.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/labels.h"
#include "storage/block/chunks.h"
#include "storage/block/meta.h"
#include "storage/index/index_reader.h"

namespace foresight::storage::block {

class IndexFile;

class Block : public index::IndexReader {
 public:
  static absl::StatusOr<std::shared_ptr<Block>> Open(const std::string& dir);
  ~Block() override;

  const BlockMeta& meta() const { return meta_; }
  const std::string& dir() const { return dir_; }
  uint32_t num_series() const;
  // Bytes on disk: index, chunk segments and meta.json.
  uint64_t size_bytes() const { return size_bytes_; }

  // The labels of series `id` (its position in label order) and, unless null, its chunk metas.
  absl::Status SeriesAt(index::SeriesId id, Labels* labels, std::vector<ChunkMeta>* chunks) const;
  // The bytes of a chunk (pointing into the mapping: valid while the Block lives).
  absl::StatusOr<ChunkView> Chunk(ChunkRef ref) const;

  // index::IndexReader. These cannot return errors: when they meet corrupt data they return empty
  // results and record the error, which IndexError() then returns (BlockQuerier checks it).
  index::Postings PostingsFor(std::string_view name, std::string_view value) const override;
  index::Postings PostingsForValues(std::string_view name,
                                    const std::function<bool(std::string_view)>& accept) const override;
  index::Postings AllPostings() const override;
  std::vector<std::string> LabelValues(std::string_view name) const override;
  std::vector<std::string> LabelNames() const override;
  absl::Status IndexError() const;

  // Reads and checks everything: every index checksum, every series record, every postings list and
  // every chunk. For tools and tests; opening and querying check only what they touch.
  absl::Status Verify() const;

 private:
  Block(std::string dir, BlockMeta meta, std::unique_ptr<IndexFile> index,
        std::unique_ptr<ChunkSegmentReader> chunks, uint64_t size_bytes);
  void RecordError(const absl::Status& s) const;

  std::string dir_;
  BlockMeta meta_;
  std::unique_ptr<IndexFile> index_;
  std::unique_ptr<ChunkSegmentReader> chunks_;
  uint64_t size_bytes_;
  mutable std::atomic<bool> has_error_{false};
  mutable std::mutex mu_;
  mutable absl::Status error_;  // first error met by an IndexReader method
};

}  // namespace foresight::storage::block
