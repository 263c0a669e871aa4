// The writer and replay on healthy logs: round trips, rotation, reopening, sync policies, checkpoints.
#include <filesystem>
#include <random>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/fs/faulty_fs.h"
#include "storage/wal/dir.h"
#include "storage/wal/format.h"
#include "storage/wal/reader.h"
#include "storage/wal/writer.h"
#include "test_util.h"

namespace foresight::storage::wal {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::MakeRecord;
using testing::Msg;
using testing::ReplayAll;
using testing::SameRecords;
using testing::TempDir;

std::unique_ptr<Writer> OpenWriter(fs::FileSystem* fs, const std::string& dir, WriterOptions o = {}) {
  auto w = Writer::Open(fs, dir, std::move(o));
  EXPECT_TRUE(w.ok()) << w.status();
  return w.ok() ? std::move(*w) : nullptr;
}

uint64_t DirBytes(const std::string& dir) {
  uint64_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.is_regular_file()) n += e.file_size();
  }
  return n;
}

TEST(WalTest, EmptyOrMissingDirectoryReplaysNothing) {
  TempDir dir;
  auto r = ReplayAll(*fs::DefaultFs(), dir.Sub("wal"));
  EXPECT_TRUE(r.records.empty());
  EXPECT_TRUE(r.report.corruptions.empty());
  EXPECT_FALSE(r.report.checkpoint.has_value());
}

TEST(WalTest, RoundTripAcrossSegmentRotation) {
  TempDir dir;
  std::string wal = dir.Sub("wal");
  auto w = OpenWriter(fs::DefaultFs(), wal, {.sync = SyncPolicy::kNever, .segment_bytes = 64 << 10});
  std::mt19937_64 rng(1);
  std::vector<std::string> want;
  for (int batch = 0; batch < 300; batch++) {
    std::vector<std::string> recs;
    size_t n = 1 + rng() % 5;
    for (size_t i = 0; i < n; i++) {
      // Mostly small records, some spanning several pages, a few empty.
      size_t size = rng() % 10 == 0 ? rng() % 100000 : rng() % 3 == 0 ? 0 : rng() % 3000;
      recs.push_back(MakeRecord(want.size(), size));
      want.push_back(recs.back());
    }
    std::vector<std::string_view> views(recs.begin(), recs.end());
    ASSERT_TRUE(w->Append(views).ok());
  }
  ASSERT_TRUE(w->Close().ok());
  WriterStats st = w->stats();
  EXPECT_EQ(st.records, want.size());
  EXPECT_GT(st.segments_created, 10u);
  EXPECT_EQ(st.bytes_written, DirBytes(wal));
  EXPECT_EQ(st.fsyncs, 1u);  // only Close syncs under kNever

  auto r = ReplayAll(*fs::DefaultFs(), wal);
  EXPECT_TRUE(SameRecords(r.records, want));
  EXPECT_TRUE(r.report.corruptions.empty());
  EXPECT_EQ(r.report.truncated_bytes, 0u);
  EXPECT_EQ(r.report.segments.size(), st.segments_created);
  EXPECT_EQ(r.report.records, want.size());
  // A segment exceeds the limit only by holding a single batch larger than it (at most 5 x 100000 bytes).
  auto contents = ListDir(*fs::DefaultFs(), wal);
  ASSERT_TRUE(contents.ok());
  for (uint32_t n : contents->segments) {
    uint64_t size = std::filesystem::file_size(wal + "/" + SegmentName(n));
    EXPECT_LE(size, (64u << 10) + 5 * 101000u) << n;
  }
}

TEST(WalTest, RecordsAtEveryPageOffset) {
  // Walks a record's start across the end of a page, so that every trailer length and the zero-payload first
  // fragment all occur.
  TempDir dir;
  std::string wal = dir.Sub("wal");
  auto w = OpenWriter(fs::DefaultFs(), wal, {.sync = SyncPolicy::kNever});
  std::vector<std::string> want;
  want.push_back(MakeRecord(0, kPageSize - 2 * kHeaderSize - 20));
  ASSERT_TRUE(w->Append(want.back()).ok());
  for (int i = 1; i < 60; i++) {
    want.push_back(MakeRecord(i, i % 2 ? 1 : kPageSize - kHeaderSize + 1));
    ASSERT_TRUE(w->Append(want.back()).ok());
  }
  ASSERT_TRUE(w->Close().ok());
  auto r = ReplayAll(*fs::DefaultFs(), wal);
  EXPECT_TRUE(SameRecords(r.records, want));
  EXPECT_TRUE(r.report.corruptions.empty());
}

