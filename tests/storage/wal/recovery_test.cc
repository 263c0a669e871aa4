// Damaged logs: torn tails, bit flips, lost pages, a full disk, failing fsyncs and crashes.
#include <atomic>
#include <filesystem>
#include <random>
#include <set>
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

using ::testing::HasSubstr;
using testing::MakeRecord;
using testing::Msg;
using testing::ReadBytes;
using testing::ReadFileBytes;
using testing::ReplayAll;
using testing::SameRecords;
using testing::TempDir;
using testing::WriteFileBytes;

// Frames records into one segment's bytes; ends[i] is the offset after record i.
struct Framed {
  std::string bytes;
  std::vector<uint64_t> ends;
};
Framed Frame(const std::vector<std::string>& records) {
  Framed f;
  uint64_t off = 0;
  for (size_t i = 0; i < records.size(); i++) {
    AppendFragments(records[i], static_cast<uint32_t>(i), &off, &f.bytes);
    f.ends.push_back(off);
  }
  return f;
}

std::vector<std::string> Records(size_t n, size_t size) {
  std::vector<std::string> r;
  for (size_t i = 0; i < n; i++) r.push_back(MakeRecord(i, size + i % 7));
  return r;
}

std::vector<std::string> Without(std::vector<std::string> v, size_t i) {
  v.erase(v.begin() + static_cast<std::ptrdiff_t>(i));
  return v;
}

// A torn write can stop at any byte of the last record: all earlier records survive, the tail is reported.
// `stride` > 1 samples the cuts (each cut re-reads the whole segment).
void CheckEveryCut(const std::vector<std::string>& records, uint64_t stride = 1) {
  Framed f = Frame(records);
  std::vector<std::string> earlier(records.begin(), records.end() - 1);
  uint64_t good = f.ends[f.ends.size() - 2];
  for (uint64_t cut = good + 1; cut < f.bytes.size(); cut += stride) {
    auto r = ReadBytes(std::string_view(f.bytes).substr(0, cut));
    ASSERT_TRUE(SameRecords(r.records, earlier)) << "cut at " << cut;
    EXPECT_EQ(r.result.good_end, good);
    ASSERT_EQ(r.result.corruptions.size(), 1u) << cut;
    EXPECT_TRUE(r.result.corruptions[0].to_end);
    EXPECT_EQ(r.result.corruptions[0].bytes_lost, cut - good);
  }
  auto whole = ReadBytes(f.bytes);
  EXPECT_TRUE(SameRecords(whole.records, records));
  EXPECT_TRUE(whole.result.corruptions.empty());
}

TEST(TornTailTest, EveryCutOfASmallLastRecord) { CheckEveryCut(Records(20, 300)); }

TEST(TornTailTest, EveryCutOfALastRecordCrossingAPage) {
  std::vector<std::string> records = Records(3, 10000);  // the last record starts ~2.7 KB before a page end
  records.push_back(MakeRecord(99, 6000));               // a first and a last fragment
  CheckEveryCut(records);
}

TEST(TornTailTest, SampledCutsOfALastRecordOfThreeFragments) {
  std::vector<std::string> records = Records(3, 10000);
  records.push_back(MakeRecord(99, kPageSize + 6000));  // first, middle, last
  CheckEveryCut(records, 7);
}

TEST(TornTailTest, ReplayCutsTheLastSegmentAndIsCleanAfterwards) {
  TempDir dir;
  std::string wal = dir.Sub("wal");
  std::vector<std::string> want;
  uint64_t good_size = 0;
  {
    auto w = Writer::Open(fs::DefaultFs(), wal, {.sync = SyncPolicy::kNever});
    ASSERT_TRUE(w.ok());
    for (int i = 0; i < 50; i++) {
      want.push_back(MakeRecord(i, 200));
      ASSERT_TRUE((*w)->Append(want.back()).ok());
    }
    good_size = *fs::DefaultFs()->FileSize(wal + "/00000001");
    ASSERT_TRUE((*w)->Append(MakeRecord(50, 700)).ok());
  }
  std::string seg = wal + "/00000001";
  std::string full = ReadFileBytes(seg);
  // Every cut inside the last record, through the real files and Replay.
  for (uint64_t cut = good_size + 1; cut < full.size(); cut += 13) {
    WriteFileBytes(seg, std::string_view(full).substr(0, cut));
    auto r = ReplayAll(*fs::DefaultFs(), wal);
    ASSERT_TRUE(SameRecords(r.records, want)) << cut;
    EXPECT_TRUE(r.report.corruptions.empty());
    ASSERT_TRUE(r.report.torn_tail.has_value());
    EXPECT_EQ(r.report.torn_tail->offset, good_size);
    EXPECT_EQ(r.report.truncated_bytes, cut - good_size);
    EXPECT_EQ(*fs::DefaultFs()->FileSize(seg), good_size);
    auto again = ReplayAll(*fs::DefaultFs(), wal);
    EXPECT_TRUE(SameRecords(again.records, want));
    EXPECT_FALSE(again.report.torn_tail.has_value());
    EXPECT_EQ(again.report.truncated_bytes, 0u);
  }
}

