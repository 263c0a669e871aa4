#include "storage/db.h"

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <optional>

#include "storage/fs/faulty_fs.h"
#include "storage/head/mem_series.h"

namespace foresight::storage {
namespace {

namespace stdfs = std::filesystem;
constexpr int64_t kHour = 3600 * 1000;

class DBTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/db_test_" + std::to_string(getpid()) + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    stdfs::remove_all(dir_);
  }
  void TearDown() override { stdfs::remove_all(dir_); }

  std::unique_ptr<DB> Open(DBOptions opts = {}) {
    opts.dir = dir_;
    opts.background_maintenance = false;
    if (!opts.wall_clock_ms) opts.wall_clock_ms = [this] { return now_ms_; };
    auto db = DB::Open(opts);
    EXPECT_TRUE(db.ok()) << db.status();
    return db.ok() ? std::move(*db) : nullptr;
  }

  // All samples of the series matching name, keyed by their labels' string form.
  static std::map<std::string, std::vector<Sample>> ReadAll(DB& db, const std::string& name,
                                                            int64_t mint = kMinTime,
                                                            int64_t maxt = kMaxTime) {
    std::map<std::string, std::vector<Sample>> out;
    auto q = db.NewQuerier(mint, maxt);
    EXPECT_TRUE(q.ok());
    std::vector<Matcher> ms{*Matcher::Make(MatchType::kEqual, "__name__", name)};
    auto set = (*q)->Select(ms);
    while (set->Next()) {
      auto& v = out[set->At().labels().ToString()];
      auto it = set->At().Iterator();
      while (it->Next()) v.push_back(it->At());
      EXPECT_TRUE(it->Err().ok()) << it->Err();
    }
    EXPECT_TRUE(set->Err().ok());
    return out;
  }

  static void AppendSeries(DB& db, const std::string& name, int series, int64_t from, int64_t to,
                           int64_t step) {
    auto app = db.NewAppender();
    std::vector<SeriesRef> refs(series, 0);
    for (int64_t t = from; t < to; t += step) {
      for (int s = 0; s < series; ++s) {
        auto r = app->Append(refs[s], Labels{{"__name__", name}, {"i", std::to_string(s)}}, t, Value(s, t));
        ASSERT_TRUE(r.ok()) << r.status();
        refs[s] = *r;
      }
      if ((t / step) % 50 == 0) {
        ASSERT_TRUE(app->Commit().ok());
      }
    }
    ASSERT_TRUE(app->Commit().ok());
  }

  static double Value(int s, int64_t t) { return s * 1.5 + static_cast<double>(t) / 1000.0; }

  static void ExpectSeries(const std::map<std::string, std::vector<Sample>>& got, const std::string& name,
                           int series, int64_t from, int64_t to, int64_t step) {
    ASSERT_EQ(got.size(), static_cast<size_t>(series));
    for (int s = 0; s < series; ++s) {
      auto it = got.find(Labels{{"__name__", name}, {"i", std::to_string(s)}}.ToString());
      ASSERT_NE(it, got.end()) << s;
      const auto& v = it->second;
      ASSERT_EQ(v.size(), static_cast<size_t>((to - from + step - 1) / step)) << s;
      for (size_t k = 0; k < v.size(); ++k) {
        int64_t t = from + static_cast<int64_t>(k) * step;
        ASSERT_EQ(v[k].t, t);
        ASSERT_EQ(v[k].v, Value(s, t));
      }
    }
  }

  // Maintenance a while after the last commit, as the background thread runs it: no writer is lagging.
  absl::Status MaintainLater(DB& db) {
    now_ms_ += 60'000;
    return db.RunMaintenance();
  }

  std::string dir_;
  int64_t now_ms_ = 1'000'000;  // the wall clock the engine sees (not sample time)
};

