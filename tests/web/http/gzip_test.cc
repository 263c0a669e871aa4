#include "web/http/gzip.h"

#include "gtest/gtest.h"

namespace foresight::web {
namespace {

std::string Sample(size_t n) {
  std::string s;
  for (size_t i = 0; s.size() < n; ++i) s += "series_" + std::to_string(i % 97) + "{job=\"node\"} 1\n";
  s.resize(n);
  return s;
}

TEST(GzipTest, RoundTrip) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{1000}, size_t{300000}}) {
    std::string data = Sample(n);
    std::string z = GzipCompress(data);
    ASSERT_GE(z.size(), 18u);
    EXPECT_EQ(static_cast<unsigned char>(z[0]), 0x1f);  // gzip magic
    EXPECT_EQ(static_cast<unsigned char>(z[1]), 0x8b);
    auto back = GzipDecompress(z, 1 << 20);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, data);
  }
  EXPECT_LT(GzipCompress(Sample(100000)).size(), 20000u);
}

TEST(GzipTest, ConcatenatedMembers) {
  auto back = GzipDecompress(GzipCompress("hello ") + GzipCompress("world"), 100);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, "hello world");
}

TEST(GzipTest, CorruptAndTruncated) {
  std::string z = GzipCompress(Sample(5000));
  EXPECT_EQ(GzipDecompress(z.substr(0, z.size() / 2), 1 << 20).status().code(),
            absl::StatusCode::kInvalidArgument);
  std::string bad = z;
  bad[bad.size() / 2] ^= 0x55;
  bad[bad.size() / 2 + 1] ^= 0x55;
  EXPECT_FALSE(GzipDecompress(bad, 1 << 20).ok());
  EXPECT_FALSE(GzipDecompress("not gzip at all", 1 << 20).ok());
  EXPECT_FALSE(GzipDecompress("", 1 << 20).ok());
  EXPECT_FALSE(GzipDecompress(z + "trailing garbage", 1 << 20).ok());
}

TEST(GzipTest, OutputLimit) {
  std::string bomb = GzipCompress(std::string(10 << 20, 'a'));  // ~10 KiB expanding to 10 MiB
  EXPECT_LT(bomb.size(), 100000u);
  auto r = GzipDecompress(bomb, 1 << 20);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(GzipDecompress(bomb, 10 << 20).ok());
}

TEST(AcceptsGzipTest, Variants) {
  EXPECT_TRUE(AcceptsGzip("gzip"));
  EXPECT_TRUE(AcceptsGzip("deflate, gzip;q=1.0, *;q=0.5"));
  EXPECT_TRUE(AcceptsGzip("GZIP"));
  EXPECT_TRUE(AcceptsGzip("x-gzip"));
  EXPECT_TRUE(AcceptsGzip("*"));
  EXPECT_TRUE(AcceptsGzip("gzip;q=0.001"));
  EXPECT_FALSE(AcceptsGzip(""));
  EXPECT_FALSE(AcceptsGzip("identity"));
  EXPECT_FALSE(AcceptsGzip("br, deflate"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzip; q=0.0"));
}

}  // namespace
}  // namespace foresight::web
