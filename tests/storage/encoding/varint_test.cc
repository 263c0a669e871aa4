#include "storage/encoding/varint.h"

#include <limits>
#include <string>

#include "gtest/gtest.h"

namespace foresight::storage::encoding {
namespace {

TEST(VarintTest, RoundTripsBoundaries) {
  const uint64_t values[] = {
      0, 1, 127, 128, 16383, 16384, (1ULL << 35) - 1, 1ULL << 35, (1ULL << 63) - 1, 1ULL << 63, ~0ULL};
  for (uint64_t v : values) {
    std::string s;
    PutVarint(&s, v);
    EXPECT_EQ(static_cast<int>(s.size()), VarintLength(v)) << v;
    const auto* p = reinterpret_cast<const uint8_t*>(s.data());
    uint64_t got = 0;
    ASSERT_TRUE(GetVarint(&p, p + s.size(), &got)) << v;
    EXPECT_EQ(got, v);
    EXPECT_EQ(p, reinterpret_cast<const uint8_t*>(s.data()) + s.size());
  }
  std::string s;
  PutVarint(&s, ~0ULL);
  EXPECT_EQ(s.size(), 10u);
}

TEST(VarintTest, SignedAndZigZag) {
  EXPECT_EQ(ZigZag(0), 0u);
  EXPECT_EQ(ZigZag(-1), 1u);
  EXPECT_EQ(ZigZag(1), 2u);
  EXPECT_EQ(ZigZag(-2), 3u);
  const int64_t values[] = {
      0, -1, 1, -64, 64, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()};
  for (int64_t v : values) {
    EXPECT_EQ(UnZigZag(ZigZag(v)), v);
    std::string s;
    PutSignedVarint(&s, v);
    const auto* p = reinterpret_cast<const uint8_t*>(s.data());
    int64_t got;
    ASSERT_TRUE(GetSignedVarint(&p, p + s.size(), &got));
    EXPECT_EQ(got, v);
  }
}

TEST(VarintTest, RejectsTruncatedAndOverlong) {
  std::string s;
  PutVarint(&s, 1ULL << 40);
  for (size_t len = 0; len < s.size(); ++len) {
    const auto* p = reinterpret_cast<const uint8_t*>(s.data());
    const uint8_t* start = p;
    uint64_t v;
    EXPECT_FALSE(GetVarint(&p, p + len, &v)) << len;
    EXPECT_EQ(p, start);  // untouched on failure
  }
  // Eleven continuation bytes, and a tenth byte carrying bits beyond 64.
  const uint8_t overlong[11] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
  const uint8_t* p = overlong;
  uint64_t v;
  EXPECT_FALSE(GetVarint(&p, overlong + 11, &v));
  const uint8_t too_big[10] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
  p = too_big;
  EXPECT_FALSE(GetVarint(&p, too_big + 10, &v));
}

}  // namespace
}  // namespace foresight::storage::encoding