TEST(TornTailTest, ZeroFilledTailIsCut) {
  std::vector<std::string> records = Records(10, 100);
  Framed f = Frame(records);
  for (size_t zeros : {1, 10, 11, 4096, 100000}) {
    auto r = ReadBytes(f.bytes + std::string(zeros, '\0'));
    EXPECT_TRUE(SameRecords(r.records, records));
    EXPECT_EQ(r.result.good_end, f.bytes.size());
    ASSERT_EQ(r.result.corruptions.size(), 1u);
    EXPECT_TRUE(r.result.corruptions[0].to_end);
    EXPECT_EQ(r.result.corruptions[0].records_lost, 0u) << "zeros held no record";
  }
}

TEST(BitFlipTest, EveryByteOfAMiddleRecordLosesExactlyThatRecord) {
  std::vector<std::string> records = Records(30, 150);
  Framed f = Frame(records);
  const size_t k = 12;
  uint64_t start = f.ends[k - 1], end = f.ends[k];
  for (uint64_t at = start; at < end; at++) {
    std::string bytes = f.bytes;
    bytes[at] = static_cast<char>(bytes[at] ^ 0x10);
    auto r = ReadBytes(bytes);
    ASSERT_TRUE(SameRecords(r.records, Without(records, k))) << "flip at " << at;
    ASSERT_EQ(r.result.corruptions.size(), 1u);
    const Corruption& c = r.result.corruptions[0];
    EXPECT_EQ(c.offset, start);
    EXPECT_EQ(c.bytes_lost, end - start);
    EXPECT_EQ(c.records_lost, 1u);
    EXPECT_FALSE(c.to_end);
  }
}

TEST(BitFlipTest, FlipInAMultiPageRecordLosesOnlyIt) {
  std::vector<std::string> records = Records(5, 100);
  records.insert(records.begin() + 2, MakeRecord(77, 3 * kPageSize));
  Framed f = Frame(records);
  // A byte inside the middle fragment, and one inside the last fragment's header.
  for (uint64_t at : {f.ends[1] + kPageSize + 500, f.ends[1] + 3 * kPageSize - 10, f.ends[2] - 20}) {
    std::string bytes = f.bytes;
    bytes[at] = static_cast<char>(bytes[at] ^ 0x01);
    auto r = ReadBytes(bytes);
    ASSERT_TRUE(SameRecords(r.records, Without(records, 2))) << at;
    ASSERT_EQ(r.result.corruptions.size(), 1u);
    EXPECT_EQ(r.result.corruptions[0].records_lost, 1u);
    EXPECT_EQ(r.result.corruptions[0].bytes_lost, f.ends[2] - f.ends[1]);
  }
}

TEST(BitFlipTest, GarbagePageReportsExactlyTheRecordsLost) {
  std::vector<std::string> records = Records(400, 500);
  Framed f = Frame(records);
  std::string bytes = f.bytes;
  std::mt19937_64 rng(3);
  for (size_t i = 2 * kPageSize; i < 3 * kPageSize; i++) bytes[i] = static_cast<char>(rng());
  auto r = ReadBytes(bytes);
  ASSERT_EQ(r.result.corruptions.size(), 1u);
  const Corruption& c = r.result.corruptions[0];
  EXPECT_EQ(c.records_lost, records.size() - r.records.size());
  EXPECT_GT(c.records_lost, 60u);  // a 32 KiB page holds ~64 of these records
  EXPECT_LT(c.records_lost, 70u);
  // What was delivered is the records before the page and after it, in order.
  size_t before = 0;
  while (f.ends[before] <= 2 * kPageSize) before++;
  std::vector<std::string> want(records.begin(), records.begin() + static_cast<std::ptrdiff_t>(before));
  want.insert(want.end(), records.end() - static_cast<std::ptrdiff_t>(r.records.size() - before),
              records.end());
  EXPECT_TRUE(SameRecords(r.records, want));
  EXPECT_GE(c.offset, f.ends[before - 1]);
  EXPECT_LE(c.offset, 2 * kPageSize + kHeaderSize);
}

