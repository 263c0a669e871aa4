// Writing and reading blocks: round trips, the index reader, writer checks, write failures.
#include <filesystem>
#include <set>

#include <gtest/gtest.h>

#include "block_test_util.h"
#include "storage/block/block.h"
#include "storage/block/writer.h"
#include "storage/encoding/chunk.h"
#include "storage/fs/faulty_fs.h"

namespace foresight::storage::block {
namespace {

using encoding::ChunkEncoding;
using testing::Generate;
using testing::SeriesMap;
using testing::TempDir;

std::vector<std::string> DirEntries(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) out.push_back(e.path().filename());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(BlockIdTest, WellFormedAndIncreasing) {
  std::string prev;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewBlockId();
    EXPECT_TRUE(IsBlockId(id)) << id;
    EXPECT_LT(prev, id);
    prev = id;
  }
  EXPECT_FALSE(IsBlockId("01ARZ3NDEKTSV4RRFFQ69G5FA"));   // 25 characters
  EXPECT_FALSE(IsBlockId("01ARZ3NDEKTSV4RRFFQ69G5FAU"));  // U is not Crockford
  EXPECT_TRUE(IsBlockId("01ARZ3NDEKTSV4RRFFQ69G5FAV"));
}

TEST(BlockMetaTest, RoundTripAndErrors) {
  BlockMeta m;
  m.id = NewBlockId();
  m.min_time = -5;
  m.max_time = 7200000;
  m.stats = {3, 400, 5};
  m.level = 2;
  m.sources = {"01ARZ3NDEKTSV4RRFFQ69G5FAV", m.id};
  m.parents = {"01ARZ3NDEKTSV4RRFFQ69G5FAV"};
  auto back = DecodeMeta(EncodeMeta(m), "x/meta.json");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->id, m.id);
  EXPECT_EQ(back->min_time, -5);
  EXPECT_EQ(back->max_time, 7200000);
  EXPECT_EQ(back->stats.num_samples, 400u);
  EXPECT_EQ(back->level, 2);
  EXPECT_EQ(back->sources, m.sources);
  EXPECT_EQ(back->parents, m.parents);

  auto bad = DecodeMeta("{\"ulid\": 3}", "x/meta.json");
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("x/meta.json"), std::string::npos) << bad.status();
  EXPECT_FALSE(DecodeMeta("not json", "x/meta.json").ok());
  std::string future = EncodeMeta(m);
  future.replace(future.find("\"version\": 1"), 12, "\"version\": 9");
  EXPECT_FALSE(DecodeMeta(future, "x/meta.json").ok());
}

TEST(BlockTest, RoundTripThousandsOfSeries) {
  TempDir dir;
  const int64_t mint = 1'700'000'000'000, maxt = mint + 2 * 3600 * 1000;
  SeriesMap data = Generate(3000, mint, maxt, 15000, 1);
  auto block = testing::WriteAndOpen(dir.path(), data, mint, maxt, /*samples_per_chunk=*/120);
  ASSERT_NE(block, nullptr);
  EXPECT_TRUE(block->Verify().ok()) << block->Verify();

  uint64_t samples = 0;
  for (const auto& [l, s] : data) samples += s.size();
  const BlockMeta& meta = block->meta();
  EXPECT_EQ(meta.stats.num_series, data.size());
  EXPECT_EQ(meta.stats.num_samples, samples);
  EXPECT_GT(meta.stats.num_chunks, data.size());  // several chunks per series
  EXPECT_EQ(meta.min_time, mint);
  EXPECT_EQ(meta.max_time, maxt);
  EXPECT_EQ(meta.level, 1);
  EXPECT_EQ(meta.sources, std::vector<std::string>{meta.id});
  EXPECT_EQ(block->num_series(), data.size());
  EXPECT_GT(block->size_bytes(), 0u);
  EXPECT_EQ(DirEntries(block->dir()), (std::vector<std::string>{"chunks", "index", "meta.json"}));

  // Series ids are positions in label order; chunks decode to the samples written.
  uint32_t id = 0;
  Labels labels;
  std::vector<ChunkMeta> chunks;
  for (const auto& [want_labels, want] : data) {
    ASSERT_TRUE(block->SeriesAt(id++, &labels, &chunks).ok());
    ASSERT_EQ(labels, want_labels);
    std::vector<Sample> got;
    for (const ChunkMeta& c : chunks) {
      auto v = block->Chunk(c.ref);
      ASSERT_TRUE(v.ok()) << v.status();
      auto it = encoding::NewChunkIterator(v->encoding, v->bytes);
      std::vector<Sample> in_chunk;
      while (it->Next()) in_chunk.push_back(it->At());
      ASSERT_FALSE(in_chunk.empty());
      EXPECT_EQ(in_chunk.front().t, c.mint);
      EXPECT_EQ(in_chunk.back().t, c.maxt);
      got.insert(got.end(), in_chunk.begin(), in_chunk.end());
    }
    EXPECT_TRUE(testing::SameSamples(got, want)) << want_labels.ToString();
  }
  EXPECT_FALSE(block->SeriesAt(id, &labels, &chunks).ok());  // past the end: an error, not a crash
}