TEST(WalTest, ReopenStartsANewSegmentAndKeepsOrder) {
  TempDir dir;
  std::string wal = dir.Sub("wal");
  std::vector<std::string> want;
  for (int run = 0; run < 3; run++) {
    auto before = ReplayAll(*fs::DefaultFs(), wal);
    EXPECT_TRUE(SameRecords(before.records, want));
    auto w = OpenWriter(fs::DefaultFs(), wal);
    EXPECT_EQ(w->current_segment(), static_cast<uint32_t>(run + 1));
    for (int i = 0; i < 10; i++) {
      want.push_back(MakeRecord(want.size(), 100 + i));
      ASSERT_TRUE(w->Append(want.back()).ok());
    }
    ASSERT_TRUE(w->Close().ok());
    EXPECT_FALSE(w->Append("after close").ok());
  }
  auto r = ReplayAll(*fs::DefaultFs(), wal);
  EXPECT_TRUE(SameRecords(r.records, want));
  EXPECT_THAT(r.report.segments, ElementsAre(1, 2, 3));
}

TEST(WalTest, ReopenWithoutWritesReusesTheEmptySegment) {
  TempDir dir;
  std::string wal = dir.Sub("wal");
  {
    auto w = OpenWriter(fs::DefaultFs(), wal);
    ASSERT_TRUE(w->Append("a").ok());
  }
  for (int run = 0; run < 3; run++) {
    auto w = OpenWriter(fs::DefaultFs(), wal);
    EXPECT_EQ(w->current_segment(), 2u);
  }
  auto w = OpenWriter(fs::DefaultFs(), wal);
  ASSERT_TRUE(w->Append("b").ok());
  EXPECT_THAT(ReplayAll(*fs::DefaultFs(), wal).records, ElementsAre("a", "b"));
}

TEST(WalTest, BatchLargerThanASegmentGetsItsOwnSegment) {
  TempDir dir;
  std::string wal = dir.Sub("wal");
  auto w = OpenWriter(fs::DefaultFs(), wal, {.sync = SyncPolicy::kNever, .segment_bytes = 1000});
  std::vector<std::string> want = {MakeRecord(0, 10), MakeRecord(1, 5000), MakeRecord(2, 10)};
  for (const auto& r : want) ASSERT_TRUE(w->Append(r).ok());
  EXPECT_EQ(w->current_segment(), 3u);
  ASSERT_TRUE(w->Close().ok());
  EXPECT_TRUE(SameRecords(ReplayAll(*fs::DefaultFs(), wal).records, want));
}

TEST(WalTest, SyncPolicies) {
  TempDir dir;
  fs::FaultyFs fs(fs::DefaultFs());
  int64_t now = 0;
  auto clock = [&] { return now; };
  {
    auto w = OpenWriter(&fs, dir.Sub("always"), {.sync = SyncPolicy::kAlways});
    uint64_t base = fs.syncs();
    for (int i = 0; i < 5; i++) ASSERT_TRUE(w->Append("x").ok());
    EXPECT_EQ(fs.syncs() - base, 5u);
    EXPECT_EQ(w->stats().fsyncs, 5u);
  }
  {
    auto w = OpenWriter(&fs, dir.Sub("never"), {.sync = SyncPolicy::kNever});
    uint64_t base = fs.syncs();
    for (int i = 0; i < 5; i++) ASSERT_TRUE(w->Append("x").ok());
    ASSERT_TRUE(w->Rotate().ok());
    EXPECT_EQ(fs.syncs() - base, 0u);
    ASSERT_TRUE(w->Sync().ok());  // nothing written to the new segment yet
    EXPECT_EQ(w->stats().fsyncs, 0u);
  }
  {
    auto w = OpenWriter(&fs, dir.Sub("interval"),
                        {.sync = SyncPolicy::kInterval, .sync_interval_ms = 1000, .now_ms = clock});
    ASSERT_TRUE(w->Append("a").ok());
    now = 999;
    ASSERT_TRUE(w->Append("b").ok());
    EXPECT_EQ(w->stats().fsyncs, 0u);
    now = 1000;
    ASSERT_TRUE(w->Append("c").ok());
    EXPECT_EQ(w->stats().fsyncs, 1u);
    now = 1500;
    ASSERT_TRUE(w->Append("d").ok());
    EXPECT_EQ(w->stats().fsyncs, 1u);
    ASSERT_TRUE(w->Sync().ok());  // the engine's timer
    EXPECT_EQ(w->stats().fsyncs, 2u);
    ASSERT_TRUE(w->Sync().ok());  // nothing new
    EXPECT_EQ(w->stats().fsyncs, 2u);
  }
}

