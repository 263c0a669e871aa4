#include "storage/head/head_querier.h"

#include <algorithm>
#include <mutex>
#include <shared_mutex>

#include "storage/encoding/xor_chunk.h"
#include "storage/querier/merge.h"

namespace foresight::storage::head {
namespace {

class ChunkListIterator final : public SampleIterator {
 public:
  ChunkListIterator(std::vector<ChunkRef> chunks, int64_t mint, int64_t maxt)
      : chunks_(std::move(chunks)), mint_(mint), maxt_(maxt) {}

  bool Next() override {
    while (true) {
      if (cur_ && cur_->Next()) {
        Sample s = cur_->At();
        if (s.t < mint_) continue;
        if (s.t > maxt_) return Finish();
        positioned_ = true;
        return true;
      }
      if (cur_ && !cur_->Err().ok()) return Finish();
      if (!OpenNext()) return false;
    }
  }

  bool Seek(int64_t t) override {
    if (done_) return false;
    t = std::max(t, mint_);
    if (cur_ && positioned_ && cur_->At().t >= t) return true;
    // Whole chunks that end before t are skipped without decoding them.
    if (cur_ && chunks_[next_ - 1].maxt < t) cur_.reset();
    if (!cur_) {
      while (next_ < chunks_.size() && chunks_[next_].maxt < t) ++next_;
    }
    while (true) {
      if (cur_ && cur_->Seek(t)) {
        positioned_ = true;
        if (cur_->At().t > maxt_) return Finish();
        return true;
      }
      if (cur_ && !cur_->Err().ok()) return Finish();
      if (!OpenNext()) return false;
    }
  }

  Sample At() const override { return cur_->At(); }

  absl::Status Err() const override { return err_; }

  void AppendRange(int64_t lo, int64_t hi, std::vector<Sample>* out) override {
    lo = std::max(lo, mint_);
    hi = std::min(hi, maxt_);
    done_ = true;
    if (lo > hi) return;
    size_t first = 0, last = chunks_.size();
    while (first < last && chunks_[first].maxt < lo) ++first;
    while (last > first && chunks_[last - 1].mint > hi) --last;
    // The chunk headers give an upper bound on the count: one allocation instead of the vector's regrowth.
    size_t bound = 0;
    for (size_t i = first; i < last; ++i) {
      if (chunks_[i].encoding != encoding::ChunkEncoding::kXor) continue;
      auto n = encoding::XorNumSamples(*chunks_[i].bytes);
      bound += n.ok() ? static_cast<size_t>(*n) : 0;
    }
    out->reserve(out->size() + bound);
    for (size_t i = first; i < last; ++i) {
      auto it = encoding::NewChunkIterator(chunks_[i].encoding, *chunks_[i].bytes);
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
    done_ = true;
    if (lo > hi) return false;
    // Head chunks are in time order and do not overlap: the answer is in the newest chunk starting at or
    // before hi. When that chunk ends by hi, its last sample is the answer and nothing is decoded.
    for (size_t i = chunks_.size(); i-- > 0;) {
      const ChunkRef& c = chunks_[i];
      if (c.mint > hi) continue;
      if (c.maxt < lo) return false;
      if (c.maxt <= hi) {
        *out = Sample{c.maxt, c.last_v};
        return true;
      }
      if (c.prev_t != kMinTime && c.prev_t <= hi) {  // hi falls between the chunk's last two samples
        if (c.prev_t < lo) return false;
        *out = Sample{c.prev_t, c.prev_v};
        return true;
      }
      auto it = encoding::NewChunkIterator(c.encoding, *c.bytes);
      bool found = it->LastInRange(lo, hi, out);
      if (!it->Err().ok()) err_ = it->Err();
      // Not found here means no sample in [lo, hi] at all: c starts at or before hi, so if it started at or
      // after lo its first sample would be in range; and earlier chunks end before c starts.
      return found && err_.ok();
    }
    return false;
  }

 private:
  bool OpenNext() {
    if (cur_ && !cur_->Err().ok()) err_ = cur_->Err();
    if (next_ >= chunks_.size() || !err_.ok()) return Finish();
    const ChunkRef& c = chunks_[next_++];
    cur_ = encoding::NewChunkIterator(c.encoding, *c.bytes);
    positioned_ = false;
    return true;
  }

  bool Finish() {
    if (cur_ && !cur_->Err().ok() && err_.ok()) err_ = cur_->Err();
    done_ = true;
    cur_.reset();
    next_ = chunks_.size();
    return false;
  }

  std::vector<ChunkRef> chunks_;
  int64_t mint_;
  int64_t maxt_;
  size_t next_ = 0;
  std::unique_ptr<SampleIterator> cur_;
  bool positioned_ = false;
  bool done_ = false;
  absl::Status err_;
};

class HeadSeries final : public Series {
 public:
  HeadSeries(Labels labels, std::vector<ChunkRef> chunks, int64_t mint, int64_t maxt)
      : labels_(std::move(labels)), chunks_(std::move(chunks)), mint_(mint), maxt_(maxt) {}
  const Labels& labels() const override { return labels_; }
  std::unique_ptr<SampleIterator> Iterator() const override {
    return std::make_unique<ChunkListIterator>(chunks_, mint_, maxt_);
  }

