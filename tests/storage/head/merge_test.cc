// Merging a series' samples from several sources (blocks and head): the bulk and newest-sample reads must
// give what stepping through the merged iterator gives, with sources that follow, overlap and interleave.
#include "storage/querier/merge.h"

#include <gtest/gtest.h>

#include <optional>
#include <random>

namespace foresight::storage {
namespace {

class VectorIterator final : public SampleIterator {
 public:
  explicit VectorIterator(std::vector<Sample> s) : s_(std::move(s)) {}
  bool Next() override { return ++i_ < s_.size(); }
  bool Seek(int64_t t) override {
    if (i_ == kNone) i_ = 0;
    while (i_ < s_.size() && s_[i_].t < t) ++i_;
    return i_ < s_.size();
  }
  Sample At() const override { return s_[i_]; }

 private:
  static constexpr size_t kNone = static_cast<size_t>(-1);
  std::vector<Sample> s_;
  size_t i_ = kNone;
};

std::unique_ptr<SampleIterator> Merged(const std::vector<std::vector<Sample>>& sources) {
  std::vector<std::unique_ptr<SampleIterator>> its;
  for (const auto& s : sources) its.push_back(std::make_unique<VectorIterator>(s));
  return MergeIterators(std::move(its));
}

// Source k holds every step-th timestamp from its own offset, values tagged by source so that the winner
// of an equal timestamp is visible.
std::vector<Sample> Source(int k, int64_t from, int64_t to, int64_t step) {
  std::vector<Sample> out;
  for (int64_t t = from; t <= to; t += step) out.push_back(Sample{t, static_cast<double>(k * 1'000'000 + t)});
  return out;
}

TEST(MergeIteratorsTest, BulkAndNewestReadsMatchStepping) {
  const std::vector<std::vector<std::vector<Sample>>> cases = {
      {Source(0, 0, 1000, 10), Source(1, 1010, 2000, 10)},                       // blocks then head
      {Source(0, 0, 1000, 10), Source(1, 900, 2000, 10)},                        // overlapping edge
      {Source(0, 0, 2000, 20), Source(1, 5, 2000, 20), Source(2, 0, 2000, 40)},  // interleaved, ties
      {Source(0, 1000, 2000, 10), Source(1, 0, 900, 10)},                        // out of order sources
      {{}, Source(1, 0, 500, 7), {}},                                            // empty sources
  };
  std::mt19937 rng(11);
  for (size_t c = 0; c < cases.size(); ++c) {
    std::vector<Sample> all;
    auto stepping = Merged(cases[c]);
    while (stepping->Next()) all.push_back(stepping->At());
    for (int trial = 0; trial < 200; ++trial) {
      int64_t lo = static_cast<int64_t>(rng() % 2200) - 100;
      int64_t hi = lo + static_cast<int64_t>(rng() % 900);
      std::vector<Sample> want;
      for (const Sample& s : all) {
        if (s.t >= lo && s.t <= hi) want.push_back(s);
      }
      std::vector<Sample> got{{-5, -5}};  // appended after what the vector held
      Merged(cases[c])->AppendRange(lo, hi, &got);
      ASSERT_EQ(got.size(), want.size() + 1) << "case " << c << " [" << lo << ", " << hi << "]";
      EXPECT_EQ(got[0].t, -5);
      for (size_t k = 0; k < want.size(); ++k) {
        ASSERT_EQ(got[k + 1].t, want[k].t) << "case " << c;
        ASSERT_EQ(got[k + 1].v, want[k].v) << "case " << c << " t " << want[k].t;
      }
      Sample last{};
      bool found = Merged(cases[c])->LastInRange(lo, hi, &last);
      ASSERT_EQ(found, !want.empty());
      if (found) {
        EXPECT_EQ(last.t, want.back().t);
        EXPECT_EQ(last.v, want.back().v);
      }
    }
  }
}

}  // namespace
}  // namespace foresight::storage
