// BlockQuerier against a brute-force evaluation over the same data.
#include <bit>
#include <filesystem>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "block_test_util.h"
#include "storage/block/querier.h"

namespace foresight::storage::block {
namespace {

using testing::BruteForce;
using testing::ExpectSameSeries;
using testing::M;
using testing::ReadAll;
using testing::SeriesMap;
using testing::TempDir;

constexpr int64_t kMint = 1'000'000, kMaxt = kMint + 3'600'000;

class BlockQuerierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = testing::Generate(1500, kMint, kMaxt, 15000, 7);
    block_ = testing::WriteAndOpen(dir_.path(), data_, kMint, kMaxt, 100);
    ASSERT_NE(block_, nullptr);
  }
  TempDir dir_;
  SeriesMap data_;
  std::shared_ptr<Block> block_;
};

TEST_F(BlockQuerierTest, EveryMatcherTypeAgainstBruteForce) {
  const std::vector<std::vector<Matcher>> cases = {
      {M(MatchType::kEqual, "__name__", "up")},
      {M(MatchType::kEqual, "__name__", "mémoire_octets")},
      {M(MatchType::kEqual, "job", "ジョブ")},
      {M(MatchType::kEqual, "job", "nope")},
      {M(MatchType::kEqual, "__name__", "up"), M(MatchType::kEqual, "job", "api")},
      {M(MatchType::kEqual, "__name__", "up"), M(MatchType::kNotEqual, "job", "api")},
      {M(MatchType::kEqual, "__name__", "up"),
       M(MatchType::kNotEqual, "mode", "idle")},  // keeps series without mode
      {M(MatchType::kEqual, "__name__", "up"), M(MatchType::kEqual, "mode", "")},     // series without mode
      {M(MatchType::kEqual, "__name__", "up"), M(MatchType::kNotEqual, "mode", "")},  // series with mode
      {M(MatchType::kRegexMatch, "__name__", "http_.*|up")},
      {M(MatchType::kRegexMatch, "job", "api|db")},  // a set of literals
      {M(MatchType::kRegexMatch, "instance", "host-1.*")},
      {M(MatchType::kRegexMatch, "instance", "host-[0-9]:9100"),
       M(MatchType::kRegexNoMatch, "job", "web|cache")},
      {M(MatchType::kRegexMatch, "code", ".+")},
      {M(MatchType::kRegexMatch, "__name__", ".+"), M(MatchType::kRegexMatch, "zone", ".*")},
      {M(MatchType::kRegexMatch, "__name__", ".+"), M(MatchType::kRegexNoMatch, "zone", ".+")},
      {M(MatchType::kRegexMatch, "__name__", ".+"), M(MatchType::kRegexNoMatch, "code", "2..")},
      {M(MatchType::kEqual, "job", "db"), M(MatchType::kRegexMatch, "no_such_label", ".*")},
      {M(MatchType::kEqual, "job", "db"), M(MatchType::kRegexMatch, "no_such_label", ".+")},
      {M(MatchType::kNotEqual, "job", "db")},  // accepts "": nothing narrows it, every series but db
  };
  for (const auto& ms : cases) {
    std::string desc;
    for (const auto& m : ms) desc += m.ToString() + " ";
    BlockQuerier q(block_, kMint, kMaxt);
    SCOPED_TRACE(desc);
    ExpectSameSeries(ReadAll(q, ms), BruteForce(data_, ms, kMint, kMaxt));
  }
}