TEST_F(DBTest, CommittedSamplesSurviveRestartBitForBit) {
  {
    auto db = Open();
    AppendSeries(*db, "m", 20, 0, 600'000, 15'000);
    auto app = db->NewAppender();
    Labels l{{"__name__", "special"}};
    double specials[] = {StaleNaN(), std::nan(""), INFINITY, -INFINITY, -0.0, 1e-310};
    for (int i = 0; i < 6; ++i) ASSERT_TRUE(app->Append(0, l, i * 1000, specials[i]).ok());
    ASSERT_TRUE(app->Commit().ok());
    ASSERT_TRUE(db->Close().ok());
  }
  auto db = Open();
  ExpectSeries(ReadAll(*db, "m"), "m", 20, 0, 600'000, 15'000);
  auto special = ReadAll(*db, "special");
  ASSERT_EQ(special.size(), 1u);
  const auto& v = special.begin()->second;
  ASSERT_EQ(v.size(), 6u);
  EXPECT_TRUE(IsStaleNaN(v[0].v));
  EXPECT_TRUE(std::isnan(v[1].v) && !IsStaleNaN(v[1].v));
  EXPECT_EQ(v[2].v, INFINITY);
  EXPECT_EQ(v[3].v, -INFINITY);
  EXPECT_TRUE(std::signbit(v[4].v));
  EXPECT_EQ(v[5].v, 1e-310);
  EXPECT_EQ(db->Stats().head_series, 21u);
}

TEST_F(DBTest, OutOfOrderAndDuplicateSamplesAreRefusedByName) {
  auto db = Open();
  auto app = db->NewAppender();
  Labels l{{"__name__", "m"}};
  ASSERT_TRUE(app->Append(0, l, 1000, 1).ok());
  ASSERT_TRUE(app->Commit().ok());
  auto ooo = app->Append(0, l, 500, 1);
  ASSERT_FALSE(ooo.ok());
  EXPECT_EQ(RejectReasonOf(ooo.status()), RejectReason::kOutOfOrder);
  EXPECT_NE(ooo.status().message().find("out of order"), std::string::npos);
  auto dup = app->Append(0, l, 1000, 2);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(RejectReasonOf(dup.status()), RejectReason::kDuplicate);
  EXPECT_TRUE(app->Append(0, l, 1000, 1).ok());  // the same sample again is accepted silently
  auto bad = app->Append(0, Labels{{"__name__", "m"}, {"0bad", "x"}}, 2000, 1);
  EXPECT_EQ(RejectReasonOf(bad.status()), RejectReason::kInvalidLabels);
  // Within one batch too.
  ASSERT_TRUE(app->Append(0, l, 3000, 1).ok());
  EXPECT_EQ(RejectReasonOf(app->Append(0, l, 2000, 1).status()), RejectReason::kOutOfOrder);
  ASSERT_TRUE(app->Commit().ok());
  DBStats s = db->Stats();
  EXPECT_EQ(s.samples_rejected_out_of_order, 2u);
  EXPECT_EQ(s.samples_rejected_duplicate, 1u);
  EXPECT_EQ(s.samples_rejected_invalid_labels, 1u);
  EXPECT_EQ(ReadAll(*db, "m").begin()->second.size(), 2u);
}

TEST_F(DBTest, LabelsWithEmptyValuesAreTheSameSeriesAsWithoutThem) {
  auto db = Open();
  auto app = db->NewAppender();
  auto a = app->Append(0, Labels{{"__name__", "m"}, {"model", ""}, {"dev", "vda"}}, 1000, 1);
  ASSERT_TRUE(a.ok()) << a.status();
  auto b = app->Append(0, Labels{{"__name__", "m"}, {"dev", "vda"}}, 2000, 2);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*a, *b);
  ASSERT_TRUE(app->Commit().ok());
  auto got = ReadAll(*db, "m");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got.begin()->first, R"(m{dev="vda"})");
  EXPECT_EQ(got.begin()->second.size(), 2u);
}

TEST_F(DBTest, RollbackDiscardsTheBatchAndFreesItsTimestamps) {
  auto db = Open();
  auto app = db->NewAppender();
  Labels l{{"__name__", "m"}};
  ASSERT_TRUE(app->Append(0, l, 5000, 1).ok());
  app->Rollback();
  ASSERT_TRUE(app->Append(0, l, 4000, 2).ok());  // earlier than the rolled-back one: fine
  ASSERT_TRUE(app->Commit().ok());
  auto got = ReadAll(*db, "m");
  ASSERT_EQ(got.begin()->second.size(), 1u);
  EXPECT_EQ(got.begin()->second[0].t, 4000);
}