 private:
  Labels labels_;
  std::vector<ChunkRef> chunks_;
  int64_t mint_;
  int64_t maxt_;
};

class HeadQuerier final : public Querier {
 public:
  HeadQuerier(const Head* head, int64_t mint, int64_t maxt)
      : head_(head),
        epoch_(head->AcquireEpoch()),
        mint_(std::max(mint, head->min_read_time())),
        maxt_(maxt) {}

  std::unique_ptr<SeriesSet> Select(std::span<const Matcher> matchers, const SelectHints* hints) override {
    std::vector<std::unique_ptr<Series>> out;
    if (mint_ > maxt_) return std::make_unique<VectorSeriesSet>(std::move(out));
    index::Postings ids = index::PostingsForMatchers(*head_, matchers);
    std::vector<MemSeries*> found;
    found.reserve(ids.cardinality());
    for (uint32_t id : ids) {
      if (MemSeries* s = head_->ById(id)) found.push_back(s);
    }
    const bool labels_only = hints != nullptr && hints->func == "series";
    // Series lie scattered in memory: fetching a few ahead hides most of the cache misses (each loop below
    // was a third of an instant query over 10k series). Only the series' own address: what it points to
    // may be changing under its lock (head truncation), so it is not read before the lock is taken.
    constexpr size_t kAhead = 8;
    struct Entry {
      MemSeries* series;
      std::vector<ChunkRef> chunks;
      Labels labels;
    };
    std::vector<Entry> entries;
    entries.reserve(found.size());
    {
      // Exclusive against commits being applied: every series is snapshotted at the same commit boundary.
      // Series without samples in the range are dropped here, before their labels are decoded and sorted.
      std::unique_lock lock(head_->isolation_mu());
      for (size_t i = 0; i < found.size(); ++i) {
        if (i + kAhead < found.size()) found[i + kAhead]->PrefetchSeriesForRead();
        std::vector<ChunkRef> chunks;
        {
          std::lock_guard slock(found[i]->mu());
          if (!labels_only) found[i]->ChunksLocked(mint_, maxt_, &chunks);
        }
        if (chunks.empty() && !labels_only) continue;
        entries.push_back(Entry{found[i], std::move(chunks), {}});
      }
    }
    for (size_t i = 0; i < entries.size(); ++i) {
      if (i + kAhead < entries.size()) entries[i + kAhead].series->PrefetchSeriesForRead();
      entries[i].labels = head_->LabelsOf(*entries[i].series);
    }
    std::sort(entries.begin(), entries.end(),
              [](const Entry& a, const Entry& b) { return a.labels < b.labels; });
    out.reserve(entries.size());
    for (Entry& e : entries) {
      out.push_back(std::make_unique<HeadSeries>(std::move(e.labels), std::move(e.chunks), mint_, maxt_));
    }
    return std::make_unique<VectorSeriesSet>(std::move(out));
  }

  absl::StatusOr<std::vector<std::string>> LabelValues(std::string_view name,
                                                       std::span<const Matcher> matchers) override {
    if (matchers.empty()) return head_->LabelValues(name);
    std::vector<std::string> out;
    for (uint32_t id : index::PostingsForMatchers(*head_, matchers)) {
      if (MemSeries* s = head_->ById(id)) {
        Labels labels = head_->LabelsOf(*s);  // kept alive: Get returns a view into it
        std::string_view v = labels.Get(name);
        if (!v.empty()) out.emplace_back(v);
      }
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }

  absl::StatusOr<std::vector<std::string>> LabelNames(std::span<const Matcher> matchers) override {
    if (matchers.empty()) return head_->LabelNames();
    std::vector<std::string> out;
    for (uint32_t id : index::PostingsForMatchers(*head_, matchers)) {
      if (MemSeries* s = head_->ById(id)) {
        for (const auto& l : head_->LabelsOf(*s)) out.push_back(l.name);
      }
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }

 private:
  const Head* head_;
  std::shared_ptr<Epoch> epoch_;
  int64_t mint_;
  int64_t maxt_;
};

}  // namespace

std::unique_ptr<Querier> NewHeadQuerier(const Head* head, int64_t mint, int64_t maxt) {
  return std::make_unique<HeadQuerier>(head, mint, maxt);
}

std::unique_ptr<SampleIterator> NewChunkListIterator(std::vector<ChunkRef> chunks, int64_t mint,
                                                     int64_t maxt) {
  return std::make_unique<ChunkListIterator>(std::move(chunks), mint, maxt);
}

}  // namespace foresight::storage::head
