#include "collection/relabel/relabel.h"

#include <gtest/gtest.h>

#include <vector>

namespace foresight::collection {
namespace {

RelabelConfig Rule(RelabelAction action, std::vector<std::string> sources, std::string regex,
                   std::string target = "", std::string replacement = "$1") {
  RelabelConfig c;
  c.action = action;
  c.source_labels = std::move(sources);
  c.regex = std::move(regex);
  c.target_label = std::move(target);
  c.replacement = std::move(replacement);
  return c;
}

std::optional<Labels> ApplyRules(const Labels& in, std::vector<RelabelConfig> rules) {
  for (RelabelConfig& r : rules) {
    absl::Status s = r.Compile();
    EXPECT_TRUE(s.ok()) << s;
  }
  return Relabel(in, rules);
}

TEST(Relabel, ReplaceWithGroups) {
  const Labels in{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}};
  auto out = ApplyRules(in, {Rule(RelabelAction::kReplace, {"a"}, "f(.*)", "d", "ch${1}-ch${1}")});
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, (Labels{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"d", "choo-choo"}}));
}

TEST(Relabel, ReplaceJoinsSourcesWithSeparatorAndIsAnchored) {
  const Labels in{{"a", "foo"}, {"b", "bar"}};
  auto rule = Rule(RelabelAction::kReplace, {"a", "b"}, "(.*);(.*)", "c", "$2-$1");
  auto out = ApplyRules(in, {rule});
  EXPECT_EQ(out->Get("c"), "bar-foo");
  // "o" alone does not match "foo": the regex is anchored at both ends.
  out = ApplyRules(in, {Rule(RelabelAction::kReplace, {"a"}, "o", "c", "x")});
  EXPECT_FALSE(out->Has("c"));
  RelabelConfig custom = Rule(RelabelAction::kReplace, {"a", "b"}, "foo-bar", "c", "joined");
  custom.separator = "-";
  EXPECT_EQ(ApplyRules(in, {custom})->Get("c"), "joined");
}

TEST(Relabel, ReplaceNoMatchLeavesLabelsAndEmptyResultDeletes) {
  const Labels in{{"a", "foo"}, {"b", "bar"}};
  EXPECT_EQ(*ApplyRules(in, {Rule(RelabelAction::kReplace, {"a"}, "x(.*)", "b")}), in);
  // An empty replacement result deletes the target label.
  EXPECT_EQ(*ApplyRules(in, {Rule(RelabelAction::kReplace, {"a"}, "(.*)", "b", "")}), (Labels{{"a", "foo"}}));
  // Missing source labels join as empty strings; default regex (.*) matches.
  EXPECT_EQ(ApplyRules(in, {Rule(RelabelAction::kReplace, {"zz"}, "(.*)", "c", "v$1")})->Get("c"), "v");
}

TEST(Relabel, ReplaceTargetTemplateAndNamedGroups) {
  const Labels in{{"a", "some-name-value"}};
  auto out =
      ApplyRules(in, {Rule(RelabelAction::kReplace, {"a"}, "some-([^-]+)-(?P<v>[^,]+)", "${1}", "${v}")});
  EXPECT_EQ(out->Get("name"), "value");
  // $1x is the group named "1x", which does not exist: empty. $$ is a literal dollar.
  out = ApplyRules(in, {Rule(RelabelAction::kReplace, {"a"}, "(.*)", "b", "$1x$$")});
  EXPECT_EQ(out->Get("b"), "$");
  // An invalid expanded target name leaves the set unchanged.
  out = ApplyRules(in, {Rule(RelabelAction::kReplace, {"a"}, "(.*)", "${1}", "x")});
  EXPECT_EQ(*out, in);
}

