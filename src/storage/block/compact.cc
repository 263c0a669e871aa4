#include "storage/block/compact.h"

#include <algorithm>
#include <limits>

#include "storage/block/coding.h"
#include "storage/encoding/chunk.h"

namespace foresight::storage::block {
namespace {

using encoding::ChunkEncoding;

// Encodes samples into chunks of at most `max` samples; the owned bytes go to `store`, views to `out`.
void EncodeRuns(std::span<const Sample> samples, int max, std::vector<std::string>* store,
                std::vector<ChunkData>* out) {
  for (size_t i = 0; i < samples.size(); i += static_cast<size_t>(max)) {
    auto run = samples.subspan(i, std::min<size_t>(static_cast<size_t>(max), samples.size() - i));
    store->push_back(encoding::EncodeChunk(run, ChunkEncoding::kCompact));
    out->push_back(ChunkData{run.front().t, run.back().t, ChunkEncoding::kCompact, {}});
  }
}

// Fills in the views once `store` has stopped growing (its strings may move while it grows).
void PointAtStore(const std::vector<std::string>& store, size_t first_owned, std::vector<ChunkData>* out) {
  size_t k = first_owned;
  for (ChunkData& c : *out) {
    if (c.bytes.data() == nullptr) c.bytes = store[k++];
  }
}

absl::Status DecodeInto(const ChunkView& v, int input, std::vector<std::pair<Sample, int>>* out) {
  auto it = encoding::NewChunkIterator(v.encoding, v.bytes);
  while (it->Next()) out->push_back({it->At(), input});
  return it->Err();
}

// One input block, read series by series in label order.
struct Cursor {
  const Block* block;
  int input;
  index::SeriesId next = 0;
  bool valid = false;
  Labels labels;
  std::vector<ChunkMeta> chunks;

  absl::Status Advance() {
    valid = next < block->num_series();
    if (!valid) return absl::OkStatus();
    return block->SeriesAt(next++, &labels, &chunks);
  }
};

struct InputChunk {
  ChunkMeta meta;
  int input;
};

// Turns the chunks of one series from several inputs into the chunks of the output.
class SeriesMerger {
 public:
  SeriesMerger(std::span<const std::shared_ptr<Block>> inputs, const CompactOptions& o)
      : inputs_(inputs), o_(o) {}

  absl::Status Merge(std::vector<InputChunk>& in, std::vector<ChunkData>* out) {
    out->clear();
    store_.clear();
    pending_.clear();
    std::sort(in.begin(), in.end(), [](const InputChunk& a, const InputChunk& b) {
      return a.meta.mint != b.meta.mint ? a.meta.mint < b.meta.mint : a.input < b.input;
    });
    for (size_t i = 0; i < in.size();) {
      // A cluster: chunks overlapping each other in time (transitively).
      size_t j = i + 1;
      int64_t end = in[i].meta.maxt;
      while (j < in.size() && in[j].meta.mint <= end) end = std::max(end, in[j++].meta.maxt);
      if (j == i + 1) {
        auto v = inputs_[static_cast<size_t>(in[i].input)]->Chunk(in[i].meta.ref);
        if (!v.ok()) return v.status();
        if (auto s = Keep(in[i].meta, *v, out); !s.ok()) return s;
      } else {
        if (auto s = MergeCluster(std::span(in).subspan(i, j - i)); !s.ok()) return s;
        Flush(false, out);
      }
      i = j;
    }
    Flush(true, out);
    PointAtStore(store_, 0, out);
    return absl::OkStatus();
  }

 private:
  // A chunk overlapping no other: copied when big and compact enough, else joined to the pending samples.
  absl::Status Keep(const ChunkMeta& m, const ChunkView& v, std::vector<ChunkData>* out) {
    bool copy = o_.min_samples_to_copy <= 0;
    if (!copy && v.encoding == ChunkEncoding::kCompact) {
      auto n = encoding::ChunkNumSamples(v.encoding, v.bytes);
      if (!n.ok()) return n.status();
      copy = *n >= o_.min_samples_to_copy;
    }
    if (copy) {
      Flush(true, out);
      out->push_back(ChunkData{m.mint, m.maxt, v.encoding, v.bytes});
      return absl::OkStatus();
    }
    tagged_.clear();
    if (auto s = DecodeInto(v, 0, &tagged_); !s.ok()) return s;
    for (const auto& [s, input] : tagged_) pending_.push_back(s);
    Flush(false, out);
    return absl::OkStatus();
  }

  absl::Status MergeCluster(std::span<const InputChunk> cluster) {
    tagged_.clear();
    for (const InputChunk& c : cluster) {
      auto v = inputs_[static_cast<size_t>(c.input)]->Chunk(c.meta.ref);
      if (!v.ok()) return v.status();
      if (auto s = DecodeInto(*v, c.input, &tagged_); !s.ok()) return s;
    }
    std::stable_sort(tagged_.begin(), tagged_.end(), [](const auto& a, const auto& b) {
      return a.first.t != b.first.t ? a.first.t < b.first.t : a.second < b.second;
    });
    for (size_t k = 0; k < tagged_.size(); ++k) {
      if (k > 0 && tagged_[k].first.t == tagged_[k - 1].first.t) continue;  // the first input's sample wins
      pending_.push_back(tagged_[k].first);
    }
    return absl::OkStatus();
  }

