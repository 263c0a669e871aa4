#include "storage/block/writer.h"

#include "storage/block/coding.h"

namespace foresight::storage::block {

BlockWriter::BlockWriter(std::string parent_dir, BlockMeta meta, BlockWriterOptions options)
    : parent_dir_(std::move(parent_dir)), meta_(std::move(meta)), options_(std::move(options)) {}

absl::StatusOr<std::unique_ptr<BlockWriter>> BlockWriter::Create(const std::string& parent_dir, int64_t mint,
                                                                 int64_t maxt, BlockWriterOptions options) {
  if (maxt <= mint) {
    return absl::InvalidArgumentError(Cat("block time range [", mint, ", ", maxt, ") is empty"));
  }
  if (options.fs == nullptr) options.fs = fs::DefaultFs();
  BlockMeta meta;
  meta.id = NewBlockId();
  meta.min_time = mint;
  meta.max_time = maxt;
  meta.level = options.level;
  meta.sources = options.sources.empty() ? std::vector<std::string>{meta.id} : options.sources;
  meta.parents = options.parents;
  auto w = std::unique_ptr<BlockWriter>(new BlockWriter(parent_dir, std::move(meta), std::move(options)));
  fs::FileSystem& fs = *w->options_.fs;
  if (auto dir = fs.IsDirectory(parent_dir); !dir.ok() || !*dir) {
    return absl::NotFoundError(Cat("block parent directory ", parent_dir, " does not exist"));
  }
  if (auto s = fs.CreateDir(w->tmp_dir()); !s.ok()) return w->Fail(s);
  std::string chunks_dir = fs::JoinPath(w->tmp_dir(), kChunksDirname);
  if (auto s = fs.CreateDir(chunks_dir); !s.ok()) return w->Fail(s);
  w->chunks_ = std::make_unique<ChunkSegmentWriter>(fs, chunks_dir, w->options_.max_segment_bytes);
  return w;
}

BlockWriter::~BlockWriter() {
  if (!done_ && error_.ok()) RemoveTree(*options_.fs, tmp_dir()).IgnoreError();
}

std::string BlockWriter::tmp_dir() const { return Cat(parent_dir_, "/", meta_.id, ".tmp"); }

absl::Status BlockWriter::Fail(absl::Status s) {
  if (error_.ok()) {
    error_ = s;
    chunks_.reset();
    RemoveTree(*options_.fs, tmp_dir()).IgnoreError();
  }
  return s;
}

absl::Status BlockWriter::AddSeries(const Labels& labels, std::span<const ChunkData> chunks) {
  if (!error_.ok()) return error_;
  if (done_) return absl::FailedPreconditionError("block writer already finished");
  auto invalid = [&](std::string_view what) {
    return absl::InvalidArgumentError(Cat("series ", labels.ToString(), ": ", what));
  };
  if (labels.empty()) return invalid("no labels");
  for (const Label& l : labels) {
    if (l.name.empty() || l.value.empty()) return invalid("empty label name or value");
  }
  if (last_ && !(*last_ < labels)) {
    return invalid(Cat("out of order (must come after ", last_->ToString(), ")"));
  }
  for (size_t i = 0; i < chunks.size(); ++i) {
    const ChunkData& c = chunks[i];
    if (c.maxt < c.mint) return invalid(Cat("chunk ", i, " ends before it starts"));
    if (c.mint < meta_.min_time || c.maxt >= meta_.max_time) {
      return invalid(Cat("chunk ", i, " [", c.mint, ", ", c.maxt, "] outside the block's [", meta_.min_time,
                         ", ", meta_.max_time, ")"));
    }
    if (i > 0 && c.mint <= chunks[i - 1].maxt) return invalid(Cat("chunk ", i, " overlaps the one before"));
  }
  uint64_t samples = 0;
  for (size_t i = 0; i < chunks.size(); ++i) {
    auto n = encoding::ChunkNumSamples(chunks[i].encoding, chunks[i].bytes);
    if (!n.ok()) return invalid(Cat("chunk ", i, ": ", n.status().message()));
    samples += static_cast<uint64_t>(*n);
  }
  metas_.clear();
  for (const ChunkData& c : chunks) {
    auto ref = chunks_->Write(c.encoding, c.bytes);
    if (!ref.ok()) return Fail(ref.status());
    metas_.push_back(ChunkMeta{c.mint, c.maxt, *ref});
  }
  if (auto s = index_.AddSeries(labels, metas_); !s.ok()) return Fail(s);
  last_ = labels;
  meta_.stats.num_series++;
  meta_.stats.num_chunks += chunks.size();
  meta_.stats.num_samples += samples;
  return absl::OkStatus();
}

absl::Status BlockWriter::WriteFile(const std::string& path, std::string_view data) {
  auto f = BufferedFile::Create(*options_.fs, path);
  if (!f.ok()) return f.status();
  absl::Status s = (*f)->Append(data);
  if (s.ok()) s = (*f)->Sync();
  return s;
}

absl::StatusOr<BlockMeta> BlockWriter::Finish() {
  if (!error_.ok()) return error_;
  if (done_) return absl::FailedPreconditionError("block writer already finished");
  fs::FileSystem& fs = *options_.fs;
  const std::string tmp = tmp_dir();
  if (auto s = chunks_->Finish(); !s.ok()) return Fail(s);
  {
    auto f = BufferedFile::Create(fs, fs::JoinPath(tmp, kIndexFilename));
    if (!f.ok()) return Fail(f.status());
    absl::Status s = index_.WriteTo(f->get());
    if (s.ok()) s = (*f)->Sync();
    if (!s.ok()) return Fail(s);
  }
  // meta.json last: a directory without it is not a block.
  if (auto s = WriteFile(fs::JoinPath(tmp, kMetaFilename), EncodeMeta(meta_)); !s.ok()) return Fail(s);
  if (auto s = fs.SyncDir(tmp); !s.ok()) return Fail(s);
  const std::string final_dir = fs::JoinPath(parent_dir_, meta_.id);
  if (auto s = fs.Rename(tmp, final_dir); !s.ok()) return Fail(s);
  done_ = true;
  if (auto s = fs.SyncDir(parent_dir_); !s.ok())
    return s;  // the block is complete; only its durability is in doubt
  return meta_;
}

}  // namespace foresight::storage::block
