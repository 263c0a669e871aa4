#include "storage/block/querier.h"

#include <algorithm>
#include <cstdlib>
#include <set>

#include "storage/encoding/chunk.h"

namespace foresight::storage::block {
namespace {

class BlockSeriesIterator : public SampleIterator {
 public:
  BlockSeriesIterator(std::shared_ptr<const Block> block, std::vector<ChunkMeta> chunks, int64_t mint,
                      int64_t maxt)
      : block_(std::move(block)), chunks_(std::move(chunks)), mint_(mint), maxt_(maxt) {}

  bool Next() override {
    if (done_) return false;
    return Advance(/*seek=*/false, mint_);
  }

  bool Seek(int64_t t) override {
    if (done_) return false;
    if (has_cur_ && cur_.t >= t) return true;
    return Advance(/*seek=*/true, std::max(t, mint_));
  }

  Sample At() const override { return cur_; }
  absl::Status Err() const override { return err_; }

  void AppendRange(int64_t lo, int64_t hi, std::vector<Sample>* out) override {
    lo = std::max(lo, mint_);
    hi = std::min(hi, maxt_);
    Done();
    for (const ChunkMeta& c : chunks_) {
      if (c.maxt < lo) continue;
      if (c.mint > hi) break;
      auto view = block_->Chunk(c.ref);
      if (!view.ok()) {
        err_ = view.status();
        return;
      }
      auto it = encoding::NewChunkIterator(view->encoding, view->bytes);
      it->AppendRange(lo, hi, out);
      if (!it->Err().ok()) {
        err_ = it->Err();
        return;
      }
    }
  }

  bool LastInRange(int64_t lo, int64_t hi, Sample* out) override {
    lo = std::max(lo, mint_);
    hi = std::min(hi, maxt_);
    Done();
    if (lo > hi) return false;
    // A block's chunks of a series are in time order and do not overlap: the answer is in the last chunk
    // starting at or before hi, or nowhere (see the head's ChunkListIterator).
    for (size_t i = chunks_.size(); i-- > 0;) {
      const ChunkMeta& c = chunks_[i];
      if (c.mint > hi) continue;
      if (c.maxt < lo) return false;
      auto view = block_->Chunk(c.ref);
      if (!view.ok()) {
        err_ = view.status();
        return false;
      }
      auto it = encoding::NewChunkIterator(view->encoding, view->bytes);
      bool found = it->LastInRange(lo, hi, out);
      if (!it->Err().ok()) err_ = it->Err();
      return found && err_.ok();
    }
    return false;
  }

 private:
  bool Done() {
    done_ = true;
    has_cur_ = false;
    it_.reset();
    return false;
  }

  // Moves to the next sample (seek=false) or the first sample >= t (seek=true) within [mint, maxt].
  bool Advance(bool seek, int64_t t) {
    while (true) {
      bool ok;
      if (!it_) {
        while (next_ < chunks_.size() && chunks_[next_].maxt < t) ++next_;
        if (next_ >= chunks_.size() || chunks_[next_].mint > maxt_) return Done();
        auto view = block_->Chunk(chunks_[next_++].ref);
        if (!view.ok()) {
          err_ = view.status();
          return Done();
        }
        it_ = encoding::NewChunkIterator(view->encoding, view->bytes);
        ok = it_->Seek(t);  // t >= mint_ here, so this also skips samples before the range
      } else {
        ok = seek ? it_->Seek(t) : it_->Next();
      }
      if (!ok) {
        if (auto s = it_->Err(); !s.ok()) {
          err_ = s;
          return Done();
        }
        it_.reset();
        seek = true;  // in the next chunk, start from t (at most its first sample for Next)
        continue;
      }
      cur_ = it_->At();
      if (cur_.t > maxt_) return Done();
      has_cur_ = true;
      return true;
    }
  }

  std::shared_ptr<const Block> block_;
  std::vector<ChunkMeta> chunks_;
  int64_t mint_, maxt_;
  size_t next_ = 0;
  std::unique_ptr<SampleIterator> it_;
  Sample cur_{0, 0};
  bool has_cur_ = false;
  bool done_ = false;
  absl::Status err_;
};

class BlockSeries : public Series {
 public:
  BlockSeries(std::shared_ptr<const Block> block, int64_t mint, int64_t maxt)
      : block_(std::move(block)), mint_(mint), maxt_(maxt) {}
  const Labels& labels() const override { return labels_; }
  std::unique_ptr<SampleIterator> Iterator() const override {
    return NewBlockSeriesIterator(block_, chunks_, mint_, maxt_);
  }

  Labels labels_;
  std::vector<ChunkMeta> chunks_;

