// Compaction against a brute-force merge, and WriteBlockFromSeries.
#include <filesystem>

#include <gtest/gtest.h>

#include "block_test_util.h"
#include "storage/block/compact.h"
#include "storage/block/querier.h"

namespace foresight::storage::block {
namespace {

using testing::M;
using testing::SeriesMap;
using testing::TempDir;

// The reference merge: union of series; for equal timestamps the sample of the earliest input wins.
SeriesMap Merge(const std::vector<SeriesMap>& inputs) {
  std::map<Labels, std::map<int64_t, double>> m;
  for (auto in = inputs.rbegin(); in != inputs.rend(); ++in) {  // earlier inputs overwrite later ones
    for (const auto& [labels, samples] : *in) {
      for (const Sample& s : samples) m[labels][s.t] = s.v;
    }
  }
  SeriesMap out;
  for (const auto& [labels, samples] : m) {
    for (const auto& [t, v] : samples) out[labels].push_back({t, v});
  }
  return out;
}

SeriesMap ReadBlock(const std::shared_ptr<Block>& b) {
  BlockQuerier q(b, kMinTime, kMaxTime);
  auto all = M(MatchType::kRegexMatch, "__name__", ".*");
  return testing::ReadAll(q, {&all, 1});
}

TEST(BlockCompactTest, ThreeOverlappingBlocksAgainstBruteForce) {
  TempDir dir;
  // Three blocks over overlapping ranges, sharing some series; values differ per block so that the
  // winner of equal timestamps is visible. Chunks are small so that many get rechunked.
  std::vector<SeriesMap> inputs = {
      testing::Generate(400, 0, 3'600'000, 15000, 21),
      testing::Generate(400, 1'800'000, 5'400'000, 15000, 22),
      testing::Generate(400, 3'000'000, 7'200'000, 10000, 21),  // same labels as the first, other range
  };
  for (size_t i = 0; i < inputs.size(); ++i) {
    for (auto& [l, samples] : inputs[i]) {
      for (auto& s : samples) s.v += 1000.0 * static_cast<double>(i);
    }
  }
  // Also a series present in all three with exactly equal timestamps.
  for (size_t i = 0; i < inputs.size(); ++i) {
    auto& s = inputs[i][Labels{{"__name__", "shared"}}];
    for (int64_t t = 3'000'000; t < 3'600'000; t += 1000) s.push_back({t, static_cast<double>(i)});
  }
  const std::vector<std::pair<int64_t, int64_t>> ranges = {
      {0, 3'600'000}, {1'800'000, 5'400'000}, {3'000'000, 7'200'000}};
  std::vector<std::shared_ptr<Block>> blocks;
  for (size_t i = 0; i < inputs.size(); ++i) {
    blocks.push_back(testing::WriteAndOpen(dir.path(), inputs[i], ranges[i].first, ranges[i].second, 50));
    ASSERT_NE(blocks.back(), nullptr);
  }
  auto meta = Compact(dir.path(), blocks);
  ASSERT_TRUE(meta.ok()) << meta.status();
  auto out = Block::Open(dir.path() + "/" + meta->id);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_TRUE((*out)->Verify().ok());
  SeriesMap want = Merge(inputs);
  testing::ExpectSameSeries(ReadBlock(*out), want);

  EXPECT_EQ(meta->min_time, 0);
  EXPECT_EQ(meta->max_time, 7'200'000);
  EXPECT_EQ(meta->level, 2);
  std::vector<std::string> ids;
  for (const auto& b : blocks) ids.push_back(b->meta().id);
  EXPECT_EQ(meta->sources, ids);  // ids increase, so sorted sources equal creation order
  EXPECT_EQ(meta->parents, ids);
  uint64_t samples = 0;
  for (const auto& [l, s] : want) samples += s.size();
  EXPECT_EQ(meta->stats.num_samples, samples);
  EXPECT_EQ(meta->stats.num_series, want.size());
  // Small input chunks were joined: fewer, larger chunks.
  uint64_t in_chunks = 0;
  for (const auto& b : blocks) in_chunks += b->meta().stats.num_chunks;
  EXPECT_LT(meta->stats.num_chunks * 3, in_chunks);

  // The order of inputs decides which equal-timestamp sample survives.
  std::vector<std::shared_ptr<Block>> reversed(blocks.rbegin(), blocks.rend());
  auto meta2 = Compact(dir.path(), reversed);
  ASSERT_TRUE(meta2.ok()) << meta2.status();
  auto out2 = Block::Open(dir.path() + "/" + meta2->id);
  ASSERT_TRUE(out2.ok());
  testing::ExpectSameSeries(ReadBlock(*out2), Merge({inputs.rbegin(), inputs.rend()}));

  // Compacting the compacted blocks again: level 3, same sources.
  std::vector<std::shared_ptr<Block>> again = {*out, *out2};
  auto meta3 = Compact(dir.path(), again);
  ASSERT_TRUE(meta3.ok()) << meta3.status();
  EXPECT_EQ(meta3->level, 3);
  EXPECT_EQ(meta3->sources, ids);
  auto out3 = Block::Open(dir.path() + "/" + meta3->id);
  ASSERT_TRUE(out3.ok());
  testing::ExpectSameSeries(ReadBlock(*out3), want);
}

TEST(BlockCompactTest, NonOverlappingBigChunksAreCopied) {
  TempDir dir;
  SeriesMap a = testing::Generate(50, 0, 3'600'000, 1000, 31);
  SeriesMap b = testing::Generate(50, 3'600'000, 7'200'000, 1000, 31);
  std::vector<std::shared_ptr<Block>> blocks = {testing::WriteAndOpen(dir.path(), a, 0, 3'600'000),
                                                testing::WriteAndOpen(dir.path(), b, 3'600'000, 7'200'000)};
  CompactOptions o;
  o.min_samples_to_copy = 100;
  auto meta = Compact(dir.path(), blocks, o);
  ASSERT_TRUE(meta.ok()) << meta.status();
  auto out = Block::Open(dir.path() + "/" + meta->id);
  ASSERT_TRUE(out.ok());
  testing::ExpectSameSeries(ReadBlock(*out), Merge({a, b}));
  // Full chunks were copied byte for byte: the output has the same chunk bytes as the inputs.
  uint64_t in_bytes = 0;
  for (const auto& blk : blocks) in_bytes += std::filesystem::file_size(blk->dir() + "/chunks/000001");
  uint64_t out_bytes = std::filesystem::file_size((*out)->dir() + "/chunks/000001");
  EXPECT_NEAR(static_cast<double>(out_bytes), static_cast<double>(in_bytes),
              0.05 * static_cast<double>(in_bytes));
}

TEST(BlockCompactTest, RechunkingSavesBytes) {
  TempDir dir;
  SeriesMap a = testing::Generate(100, 0, 7'200'000, 15000, 41);
  auto small = testing::WriteAndOpen(dir.path(), a, 0, 7'200'000, 20);
  ASSERT_NE(small, nullptr);
  std::vector<std::shared_ptr<Block>> in = {small};
  auto meta = Compact(dir.path(), in);
  ASSERT_TRUE(meta.ok()) << meta.status();
  auto out = Block::Open(dir.path() + "/" + meta->id);
  ASSERT_TRUE(out.ok());
  testing::ExpectSameSeries(ReadBlock(*out), a);
  EXPECT_LT((*out)->meta().stats.num_chunks * 10, small->meta().stats.num_chunks);
  EXPECT_LT((*out)->size_bytes(), small->size_bytes());
}

TEST(BlockCompactTest, Errors) {
  TempDir dir;
  std::vector<std::shared_ptr<Block>> none;
  EXPECT_FALSE(Compact(dir.path(), none).ok());
  SeriesMap a = testing::Generate(20, 0, 100'000, 1000, 51);
  std::vector<std::shared_ptr<Block>> in = {testing::WriteAndOpen(dir.path(), a, 0, 100'000)};
  // A damaged input fails the compaction, which leaves no output behind.
  std::filesystem::resize_file(in[0]->dir() + "/chunks/000001", 100);
  in[0] = *Block::Open(in[0]->dir());
  auto meta = Compact(dir.path(), in);
  ASSERT_FALSE(meta.ok());
  EXPECT_TRUE(absl::IsDataLoss(meta.status())) << meta.status();
  size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++entries;
  EXPECT_EQ(entries, 1u);
}

TEST(BlockWriteFromSeriesTest, ChunksOfAtMostN) {
  TempDir dir;
  SeriesMap a;
  std::vector<Sample> s;
  for (int i = 0; i < 2500; ++i) s.push_back({i * 1000, i * 0.5});
  a[Labels{{"__name__", "x"}}] = s;
  a[Labels{{"__name__", "y"}}] = {};  // left out
  auto b = testing::WriteAndOpen(dir.path(), a, 0, 2'500'000, 1000);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->num_series(), 1u);
  EXPECT_EQ(b->meta().stats.num_chunks, 3u);
  Labels l;
  std::vector<ChunkMeta> chunks;
  ASSERT_TRUE(b->SeriesAt(0, &l, &chunks).ok());
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0].mint, 0);
  EXPECT_EQ(chunks[0].maxt, 999'000);
  EXPECT_EQ(chunks[2].maxt, 2'499'000);

  // Out-of-order samples and out-of-order series are refused; a source error is passed on.
  auto refuse = [&](std::vector<std::pair<Labels, std::vector<Sample>>> series) {
    size_t i = 0;
    return WriteBlockFromSeries(dir.path(), 0, 10'000,
                                [&](Labels* l, std::vector<Sample>* s) -> absl::StatusOr<bool> {
                                  if (i == series.size()) return false;
                                  *l = series[i].first;
                                  *s = series[i].second;
                                  ++i;
                                  return true;
                                });
  };
  EXPECT_FALSE(refuse({{Labels{{"a", "1"}}, {{5, 1}, {5, 2}}}}).ok());
  EXPECT_FALSE(refuse({{Labels{{"a", "2"}}, {{5, 1}}}, {Labels{{"a", "1"}}, {{5, 1}}}}).ok());
  EXPECT_FALSE(refuse({{Labels{{"a", "1"}}, {{10'000, 1}}}}).ok());  // maxt is exclusive
  auto failed =
      WriteBlockFromSeries(dir.path(), 0, 10, [](Labels*, std::vector<Sample>*) -> absl::StatusOr<bool> {
        return absl::UnavailableError("head went away");
      });
  EXPECT_TRUE(absl::IsUnavailable(failed.status()));
  size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++entries;
  EXPECT_EQ(entries, 1u);  // only the first block
}

}  // namespace
}  // namespace foresight::storage::block
