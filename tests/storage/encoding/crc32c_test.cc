#include "storage/encoding/crc32c.h"

#include <string>

#include "gtest/gtest.h"

namespace foresight::storage::encoding {
namespace {

TEST(Crc32cTest, KnownVectors) {
  // From RFC 3720 (iSCSI), section B.4, and the common "123456789" check value.
  EXPECT_EQ(Crc32c("123456789"), 0xe3069283u);
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8a9136aau);
  EXPECT_EQ(Crc32c(std::string(32, '\xff')), 0x62a8ab43u);
  std::string inc;
  for (int i = 0; i < 32; ++i) inc.push_back(static_cast<char>(i));
  EXPECT_EQ(Crc32c(inc), 0x46dd794eu);
  EXPECT_EQ(Crc32c(""), 0u);
}

TEST(Crc32cTest, ExtendEqualsWhole) {
  std::string s;
  for (int i = 0; i < 1000; ++i) s.push_back(static_cast<char>(i * 31 + 7));
  for (size_t cut : {0, 1, 7, 8, 9, 500, 999, 1000}) {
    uint32_t c = Crc32cExtend(0, s.data(), cut);
    c = Crc32cExtend(c, s.data() + cut, s.size() - cut);
    EXPECT_EQ(c, Crc32c(s)) << cut;
  }
}

}  // namespace
}  // namespace foresight::storage::encoding
