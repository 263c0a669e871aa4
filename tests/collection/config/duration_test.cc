#include "collection/config/duration.h"

#include <gtest/gtest.h>

namespace foresight::collection {
namespace {

TEST(Duration, ParsesPrometheusSyntax) {
  EXPECT_EQ(*ParseDuration("15s"), 15'000);
  EXPECT_EQ(*ParseDuration("1h30m"), 5'400'000);
  EXPECT_EQ(*ParseDuration("500ms"), 500);
  EXPECT_EQ(*ParseDuration("0"), 0);
  EXPECT_EQ(*ParseDuration("1d"), 86'400'000);
  EXPECT_EQ(*ParseDuration("2w"), 14LL * 86'400'000);
  EXPECT_EQ(*ParseDuration("1y"), 365LL * 86'400'000);
  EXPECT_EQ(*ParseDuration("1m1s1ms"), 61'001);
}

TEST(Duration, RefusesBadInput) {
  for (const char* bad :
       {"", "15", "s", "1.5s", "1s1m", "1m1m", "-1s", "1x", "1h 30m", "99999999999999999999s"}) {
    EXPECT_FALSE(ParseDuration(bad).ok()) << bad;
  }
  EXPECT_NE(ParseDuration("abc").status().message().find("not a valid duration string"),
            std::string_view::npos);
}

TEST(Duration, Formats) {
  EXPECT_EQ(FormatDuration(90'000), "1m30s");
  EXPECT_EQ(FormatDuration(0), "0s");
  EXPECT_EQ(FormatDuration(15'000), "15s");
  EXPECT_EQ(FormatDuration(500), "500ms");
}

}  // namespace
}  // namespace foresight::collection