TEST(BitFlipTest, ReplayReportsMiddleAndTailCorruptionsSeparately) {
  TempDir dir;
  std::string wal = dir.Sub("wal");
  std::vector<std::string> want;
  {
    auto w = Writer::Open(fs::DefaultFs(), wal, {.sync = SyncPolicy::kNever, .segment_bytes = 8000});
    ASSERT_TRUE(w.ok());
    for (int i = 0; i < 60; i++) {
      want.push_back(MakeRecord(i, 400));
      ASSERT_TRUE((*w)->Append(want.back()).ok());
    }
    ASSERT_TRUE((*w)->Close().ok());
  }
  auto contents = ListDir(*fs::DefaultFs(), wal);
  ASSERT_GE(contents->segments.size(), 3u);
  // Damage the last record of segment 1 (a tail, but not of the log) and the first record of segment 2.
  std::string s1 = wal + "/00000001", s2 = wal + "/00000002";
  std::string b1 = ReadFileBytes(s1), b2 = ReadFileBytes(s2);
  b1[b1.size() - 5] ^= 1;
  b2[20] ^= 1;
  WriteFileBytes(s1, b1);
  WriteFileBytes(s2, b2);
  auto r = ReplayAll(*fs::DefaultFs(), wal);
  EXPECT_EQ(r.records.size(), want.size() - 2);
  ASSERT_EQ(r.report.corruptions.size(), 2u);
  EXPECT_EQ(r.report.corruptions[0].file, s1);
  EXPECT_TRUE(r.report.corruptions[0].to_end);
  EXPECT_EQ(r.report.corruptions[0].records_lost, 1u);
  EXPECT_EQ(r.report.corruptions[1].file, s2);
  EXPECT_EQ(r.report.corruptions[1].offset, 0u);
  EXPECT_EQ(r.report.corruptions[1].records_lost, 1u);
  EXPECT_FALSE(r.report.corruptions[1].to_end);
  EXPECT_EQ(r.report.truncated_bytes, 0u);
  EXPECT_EQ(ReadFileBytes(s1).size(), b1.size()) << "a damaged non-final segment is left as it is";
}

TEST(BitFlipTest, MissingSegmentIsReported) {
  TempDir dir;
  std::string wal = dir.Sub("wal");
  for (int run = 0; run < 3; run++) {
    auto w = Writer::Open(fs::DefaultFs(), wal, {});
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Append("r" + std::to_string(run)).ok());
    ASSERT_TRUE((*w)->Close().ok());
  }
  std::filesystem::remove(wal + "/00000002");
  auto r = ReplayAll(*fs::DefaultFs(), wal);
  EXPECT_THAT(r.records, ::testing::ElementsAre("r0", "r2"));
  ASSERT_EQ(r.report.corruptions.size(), 1u);
  EXPECT_THAT(r.report.corruptions[0].reason, HasSubstr("00000002"));
}

TEST(DiskFullTest, FailedAppendLeavesExactlyTheAcknowledgedRecords) {
  // Let the disk fill at many points of a multi-page batch (85,5xx bytes framed).
  for (uint64_t room = 0; room < 85500; room += 997) {
    TempDir dir;
    std::string wal = dir.Sub("wal");
    fs::FaultyFs fs(fs::DefaultFs());
    auto w = Writer::Open(&fs, wal, {.sync = SyncPolicy::kAlways});
    ASSERT_TRUE(w.ok());
    std::vector<std::string> acked;
    for (int i = 0; i < 3; i++) {
      acked.push_back(MakeRecord(i, 1000));
      ASSERT_TRUE((*w)->Append(acked.back()).ok());
    }
    uint64_t size_before = *fs.FileSize(wal + "/00000001");
    fs.FailWritesAfter(room);
    std::vector<std::string> batch = {MakeRecord(10, 2 * kPageSize), MakeRecord(11, 20000)};
    std::vector<std::string_view> views(batch.begin(), batch.end());
    absl::Status s = (*w)->Append(views);
    ASSERT_FALSE(s.ok()) << room;
    EXPECT_TRUE(absl::IsResourceExhausted(s)) << s;
    EXPECT_THAT(Msg(s), HasSubstr("disk full"));
    EXPECT_THAT(Msg(s), HasSubstr(wal + "/00000001"));
    EXPECT_EQ(*fs.FileSize(wal + "/00000001"), size_before) << "the partial write was cut back";
    EXPECT_EQ((*w)->stats().write_errors, 1u);

    // Space comes back: the log goes on from the good offset.
    fs.ClearWriteLimit();
    acked.push_back(MakeRecord(20, 50));
    ASSERT_TRUE((*w)->Append(acked.back()).ok());
    w->reset();
    auto r = ReplayAll(fs, wal);
    EXPECT_TRUE(SameRecords(r.records, acked));
    EXPECT_TRUE(r.report.corruptions.empty());
    EXPECT_EQ(r.report.truncated_bytes, 0u);
  }
}