TEST(WalTest, ConcurrentAppendsKeepEachThreadsOrder) {
  TempDir dir;
  std::string wal = dir.Sub("wal");
  auto w = OpenWriter(fs::DefaultFs(), wal, {.sync = SyncPolicy::kNever, .segment_bytes = 32 << 10});
  constexpr int kThreads = 4, kPerThread = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; i++) {
        std::string rec = std::to_string(t) + ":" + std::to_string(i) + std::string(i % 100, 'p');
        EXPECT_TRUE(w->Append(rec).ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_TRUE(w->Close().ok());
  auto r = ReplayAll(*fs::DefaultFs(), wal);
  ASSERT_EQ(r.records.size(), static_cast<size_t>(kThreads * kPerThread));
  std::vector<int> next(kThreads, 0);
  for (const std::string& rec : r.records) {
    int t = rec[0] - '0';
    EXPECT_EQ(
        rec.substr(2, rec.find_first_of('p') == std::string::npos ? std::string::npos : rec.find('p') - 2),
        std::to_string(next[t]));
    next[t]++;
  }
}

TEST(WalTest, CheckpointThenNewerSegments) {
  TempDir dir;
  std::string wal = dir.Sub("wal");
  auto w = OpenWriter(fs::DefaultFs(), wal, {.sync = SyncPolicy::kAlways});
  for (int i = 0; i < 5; i++) ASSERT_TRUE(w->Append("old" + std::to_string(i)).ok());
  ASSERT_EQ(*w->Rotate(), 1u);
  for (int i = 5; i < 8; i++) ASSERT_TRUE(w->Append("old" + std::to_string(i)).ok());
  auto last = w->Rotate();
  ASSERT_TRUE(last.ok());
  ASSERT_EQ(*last, 2u);
  ASSERT_TRUE(w->Append("new0").ok());

  // Up to the segment being written is refused.
  std::vector<std::string_view> cp = {"cp0", std::string_view(), "cp2"};
  absl::Status bad = w->Truncate(3, cp);
  EXPECT_TRUE(absl::IsInvalidArgument(bad));
  EXPECT_THAT(Msg(bad), HasSubstr("rotate first"));

  ASSERT_TRUE(w->Truncate(*last, cp).ok());
  EXPECT_EQ(w->stats().checkpoints, 1u);
  ASSERT_TRUE(w->Append("new1").ok());
  auto names = fs::DefaultFs()->ListDir(wal);
  EXPECT_THAT(*names, ElementsAre("00000003", "checkpoint.00000002"));

  auto r = ReplayAll(*fs::DefaultFs(), wal);
  EXPECT_THAT(r.records, ElementsAre("cp0", "", "cp2", "new0", "new1"));
  EXPECT_EQ(r.report.checkpoint, 2u);
  EXPECT_THAT(r.report.segments, ElementsAre(3));
  EXPECT_TRUE(r.report.corruptions.empty());

  // The same or an older checkpoint again is refused; a newer one replaces it.
  EXPECT_TRUE(absl::IsInvalidArgument(w->Truncate(2, cp)));
  ASSERT_EQ(*w->Rotate(), 3u);
  std::vector<std::string_view> cp2 = {"second"};
  ASSERT_TRUE(w->Truncate(3, cp2).ok());
  ASSERT_TRUE(w->Append("new2").ok());
  ASSERT_TRUE(w->Close().ok());
  EXPECT_THAT(*fs::DefaultFs()->ListDir(wal), ElementsAre("00000004", "checkpoint.00000003"));
  EXPECT_THAT(ReplayAll(*fs::DefaultFs(), wal).records, ElementsAre("second", "new2"));

  // A reopened writer continues after the checkpoint and the segments.
  auto w2 = OpenWriter(fs::DefaultFs(), wal);
  EXPECT_EQ(w2->current_segment(), 5u);
}

TEST(WalTest, LeftoversOfAnInterruptedTruncationAreIgnored) {
  TempDir dir;
  std::string wal = dir.Sub("wal");
  {
    auto w = OpenWriter(fs::DefaultFs(), wal);
    ASSERT_TRUE(w->Append("a").ok());
    ASSERT_EQ(*w->Rotate(), 1u);
    ASSERT_TRUE(w->Append("b").ok());
    ASSERT_TRUE(w->Close().ok());
  }
  // A crash after the checkpoint was published but before segment 1 was deleted; and a half-written
  // checkpoint of a later truncation.
  std::filesystem::create_directory(wal + "/checkpoint.00000001");
  {
    auto f = fs::DefaultFs()->Create(wal + "/checkpoint.00000001/00000000");
    std::string framed;
    uint64_t off = 0;
    AppendFragments("state", 0, &off, &framed);
    ASSERT_TRUE((*f)->Append(framed).ok());
  }
  std::filesystem::create_directory(wal + "/checkpoint.00000002.tmp");
  testing::WriteFileBytes(wal + "/checkpoint.00000002.tmp/00000000", "half");

  auto r = ReplayAll(*fs::DefaultFs(), wal);
  EXPECT_THAT(r.records, ElementsAre("state", "b"));
  EXPECT_TRUE(r.report.corruptions.empty());
  auto w = OpenWriter(fs::DefaultFs(), wal);  // removes the temp checkpoint
  EXPECT_FALSE(std::filesystem::exists(wal + "/checkpoint.00000002.tmp"));
  EXPECT_EQ(w->current_segment(), 3u);

  // An empty left-over segment not above the checkpoint is not reused: replay would skip what goes in it.
  w.reset();
  std::filesystem::remove(wal + "/00000002");
  std::filesystem::remove(wal + "/00000003");
  testing::WriteFileBytes(wal + "/00000001", "");
  w = OpenWriter(fs::DefaultFs(), wal);
  EXPECT_EQ(w->current_segment(), 2u);
  ASSERT_TRUE(w->Append("c").ok());
  EXPECT_THAT(ReplayAll(*fs::DefaultFs(), wal).records, ElementsAre("state", "c"));
}

}  // namespace
}  // namespace foresight::storage::wal
