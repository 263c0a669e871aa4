#include "storage/encoding/bit_stream.h"

#include <random>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace foresight::storage::encoding {
namespace {

TEST(BitStreamTest, WritesMostSignificantBitFirst) {
  std::vector<uint8_t> buf(16, 0);
  BitSink w(buf.data(), 0);
  w.Put(0b1, 1);
  w.Put(0b0110, 4);
  w.Put(0b101, 3);
  w.Put(0xabc, 12);
  EXPECT_EQ(w.bit_pos(), 20u);
  EXPECT_EQ(buf[0], 0b10110101);
  EXPECT_EQ(buf[1], 0xab);
  EXPECT_EQ(buf[2], 0xc0);
}

TEST(BitStreamTest, RandomWidthsRoundTrip) {
  std::mt19937_64 rng(7);
  std::vector<std::pair<uint64_t, int>> items;
  for (int i = 0; i < 5000; ++i) {
    const int n = 1 + static_cast<int>(rng() % 64);
    const uint64_t v = n == 64 ? rng() : rng() & ((1ULL << n) - 1);
    items.emplace_back(v, n);
  }
  std::vector<uint8_t> buf(5000 * 8 + kBitSinkSlack, 0);
  BitSink w(buf.data(), 0);
  for (auto [v, n] : items) w.PutWide(v, n);
  const size_t bytes = (w.bit_pos() + 7) / 8;
  BitReader r(buf.data(), bytes);
  for (auto [v, n] : items) {
    if (n <= kMaxBitsPerCall) {
      EXPECT_EQ(r.Peek(n), v);
    }
    EXPECT_EQ(r.ReadWide(n), v);
  }
  EXPECT_FALSE(r.overrun());
  EXPECT_EQ(r.bit_pos(), w.bit_pos());
}

TEST(BitStreamTest, ReadingPastTheEndGivesZerosAndOverrun) {
  const uint8_t data[3] = {0xff, 0xff, 0xff};
  BitReader r(data, 3);
  EXPECT_EQ(r.Read(20), 0xfffffu);
  EXPECT_FALSE(r.overrun());
  EXPECT_EQ(r.Read(8), 0xf0u);  // 4 real bits, then zeros
  EXPECT_TRUE(r.overrun());
  EXPECT_EQ(r.ReadWide(64), 0u);
  BitReader empty(nullptr, 0);
  EXPECT_EQ(empty.Read(5), 0u);
  EXPECT_TRUE(empty.overrun());
}

}  // namespace
}  // namespace foresight::storage::encoding
