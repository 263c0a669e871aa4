#include "storage/encoding/decimal.h"

#include <bit>
#include <cmath>
#include <limits>

#include "gtest/gtest.h"

namespace foresight::storage::encoding {
namespace {

TEST(DecimalTest, FindsShortestDecimal) {
  struct Case {
    double v;
    int64_t m;
    int d;
  } cases[] = {
      {0.16, 16, 2},  {33.02, 3302, 2}, {9.645e-06, 9645, 9}, {28291072, 28291072, 0},  {0, 0, 0},
      {-1.5, -15, 1}, {0.1, 1, 1},      {1e-22, 1, 22},       {0.000292606, 292606, 9}, {1.8107, 18107, 4}};
  for (const Case& c : cases) {
    int64_t m;
    int d;
    ASSERT_TRUE(ToDecimal(c.v, &m, &d)) << c.v;
    EXPECT_EQ(m, c.m) << c.v;
    EXPECT_EQ(d, c.d) << c.v;
    EXPECT_EQ(std::bit_cast<uint64_t>(FromDecimal(m, d)), std::bit_cast<uint64_t>(c.v));
  }
}

TEST(DecimalTest, RefusesWhatIsNotExact) {
  int64_t m;
  int d;
  EXPECT_FALSE(ToDecimal(std::nan(""), &m, &d));
  EXPECT_FALSE(ToDecimal(std::numeric_limits<double>::infinity(), &m, &d));
  EXPECT_FALSE(ToDecimal(-0.0, &m, &d));  // would come back as +0.0
  EXPECT_FALSE(ToDecimal(1.8446744073709552e19, &m, &d));
  EXPECT_FALSE(ToDecimal(0.1 + 0.2, &m, &d));  // 0.30000000000000004: 17 digits
  EXPECT_FALSE(ToDecimal(std::numeric_limits<double>::denorm_min(), &m, &d));
  EXPECT_FALSE(ToDecimal(1795228511.4259787, &m, &d));  // 17 digits: mantissa over 2^53
}

TEST(DecimalTest, Rescale) {
  int64_t x;
  EXPECT_TRUE(RescaleDecimal(0.16, 16, 2, 9, &x));
  EXPECT_EQ(x, 160000000);
  EXPECT_FALSE(RescaleDecimal(28291072, 28291072, 0, 9, &x));  // 2.8e16 > 2^53
  EXPECT_FALSE(RescaleDecimal(0.5, 5, 1, 0, &x));              // fewer digits
}

}  // namespace
}  // namespace foresight::storage::encoding
