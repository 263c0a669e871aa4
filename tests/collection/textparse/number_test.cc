#include "collection/textparse/number.h"

#include <bit>
#include <cmath>
#include <limits>
#include <random>

#include <gtest/gtest.h>

#include "collection/textparse/textparse.h"

namespace foresight::collection {
namespace {

struct FloatCase {
  const char* text;
  bool ok;
  double want;
};

TEST(ParseExpositionFloat, FollowsGoParseFloatWithoutHex) {
  const double inf = std::numeric_limits<double>::infinity();
  const FloatCase cases[] = {
      {"0", true, 0},
      {"1", true, 1},
      {"-1", true, -1},
      {"+1.5", true, 1.5},
      {"7.6238e-05", true, 7.6238e-05},
      {"2.279966416e+09", true, 2.279966416e+09},
      {"1E5", true, 1e5},
      {".5", true, 0.5},
      {"5.", true, 5},
      {"00012", true, 12},
      {"1e-400", true, 0},  // underflow rounds to zero, as in Go
      {"4.9e-324", true, 4.9e-324},
      {"1.7976931348623157e308", true, 1.7976931348623157e308},
      {"+Inf", true, inf},
      {"-Inf", true, -inf},
      {"inf", true, inf},
      {"INFINITY", true, inf},
      {"-infinity", true, -inf},
      {"1e400", false, 0},  // overflow is an error, as in Go
      {"-1e309", false, 0},
      {"", false, 0},
      {"+", false, 0},
      {".", false, 0},
      {"1e", false, 0},
      {"1e+", false, 0},
      {"e5", false, 0},
      {"1.2.3", false, 0},
      {"0x10", false, 0},  // Go needs a p exponent, and Prometheus refuses 'p'
      {"0x1p3", false, 0},
      {"1_000", false, 0},  // Prometheus refuses '_'
      {"Infin", false, 0},
      {"+NaN", false, 0},  // Go takes no sign on NaN
      {"nan1", false, 0},
      {" 1", false, 0},
      {"1 ", false, 0},
      {"1,5", false, 0},
  };
  for (const auto& c : cases) {
    double v = -42;
    EXPECT_EQ(ParseExpositionFloat(c.text, &v), c.ok) << c.text;
    if (c.ok) {
      EXPECT_EQ(v, c.want) << c.text;
    }
  }
}

TEST(ParseExpositionFloat, NaNIsPrometheusNormalNaN) {
  for (const char* s : {"NaN", "nan", "NAN"}) {
    double v = 0;
    ASSERT_TRUE(ParseExpositionFloat(s, &v)) << s;
    EXPECT_EQ(std::bit_cast<uint64_t>(v), kNormalNaNBits) << s;
  }
}

TEST(ParseTextTimestamp, DecimalMillisecondsWithinInt64) {
  int64_t t = 0;
  EXPECT_TRUE(ParseTextTimestamp("1395066363000", &t));
  EXPECT_EQ(t, 1395066363000);
  EXPECT_TRUE(ParseTextTimestamp("-5", &t));
  EXPECT_EQ(t, -5);
  EXPECT_TRUE(ParseTextTimestamp("9223372036854775807", &t));
  EXPECT_EQ(t, std::numeric_limits<int64_t>::max());
  EXPECT_TRUE(ParseTextTimestamp("-9223372036854775808", &t));
  EXPECT_EQ(t, std::numeric_limits<int64_t>::min());
  for (const char* bad :
       {"", "-", "9223372036854775808", "1.5", "1e3", "12a", "0x10", "99999999999999999999"}) {
    EXPECT_FALSE(ParseTextTimestamp(bad, &t)) << bad;
  }
}

TEST(ParseOpenMetricsTimestamp, SecondsToMilliseconds) {
  int64_t t = 0;
  EXPECT_TRUE(ParseOpenMetricsTimestamp("1.7268398142239082e+09", &t));
  EXPECT_EQ(t, 1726839814223);
  EXPECT_TRUE(ParseOpenMetricsTimestamp("1520879607.789", &t));
  EXPECT_EQ(t, 1520879607789);
  EXPECT_TRUE(ParseOpenMetricsTimestamp("123", &t));
  EXPECT_EQ(t, 123000);
  for (const char* bad : {"NaN", "+Inf", "-Inf", "1e300", "x", ""}) {
    EXPECT_FALSE(ParseOpenMetricsTimestamp(bad, &t)) << bad;
  }
}

TEST(FormatExpositionFloat, MatchesGoStrconvG) {
  // Expected strings as Go's strconv.FormatFloat(v, 'g', -1, 64) prints them (and as the test data shows).
  const std::pair<double, const char*> cases[] = {
      {0, "0"},
      {-0.0, "0"},
      {1, "1"},
      {-1, "-1"},
      {190932, "190932"},
      {999999, "999999"},
      {1e6, "1e+06"},
      {17518624, "1.7518624e+07"},
      {2.279966416e+09, "2.279966416e+09"},
      {7.6238e-05, "7.6238e-05"},
      {0.0001, "0.0001"},
      {0.00010188, "0.00010188"},
      {1e-5, "1e-05"},
      {0.1, "0.1"},
      {0.25, "0.25"},
      {44.985611511, "44.985611511"},
      {123456.5, "123456.5"},
      {1e100, "1e+100"},
      {-1.5e-300, "-1.5e-300"},
      {5e-324, "5e-324"},
      {1.7976931348623157e308, "1.7976931348623157e+308"},
      {std::numeric_limits<double>::infinity(), "+Inf"},
      {-std::numeric_limits<double>::infinity(), "-Inf"},
      {std::numeric_limits<double>::quiet_NaN(), "NaN"},
  };
  for (const auto& [v, want] : cases) EXPECT_EQ(FormatExpositionFloat(v), want) << want;
}

TEST(FormatExpositionFloat, OpenMetricsMarksIntegers) {
  EXPECT_EQ(FormatExpositionFloat(0, true), "0.0");
  EXPECT_EQ(FormatExpositionFloat(1, true), "1.0");
  EXPECT_EQ(FormatExpositionFloat(22, true), "22.0");
  EXPECT_EQ(FormatExpositionFloat(-3, true), "-3.0");
  EXPECT_EQ(FormatExpositionFloat(0.5, true), "0.5");
  EXPECT_EQ(FormatExpositionFloat(1e6, true), "1e+06");
  EXPECT_EQ(FormatExpositionFloat(1.726839813016397e+09, true), "1.726839813016397e+09");
  EXPECT_EQ(FormatExpositionFloat(std::numeric_limits<double>::infinity(), true), "+Inf");
}

TEST(FormatExpositionFloat, RoundTripsRandomDoubles) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    double v = std::bit_cast<double>(rng());
    if (std::isnan(v)) continue;
    for (bool om : {false, true}) {
      std::string s = FormatExpositionFloat(v, om);
      double back = 1;
      ASSERT_TRUE(ParseExpositionFloat(s, &back)) << s;
      if (v == 0) {
        EXPECT_EQ(back, 0) << s;
      } else {
        EXPECT_EQ(back, v) << s;
      }
    }
  }
}

}  // namespace
}  // namespace foresight::collection