TEST_F(BlockQuerierTest, TimeClipping) {
  auto all = M(MatchType::kRegexMatch, "__name__", ".+");
  const std::vector<std::pair<int64_t, int64_t>> ranges = {
      {kMint, kMaxt},
      {kMint - 1000, kMint + 20000},
      {kMint + 600'000, kMint + 600'000},
      {kMint + 600'001, kMint + 1'234'567},
      {kMaxt - 30'000, kMaxt + 1'000'000},
      {0, kMint - 1},
      {kMaxt, kMaxt + 10},
      {kMint + 100, kMint + 50},  // empty range
  };
  for (auto [lo, hi] : ranges) {
    SCOPED_TRACE(std::to_string(lo) + ".." + std::to_string(hi));
    BlockQuerier q(block_, lo, hi);
    ExpectSameSeries(ReadAll(q, {&all, 1}), BruteForce(data_, {&all, 1}, lo, hi));
  }
}

TEST_F(BlockQuerierTest, SeekWithinAndAcrossChunks) {
  auto m = M(MatchType::kEqual, "__name__", "up");
  const int64_t lo = kMint + 100'000, hi = kMint + 3'000'000;
  BlockQuerier q(block_, lo, hi);
  SeriesMap want = BruteForce(data_, {&m, 1}, lo, hi);
  auto set = q.Select({&m, 1});
  auto w = want.begin();
  while (set->Next()) {
    ASSERT_NE(w, want.end());
    const std::vector<Sample>& samples = w->second;
    for (int64_t target : {int64_t{0}, lo + 1, lo + 500'000, lo + 1'499'999, hi - 1, hi}) {
      auto it = set->At().Iterator();
      auto first = std::lower_bound(samples.begin(), samples.end(), target,
                                    [](const Sample& s, int64_t t) { return s.t < t; });
      bool ok = it->Seek(target);
      ASSERT_EQ(ok, first != samples.end()) << w->first.ToString() << " seek " << target;
      if (!ok) continue;
      EXPECT_EQ(it->At().t, first->t);
      EXPECT_TRUE(it->Seek(target - 100));  // never moves backwards
      EXPECT_EQ(it->At().t, first->t);
      // Next continues after the seeked sample.
      size_t rest = 0;
      while (it->Next()) ++rest;
      EXPECT_EQ(rest, static_cast<size_t>(samples.end() - first - 1));
      EXPECT_FALSE(it->Seek(target));  // exhausted stays exhausted
    }
    ++w;
  }
  EXPECT_EQ(w, want.end());
}

// The bulk and newest-sample reads of instant and range selectors agree with brute force, with windows
// inside, across and beyond the querier's range and the block's chunks.
TEST_F(BlockQuerierTest, AppendRangeAndLastInRangeAgainstBruteForce) {
  auto m = M(MatchType::kEqual, "__name__", "up");
  const int64_t qlo = kMint + 100'000, qhi = kMint + 3'000'000;
  BlockQuerier q(block_, qlo, qhi);
  SeriesMap want = BruteForce(data_, {&m, 1}, qlo, qhi);
  auto set = q.Select({&m, 1});
  auto w = want.begin();
  size_t nonempty = 0;
  while (set->Next()) {
    ASSERT_NE(w, want.end());
    for (int64_t hi = kMint - 20'000; hi <= kMaxt + 20'000; hi += 97'000) {
      for (int64_t width : {int64_t{0}, int64_t{300'000}, int64_t{2'000'000}}) {
        std::vector<Sample> expect;
        for (const Sample& s : w->second) {
          if (s.t >= hi - width && s.t <= hi) expect.push_back(s);
        }
        std::vector<Sample> got;
        auto it = set->At().Iterator();
        it->AppendRange(hi - width, hi, &got);
        ASSERT_TRUE(it->Err().ok());
        ASSERT_EQ(got.size(), expect.size()) << hi << " " << width;
        for (size_t k = 0; k < got.size(); ++k) {
          ASSERT_EQ(got[k].t, expect[k].t);
          ASSERT_EQ(std::bit_cast<uint64_t>(got[k].v), std::bit_cast<uint64_t>(expect[k].v));
        }
        Sample last{};
        auto last_it = set->At().Iterator();
        ASSERT_EQ(last_it->LastInRange(hi - width, hi, &last), !expect.empty());
        if (!expect.empty()) {
          EXPECT_EQ(last.t, expect.back().t);
          ++nonempty;
        }
      }
    }
    ++w;
  }
  EXPECT_EQ(w, want.end());
  EXPECT_GT(nonempty, 10u);
}

TEST_F(BlockQuerierTest, SeriesHintReturnsLabels) {
  auto m = M(MatchType::kEqual, "job", "api");
  SelectHints hints;
  hints.func = "series";
  BlockQuerier q(block_, kMint, kMaxt);
  auto set = q.Select({&m, 1}, &hints);
  size_t n = 0;
  for (auto w : BruteForce(data_, {&m, 1}, kMint, kMaxt)) {
    ASSERT_TRUE(set->Next());
    EXPECT_EQ(set->At().labels(), w.first);
    ++n;
  }
  EXPECT_FALSE(set->Next());
  EXPECT_GT(n, 0u);
}

TEST_F(BlockQuerierTest, LabelValuesAndNames) {
  BlockQuerier q(block_, kMint, kMaxt);
  auto brute_values = [&](const std::string& name, std::span<const Matcher> ms) {
    std::set<std::string> out;
    for (const auto& [labels, s] : data_) {
      bool ok = true;
      for (const Matcher& m : ms) ok = ok && m.Matches(labels.Get(m.name()));
      if (ok && labels.Has(name)) out.insert(std::string(labels.Get(name)));
    }
    return std::vector<std::string>(out.begin(), out.end());
  };
  auto brute_names = [&](std::span<const Matcher> ms) {
    std::set<std::string> out;
    for (const auto& [labels, s] : data_) {
      bool ok = true;
      for (const Matcher& m : ms) ok = ok && m.Matches(labels.Get(m.name()));
      if (ok) {
        for (const Label& l : labels) out.insert(l.name);
      }
    }
    return std::vector<std::string>(out.begin(), out.end());
  };
  std::vector<Matcher> none;
  for (std::string name : {"__name__", "job", "instance", "mode", "code", "zone", "missing"}) {
    auto v = q.LabelValues(name);
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(*v, brute_values(name, none)) << name;
  }
  std::vector<std::vector<Matcher>> cases = {
      {M(MatchType::kEqual, "__name__", "up")},
      {M(MatchType::kEqual, "job", "ジョブ"), M(MatchType::kRegexMatch, "mode", ".+")},
      {M(MatchType::kEqual, "job", "nope")},
  };
  for (const auto& ms : cases) {
    for (std::string name : {"__name__", "job", "mode", "code"}) {
      auto v = q.LabelValues(name, ms);
      ASSERT_TRUE(v.ok());
      EXPECT_EQ(*v, brute_values(name, ms)) << name << " " << ms[0].ToString();
    }
    auto n = q.LabelNames(ms);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, brute_names(ms));
  }
  auto n = q.LabelNames();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, brute_names(none));
}

TEST_F(BlockQuerierTest, ConcurrentReaders) {
  auto m = M(MatchType::kRegexMatch, "job", "api|db|web");
  SeriesMap want = BruteForce(data_, {&m, 1}, kMint, kMaxt);
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      for (int k = 0; k < 5; ++k) {
        BlockQuerier q(block_, kMint, kMaxt);
        if (ReadAll(q, {&m, 1}).size() != want.size()) ++mismatches;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST_F(BlockQuerierTest, DeletedBlockStillReadsWhileOpen) {
  auto m = M(MatchType::kEqual, "job", "db");
  SeriesMap want = BruteForce(data_, {&m, 1}, kMint, kMaxt);
  auto q = std::make_unique<BlockQuerier>(block_, kMint, kMaxt);
  auto set = q->Select({&m, 1});
  std::string dir = block_->dir();
  block_.reset();  // the querier holds the last reference
  std::filesystem::remove_all(dir);
  ASSERT_FALSE(std::filesystem::exists(dir));
  SeriesMap got;
  while (set->Next()) {
    auto it = set->At().Iterator();
    auto& s = got[set->At().labels()];
    while (it->Next()) s.push_back(it->At());
    ASSERT_TRUE(it->Err().ok());
  }
  ASSERT_TRUE(set->Err().ok());
  ExpectSameSeries(got, want);
  ExpectSameSeries(ReadAll(*q, {&m, 1}), want);  // a new Select on the same querier too
}

}  // namespace
}  // namespace foresight::storage::block