TEST(Relabel, KeepAndDrop) {
  const Labels in{{"a", "foo"}, {"b", "bar"}};
  EXPECT_FALSE(ApplyRules(in, {Rule(RelabelAction::kKeep, {"a"}, "f")}));
  EXPECT_TRUE(ApplyRules(in, {Rule(RelabelAction::kKeep, {"a"}, "f.*")}));
  EXPECT_FALSE(ApplyRules(in, {Rule(RelabelAction::kDrop, {"a"}, "f.*")}));
  EXPECT_TRUE(ApplyRules(in, {Rule(RelabelAction::kDrop, {"a"}, "f")}));
  // Keep on a missing label: the empty string does not match "f.*".
  EXPECT_FALSE(ApplyRules(in, {Rule(RelabelAction::kKeep, {"zz"}, "f.*")}));
}

TEST(Relabel, HashModAsPrometheus) {
  const Labels in{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}};
  RelabelConfig c = Rule(RelabelAction::kHashMod, {"c"}, "(.*)", "d");
  c.modulus = 1000;
  auto out = ApplyRules(in, {c});
  EXPECT_EQ(out->Get("d"), "976");  // the value in Prometheus' relabel tests
  EXPECT_LT(HashMod("anything", 7), 7u);
}

TEST(Relabel, LabelMap) {
  const Labels in{{"__meta_kubernetes_pod_label_app", "web"}, {"__meta_other", "x"}, {"a", "1"}};
  auto out =
      ApplyRules(in, {Rule(RelabelAction::kLabelMap, {}, "__meta_kubernetes_pod_label_(.+)", "", "k8s_$1")});
  EXPECT_EQ(out->Get("k8s_app"), "web");
  EXPECT_EQ(out->Get("__meta_kubernetes_pod_label_app"), "web");  // the source stays
  EXPECT_FALSE(out->Has("k8s___meta_other"));
}

TEST(Relabel, LabelDropAndKeep) {
  const Labels in{{"__name__", "m"}, {"a", "1"}, {"b1", "2"}, {"b2", "3"}};
  RelabelConfig drop;
  drop.action = RelabelAction::kLabelDrop;
  drop.regex = "b.";
  EXPECT_EQ(*ApplyRules(in, {drop}), (Labels{{"__name__", "m"}, {"a", "1"}}));
  RelabelConfig keep;
  keep.action = RelabelAction::kLabelKeep;
  keep.regex = "__name__|b1";
  EXPECT_EQ(*ApplyRules(in, {keep}), (Labels{{"__name__", "m"}, {"b1", "2"}}));
}

TEST(Relabel, RulesApplyInOrder) {
  const Labels in{{"a", "foo"}};
  auto out = ApplyRules(in, {Rule(RelabelAction::kReplace, {"a"}, "(.*)", "b", "$1-1"),
                             Rule(RelabelAction::kReplace, {"b"}, "(.*)", "c", "$1-2"),
                             Rule(RelabelAction::kKeep, {"c"}, "foo-1-2")});
  ASSERT_TRUE(out);
  EXPECT_EQ(out->Get("c"), "foo-1-2");
}

TEST(Relabel, ValidationErrors) {
  RelabelConfig bad_regex = Rule(RelabelAction::kReplace, {"a"}, "(", "b");
  EXPECT_NE(bad_regex.Compile().message().find("key 'regex'"), std::string_view::npos);
  RelabelConfig no_target = Rule(RelabelAction::kReplace, {"a"}, "(.*)");
  EXPECT_NE(no_target.Compile().message().find("target_label"), std::string_view::npos);
  RelabelConfig no_modulus = Rule(RelabelAction::kHashMod, {"a"}, "(.*)", "b");
  EXPECT_NE(no_modulus.Compile().message().find("modulus"), std::string_view::npos);
  RelabelConfig labeldrop = Rule(RelabelAction::kLabelDrop, {"a"}, "x");
  EXPECT_FALSE(labeldrop.Compile().ok());
  EXPECT_FALSE(ParseRelabelAction("explode").ok());
  EXPECT_EQ(*ParseRelabelAction("LabelMap"), RelabelAction::kLabelMap);
}

}  // namespace
}  // namespace foresight::collection