TEST(BlockTest, IndexReaderAgainstBruteForce) {
  TempDir dir;
  SeriesMap data = Generate(2000, 0, 100000, 10000, 2);
  auto block = testing::WriteAndOpen(dir.path(), data, 0, 100000);
  ASSERT_NE(block, nullptr);
  std::map<std::string, std::map<std::string, std::vector<uint32_t>>> want;  // name -> value -> ids
  uint32_t id = 0;
  for (const auto& [labels, s] : data) {
    for (const Label& l : labels) want[l.name][l.value].push_back(id);
    ++id;
  }
  std::vector<std::string> names;
  for (const auto& [n, vs] : want) names.push_back(n);
  EXPECT_EQ(block->LabelNames(), names);
  for (const auto& [name, values] : want) {
    std::vector<std::string> vals;
    for (const auto& [v, ids] : values) {
      vals.push_back(v);
      index::Postings p = block->PostingsFor(name, v);
      std::vector<uint32_t> got(p.cardinality());
      p.toUint32Array(got.data());
      EXPECT_EQ(got, ids) << name << "=" << v;
    }
    EXPECT_EQ(block->LabelValues(name), vals);
    // PostingsForValues with a predicate accepting every other value.
    std::set<uint32_t> expect;
    size_t i = 0;
    std::set<std::string> accepted;
    for (const auto& [v, ids] : values) {
      if (i++ % 2 == 0) {
        accepted.insert(v);
        expect.insert(ids.begin(), ids.end());
      }
    }
    index::Postings p = block->PostingsForValues(
        name, [&](std::string_view v) { return accepted.count(std::string(v)) > 0; });
    EXPECT_EQ(p.cardinality(), expect.size()) << name;
  }
  EXPECT_TRUE(block->PostingsFor("job", "no-such-job").isEmpty());
  EXPECT_TRUE(block->PostingsFor("no_such_label", "api").isEmpty());
  EXPECT_TRUE(block->LabelValues("no_such_label").empty());
  EXPECT_EQ(block->AllPostings().cardinality(), data.size());
  EXPECT_TRUE(block->IndexError().ok());
}

TEST(BlockTest, EmptyBlock) {
  TempDir dir;
  auto block = testing::WriteAndOpen(dir.path(), {}, 0, 1000);
  ASSERT_NE(block, nullptr);
  EXPECT_EQ(block->num_series(), 0u);
  EXPECT_TRUE(block->LabelNames().empty());
  EXPECT_TRUE(block->AllPostings().isEmpty());
  EXPECT_TRUE(block->Verify().ok());
}

std::string Encode(std::vector<Sample> s) { return encoding::EncodeChunk(s, ChunkEncoding::kCompact); }

TEST(BlockWriterTest, RejectsBadInput) {
  TempDir dir;
  auto w = BlockWriter::Create(dir.path(), 0, 1000);
  ASSERT_TRUE(w.ok()) << w.status();
  std::string c1 = Encode({{10, 1}, {20, 2}});
  std::string c2 = Encode({{30, 1}, {40, 2}});
  std::vector<ChunkData> good = {{10, 20, ChunkEncoding::kCompact, c1},
                                 {30, 40, ChunkEncoding::kCompact, c2}};
  ASSERT_TRUE((*w)->AddSeries(Labels{{"__name__", "b"}}, good).ok());

  auto s = (*w)->AddSeries(Labels{{"__name__", "a"}}, good);  // out of order
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_NE(s.message().find("out of order"), std::string::npos) << s;
  EXPECT_TRUE(absl::IsInvalidArgument((*w)->AddSeries(Labels{{"__name__", "b"}}, good)));  // duplicate
  EXPECT_TRUE(absl::IsInvalidArgument((*w)->AddSeries(Labels(), good)));
  EXPECT_TRUE(absl::IsInvalidArgument(
      (*w)->AddSeries(Labels(std::vector<Label>{{"__name__", "c"}, {"x", ""}}), good)));
  std::vector<ChunkData> overlapping = {good[1], good[0]};
  EXPECT_TRUE(absl::IsInvalidArgument((*w)->AddSeries(Labels{{"__name__", "c"}}, overlapping)));
  std::vector<ChunkData> outside = {{10, 1000, ChunkEncoding::kCompact, c1}};
  EXPECT_TRUE(absl::IsInvalidArgument((*w)->AddSeries(Labels{{"__name__", "c"}}, outside)));
  std::vector<ChunkData> garbage = {{10, 20, ChunkEncoding::kCompact, "xyz"}};
  EXPECT_FALSE((*w)->AddSeries(Labels{{"__name__", "c"}}, garbage).ok());

  // The writer is still usable after refused input.
  ASSERT_TRUE((*w)->AddSeries(Labels{{"__name__", "c"}}, good).ok());
  auto meta = (*w)->Finish();
  ASSERT_TRUE(meta.ok()) << meta.status();
  EXPECT_EQ(meta->stats.num_series, 2u);
  EXPECT_EQ(meta->stats.num_chunks, 4u);
  EXPECT_EQ(meta->stats.num_samples, 8u);
  EXPECT_EQ(DirEntries(dir.path()), std::vector<std::string>{meta->id});
  EXPECT_FALSE(BlockWriter::Create(dir.path() + "/missing", 0, 10).ok());
  EXPECT_FALSE(BlockWriter::Create(dir.path(), 10, 10).ok());
}

