#include "web/http/url.h"

#include "gtest/gtest.h"

namespace foresight::web {
namespace {

TEST(PercentDecodeTest, EscapesAndPlus) {
  EXPECT_EQ(*PercentDecode("a%20b%2Bc+d", true), "a b+c d");
  EXPECT_EQ(*PercentDecode("a%20b%2Bc+d", false), "a b+c+d");
  EXPECT_EQ(*PercentDecode("%7b%7D", true), "{}");
  EXPECT_EQ(*PercentDecode("", true), "");
  EXPECT_EQ(*PercentDecode("%E2%82%AC", true), "\xE2\x82\xAC");
}

TEST(PercentDecodeTest, InvalidEscapesAreErrors) {
  EXPECT_FALSE(PercentDecode("%zz", true).ok());
  EXPECT_FALSE(PercentDecode("abc%", true).ok());
  EXPECT_FALSE(PercentDecode("abc%4", true).ok());
  EXPECT_FALSE(PercentDecode("%g0", true).ok());
  EXPECT_NE(std::string(PercentDecode("x%4", true).status().message()).find("%4"), std::string::npos);
}

TEST(PercentEncodeTest, RoundTrip) {
  std::string s = "up{job=\"a b\"} + rate(x[5m]) / 100% ~_.-";
  std::string enc = PercentEncode(s);
  EXPECT_EQ(enc.find_first_of(" {}\"+[]/%"), enc.find('%'));  // only escapes remain
  EXPECT_EQ(*PercentDecode(enc, true), s);
  EXPECT_EQ(PercentEncode("a b"), "a%20b");
}

TEST(ParseUrlEncodedTest, RepeatedKeysKeepOrder) {
  Params p;
  ASSERT_TRUE(
      ParseUrlEncoded("match%5B%5D=up&start=1&match[]=process_cpu%7Bjob%3D%22x%22%7D&&flag", &p).ok());
  EXPECT_EQ(p.GetAll("match[]"), (std::vector<std::string>{"up", "process_cpu{job=\"x\"}"}));
  EXPECT_EQ(p.GetOr("start"), "1");
  EXPECT_TRUE(p.Has("flag"));
  EXPECT_EQ(p.GetOr("flag", "x"), "");
  EXPECT_FALSE(p.Has("missing"));
  EXPECT_EQ(p.size(), 4u);
}

TEST(ParseUrlEncodedTest, PlusIsSpaceAndEqualsInValue) {
  Params p;
  ASSERT_TRUE(ParseUrlEncoded("query=sum+by+(job)+(up)&x=a=b", &p).ok());
  EXPECT_EQ(p.GetOr("query"), "sum by (job) (up)");
  EXPECT_EQ(p.GetOr("x"), "a=b");
}

TEST(ParseUrlEncodedTest, ErrorLeavesParamsUntouched) {
  Params p;
  p.Add("keep", "1");
  auto s = ParseUrlEncoded("a=1&b=%zz", &p);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(std::string(s.message()).find("b=%zz"), std::string::npos);
  EXPECT_EQ(p.size(), 1u);
}

TEST(ParseTargetTest, OriginAndAbsoluteForms) {
  std::string path;
  Params p;
  ASSERT_TRUE(ParseTarget("/api/v1/label/job%2Dx/values?start=5#frag", &path, &p).ok());
  EXPECT_EQ(path, "/api/v1/label/job-x/values");
  EXPECT_EQ(p.GetOr("start"), "5");

  Params p2;
  ASSERT_TRUE(ParseTarget("http://example.com:9095/metrics?x=1", &path, &p2).ok());
  EXPECT_EQ(path, "/metrics");
  EXPECT_EQ(p2.GetOr("x"), "1");
  ASSERT_TRUE(ParseTarget("http://example.com", &path, &p2).ok());
  EXPECT_EQ(path, "/");
  ASSERT_TRUE(ParseTarget("/a+b", &path, &p2).ok());
  EXPECT_EQ(path, "/a+b");  // '+' is literal in paths
}

TEST(ParseTargetTest, Errors) {
  std::string path;
  Params p;
  EXPECT_FALSE(ParseTarget("*", &path, &p).ok());
  EXPECT_FALSE(ParseTarget("metrics", &path, &p).ok());
  EXPECT_FALSE(ParseTarget("/a%zz", &path, &p).ok());
  auto s = ParseTarget("/q?query=%", &path, &p);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(std::string(s.message()).find("invalid query string"), std::string::npos);
}

TEST(HeadersTest, CaseInsensitive) {
  Headers h;
  h.Add("Content-Type", "text/plain");
  h.Add("X-Multi", "1");
  h.Add("x-multi", "2");
  EXPECT_EQ(h.GetOr("content-type"), "text/plain");
  EXPECT_EQ(h.GetAll("X-MULTI"), (std::vector<std::string>{"1", "2"}));
  h.Set("X-Multi", "3");
  EXPECT_EQ(h.GetAll("x-multi"), (std::vector<std::string>{"3"}));
  h.Remove("CONTENT-TYPE");
  EXPECT_FALSE(h.Has("content-type"));
  Params p;  // params are case-sensitive
  p.Add("Query", "a");
  EXPECT_FALSE(p.Has("query"));
}

}  // namespace
}  // namespace foresight::web
