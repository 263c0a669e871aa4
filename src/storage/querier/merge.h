// Combining sources: series sets from the head and from blocks, merged by labels, and sample iterators of
// the same series from several sources merged by time (equal timestamps collapse to one sample).
#pragma once

#include <memory>
#include <vector>

#include "storage/storage.h"

namespace foresight::storage {

// Merges sets that are each sorted by labels into one sorted set; series present in several sets are
// combined into one whose samples are merged by time.
std::unique_ptr<SeriesSet> MergeSeriesSets(std::vector<std::unique_ptr<SeriesSet>> sets);

// Merges iterators over the same series; on equal timestamps the earliest iterator in the list wins.
std::unique_ptr<SampleIterator> MergeIterators(std::vector<std::unique_ptr<SampleIterator>> its);

// A set holding ready series (used for empty results and small in-memory sets).
class VectorSeriesSet final : public SeriesSet {
 public:
  explicit VectorSeriesSet(std::vector<std::unique_ptr<Series>> series, absl::Status err = absl::OkStatus())
      : series_(std::move(series)), err_(std::move(err)) {}
  bool Next() override { return ++pos_ < series_.size(); }
  const Series& At() const override { return *series_[pos_]; }
  absl::Status Err() const override { return err_; }

 private:
  std::vector<std::unique_ptr<Series>> series_;
  size_t pos_ = static_cast<size_t>(-1);
  absl::Status err_;
};

}  // namespace foresight::storage