TEST(BlockWriterTest, AbandonedWriterLeavesNothing) {
  TempDir dir;
  {
    auto w = BlockWriter::Create(dir.path(), 0, 1000);
    ASSERT_TRUE(w.ok());
    std::string c = Encode({{1, 1}});
    std::vector<ChunkData> chunks = {{1, 1, ChunkEncoding::kCompact, c}};
    ASSERT_TRUE((*w)->AddSeries(Labels{{"a", "b"}}, chunks).ok());
    EXPECT_EQ(DirEntries(dir.path()).size(), 1u);  // <id>.tmp
  }
  EXPECT_TRUE(DirEntries(dir.path()).empty());
}

TEST(BlockWriterTest, ManySegments) {
  TempDir dir;
  SeriesMap data = Generate(300, 0, 3'600'000, 15000, 3);
  WriteSeriesOptions o;
  o.max_samples_per_chunk = 30;
  o.writer.max_segment_bytes = 4096;
  auto it = data.begin();
  auto meta = WriteBlockFromSeries(
      dir.path(), 0, 3'600'000,
      [&](Labels* l, std::vector<Sample>* s) -> absl::StatusOr<bool> {
        if (it == data.end()) return false;
        *l = it->first;
        *s = it->second;
        ++it;
        return true;
      },
      o);
  ASSERT_TRUE(meta.ok()) << meta.status();
  std::string chunks_dir = dir.path() + "/" + meta->id + "/chunks";
  auto segments = DirEntries(chunks_dir);
  ASSERT_GT(segments.size(), 10u);
  EXPECT_EQ(segments[0], "000001");
  for (const auto& s : segments) EXPECT_LE(std::filesystem::file_size(chunks_dir + "/" + s), 4096u);
  auto block = Block::Open(dir.path() + "/" + meta->id);
  ASSERT_TRUE(block.ok()) << block.status();
  EXPECT_TRUE((*block)->Verify().ok()) << (*block)->Verify();
  BlockQuerier q(*block, 0, 3'600'000);
  auto all = testing::M(MatchType::kRegexMatch, "__name__", ".+");
  testing::ExpectSameSeries(testing::ReadAll(q, {&all, 1}), data);
}

// A full disk at every possible moment of writing a block: the error names a file, nothing is left behind.
TEST(BlockWriterTest, DiskFullLeavesNoHalfBlock) {
  TempDir dir;
  SeriesMap data = Generate(200, 0, 3'600'000, 60000, 4);
  fs::FaultyFs faulty(fs::DefaultFs());
  uint64_t total = 0;
  {
    WriteSeriesOptions o;
    o.writer.fs = &faulty;
    o.writer.max_segment_bytes = 8192;
    auto it = data.begin();
    auto meta = WriteBlockFromSeries(
        dir.path(), 0, 3'600'000,
        [&](Labels* l, std::vector<Sample>* s) -> absl::StatusOr<bool> {
          if (it == data.end()) return false;
          *l = it->first;
          *s = it->second;
          ++it;
          return true;
        },
        o);
    ASSERT_TRUE(meta.ok()) << meta.status();
    total = faulty.bytes_written();
    std::filesystem::remove_all(dir.path() + "/" + meta->id);
  }
  ASSERT_GT(total, 10000u);
  for (uint64_t limit :
       {uint64_t{0}, uint64_t{7}, uint64_t{5000}, total / 3, total / 2, total - 200, total - 1}) {
    fs::FaultyFs f(fs::DefaultFs());
    f.FailWritesAfter(limit);
    WriteSeriesOptions o;
    o.writer.fs = &f;
    o.writer.max_segment_bytes = 8192;
    auto it = data.begin();
    auto meta = WriteBlockFromSeries(
        dir.path(), 0, 3'600'000,
        [&](Labels* l, std::vector<Sample>* s) -> absl::StatusOr<bool> {
          if (it == data.end()) return false;
          *l = it->first;
          *s = it->second;
          ++it;
          return true;
        },
        o);
    ASSERT_FALSE(meta.ok()) << "limit " << limit;
    EXPECT_TRUE(absl::IsResourceExhausted(meta.status())) << meta.status();
    EXPECT_NE(meta.status().message().find(dir.path()), std::string::npos) << meta.status();
    EXPECT_TRUE(DirEntries(dir.path()).empty()) << "limit " << limit;
  }
  // A failing fsync is reported too.
  fs::FaultyFs f(fs::DefaultFs());
  f.FailSyncs(true);
  BlockWriterOptions wo;
  wo.fs = &f;
  auto w = BlockWriter::Create(dir.path(), 0, 10, wo);
  ASSERT_TRUE(w.ok());
  EXPECT_FALSE((*w)->Finish().ok());
  EXPECT_TRUE(DirEntries(dir.path()).empty());
}

}  // namespace
}  // namespace foresight::storage::block
