#include "storage/wal/crc32c.h"

#include <string>

#include "gtest/gtest.h"

namespace foresight::storage::wal::crc32c {
namespace {

TEST(Crc32cTest, KnownValues) {
  // Check values from RFC 3720 (iSCSI), appendix B.4, and the usual "123456789".
  EXPECT_EQ(Value("123456789"), 0xE3069283u);
  EXPECT_EQ(Value(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(Value(std::string(32, '\xff')), 0x62A8AB43u);
  std::string ascending;
  for (int i = 0; i < 32; i++) ascending.push_back(static_cast<char>(i));
  EXPECT_EQ(Value(ascending), 0x46DD794Eu);
  EXPECT_EQ(Value(""), 0u);
}

TEST(Crc32cTest, ExtendEqualsWhole) {
  std::string s = "hello, write-ahead log with a few more bytes than eight";
  for (size_t cut = 0; cut <= s.size(); cut++) {
    EXPECT_EQ(Extend(Extend(0, s.data(), cut), s.data() + cut, s.size() - cut), Value(s)) << cut;
  }
}

TEST(Crc32cTest, HardwareAgreesWithPortable) {
  std::string data(300, '\0');
  uint32_t x = 12345;
  for (char& c : data) {
    x = x * 1103515245 + 12345;
    c = static_cast<char>(x >> 16);
  }
  for (size_t start = 0; start < 9; start++) {
    for (size_t n = 0; start + n <= data.size(); n += 7) {
      uint32_t hw;
      if (!ExtendHardware(0x1234, data.data() + start, n, &hw)) GTEST_SKIP() << "no SSE4.2 on this CPU";
      EXPECT_EQ(hw, ExtendPortable(0x1234, data.data() + start, n)) << start << " " << n;
    }
  }
}

TEST(Crc32cTest, DetectsEveryBitFlip) {
  std::string s(64, 'a');
  uint32_t good = Value(s);
  for (size_t i = 0; i < s.size() * 8; i++) {
    std::string t = s;
    t[i / 8] = static_cast<char>(t[i / 8] ^ (1 << (i % 8)));
    EXPECT_NE(Value(t), good) << i;
  }
}

}  // namespace
}  // namespace foresight::storage::wal::crc32c
