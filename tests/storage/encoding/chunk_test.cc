// Round trips and iterator semantics common to both chunk encodings.
#include "storage/encoding/chunk.h"

#include <string>
#include <vector>

#include "chunk_test_util.h"
#include "gtest/gtest.h"

namespace foresight::storage::encoding {
namespace {

using testing::Decode;
using testing::SameSamples;

class ChunkTest : public ::testing::TestWithParam<ChunkEncoding> {
 protected:
  void ExpectRoundTrip(const std::vector<Sample>& in) {
    const std::string bytes = EncodeChunk(in, GetParam());
    absl::Status err;
    std::vector<Sample> out = Decode(GetParam(), bytes, &err);
    EXPECT_TRUE(err.ok()) << err;
    std::string why;
    EXPECT_TRUE(SameSamples(in, out, &why)) << why;
    absl::StatusOr<int> n = ChunkNumSamples(GetParam(), bytes);
    ASSERT_TRUE(n.ok()) << n.status();
    EXPECT_EQ(*n, static_cast<int>(in.size()));
  }
};

TEST_P(ChunkTest, Empty) { ExpectRoundTrip({}); }
TEST_P(ChunkTest, OneSample) {
  ExpectRoundTrip({{123, 4.5}});
  ExpectRoundTrip({{-5, StaleNaN()}});
}
TEST_P(ChunkTest, TwoSamples) { ExpectRoundTrip({{0, -0.0}, {kMaxTime, 0.0}}); }
TEST_P(ChunkTest, Constant) {
  ExpectRoundTrip(testing::Regular(480, 1700000000000, 15000, [](int) { return 1.0; }));
}
TEST_P(ChunkTest, Counter) {
  ExpectRoundTrip(testing::Regular(480, 0, 15000, [](int i) { return 1000.0 + i * 37; }));
  ExpectRoundTrip(testing::Regular(300, 0, 1000, [](int i) { return 32.98 + i * 0.04; }));
}
TEST_P(ChunkTest, Adversarial) { ExpectRoundTrip(testing::Adversarial()); }
TEST_P(ChunkTest, HugeTimestampJumps) {
  ExpectRoundTrip(testing::HugeJumps());
  ExpectRoundTrip({{-(int64_t{1} << 62), 1}, {int64_t{1} << 62, 2}, {(int64_t{1} << 62) + 15, 3}});
  ExpectRoundTrip({{kMinTime, 1}, {kMaxTime, 2}});
}
TEST_P(ChunkTest, RandomBits) {
  for (uint64_t seed = 1; seed <= 20; ++seed) ExpectRoundTrip(testing::RandomBits(1 + seed * 23, seed));
}
TEST_P(ChunkTest, RandomWalks) {
  for (int decimals = 0; decimals <= 9; ++decimals)
    ExpectRoundTrip(testing::RandomWalk(480, decimals, decimals));
}
TEST_P(ChunkTest, MaxSamples) {
  std::vector<Sample> in = testing::Regular(kMaxChunkSamples, 0, 10, [](int i) { return i * 0.5; });
  ExpectRoundTrip(in);
  // One more is cut off: a chunk never claims more than its header can say.
  std::vector<Sample> more = in;
  more.push_back({kMaxChunkSamples * 10, 1});
  EXPECT_EQ(Decode(GetParam(), EncodeChunk(more, GetParam())).size(), in.size());
}

TEST_P(ChunkTest, SeekSemantics) {
  std::vector<Sample> in = testing::Regular(10, 100, 10, [](int i) { return i * 1.0; });  // t = 100..190
  const std::string bytes = EncodeChunk(in, GetParam());
  auto it = NewChunkIterator(GetParam(), bytes);
  ASSERT_TRUE(it->Seek(-1000));  // before the first sample: lands on it
  EXPECT_EQ(it->At().t, 100);
  ASSERT_TRUE(it->Seek(100));  // already there
  EXPECT_EQ(it->At().t, 100);
  ASSERT_TRUE(it->Seek(125));  // between samples: the next one
  EXPECT_EQ(it->At().t, 130);
  EXPECT_EQ(it->At().v, 3.0);
  ASSERT_TRUE(it->Seek(110));  // never backwards
  EXPECT_EQ(it->At().t, 130);
  ASSERT_TRUE(it->Next());
  EXPECT_EQ(it->At().t, 140);
  ASSERT_TRUE(it->Seek(190));  // exactly the last
  EXPECT_EQ(it->At().t, 190);
  EXPECT_FALSE(it->Seek(191));  // past the end
  EXPECT_FALSE(it->Next());
  EXPECT_FALSE(it->Seek(0));
  EXPECT_TRUE(it->Err().ok());

  auto fresh = NewChunkIterator(GetParam(), bytes);
  EXPECT_FALSE(fresh->Seek(1000));
  EXPECT_FALSE(fresh->Next());

  const std::string empty_bytes = EncodeChunk({}, GetParam());  // must outlive the iterator
  auto empty = NewChunkIterator(GetParam(), empty_bytes);
  EXPECT_FALSE(empty->Seek(kMinTime));
  EXPECT_TRUE(empty->Err().ok());
}

TEST_P(ChunkTest, SeekEverywhereMatchesLinearScan) {
  std::vector<Sample> in = testing::RandomWalk(200, 3, 2);
  const std::string bytes = EncodeChunk(in, GetParam());
  for (int64_t target = in.front().t - 5; target <= in.back().t + 5; target += 997) {
    auto it = NewChunkIterator(GetParam(), bytes);
    ASSERT_TRUE(it->Next());
    const bool ok = it->Seek(target);
    size_t want = 0;  // the first sample at or after target (sample 0 included: Seek may stay put)
    while (want < in.size() && in[want].t < target) ++want;
    ASSERT_EQ(ok, want < in.size()) << target;
    if (ok) {
      EXPECT_EQ(it->At().t, in[want].t);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Encodings, ChunkTest,
                         ::testing::Values(ChunkEncoding::kXor, ChunkEncoding::kCompact),
                         [](const auto& info) {
                           return std::string(info.param == ChunkEncoding::kXor ? "Xor" : "Compact");
                         });

TEST(XorAppenderTest, BytesDecodeAfterEveryAppend) {
  std::vector<Sample> in = testing::Adversarial();
  std::vector<Sample> more = testing::HugeJumps();
  int64_t last = in.back().t;
  for (const Sample& s : more) in.push_back({last += (s.t & 0xffff) + 1, s.v});
  XorChunkAppender app;
  EXPECT_EQ(app.num_samples(), 0);
  EXPECT_EQ(app.byte_size(), 2u);
  for (size_t i = 0; i < in.size(); ++i) {
    app.Append(in[i].t, in[i].v);
    EXPECT_EQ(app.num_samples(), static_cast<int>(i + 1));
    std::vector<Sample> prefix(in.begin(), in.begin() + i + 1);
    std::string why;
    ASSERT_TRUE(testing::SameSamples(prefix, Decode(ChunkEncoding::kXor, app.bytes()), &why))
        << i << ": " << why;
  }
  EXPECT_EQ(std::string(app.bytes()), EncodeChunk(in, ChunkEncoding::kXor));
}

TEST(XorAppenderTest, SmallInMemory) {
  // The head keeps one appender per series: its fixed part must stay small.
  EXPECT_LE(sizeof(XorChunkAppender), 48u);
  XorChunkAppender app;
  for (int i = 0; i < 120; ++i) app.Append(1700000000000 + i * 15000, 1.0);
  // Header, t0, v0, the first delta (a 25-bit dod), then 2 bits per sample.
  EXPECT_LE(app.byte_size(), 2u + 6 + 8 + 4 + 119 * 2 / 8 + 1);
  XorChunkAppender counter;
  for (int i = 0; i < 120; ++i) counter.Append(1700000000000 + i * 15000, 1000 + i);
  EXPECT_LT(counter.byte_size(), 120u * 3 / 2);
  EXPECT_LE(counter.capacity(), counter.byte_size() * 3 / 2 + 64);
  const std::string before(counter.bytes());
  XorChunkAppender moved = std::move(counter);
  EXPECT_EQ(moved.num_samples(), 120);
  EXPECT_EQ(std::string(moved.bytes()), before);
  // The moved-from appender is empty and usable.
  EXPECT_EQ(counter.num_samples(), 0);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(counter.byte_size(), 2u);
  counter.Append(5, 6.5);
  EXPECT_EQ(Decode(ChunkEncoding::kXor, counter.bytes()).size(), 1u);
  moved = std::move(counter);
  EXPECT_EQ(moved.num_samples(), 1);
}

TEST(ChunkTest, UnknownEncoding) {
  auto it = NewChunkIterator(static_cast<ChunkEncoding>(9), "abc");
  EXPECT_FALSE(it->Next());
  EXPECT_FALSE(it->Err().ok());
  EXPECT_FALSE(ChunkNumSamples(static_cast<ChunkEncoding>(9), "abc").ok());
}

}  // namespace
}  // namespace foresight::storage::encoding