TEST_F(DBTest, HeadIsCutIntoBlocksAndQueriesMergeBlocksAndHead) {
  {
    auto db = Open();
    AppendSeries(*db, "m", 10, 0, 7 * kHour, 60'000);
    ASSERT_TRUE(MaintainLater(*db).ok());
    DBStats s = db->Stats();
    EXPECT_GE(s.blocks, 1u);
    EXPECT_GT(s.block_bytes, 0u);
    ExpectSeries(ReadAll(*db, "m"), "m", 10, 0, 7 * kHour, 60'000);
    // A window straddling the block boundary.
    auto part = ReadAll(*db, "m", 2 * kHour - 120'000, 2 * kHour + 120'000);
    EXPECT_EQ(part.begin()->second.size(), 5u);
    ASSERT_TRUE(db->Close().ok());
  }
  auto db = Open();
  ExpectSeries(ReadAll(*db, "m"), "m", 10, 0, 7 * kHour, 60'000);
  // Samples older than the head are refused once blocks cover their range.
  auto app = db->NewAppender();
  auto old = app->Append(0, Labels{{"__name__", "m"}, {"i", "0"}}, 30'000, 1);
  EXPECT_EQ(RejectReasonOf(old.status()), RejectReason::kTooOld);
}

// An instant selector's newest-sample lookup and a window's bulk read, through blocks, head and their merge,
// equal a plain read.
TEST_F(DBTest, LastInRangeAndAppendRangeAcrossBlocksAndHeadMatchAPlainRead) {
  auto db = Open();
  AppendSeries(*db, "m", 2, 0, 5 * kHour, 60'000);
  ASSERT_TRUE(MaintainLater(*db).ok());
  ASSERT_GE(db->Stats().blocks, 1u);
  auto q = db->NewQuerier(kMinTime, kMaxTime);
  ASSERT_TRUE(q.ok());
  auto set = (*q)->Select(std::vector<Matcher>{*Matcher::Make(MatchType::kEqual, "__name__", "m")});
  int series = 0, found = 0;
  while (set->Next()) {
    ++series;
    std::vector<Sample> all;
    auto plain = set->At().Iterator();
    while (plain->Next()) all.push_back(plain->At());
    for (int64_t hi = -60'000; hi <= 5 * kHour + 60'000; hi += 7 * 60'000 + 13'000) {
      for (int64_t width : {0, 30'000, 300'000}) {
        std::optional<Sample> want;
        std::vector<Sample> want_range;
        for (const Sample& smp : all) {
          if (smp.t >= hi - width && smp.t <= hi) want = smp;
          if (smp.t >= hi - width && smp.t <= hi) want_range.push_back(smp);
        }
        std::vector<Sample> got_range;
        auto range_it = set->At().Iterator();
        range_it->AppendRange(hi - width, hi, &got_range);
        ASSERT_TRUE(range_it->Err().ok());
        ASSERT_EQ(got_range.size(), want_range.size()) << hi << " " << width;
        for (size_t k = 0; k < want_range.size(); ++k) {
          ASSERT_EQ(got_range[k].t, want_range[k].t);
          ASSERT_EQ(got_range[k].v, want_range[k].v);
        }
        Sample got{};
        auto it = set->At().Iterator();
        ASSERT_EQ(it->LastInRange(hi - width, hi, &got), want.has_value()) << hi << " " << width;
        ASSERT_TRUE(it->Err().ok());
        if (want) {
          ++found;
          EXPECT_EQ(got.t, want->t);
          EXPECT_EQ(got.v, want->v);
        }
      }
    }
  }
  EXPECT_EQ(series, 2);
  EXPECT_GT(found, 100);
}

// The head's chunk count (foresight_tsdb_head_chunks, /api/v1/status/tsdb): chunks opened by commits and by
// the log's replay, less those a head cut drops.
TEST_F(DBTest, HeadChunkCountFollowsAppendsReplayAndCuts) {
  const int64_t samples = 2 * head::MemSeries::kSamplesPerChunk + 60;  // three chunks per series
  {
    auto db = Open();
    AppendSeries(*db, "m", 10, 0, samples * 1000, 1000);
    EXPECT_EQ(db->Stats().head_chunks, 30u);
    ASSERT_TRUE(db->Close().ok());
  }
  auto db = Open();
  EXPECT_EQ(db->Stats().head_chunks, 30u);  // replayed from the log
  // 61 more samples each: the open chunk (60 samples) fills up, and the last one opens a fourth chunk.
  AppendSeries(*db, "m", 10, 3 * kHour, 3 * kHour + 61'000, 1000);
  EXPECT_EQ(db->Stats().head_chunks, 40u);
  ASSERT_TRUE(MaintainLater(*db).ok());  // the first hours go to a block
  uint64_t left = 0;
  for (const auto& [name, v] : ReadAll(*db, "m", 2 * kHour, kMaxTime)) left += v.empty() ? 0 : 1;
  EXPECT_EQ(left, 10u);
  EXPECT_LT(db->Stats().head_chunks, 40u);
  EXPECT_GE(db->Stats().head_chunks, 10u);
}

TEST_F(DBTest, HeadCutWaitsForALaggingWriterWithinTheSpanLimit) {
  auto db = Open();  // 2 h blocks, the head may span up to 3 block durations while a writer lags
  AppendSeries(*db, "fast", 3, 0, 4 * kHour, 60'000);  // the head now spans 4 h: [0, 2h) is due
  now_ms_ += 60'000;
  AppendSeries(*db, "slow", 3, 0, 30 * 60'000, 60'000);  // a writer still at 0:30
  ASSERT_TRUE(db->RunMaintenance().ok());
  EXPECT_EQ(db->Stats().blocks, 0u);
  EXPECT_EQ(db->Stats().head_cuts_held, 1u);
  // It goes on where it was, and nothing of it is refused.
  now_ms_ += 5'000;
  AppendSeries(*db, "slow", 3, 30 * 60'000, 2 * kHour + 30 * 60'000, 60'000);
  EXPECT_EQ(db->Stats().samples_rejected_too_old, 0u);
  // Once all recent commits are past the cut, the cut happens.
  now_ms_ += 60'000;
  AppendSeries(*db, "slow", 3, 2 * kHour + 30 * 60'000, 2 * kHour + 31 * 60'000, 60'000);
  ASSERT_TRUE(db->RunMaintenance().ok());
  EXPECT_EQ(db->Stats().blocks, 1u);
  ExpectSeries(ReadAll(*db, "slow"), "slow", 3, 0, 2 * kHour + 31 * 60'000, 60'000);
  ExpectSeries(ReadAll(*db, "fast"), "fast", 3, 0, 4 * kHour, 60'000);
}

TEST_F(DBTest, HeadCutStopsWaitingAtTheSpanLimit) {
  auto db = Open();
  AppendSeries(*db, "slow", 1, 0, 60'000, 60'000);     // a writer stuck at the start
  AppendSeries(*db, "fast", 1, 0, 7 * kHour, 60'000);  // the head spans more than 3 block durations
  ASSERT_TRUE(db->RunMaintenance().ok());
  EXPECT_GE(db->Stats().blocks, 1u);
  auto app = db->NewAppender();
  EXPECT_EQ(RejectReasonOf(app->Append(0, Labels{{"__name__", "slow"}, {"i", "0"}}, 120'000, 1).status()),
            RejectReason::kTooOld);
}

TEST_F(DBTest, CompactionJoinsAdjacentBlocks) {
  DBOptions opts;
  opts.retention_ms = 0;
  opts.max_block_duration_ms = 6 * kHour;
  auto db = Open(opts);
  AppendSeries(*db, "m", 5, 0, 13 * kHour, 300'000);
  // The head keeps its newest 3 h: [0,2h) ... [8h,10h) are cut, and the complete window [0,6h) compacted.
  ASSERT_TRUE(MaintainLater(*db).ok());
  EXPECT_EQ(db->Stats().compactions, 1u);
  EXPECT_EQ(db->Stats().blocks, 3u);  // [0,6h), [6h,8h), [8h,10h)
  // A flush cuts the rest, [10h,12h) and [12h,13h), and compacts windows not yet complete too.
  ASSERT_TRUE(db->FlushHead().ok());
  DBStats s = db->Stats();
  EXPECT_EQ(s.compactions, 2u);  // [6h,12h); [12h,13h) is alone in its window
  EXPECT_EQ(s.blocks, 3u);
  ExpectSeries(ReadAll(*db, "m"), "m", 5, 0, 13 * kHour, 300'000);
}

TEST_F(DBTest, RetentionByTimeDeletesExactlyTheOldBlocks) {
  DBOptions opts;
  opts.retention_ms = 5 * kHour;
  opts.max_block_duration_ms = 2 * kHour;  // no compaction: blocks stay 2 h
  auto db = Open(opts);
  AppendSeries(*db, "m", 3, 0, 10 * kHour, 600'000);
  ASSERT_TRUE(db->FlushHead().ok());
  ASSERT_EQ(db->Stats().blocks, 5u);
  ASSERT_TRUE(MaintainLater(*db).ok());
  // Newest sample at 10h - 10m: blocks ending at or before ~4h50m go: [0,2h) and [2h,4h).
  EXPECT_EQ(db->Stats().blocks, 3u);
  EXPECT_EQ(db->Stats().retention_deleted_blocks, 2u);
  auto got = ReadAll(*db, "m");
  EXPECT_EQ(got.begin()->second.front().t, 4 * kHour);
}

TEST_F(DBTest, RetentionBySizeDeletesOldestBlocksFirst) {
  DBOptions opts;
  opts.retention_ms = 0;
  opts.max_block_duration_ms = 2 * kHour;
  {
    auto db = Open(opts);
    AppendSeries(*db, "m", 50, 0, 8 * kHour, 60'000);
    ASSERT_TRUE(db->FlushHead().ok());
    ASSERT_EQ(db->Stats().blocks, 4u);
    ASSERT_TRUE(db->Close().ok());
  }
  // Allow the log and about two and a half blocks.
  uint64_t block_bytes, wal_bytes = 0;
  {
    auto db = Open(opts);
    block_bytes = db->Stats().block_bytes;
  }
  for (const auto& e : stdfs::recursive_directory_iterator(dir_ + "/wal")) {
    if (e.is_regular_file()) wal_bytes += e.file_size();
  }
  opts.retention_bytes = static_cast<int64_t>(block_bytes * 5 / 8);
  auto db = Open(opts);
  ASSERT_TRUE(MaintainLater(*db).ok());
  EXPECT_EQ(db->Stats().blocks, 2u);
  auto got = ReadAll(*db, "m");
  EXPECT_EQ(got.begin()->second.front().t, 4 * kHour);
  (void)wal_bytes;
}

TEST_F(DBTest, TornLogTailIsTruncatedAndEarlierBatchesKept) {
  {
    auto db = Open();
    AppendSeries(*db, "m", 4, 0, 100'000, 1000);
    ASSERT_TRUE(db->Close().ok());
  }
  // Cut the last segment in the middle of its last record.
  std::string last;
  for (const auto& e : stdfs::directory_iterator(dir_ + "/wal")) {
    if (e.is_regular_file() && (last.empty() || e.path().string() > last)) last = e.path();
  }
  ASSERT_FALSE(last.empty());
  auto size = stdfs::file_size(last);
  ASSERT_GT(size, 20u);
  stdfs::resize_file(last, size - 7);
  auto db = Open();
  auto got = ReadAll(*db, "m");
  ASSERT_EQ(got.size(), 4u);
  for (const auto& [k, v] : got) {
    EXPECT_LT(v.size(), 100u);  // the last batch is gone
    EXPECT_GE(v.size(), 50u);   // the ones before it are not
    for (size_t i = 0; i < v.size(); ++i) EXPECT_EQ(v[i].t, static_cast<int64_t>(i) * 1000);
  }
  // And the store keeps working after the repair.
  AppendSeries(*db, "after", 1, 0, 10'000, 1000);
  EXPECT_EQ(ReadAll(*db, "after").size(), 1u);
}

TEST_F(DBTest, FullDiskFailsTheCommitClearlyAndLosesNothingAcknowledged) {
  fs::FaultyFs faulty(fs::DefaultFs());
  DBOptions opts;
  opts.fs = &faulty;
  int committed = 0;
  {
    auto db = Open(opts);
    auto app = db->NewAppender();
    faulty.FailWritesAfter(20'000);
    absl::Status failure;
    for (int batch = 0; batch < 1000 && failure.ok(); ++batch) {
      for (int s = 0; s < 10; ++s) {
        ASSERT_TRUE(
            app->Append(0, Labels{{"__name__", "m"}, {"i", std::to_string(s)}}, batch * 1000, batch).ok());
      }
      failure = app->Commit();
      if (failure.ok()) ++committed;
    }
    ASSERT_FALSE(failure.ok());
    EXPECT_EQ(failure.code(), absl::StatusCode::kResourceExhausted);
    EXPECT_NE(failure.message().find("disk full"), std::string::npos) << failure;
    // Not applied either: readers never see an unacknowledged batch.
    for (const auto& [k, v] : ReadAll(*db, "m")) EXPECT_EQ(v.size(), static_cast<size_t>(committed));
    faulty.ClearWriteLimit();
    db->Close().IgnoreError();
  }
  ASSERT_GT(committed, 10);
  auto db = Open();
  auto got = ReadAll(*db, "m");
  ASSERT_EQ(got.size(), 10u);
  for (const auto& [k, v] : got) EXPECT_EQ(v.size(), static_cast<size_t>(committed));
}

TEST_F(DBTest, RealFullFileSystemGivesAClearError) {
  if (geteuid() != 0) GTEST_SKIP() << "mounting a small tmpfs needs root";
  std::string mnt = dir_ + "_tmpfs";
  stdfs::create_directories(mnt);
  if (mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=1m") != 0) {
    stdfs::remove_all(mnt);
    GTEST_SKIP() << "cannot mount a tmpfs here: " << std::strerror(errno);
  }
  {
    DBOptions opts;
    opts.dir = mnt + "/data";
    opts.background_maintenance = false;
    opts.wal_segment_bytes = 4 << 20;
    auto db = DB::Open(opts);
    ASSERT_TRUE(db.ok()) << db.status();
    auto app = (*db)->NewAppender();
    absl::Status st;
    int committed = 0;
    for (int batch = 0; batch < 100000 && st.ok(); ++batch) {
      for (int s = 0; s < 50; ++s) {
        ASSERT_TRUE(
            app->Append(0, Labels{{"__name__", "m"}, {"i", std::to_string(s)}}, batch * 1000, batch).ok());
      }
      st = app->Commit();
      if (st.ok()) ++committed;
    }
    EXPECT_EQ(st.code(), absl::StatusCode::kResourceExhausted) << st;
    EXPECT_NE(st.message().find("disk full"), std::string::npos) << st;
    (*db)->Close().IgnoreError();
    db->reset();
    // Reopen from the same full file system: every acknowledged batch is there.
    auto again = DB::Open(opts);
    ASSERT_TRUE(again.ok()) << again.status();
    auto got = ReadAll(**again, "m");
    ASSERT_EQ(got.size(), 50u);
    for (const auto& [k, v] : got) EXPECT_EQ(v.size(), static_cast<size_t>(committed));
  }
  umount(mnt.c_str());
  stdfs::remove_all(mnt);
}

TEST_F(DBTest, SecondOpenOfTheSameDirectoryIsRefused) {
  auto db = Open();
  DBOptions opts;
  opts.dir = dir_;
  auto second = DB::Open(opts);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("in use"), std::string::npos);
}

}  // namespace
}  // namespace foresight::storage
