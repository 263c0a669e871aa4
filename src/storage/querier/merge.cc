#include "storage/querier/merge.h"

namespace foresight::storage {
namespace {

class MergedIterator final : public SampleIterator {
 public:
  explicit MergedIterator(std::vector<std::unique_ptr<SampleIterator>> its) : its_(std::move(its)) {
    valid_.assign(its_.size(), false);
  }

  bool Next() override {
    if (!started_) {
      started_ = true;
      for (size_t i = 0; i < its_.size(); ++i) valid_[i] = its_[i]->Next();
    } else {
      Advance();
    }
    return Pick();
  }

  bool Seek(int64_t t) override {
    if (started_ && has_cur_ && cur_.t >= t) return true;
    started_ = true;
    for (size_t i = 0; i < its_.size(); ++i) {
      if (valid_[i] && its_[i]->At().t >= t) continue;
      valid_[i] = its_[i]->Seek(t);
    }
    return Pick();
  }

  Sample At() const override { return cur_; }

  void AppendRange(int64_t lo, int64_t hi, std::vector<Sample>* out) override {
    // Each source's window in bulk, then merged by time. Sources mostly follow each other (blocks, then the
    // head), so the merge is usually an append; equal timestamps keep the earlier source's sample.
    const size_t base = out->size();
    std::vector<Sample> part, merged;
    for (size_t i = 0; i < its_.size(); ++i) {
      part.clear();
      its_[i]->AppendRange(lo, hi, &part);
      if (part.empty()) continue;
      if (out->size() == base || (*out).back().t < part.front().t) {
        out->insert(out->end(), part.begin(), part.end());
        continue;
      }
      merged.clear();
      merged.reserve(out->size() - base + part.size());
      auto a = out->begin() + static_cast<std::ptrdiff_t>(base), a_end = out->end();
      auto b = part.begin();
      while (a != a_end || b != part.end()) {
        if (b == part.end() || (a != a_end && a->t <= b->t)) {
          if (b != part.end() && a->t == b->t) ++b;
          merged.push_back(*a++);
        } else {
          merged.push_back(*b++);
        }
      }
      out->resize(base);
      out->insert(out->end(), merged.begin(), merged.end());
    }
  }

  bool LastInRange(int64_t lo, int64_t hi, Sample* out) override {
    // Newest first (the head is usually last), narrowing the range for the rest; on equal timestamps the
    // earlier iterator wins, as in Pick.
    bool found = false;
    for (size_t i = its_.size(); i-- > 0;) {
      Sample s;
      if (its_[i]->LastInRange(found ? out->t : lo, hi, &s) && (!found || s.t >= out->t)) {
        *out = s;
        found = true;
      }
    }
    return found;
  }

  absl::Status Err() const override {
    for (const auto& it : its_) {
      if (auto s = it->Err(); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

 private:
  // Moves every iterator sitting on the current timestamp past it.
  void Advance() {
    if (!has_cur_) return;
    for (size_t i = 0; i < its_.size(); ++i) {
      if (valid_[i] && its_[i]->At().t == cur_.t) valid_[i] = its_[i]->Next();
    }
  }

  bool Pick() {
    has_cur_ = false;
    for (size_t i = 0; i < its_.size(); ++i) {
      if (!valid_[i]) continue;
      Sample s = its_[i]->At();
      if (!has_cur_ || s.t < cur_.t) {
        cur_ = s;
        has_cur_ = true;
      }
    }
    return has_cur_;
  }

  std::vector<std::unique_ptr<SampleIterator>> its_;
  std::vector<bool> valid_;
  bool started_ = false;
  bool has_cur_ = false;
  Sample cur_{0, 0};
};

class MergedSeries final : public Series {
 public:
  void Reset(std::vector<const Series*> parts) { parts_ = std::move(parts); }
  const Labels& labels() const override { return parts_.front()->labels(); }
  std::unique_ptr<SampleIterator> Iterator() const override {
    std::vector<std::unique_ptr<SampleIterator>> its;
    its.reserve(parts_.size());
    for (const Series* p : parts_) its.push_back(p->Iterator());
    return MergeIterators(std::move(its));
  }

 private:
  std::vector<const Series*> parts_;
};

class MergedSeriesSet final : public SeriesSet {
 public:
  explicit MergedSeriesSet(std::vector<std::unique_ptr<SeriesSet>> sets) : sets_(std::move(sets)) {
    valid_.assign(sets_.size(), false);
  }

  bool Next() override {
    if (!started_) {
      started_ = true;
      for (size_t i = 0; i < sets_.size(); ++i) valid_[i] = sets_[i]->Next();
    } else {
      for (size_t i : current_) valid_[i] = sets_[i]->Next();
    }
    current_.clear();
    const Labels* min = nullptr;
    for (size_t i = 0; i < sets_.size(); ++i) {
      if (!valid_[i]) continue;
      const Labels& l = sets_[i]->At().labels();
      if (min == nullptr || l < *min) {
        min = &l;
        current_.assign(1, i);
      } else if (l == *min) {
        current_.push_back(i);
      }
    }
    if (current_.empty()) return false;
    std::vector<const Series*> parts;
    for (size_t i : current_) parts.push_back(&sets_[i]->At());
    merged_.Reset(std::move(parts));
    return true;
  }

  const Series& At() const override {
    if (current_.size() == 1) return sets_[current_[0]]->At();
    return merged_;
  }

  absl::Status Err() const override {
    for (const auto& s : sets_) {
      if (auto st = s->Err(); !st.ok()) return st;
    }
    return absl::OkStatus();
  }

  std::vector<std::string> Warnings() const override {
    std::vector<std::string> out;
    for (const auto& s : sets_) {
      for (auto& w : s->Warnings()) out.push_back(std::move(w));
    }
    return out;
  }

 private:
  std::vector<std::unique_ptr<SeriesSet>> sets_;
  std::vector<bool> valid_;
  std::vector<size_t> current_;
  bool started_ = false;
  MergedSeries merged_;
};

}  // namespace

std::unique_ptr<SeriesSet> MergeSeriesSets(std::vector<std::unique_ptr<SeriesSet>> sets) {
  if (sets.size() == 1) return std::move(sets.front());
  return std::make_unique<MergedSeriesSet>(std::move(sets));
}

std::unique_ptr<SampleIterator> MergeIterators(std::vector<std::unique_ptr<SampleIterator>> its) {
  if (its.size() == 1) return std::move(its.front());
  return std::make_unique<MergedIterator>(std::move(its));
}

}  // namespace foresight::storage