  // Encodes pending samples: all of them (`all`), or only whole chunks' worth.
  void Flush(bool all, std::vector<ChunkData>* out) {
    size_t max = static_cast<size_t>(o_.max_samples_per_chunk);
    size_t n = all ? pending_.size() : pending_.size() / max * max;
    if (n == 0) return;
    EncodeRuns(std::span(pending_).first(n), o_.max_samples_per_chunk, &store_, out);
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<ptrdiff_t>(n));
  }

  std::span<const std::shared_ptr<Block>> inputs_;
  const CompactOptions& o_;
  std::vector<Sample> pending_;
  std::vector<std::pair<Sample, int>> tagged_;
  std::vector<std::string> store_;
};

}  // namespace

absl::StatusOr<BlockMeta> Compact(const std::string& parent_dir,
                                  std::span<const std::shared_ptr<Block>> inputs,
                                  const CompactOptions& options) {
  if (inputs.empty()) return absl::InvalidArgumentError("compaction needs at least one input block");
  if (options.max_samples_per_chunk < 1)
    return absl::InvalidArgumentError("max_samples_per_chunk must be >= 1");
  int64_t mint = std::numeric_limits<int64_t>::max(), maxt = std::numeric_limits<int64_t>::min();
  BlockWriterOptions wo = options.writer;
  wo.level = 0;
  wo.sources.clear();
  wo.parents.clear();
  std::vector<Cursor> cursors;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const BlockMeta& m = inputs[i]->meta();
    mint = std::min(mint, m.min_time);
    maxt = std::max(maxt, m.max_time);
    wo.level = std::max(wo.level, m.level + 1);
    wo.sources.insert(wo.sources.end(), m.sources.begin(), m.sources.end());
    wo.parents.push_back(m.id);
    cursors.push_back(Cursor{inputs[i].get(), static_cast<int>(i), 0, false, {}, {}});
    if (auto s = cursors.back().Advance(); !s.ok()) return s;
  }
  std::sort(wo.sources.begin(), wo.sources.end());
  wo.sources.erase(std::unique(wo.sources.begin(), wo.sources.end()), wo.sources.end());

  auto writer = BlockWriter::Create(parent_dir, mint, maxt, std::move(wo));
  if (!writer.ok()) return writer.status();
  SeriesMerger merger(inputs, options);
  std::vector<InputChunk> chunks;
  std::vector<ChunkData> out;
  while (true) {
    // The smallest labels among the cursors; every cursor holding them contributes its chunks.
    const Labels* min = nullptr;
    for (const Cursor& c : cursors) {
      if (c.valid && (min == nullptr || c.labels < *min)) min = &c.labels;
    }
    if (min == nullptr) break;
    Labels labels = *min;
    chunks.clear();
    for (Cursor& c : cursors) {
      if (!c.valid || !(c.labels == labels)) continue;
      for (const ChunkMeta& m : c.chunks) chunks.push_back(InputChunk{m, c.input});
      if (auto s = c.Advance(); !s.ok()) return s;
    }
    if (auto s = merger.Merge(chunks, &out); !s.ok()) return s;
    if (auto s = (*writer)->AddSeries(labels, out); !s.ok()) {
      return absl::Status(s.code(), Cat("compaction into ", parent_dir, ": ", s.message()));
    }
  }
  return (*writer)->Finish();
}

absl::StatusOr<BlockMeta> WriteBlockFromSeries(const std::string& parent_dir, int64_t mint, int64_t maxt,
                                               const SeriesSource& next, const WriteSeriesOptions& options) {
  if (options.max_samples_per_chunk < 1)
    return absl::InvalidArgumentError("max_samples_per_chunk must be >= 1");
  auto writer = BlockWriter::Create(parent_dir, mint, maxt, options.writer);
  if (!writer.ok()) return writer.status();
  Labels labels;
  std::vector<Sample> samples;
  std::vector<std::string> store;
  std::vector<ChunkData> chunks;
  while (true) {
    samples.clear();
    auto more = next(&labels, &samples);
    if (!more.ok()) return more.status();
    if (!*more) break;
    if (samples.empty()) continue;
    for (size_t i = 1; i < samples.size(); ++i) {
      if (samples[i].t <= samples[i - 1].t) {
        return absl::InvalidArgumentError(
            Cat("series ", labels.ToString(), ": samples not in strictly increasing time order"));
      }
    }
    store.clear();
    chunks.clear();
    EncodeRuns(samples, options.max_samples_per_chunk, &store, &chunks);
    PointAtStore(store, 0, &chunks);
    if (auto s = (*writer)->AddSeries(labels, chunks); !s.ok()) return s;
  }
  return (*writer)->Finish();
}

}  // namespace foresight::storage::block
