#include "storage/head/head.h"

#include <gtest/gtest.h>

#include <mutex>
#include <optional>
#include <thread>

#include "storage/head/head_querier.h"

namespace foresight::storage::head {
namespace {

std::vector<Sample> ReadAll(const Series& s) {
  std::vector<Sample> out;
  auto it = s.Iterator();
  while (it->Next()) out.push_back(it->At());
  EXPECT_TRUE(it->Err().ok());
  return out;
}

Matcher M(MatchType t, std::string n, std::string v) { return *Matcher::Make(t, std::move(n), std::move(v)); }

void Add(Head& h, const Labels& l, int64_t t, double v) {
  bool created;
  MemSeries* s = h.GetOrCreate(l, &created);
  std::lock_guard lock(s->mu());
  ASSERT_EQ(s->AppendLocked(t, v), AppendOutcome::kAppended);
  h.ObserveTimes(t, t);
}

TEST(HeadTest, GetOrCreateFindsTheSameSeries) {
  Head h;
  bool created = false;
  MemSeries* a = h.GetOrCreate(Labels{{"__name__", "up"}, {"job", "a"}}, &created);
  EXPECT_TRUE(created);
  MemSeries* b = h.GetOrCreate(Labels{{"job", "a"}, {"__name__", "up"}}, &created);
  EXPECT_FALSE(created);
  EXPECT_EQ(a, b);
  EXPECT_EQ(h.ById(a->id()), a);
  EXPECT_EQ(h.NumSeries(), 1u);
}

TEST(HeadTest, AppendRejectsOutOfOrderAndDuplicates) {
  Head h;
  bool created;
  MemSeries* s = h.GetOrCreate(Labels{{"__name__", "x"}}, &created);
  std::lock_guard lock(s->mu());
  EXPECT_EQ(s->AppendLocked(100, 1), AppendOutcome::kAppended);
  EXPECT_EQ(s->AppendLocked(99, 1), AppendOutcome::kOutOfOrder);
  EXPECT_EQ(s->AppendLocked(100, 2), AppendOutcome::kDuplicate);
  EXPECT_EQ(s->AppendLocked(100, 1), AppendOutcome::kSameSample);
  EXPECT_EQ(s->AppendLocked(101, StaleNaN()), AppendOutcome::kAppended);
}

TEST(HeadTest, QuerierSelectsByMatchersInLabelOrderAndClipsTime) {
  Head h;
  for (int i = 0; i < 5; ++i) {
    Labels l{{"__name__", "cpu"},
             {"instance", "host-" + std::to_string(4 - i)},
             {"mode", i % 2 ? "idle" : "user"}};
    for (int t = 0; t < 300; ++t) Add(h, l, t * 1000, t + i);
  }
  auto q = NewHeadQuerier(&h, 10'000, 19'999);
  std::vector<Matcher> ms{M(MatchType::kEqual, "__name__", "cpu"), M(MatchType::kRegexMatch, "mode", "user")};
  auto set = q->Select(ms);
  std::vector<std::string> instances;
  while (set->Next()) {
    instances.emplace_back(set->At().labels().Get("instance"));
    auto samples = ReadAll(set->At());
    ASSERT_EQ(samples.size(), 10u);
    EXPECT_EQ(samples.front().t, 10'000);
    EXPECT_EQ(samples.back().t, 19'000);
  }
  EXPECT_EQ(instances, (std::vector<std::string>{"host-0", "host-2", "host-4"}));
}

TEST(HeadTest, NegativeMatchersAndMissingLabels) {
  Head h;
  Add(h, Labels{{"__name__", "m"}, {"a", "1"}}, 1, 1);
  Add(h, Labels{{"__name__", "m"}, {"a", "2"}}, 1, 1);
  Add(h, Labels{{"__name__", "m"}}, 1, 1);
  auto q = NewHeadQuerier(&h, kMinTime, kMaxTime);
  auto count = [&](std::vector<Matcher> ms) {
    auto set = q->Select(ms);
    int n = 0;
    while (set->Next()) ++n;
    return n;
  };
  EXPECT_EQ(count({M(MatchType::kEqual, "__name__", "m"), M(MatchType::kNotEqual, "a", "1")}), 2);
  EXPECT_EQ(count({M(MatchType::kEqual, "__name__", "m"), M(MatchType::kEqual, "a", "")}), 1);
  EXPECT_EQ(count({M(MatchType::kEqual, "__name__", "m"), M(MatchType::kRegexNoMatch, "a", "1|2")}), 1);
  EXPECT_EQ(count({M(MatchType::kRegexMatch, "a", ".+")}), 2);
  auto values = q->LabelValues("a", {});
  ASSERT_TRUE(values.ok());
  EXPECT_EQ(*values, (std::vector<std::string>{"1", "2"}));
}

TEST(HeadTest, SeekAcrossChunks) {
  Head h;
  Labels l{{"__name__", "m"}};
  for (int t = 0; t < 1000; ++t) Add(h, l, t * 10, t);
  auto q = NewHeadQuerier(&h, kMinTime, kMaxTime);
  auto set = q->Select(std::vector<Matcher>{M(MatchType::kEqual, "__name__", "m")});
  ASSERT_TRUE(set->Next());
  auto it = set->At().Iterator();
  ASSERT_TRUE(it->Seek(5005));
  EXPECT_EQ(it->At().t, 5010);
  ASSERT_TRUE(it->Seek(100));  // never backwards
  EXPECT_EQ(it->At().t, 5010);
  ASSERT_TRUE(it->Next());
  EXPECT_EQ(it->At().t, 5020);
  EXPECT_FALSE(it->Seek(10'000));
}

TEST(HeadTest, TruncateDropsOldChunksAndEmptySeriesButReadersKeepThem) {
  Head h;
  Labels old_series{{"__name__", "old"}};
  Labels live{{"__name__", "live"}};
  for (int t = 0; t < 500; ++t) Add(h, old_series, t, t);
  for (int t = 0; t < 1000; ++t) Add(h, live, t, t);
  auto before = NewHeadQuerier(&h, kMinTime, kMaxTime);
  auto set = before->Select(std::vector<Matcher>{M(MatchType::kEqual, "__name__", "old")});
  h.set_min_valid_time(600);
  auto stats = h.Truncate(600);
  EXPECT_EQ(stats.series_removed, 1);
  EXPECT_GT(stats.chunks_removed, 4);
  EXPECT_EQ(h.NumSeries(), 1u);
  // The querier made before truncation still reads the removed series.
  ASSERT_TRUE(set->Next());
  EXPECT_EQ(ReadAll(set->At()).size(), 500u);
  auto after = NewHeadQuerier(&h, kMinTime, kMaxTime);
  auto live_set = after->Select(std::vector<Matcher>{M(MatchType::kEqual, "__name__", "live")});
  ASSERT_TRUE(live_set->Next());
  auto samples = ReadAll(live_set->At());
  ASSERT_FALSE(samples.empty());
  EXPECT_EQ(samples.front().t, 600);  // clipped at the min valid time
  EXPECT_EQ(samples.back().t, 999);
  auto gone = after->Select(std::vector<Matcher>{M(MatchType::kEqual, "__name__", "old")});
  EXPECT_FALSE(gone->Next());
}

// LastInRange answers from the chunks' remembered last two samples where it can and decodes otherwise, and
// AppendRange copies decoded runs: every answer must equal what a plain read gives for [lo, hi], for windows
// anywhere: before, inside and between samples, on chunk boundaries, beyond the querier's own range.
TEST(HeadTest, LastInRangeAndAppendRangeMatchAPlainRead) {
  Head h;
  Labels l{{"__name__", "m"}};
  const int n = 2 * MemSeries::kSamplesPerChunk + 60;  // two sealed chunks and an open one
  for (int i = 0; i < n; ++i) Add(h, l, 1000 + i * 10, i * 0.5);
  for (auto [qmin, qmax] : {std::pair<int64_t, int64_t>{kMinTime, kMaxTime}, {1500, 3000}}) {
    auto q = NewHeadQuerier(&h, qmin, qmax);
    auto set = q->Select(std::vector<Matcher>{M(MatchType::kEqual, "__name__", "m")});
    ASSERT_TRUE(set->Next());
    const std::vector<Sample> all = ReadAll(set->At());
    int checked = 0, found = 0;
    for (int64_t hi = 900; hi <= 1000 + n * 10 + 20; hi += 3) {
      for (int64_t width : {0, 4, 10, 25, 300, 5000}) {
        const int64_t lo = hi - width;
        std::optional<Sample> want;
        std::vector<Sample> want_range;
        for (const Sample& s : all) {
          if (s.t >= lo && s.t <= hi) want = s;
          if (s.t >= lo && s.t <= hi) want_range.push_back(s);
        }
        std::vector<Sample> got_range{{-1, -1}};  // appended to, not replaced
        auto range_it = set->At().Iterator();
        range_it->AppendRange(lo, hi, &got_range);
        ASSERT_TRUE(range_it->Err().ok());
        ASSERT_EQ(got_range.size(), want_range.size() + 1) << "lo " << lo << " hi " << hi;
        for (size_t k = 0; k < want_range.size(); ++k) {
          ASSERT_EQ(got_range[k + 1].t, want_range[k].t);
          ASSERT_EQ(got_range[k + 1].v, want_range[k].v);
        }
        Sample got{};
        auto it = set->At().Iterator();
        bool ok = it->LastInRange(lo, hi, &got);
        ASSERT_TRUE(it->Err().ok());
        ASSERT_EQ(ok, want.has_value()) << "lo " << lo << " hi " << hi;
        if (ok) {
          EXPECT_EQ(got.t, want->t) << "lo " << lo << " hi " << hi;
          EXPECT_EQ(got.v, want->v) << "lo " << lo << " hi " << hi;
          ++found;
        }
        ++checked;
      }
    }
    EXPECT_GT(found, checked / 3);
    EXPECT_LT(found, checked);
  }
}

}  // namespace
}  // namespace foresight::storage::head