 private:
  std::shared_ptr<const Block> block_;
  int64_t mint_, maxt_;
};

class BlockSeriesSet : public SeriesSet {
 public:
  BlockSeriesSet(std::shared_ptr<const Block> block, index::Postings postings, int64_t mint, int64_t maxt)
      : block_(block),
        ids_(postings.cardinality()),
        mint_(mint),
        maxt_(maxt),
        series_(std::move(block), mint, maxt) {
    postings.toUint32Array(ids_.data());
  }

  bool Next() override {
    while (pos_ < ids_.size()) {
      if (auto s = block_->SeriesAt(ids_[pos_++], &series_.labels_, &all_chunks_); !s.ok()) {
        err_ = s;
        pos_ = ids_.size();
        return false;
      }
      series_.chunks_.clear();
      for (const ChunkMeta& c : all_chunks_) {
        if (c.maxt >= mint_ && c.mint <= maxt_) series_.chunks_.push_back(c);
      }
      if (!series_.chunks_.empty()) return true;
    }
    return false;
  }
  const Series& At() const override { return series_; }
  absl::Status Err() const override { return err_; }

 private:
  std::shared_ptr<const Block> block_;
  std::vector<uint32_t> ids_;
  size_t pos_ = 0;
  int64_t mint_, maxt_;
  BlockSeries series_;
  std::vector<ChunkMeta> all_chunks_;
  absl::Status err_;
};

class ErrorSeriesSet : public SeriesSet {
 public:
  explicit ErrorSeriesSet(absl::Status s) : err_(std::move(s)) {}
  bool Next() override { return false; }
  const Series& At() const override { std::abort(); }
  absl::Status Err() const override { return err_; }

 private:
  absl::Status err_;
};

class EmptySeriesSet : public ErrorSeriesSet {
 public:
  EmptySeriesSet() : ErrorSeriesSet(absl::OkStatus()) {}
};

}  // namespace

std::unique_ptr<SampleIterator> NewBlockSeriesIterator(std::shared_ptr<const Block> block,
                                                       std::vector<ChunkMeta> chunks, int64_t mint,
                                                       int64_t maxt) {
  return std::make_unique<BlockSeriesIterator>(std::move(block), std::move(chunks), mint, maxt);
}

BlockQuerier::BlockQuerier(std::shared_ptr<const Block> block, int64_t mint, int64_t maxt)
    : block_(std::move(block)), mint_(mint), maxt_(maxt) {}

std::unique_ptr<SeriesSet> BlockQuerier::Select(std::span<const Matcher> matchers, const SelectHints* hints) {
  // The block holds [min_time, max_time): nothing to return when the range misses it.
  if (maxt_ < block_->meta().min_time || mint_ >= block_->meta().max_time || maxt_ < mint_) {
    return std::make_unique<EmptySeriesSet>();
  }
  index::Postings p = index::PostingsForMatchers(*block_, matchers);
  if (auto s = block_->IndexError(); !s.ok()) return std::make_unique<ErrorSeriesSet>(s);
  return std::make_unique<BlockSeriesSet>(block_, std::move(p), mint_, maxt_);
}

absl::StatusOr<std::vector<std::string>> BlockQuerier::LabelValues(std::string_view name,
                                                                   std::span<const Matcher> matchers) {
  std::vector<std::string> out;
  if (matchers.empty()) {
    out = block_->LabelValues(name);
  } else {
    index::Postings p = index::PostingsForMatchers(*block_, matchers);
    std::set<std::string, std::less<>> values;
    Labels labels;
    for (uint32_t id : p) {
      if (auto s = block_->SeriesAt(id, &labels, nullptr); !s.ok()) return s;
      std::string_view v = labels.Get(name);
      if (!v.empty() && values.find(v) == values.end()) values.emplace(v);
    }
    out.assign(values.begin(), values.end());
  }
  if (auto s = block_->IndexError(); !s.ok()) return s;
  return out;
}

absl::StatusOr<std::vector<std::string>> BlockQuerier::LabelNames(std::span<const Matcher> matchers) {
  std::vector<std::string> out;
  if (matchers.empty()) {
    out = block_->LabelNames();
  } else {
    index::Postings p = index::PostingsForMatchers(*block_, matchers);
    std::set<std::string, std::less<>> names;
    Labels labels;
    for (uint32_t id : p) {
      if (auto s = block_->SeriesAt(id, &labels, nullptr); !s.ok()) return s;
      for (const Label& l : labels) {
        if (names.find(l.name) == names.end()) names.insert(l.name);
      }
    }
    out.assign(names.begin(), names.end());
  }
  if (auto s = block_->IndexError(); !s.ok()) return s;
  return out;
}

}  // namespace foresight::storage::block
