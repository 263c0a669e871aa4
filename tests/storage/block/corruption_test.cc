// Damaged block files: every flipped byte of the index is reported (on open or on use) and never
// crashes or returns wrong data; truncated and damaged chunk segments come back as errors naming the file.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "block_test_util.h"
#include "storage/block/querier.h"

namespace foresight::storage::block {
namespace {

using testing::M;
using testing::SeriesMap;
using testing::TempDir;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

bool Contains(const absl::Status& s, std::string_view what) {
  return std::string_view(s.message().data(), s.message().size()).find(what) != std::string_view::npos;
}

class BlockCorruptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = testing::Generate(40, 0, 600'000, 15000, 11);
    auto block = testing::WriteAndOpen(dir_.path(), data_, 0, 600'000, 16);
    ASSERT_NE(block, nullptr);
    block_dir_ = block->dir();
  }

  // Queries everything there is to query. Returns the first error met; with no error every answer must
  // equal the original data's.
  absl::Status UseEverything(const std::shared_ptr<Block>& b) {
    BlockQuerier q(b, 0, 600'000);
    auto names = q.LabelNames();
    if (!names.ok()) return names.status();
    std::vector<std::string> want_names;
    for (const auto& [l, s] : data_) {
      for (const Label& x : l) want_names.push_back(x.name);
    }
    std::sort(want_names.begin(), want_names.end());
    want_names.erase(std::unique(want_names.begin(), want_names.end()), want_names.end());
    EXPECT_EQ(*names, want_names);
    for (const std::string& name : *names) {
      auto values = q.LabelValues(name);
      if (!values.ok()) return values.status();
      for (const std::string& v : *values) {
        auto m = M(MatchType::kEqual, name, v);
        auto set = q.Select({&m, 1});
        SeriesMap got;
        while (set->Next()) {
          auto it = set->At().Iterator();
          auto& samples = got[set->At().labels()];
          while (it->Next()) samples.push_back(it->At());
          if (!it->Err().ok()) return it->Err();
        }
        if (!set->Err().ok()) return set->Err();
        testing::ExpectSameSeries(got, testing::BruteForce(data_, {&m, 1}, 0, 600'000));
      }
    }
    return absl::OkStatus();
  }

  TempDir dir_;
  SeriesMap data_;
  std::string block_dir_;
};

TEST_F(BlockCorruptionTest, IntactBlockHasNoErrors) {
  auto b = Block::Open(block_dir_);
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(UseEverything(*b).ok());
  EXPECT_TRUE((*b)->Verify().ok());
}

TEST_F(BlockCorruptionTest, EveryFlippedIndexByteIsReported) {
  const std::string path = block_dir_ + "/index";
  const std::string original = ReadFile(path);
  ASSERT_GT(original.size(), 500u);
  int on_open = 0, on_use = 0;
  for (size_t pos = 0; pos < original.size(); pos += (pos < 16 || pos + 200 > original.size()) ? 1 : 3) {
    std::string damaged = original;
    damaged[pos] = static_cast<char>(damaged[pos] ^ (1 << (pos % 8)));
    WriteFile(path, damaged);
    auto b = Block::Open(block_dir_);
    if (!b.ok()) {
      ++on_open;
      EXPECT_TRUE(absl::IsDataLoss(b.status())) << b.status();
      EXPECT_TRUE(Contains(b.status(), path)) << b.status();
      continue;
    }
    absl::Status verify = (*b)->Verify();
    EXPECT_FALSE(verify.ok()) << "flip at " << pos << " of " << original.size() << " not detected";
    EXPECT_TRUE(Contains(verify, path)) << verify;
    absl::Status use = UseEverything(*b);  // an error, or the right answers (checked inside)
    if (!use.ok()) {
      ++on_use;
      EXPECT_TRUE(Contains(use, path)) << use;
    }
  }
  EXPECT_GT(on_open, 0);
  EXPECT_GT(on_use, 0);
  WriteFile(path, original);
}

TEST_F(BlockCorruptionTest, TruncatedIndex) {
  const std::string path = block_dir_ + "/index";
  const std::string original = ReadFile(path);
  for (size_t len : {size_t{0}, size_t{5}, size_t{100}, original.size() / 2, original.size() - 1}) {
    WriteFile(path, original.substr(0, len));
    auto b = Block::Open(block_dir_);
    ASSERT_FALSE(b.ok()) << len;
    EXPECT_TRUE(Contains(b.status(), path)) << b.status();
  }
  std::filesystem::remove(path);
  EXPECT_FALSE(Block::Open(block_dir_).ok());
}

TEST_F(BlockCorruptionTest, TruncatedChunkSegment) {
  const std::string path = block_dir_ + "/chunks/000001";
  const std::string original = ReadFile(path);
  for (size_t len : {original.size() - 1, original.size() / 2, size_t{9}}) {
    WriteFile(path, original.substr(0, len));
    auto b = Block::Open(block_dir_);
    ASSERT_TRUE(b.ok()) << b.status();  // opening does not read chunks
    absl::Status s = UseEverything(*b);
    ASSERT_FALSE(s.ok()) << len;
    EXPECT_TRUE(absl::IsDataLoss(s)) << s;
    EXPECT_TRUE(Contains(s, path)) << s;
    EXPECT_FALSE((*b)->Verify().ok());
  }
  WriteFile(path, original.substr(0, 3));  // not even a header
  auto b = Block::Open(block_dir_);
  ASSERT_FALSE(b.ok());
  EXPECT_TRUE(Contains(b.status(), path)) << b.status();
}

TEST_F(BlockCorruptionTest, FlippedChunkBytes) {
  const std::string path = block_dir_ + "/chunks/000001";
  const std::string original = ReadFile(path);
  for (size_t pos = 8; pos < original.size(); pos += 97) {
    std::string damaged = original;
    damaged[pos] = static_cast<char>(damaged[pos] ^ 0x10);
    WriteFile(path, damaged);
    auto b = Block::Open(block_dir_);
    ASSERT_TRUE(b.ok());
    absl::Status s = UseEverything(*b);
    EXPECT_FALSE(s.ok()) << "flip at " << pos;
    EXPECT_TRUE(Contains(s, path)) << s;
  }
}

TEST_F(BlockCorruptionTest, BadMetaAndSegments) {
  const std::string meta = block_dir_ + "/meta.json";
  const std::string original = ReadFile(meta);
  WriteFile(meta, original.substr(0, original.size() / 2));
  auto b = Block::Open(block_dir_);
  ASSERT_FALSE(b.ok());
  EXPECT_TRUE(Contains(b.status(), meta)) << b.status();

  std::string wrong = original;
  wrong.replace(wrong.find("\"numSeries\": 40"), 15, "\"numSeries\": 41");
  WriteFile(meta, wrong);
  EXPECT_FALSE(Block::Open(block_dir_).ok());
  WriteFile(meta, original);
  ASSERT_TRUE(Block::Open(block_dir_).ok());

  WriteFile(block_dir_ + "/chunks/000003", "x");  // a gap: 000002 missing
  b = Block::Open(block_dir_);
  ASSERT_FALSE(b.ok());
  EXPECT_TRUE(Contains(b.status(), "000002")) << b.status();
  std::filesystem::remove(block_dir_ + "/chunks/000003");
  WriteFile(block_dir_ + "/chunks/junk", "x");
  EXPECT_FALSE(Block::Open(block_dir_).ok());
}

}  // namespace
}  // namespace foresight::storage::block
