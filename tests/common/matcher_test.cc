#include "common/matcher.h"

#include <gtest/gtest.h>

namespace foresight {
namespace {

TEST(MatcherTest, RegexIsFullyAnchored) {
  auto m = Matcher::Make(MatchType::kRegexMatch, "job", "api|web");
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->Matches("api"));
  EXPECT_FALSE(m->Matches("xapi"));
  EXPECT_FALSE(m->Matches("api2"));
  EXPECT_EQ(m->SetMatches(), (std::vector<std::string>{"api", "web"}));
}

TEST(MatcherTest, NegativeAndEmpty) {
  auto ne = Matcher::Make(MatchType::kNotEqual, "a", "x");
  ASSERT_TRUE(ne.ok());
  EXPECT_TRUE(ne->MatchesEmpty());
  auto nre = Matcher::Make(MatchType::kRegexNoMatch, "a", ".+");
  ASSERT_TRUE(nre.ok());
  EXPECT_TRUE(nre->MatchesEmpty());
  EXPECT_FALSE(nre->Matches("v"));
  auto dot = Matcher::Make(MatchType::kRegexMatch, "a", "a.b");
  ASSERT_TRUE(dot.ok());
  EXPECT_TRUE(dot->Matches("a\nb"));  // (?s) as Prometheus
  EXPECT_TRUE(dot->SetMatches().empty());
}

TEST(MatcherTest, InvalidRegexIsAnError) {
  auto m = Matcher::Make(MatchType::kRegexMatch, "a", "(unclosed");
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("(unclosed"), std::string::npos);
}

TEST(MatcherTest, ToString) {
  auto m = Matcher::Make(MatchType::kRegexNoMatch, "job", "a\"b");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->ToString(), R"(job!~"a\"b")");
}

}  // namespace
}  // namespace foresight
