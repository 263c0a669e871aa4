// A small in-memory storage::Queryable for engine tests (the conformance runner uses storage::DB when it
// is built). Series are kept sorted by labels; samples by time.
#pragma once

#include <map>
#include <memory>
#include <vector>

#include "storage/storage.h"

namespace foresight::query::testing {

class MemStorage : public storage::Queryable {
 public:
  // Adds a sample; a second sample at the same timestamp is dropped (the first wins, as in Prometheus' head).
  void Add(const Labels& l, int64_t t, double v) {
    auto& s = series_[l];
    auto it =
        std::lower_bound(s.begin(), s.end(), t, [](const storage::Sample& a, int64_t x) { return a.t < x; });
    if (it == s.end() || it->t != t) s.insert(it, storage::Sample{t, v});
  }
  void Clear() { series_.clear(); }

  absl::StatusOr<std::unique_ptr<storage::Querier>> NewQuerier(int64_t mint, int64_t maxt) override {
    return std::unique_ptr<storage::Querier>(new MemQuerier(this, mint, maxt));
  }

 private:
  using SeriesMap = std::map<Labels, std::vector<storage::Sample>>;

  class Iter : public storage::SampleIterator {
   public:
    explicit Iter(std::vector<storage::Sample> s) : s_(std::move(s)) {}
    bool Next() override { return ++i_ < static_cast<long>(s_.size()); }
    bool Seek(int64_t t) override {
      if (i_ < 0) i_ = 0;
      while (i_ < static_cast<long>(s_.size()) && s_[i_].t < t) ++i_;
      return i_ < static_cast<long>(s_.size());
    }
    storage::Sample At() const override { return s_[i_]; }

   private:
    std::vector<storage::Sample> s_;
    long i_ = -1;
  };

  class MemSeries : public storage::Series {
   public:
    MemSeries(Labels l, std::vector<storage::Sample> s) : l_(std::move(l)), s_(std::move(s)) {}
    const Labels& labels() const override { return l_; }
    std::unique_ptr<storage::SampleIterator> Iterator() const override { return std::make_unique<Iter>(s_); }

   private:
    Labels l_;
    std::vector<storage::Sample> s_;
  };

  class Set : public storage::SeriesSet {
   public:
    explicit Set(std::vector<MemSeries> s) : s_(std::move(s)) {}
    bool Next() override { return ++i_ < static_cast<long>(s_.size()); }
    const storage::Series& At() const override { return s_[i_]; }

   private:
    std::vector<MemSeries> s_;
    long i_ = -1;
  };

  class MemQuerier : public storage::Querier {
   public:
    MemQuerier(MemStorage* st, int64_t mint, int64_t maxt) : st_(st), mint_(mint), maxt_(maxt) {}
    std::unique_ptr<storage::SeriesSet> Select(std::span<const Matcher> ms,
                                               const storage::SelectHints*) override {
      std::vector<MemSeries> out;
      for (const auto& [l, samples] : st_->series_) {
        bool ok = true;
        for (const auto& m : ms) ok = ok && m.Matches(l.Get(m.name()));
        if (!ok) continue;
        std::vector<storage::Sample> in;
        for (const auto& s : samples) {
          if (s.t >= mint_ && s.t <= maxt_) in.push_back(s);
        }
        if (!in.empty()) out.emplace_back(l, std::move(in));
      }
      return std::make_unique<Set>(std::move(out));
    }
    absl::StatusOr<std::vector<std::string>> LabelValues(std::string_view,
                                                         std::span<const Matcher>) override {
      return std::vector<std::string>{};
    }
    absl::StatusOr<std::vector<std::string>> LabelNames(std::span<const Matcher>) override {
      return std::vector<std::string>{};
    }

   private:
    MemStorage* st_;
    int64_t mint_, maxt_;
  };

  SeriesMap series_;
};

}  // namespace foresight::query::testing
