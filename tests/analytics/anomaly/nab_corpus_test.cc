#include "analytics/anomaly/nab_corpus.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"

namespace foresight::analytics {
namespace {

TEST(NabCorpus, ParsesTimestamps) {
  EXPECT_EQ(*ParseNabTimestamp("1970-01-01 00:00:00"), 0);
  EXPECT_EQ(*ParseNabTimestamp("2014-04-10 07:15:00.000000"), 1397114100);
  EXPECT_EQ(*ParseNabTimestamp("2000-03-01 00:00:01"), 951868801);  // after a leap day
  EXPECT_FALSE(ParseNabTimestamp("2014-13-10 07:15:00").ok());
  EXPECT_FALSE(ParseNabTimestamp("yesterday").ok());
  EXPECT_FALSE(ParseNabTimestamp("").ok());
}

TEST(NabCorpus, ParsesCsvAndRejectsBadRows) {
  auto f = ParseNabCsv("timestamp,value\n2014-01-01 00:00:00,1.5\r\n2014-01-01 00:05:00,-2\n", "c", "f.csv");
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->values, (std::vector<double>{1.5, -2}));
  EXPECT_EQ(f->timestamps[1] - f->timestamps[0], 300);
  EXPECT_EQ(f->key(), "c/f.csv");
  EXPECT_FALSE(ParseNabCsv("timestamp,value\n2014-01-01 00:00:00,abc\n", "c", "f").ok());
  EXPECT_FALSE(ParseNabCsv("timestamp,value\n2014-01-01 00:00:00\n", "c", "f").ok());
  EXPECT_FALSE(ParseNabCsv("timestamp,value\n2014-01-02 00:00:00,1\n2014-01-01 00:00:00,1\n", "c", "f").ok());
}

TEST(NabCorpus, ParsesWindows) {
  auto w = ParseNabWindows(R"({"a/x.csv": [["2014-01-01 00:10:00.000000", "2014-01-01 00:20:00.000000"]],
                               "b/y.csv": []})");
  ASSERT_TRUE(w.ok()) << w.status();
  ASSERT_EQ((*w)["a/x.csv"].size(), 1u);
  EXPECT_EQ((*w)["a/x.csv"][0].end - (*w)["a/x.csv"][0].start, 600);
  EXPECT_TRUE((*w)["b/y.csv"].empty());
  EXPECT_FALSE(ParseNabWindows("{").ok());
  EXPECT_FALSE(ParseNabWindows(R"({"a": [["x"]]})").ok());
  EXPECT_FALSE(ParseNabWindows(R"([1, 2])").ok());
}

TEST(NabCorpus, WritesResultsLayoutAndReadsThemBack) {
  const std::string dir = testing::TempDir() + "/nab_results_test";
  std::filesystem::remove_all(dir);
  auto f =
      ParseNabCsv("timestamp,value\n2014-01-01 00:00:00,1\n2014-01-01 00:05:00,2\n2014-01-01 00:10:00,3\n",
                  "realX", "s.csv");
  ASSERT_TRUE(f.ok());
  const std::vector<NabWindow> w = {{f->timestamps[1], f->timestamps[2]}};
  ASSERT_TRUE(WriteNabResults(dir, "det", *f, {0.0, 0.25, 1.0}, w).ok());
  const std::string path = dir + "/det/realX/det_s.csv";
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(),
            "timestamp,value,anomaly_score,label\n2014-01-01 00:00:00,1,0,0\n2014-01-01 00:05:00,2,0.25,1\n"
            "2014-01-01 00:10:00,3,1,1\n");
  std::vector<int64_t> ts;
  std::vector<double> scores;
  ASSERT_TRUE(LoadNabResultScores(path, &ts, &scores).ok());
  EXPECT_EQ(scores, (std::vector<double>{0.0, 0.25, 1.0}));
  EXPECT_EQ(ts, f->timestamps);
  EXPECT_FALSE(WriteNabResults(dir, "det", *f, {0.0}, w).ok());
  EXPECT_FALSE(LoadNabData(dir + "/missing").ok());
}

}  // namespace
}  // namespace foresight::analytics