TEST(DiskFullTest, WhenTheCutFailsTheWriterMovesToANewSegment) {
  TempDir dir;
  std::string wal = dir.Sub("wal");
  fs::FaultyFs fs(fs::DefaultFs());
  auto w = Writer::Open(&fs, wal, {.sync = SyncPolicy::kAlways});
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Append("a").ok());
  fs.FailWritesAfter(30);
  fs.FailTruncates(true);
  absl::Status s = (*w)->Append(MakeRecord(1, 500));
  EXPECT_TRUE(absl::IsResourceExhausted(s));
  EXPECT_THAT(Msg(s), HasSubstr("cutting back the partial write failed"));
  fs.ClearWriteLimit();
  fs.FailTruncates(false);
  ASSERT_TRUE((*w)->Append("b").ok());
  EXPECT_EQ((*w)->current_segment(), 2u);
  w->reset();
  auto r = ReplayAll(fs, wal);
  EXPECT_THAT(r.records, ::testing::ElementsAre("a", "b"));
  ASSERT_EQ(r.report.corruptions.size(), 1u);  // the half batch, in a segment that is no longer the last
  EXPECT_EQ(r.report.corruptions[0].file, wal + "/00000001");
  EXPECT_TRUE(r.report.corruptions[0].to_end);
}

TEST(SyncFailureTest, FailedFsyncIsAnErrorAndWritingMovesOn) {
  TempDir dir;
  std::string wal = dir.Sub("wal");
  fs::FaultyFs fs(fs::DefaultFs());
  auto w = Writer::Open(&fs, wal, {.sync = SyncPolicy::kAlways});
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Append("a").ok());
  fs.FailSyncs(true);
  absl::Status s = (*w)->Append("b");
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(Msg(s), HasSubstr("Input/output error"));
  EXPECT_THAT(Msg(s), HasSubstr(wal + "/00000001"));
  fs.FailSyncs(false);
  ASSERT_TRUE((*w)->Append("c").ok());
  EXPECT_EQ((*w)->current_segment(), 2u);
}

TEST(CrashTest, NothingAcknowledgedIsLostUnderAlways) {
  for (uint64_t keep : {0, 5, 100, 5000}) {
    TempDir dir;
    std::string wal = dir.Sub("wal");
    fs::FaultyFs fs(fs::DefaultFs());
    ASSERT_TRUE(fs::DefaultFs()->CreateDir(wal).ok());
    auto w = Writer::Open(&fs, wal, {.sync = SyncPolicy::kAlways});
    ASSERT_TRUE(w.ok());
    std::vector<std::string> acked;
    for (int i = 0; i < 100; i++) {
      acked.push_back(MakeRecord(i, 300 + i));
      ASSERT_TRUE((*w)->Append(acked.back()).ok());
    }
    // A batch in flight when the power goes: written, not yet synced, not acknowledged.
    fs.FailSyncs(true);
    std::string in_flight = MakeRecord(1000, 3000);
    EXPECT_FALSE((*w)->Append(in_flight).ok());
    ASSERT_TRUE(fs.Crash({.keep_unsynced_bytes = keep}).ok());
    w->reset();

    fs::FaultyFs after(fs::DefaultFs());
    auto r = ReplayAll(after, wal);
    // The unacknowledged batch survives only if all of it reached the disk; a part of it is cut.
    const uint64_t framed = in_flight.size() + kHeaderSize;
    if (keep >= framed) acked.push_back(in_flight);
    EXPECT_TRUE(SameRecords(r.records, acked)) << "keep " << keep;
    EXPECT_TRUE(r.report.corruptions.empty());
    EXPECT_EQ(r.report.truncated_bytes, keep >= framed ? 0 : keep);
  }
}

