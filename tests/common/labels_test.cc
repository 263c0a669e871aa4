#include "common/labels.h"

#include <gtest/gtest.h>

namespace foresight {
namespace {

TEST(LabelsTest, SortsAndDeduplicatesKeepingLastValue) {
  Labels l({Label{"b", "1"}, Label{"a", "2"}, Label{"b", "3"}});
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l[0].name, "a");
  EXPECT_EQ(l.Get("b"), "3");
  EXPECT_EQ(l.Get("missing"), "");
  EXPECT_FALSE(l.Has("missing"));
}

TEST(LabelsTest, ToStringMatchesPrometheus) {
  Labels l{{"__name__", "up"}, {"job", "a\"b"}, {"instance", "x\\y\n"}};
  EXPECT_EQ(l.ToString(), R"(up{instance="x\\y\n", job="a\"b"})");
  EXPECT_EQ(Labels{}.ToString(), "{}");
  EXPECT_EQ((Labels{{"a", "b"}}).ToString(), R"({a="b"})");
}

TEST(LabelsTest, HashSeparatesBoundaries) {
  Labels a{{"a", "bc"}};
  Labels b{{"ab", "c"}};
  EXPECT_NE(a.Hash(), b.Hash());
  EXPECT_EQ(a.Hash(), (Labels{{"a", "bc"}}).Hash());
}

TEST(LabelsTest, HashForOnAndWithout) {
  Labels a{{"__name__", "m1"}, {"job", "x"}, {"instance", "1"}};
  Labels b{{"__name__", "m2"}, {"job", "x"}, {"instance", "2"}};
  EXPECT_EQ(a.HashFor({"job"}, true), b.HashFor({"job"}, true));
  EXPECT_NE(a.HashFor({"job"}, false), b.HashFor({"job"}, false));
  EXPECT_EQ(a.HashFor({"instance"}, false), b.HashFor({"instance"}, false));  // name dropped by `without`
}

TEST(LabelsTest, CompareOrder) {
  EXPECT_LT((Labels{{"a", "1"}}), (Labels{{"a", "2"}}));
  EXPECT_LT((Labels{{"a", "1"}}), (Labels{{"a", "1"}, {"b", "1"}}));
  EXPECT_FALSE((Labels{{"b", "1"}}) < (Labels{{"a", "9"}}));
}

TEST(LabelsBuilderTest, SetDeleteAndEmptyValueDeletes) {
  Labels base{{"a", "1"}, {"b", "2"}};
  Labels out = LabelsBuilder(base).Set("c", "3").Del("a").Set("b", "").Build();
  EXPECT_EQ(out, (Labels{{"c", "3"}}));
}

}  // namespace
}  // namespace foresight
