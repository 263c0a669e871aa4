// kCompact specifics: it stores exactly what kXor stores, in fewer bytes, whatever mode each section picks.
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "chunk_test_util.h"
#include "gtest/gtest.h"
#include "storage/encoding/chunk.h"

namespace foresight::storage::encoding {
namespace {

using testing::Decode;

void ExpectSameAsXor(const std::vector<Sample>& in) {
  const std::string x = EncodeChunk(in, ChunkEncoding::kXor);
  const std::string c = EncodeChunk(in, ChunkEncoding::kCompact);
  absl::Status xe, ce;
  std::vector<Sample> xs = Decode(ChunkEncoding::kXor, x, &xe);
  std::vector<Sample> cs = Decode(ChunkEncoding::kCompact, c, &ce);
  ASSERT_TRUE(xe.ok()) << xe;
  ASSERT_TRUE(ce.ok()) << ce;
  std::string why;
  EXPECT_TRUE(testing::SameSamples(xs, cs, &why)) << why;
  EXPECT_TRUE(testing::SameSamples(in, cs, &why)) << why;
}

size_t CompactSize(const std::vector<Sample>& in) { return EncodeChunk(in, ChunkEncoding::kCompact).size(); }
size_t XorSize(const std::vector<Sample>& in) { return EncodeChunk(in, ChunkEncoding::kXor).size(); }

TEST(CompactTest, SameContentAsXor) {
  ExpectSameAsXor(testing::Adversarial());
  ExpectSameAsXor(testing::HugeJumps());
  for (uint64_t seed = 1; seed < 10; ++seed) {
    ExpectSameAsXor(testing::RandomBits(480, seed));
    ExpectSameAsXor(testing::RandomWalk(480, seed, static_cast<int>(seed)));
  }
}

TEST(CompactTest, DecimalCounterIsSmall) {
  // A cpu-seconds counter: two decimals, varying increments, regular 15 s timestamps.
  std::vector<Sample> in;
  int64_t cents = 329800;
  for (int i = 0; i < 480; ++i) {
    cents += 30 + (i * 7919) % 40;
    in.push_back({1700000000000 + i * 15000, cents / 100.0});
  }
  ExpectSameAsXor(in);
  EXPECT_LT(CompactSize(in), XorSize(in) / 2);
  EXPECT_LT(CompactSize(in) * 1.0 / in.size(), 1.0);
}

TEST(CompactTest, ConstantAndRegularCostAlmostNothing) {
  std::vector<Sample> in = testing::Regular(480, 1700000000000, 15000, [](int) { return 1.0; });
  ExpectSameAsXor(in);
  EXPECT_LE(CompactSize(in), 24u);
  std::vector<Sample> counter = testing::Regular(480, 1700000000000, 15000, [](int i) { return 4096.0 * i; });
  ExpectSameAsXor(counter);
  EXPECT_LE(CompactSize(counter), 32u);
}

TEST(CompactTest, NoisyGaugeStoresOffsetsFromABase) {
  std::vector<Sample> in = testing::NoisyGauge(480, 9);
  ExpectSameAsXor(in);
  // Mantissas 150000..199999: 16 bits as offsets from the block's least (19 if zigzagged around zero,
  // 17 as deltas); timestamps within +-2 ms of the grid add 3 bits; ~100 bytes of headers and bases.
  EXPECT_LT(CompactSize(in), 480u * (16 + 3) / 8 + 100);
}

TEST(CompactTest, ConstantsOfEveryKind) {
  for (double v : {0.0, 1.0, -0.0, 1.8446744073709552e19, StaleNaN(), 0.1 + 0.2}) {
    std::vector<Sample> in = testing::Regular(100, 0, 15000, [](int) { return 0.0; });
    for (Sample& s : in) s.v = v;
    ExpectSameAsXor(in);
    EXPECT_LE(CompactSize(in), 20u) << v;
  }
}

TEST(CompactTest, StaleMarkersAndNegativeZeroAreExceptions) {
  std::vector<Sample> in = testing::RandomWalk(480, 5, 2);
  in[0].v = -0.0;
  in[100].v = StaleNaN();
  in[101].v = StaleNaN();
  in[479].v = std::numeric_limits<double>::infinity();
  ExpectSameAsXor(in);
  std::vector<Sample> clean = testing::RandomWalk(480, 5, 2);
  // Four exceptions cost about their raw bytes, not a switch of the whole chunk to XOR.
  EXPECT_LT(CompactSize(in), CompactSize(clean) + 4 * 20);
  EXPECT_LT(CompactSize(in), XorSize(in) * 2 / 3);
}

TEST(CompactTest, ManyNonDecimalValuesFallBackToXor) {
  std::vector<Sample> in = testing::Regular(480, 0, 15000, [](int i) { return std::sqrt(i + 2.0); });
  ExpectSameAsXor(in);
  std::vector<Sample> few =
      testing::Regular(5, 0, 15000, [](int i) { return i == 2 ? StaleNaN() : i * 1.0; });
  ExpectSameAsXor(few);
}

TEST(CompactTest, MixedMagnitudesThatDoNotShareDecimals) {
  // 9 decimals for the small values would push the big one's mantissa past 2^53: it becomes an exception.
  std::vector<Sample> in = testing::Regular(
      480, 0, 15000, [](int i) { return i % 100 == 0 ? 28291072.0 : 9.645e-06 * (1 + i % 7); });
  ExpectSameAsXor(in);
}

TEST(CompactTest, RepetitiveBodiesAreZstdCompressed) {
  // A gauge cycling through a few values: bit-packing cannot see the repeats, zstd can.
  const double cycle[] = {1234.5, 17.25, 99999.75, 3.5, 4242.0, 0.25, 777.75};
  std::vector<Sample> in = testing::Regular(480, 1700000000000, 15000, [](int) { return 0.0; });
  for (size_t i = 0; i < in.size(); ++i) in[i].v = cycle[i % 7];
  const std::string c = EncodeChunk(in, ChunkEncoding::kCompact);
  EXPECT_EQ(c[0], 1) << "expected a zstd body";
  EXPECT_LT(c.size(), 100u);
  ExpectSameAsXor(in);
}

TEST(CompactTest, TimestampModes) {
  std::vector<Sample> jitter, sparse;
  std::mt19937_64 rng(1);
  for (int i = 0; i < 480; ++i) {
    jitter.push_back({1700000000000 + i * 15000 + static_cast<int64_t>(rng() % 7), 1.0 * i});
    sparse.push_back({1700000000000 + i * 15000 + (i % 50 == 0 ? 3000 : 0), 1.0 * i});
  }
  ExpectSameAsXor(jitter);
  ExpectSameAsXor(sparse);
  EXPECT_LT(CompactSize(sparse), CompactSize(jitter));
  // Offsets of 0..6 ms from a regular grid: 4 bits each at most (their dods would need 5).
  EXPECT_LE(CompactSize(jitter), 478u * 4 / 8 + 32);
  std::vector<Sample> gap = jitter;  // a missed scrape shifts the grid for the rest of the chunk
  gap.erase(gap.begin() + 200);
  ExpectSameAsXor(gap);
  // Descending and equal timestamps are outside the contract but still round-trip bit for bit.
  ExpectSameAsXor({{100, 1}, {50, 2}, {50, 3}, {kMinTime, 4}, {kMaxTime, 5}});
}

}  // namespace
}  // namespace foresight::storage::encoding