TEST(CrashTest, GroupCommitLosesNothingAcknowledged) {
  // Many threads under kAlways share fsyncs; each acknowledgement must still mean "on disk".
  TempDir dir;
  std::string wal = dir.Sub("wal");
  fs::FaultyFs fs(fs::DefaultFs());
  auto w = Writer::Open(&fs, wal, {.sync = SyncPolicy::kAlways, .segment_bytes = 64 << 10});
  ASSERT_TRUE(w.ok());
  constexpr int kThreads = 8, kPerThread = 100;
  std::vector<std::vector<std::string>> acked(kThreads);
  std::atomic<bool> crashed{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread && !crashed; i++) {
        std::string rec = MakeRecord(t * 1000 + i, 200 + i);
        if ((*w)->Append(rec).ok() && !crashed) acked[t].push_back(std::move(rec));
      }
    });
  }
  // Let the threads run a little, then pull the plug while they are still appending.
  while ((*w)->stats().records < kThreads * kPerThread / 2) std::this_thread::yield();
  crashed = true;
  ASSERT_TRUE(fs.Crash().ok());
  for (auto& th : threads) th.join();
  fs.Restart();
  EXPECT_LT((*w)->stats().fsyncs, (*w)->stats().records) << "fsyncs were not shared";
  w->reset();

  auto r = ReplayAll(fs, wal);
  std::set<std::string> replayed(r.records.begin(), r.records.end());
  size_t n = 0;
  for (const auto& thread_acked : acked) {
    for (const std::string& rec : thread_acked) {
      EXPECT_TRUE(replayed.count(rec)) << "an acknowledged record was lost";
      n++;
    }
  }
  EXPECT_GT(n, 0u);
  EXPECT_TRUE(r.report.corruptions.empty());
}

TEST(CrashTest, NeverLosesTheUnsyncedButNotWhatWasSynced) {
  TempDir dir;
  std::string wal = dir.Sub("wal");
  fs::FaultyFs fs(fs::DefaultFs());
  int64_t now = 0;
  auto w = Writer::Open(
      &fs, wal, {.sync = SyncPolicy::kInterval, .sync_interval_ms = 1000, .now_ms = [&] { return now; }});
  ASSERT_TRUE(w.ok());
  std::vector<std::string> synced;
  for (int i = 0; i < 10; i++) {
    synced.push_back(MakeRecord(i, 100));
    ASSERT_TRUE((*w)->Append(synced.back()).ok());
  }
  ASSERT_TRUE((*w)->Sync().ok());
  for (int i = 10; i < 20; i++) ASSERT_TRUE((*w)->Append(MakeRecord(i, 100)).ok());
  ASSERT_TRUE(fs.Crash().ok());
  w->reset();
  fs.Restart();
  auto r = ReplayAll(fs, wal);
  EXPECT_TRUE(SameRecords(r.records, synced));
  EXPECT_TRUE(r.report.corruptions.empty());
}

TEST(CrashTest, NewSegmentSurvivesUnderAlways) {
  // Without syncing the directory after creating a segment, a crash would drop the whole file.
  TempDir dir;
  std::string wal = dir.Sub("wal");
  fs::FaultyFs fs(fs::DefaultFs());
  auto w = Writer::Open(&fs, wal, {.sync = SyncPolicy::kAlways, .segment_bytes = 1000});
  ASSERT_TRUE(w.ok());
  std::vector<std::string> acked;
  for (int i = 0; i < 10; i++) {
    acked.push_back(MakeRecord(i, 600));
    ASSERT_TRUE((*w)->Append(acked.back()).ok());
  }
  EXPECT_GE((*w)->current_segment(), 5u);
  ASSERT_TRUE(fs.Crash().ok());
  w->reset();
  fs.Restart();
  EXPECT_TRUE(SameRecords(ReplayAll(fs, wal).records, acked));
}

TEST(CrashTest, CrashDuringCheckpointKeepsTheOldState) {
  TempDir dir;
  std::string wal = dir.Sub("wal");
  fs::FaultyFs fs(fs::DefaultFs());
  auto w = Writer::Open(&fs, wal, {.sync = SyncPolicy::kAlways});
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Append("a").ok());
  ASSERT_EQ(*(*w)->Rotate(), 1u);
  ASSERT_TRUE((*w)->Append("b").ok());
  // The checkpoint's fsync fails: nothing is renamed or deleted.
  fs.FailSyncs(true);
  std::vector<std::string_view> cp = {"state"};
  EXPECT_FALSE((*w)->Truncate(1, cp).ok());
  fs.FailSyncs(false);
  ASSERT_TRUE(fs.Crash().ok());
  w->reset();
  fs.Restart();
  auto r = ReplayAll(fs, wal);
  EXPECT_THAT(r.records, ::testing::ElementsAre("a", "b"));
  EXPECT_FALSE(r.report.checkpoint.has_value());
}

}  // namespace
}  // namespace foresight::storage::wal
