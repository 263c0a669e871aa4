#include "storage/block/block.h"

#include <sys/stat.h>

#include "storage/block/coding.h"
#include "storage/block/index_file.h"

namespace foresight::storage::block {

Block::Block(std::string dir, BlockMeta meta, std::unique_ptr<IndexFile> index,
             std::unique_ptr<ChunkSegmentReader> chunks, uint64_t size_bytes)
    : dir_(std::move(dir)),
      meta_(std::move(meta)),
      index_(std::move(index)),
      chunks_(std::move(chunks)),
      size_bytes_(size_bytes) {}

Block::~Block() = default;

absl::StatusOr<std::shared_ptr<Block>> Block::Open(const std::string& dir) {
  auto meta = ReadMeta(dir);
  if (!meta.ok()) return meta.status();
  auto index = IndexFile::Open(Cat(dir, "/", kIndexFilename));
  if (!index.ok()) return index.status();
  if ((*index)->num_series() != meta->stats.num_series) {
    return absl::DataLossError(Cat(dir, ": index has ", (*index)->num_series(), " series, ", kMetaFilename,
                                   " says ", meta->stats.num_series));
  }
  auto chunks = ChunkSegmentReader::Open(Cat(dir, "/", kChunksDirname));
  if (!chunks.ok()) return chunks.status();
  uint64_t size = (*index)->size_bytes() + (*chunks)->size_bytes();
  struct stat st;
  if (::stat(Cat(dir, "/", kMetaFilename).c_str(), &st) == 0) size += static_cast<uint64_t>(st.st_size);
  return std::shared_ptr<Block>(
      new Block(dir, std::move(*meta), std::move(*index), std::move(*chunks), size));
}

uint32_t Block::num_series() const { return index_->num_series(); }

absl::Status Block::SeriesAt(index::SeriesId id, Labels* labels, std::vector<ChunkMeta>* chunks) const {
  std::vector<Label> ls;
  if (auto s = index_->Series(id, &ls, chunks); !s.ok()) return s;
  *labels = Labels::FromSorted(std::move(ls));  // written from a Labels: sorted, no duplicates
  return absl::OkStatus();
}

absl::StatusOr<ChunkView> Block::Chunk(ChunkRef ref) const { return chunks_->Chunk(ref); }

void Block::RecordError(const absl::Status& s) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (error_.ok()) error_ = s;
  has_error_.store(true, std::memory_order_release);
}

absl::Status Block::IndexError() const {
  if (!has_error_.load(std::memory_order_acquire)) return absl::OkStatus();
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

index::Postings Block::PostingsFor(std::string_view name, std::string_view value) const {
  auto p = index_->PostingsFor(name, value);
  if (!p.ok()) {
    RecordError(p.status());
    return {};
  }
  return std::move(*p);
}

index::Postings Block::PostingsForValues(std::string_view name,
                                         const std::function<bool(std::string_view)>& accept) const {
  auto p = index_->PostingsForValues(name, accept);
  if (!p.ok()) {
    RecordError(p.status());
    return {};
  }
  return std::move(*p);
}

index::Postings Block::AllPostings() const {
  index::Postings p;
  if (num_series() > 0) p.addRange(0, num_series());
  return p;
}

std::vector<std::string> Block::LabelValues(std::string_view name) const {
  auto v = index_->LabelValues(name);
  if (!v.ok()) {
    RecordError(v.status());
    return {};
  }
  return std::move(*v);
}

std::vector<std::string> Block::LabelNames() const {
  auto v = index_->LabelNames();
  if (!v.ok()) {
    RecordError(v.status());
    return {};
  }
  return std::move(*v);
}

absl::Status Block::Verify() const {
  if (auto s = index_->Verify(); !s.ok()) return s;
  std::vector<Label> labels;
  std::vector<ChunkMeta> chunks;
  for (index::SeriesId id = 0; id < num_series(); ++id) {
    if (auto s = index_->Series(id, &labels, &chunks); !s.ok()) return s;
    for (const ChunkMeta& c : chunks) {
      if (c.mint < meta_.min_time || c.maxt >= meta_.max_time) {
        return absl::DataLossError(Cat(dir_, ": series ", id, " has a chunk outside the block's time range"));
      }
      if (auto v = chunks_->Chunk(c.ref); !v.ok()) return v.status();
    }
  }
  return absl::OkStatus();
}

}  // namespace foresight::storage::block
