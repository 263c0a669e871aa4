#include "collection/scrape/target.h"

#include <gtest/gtest.h>

namespace foresight::collection {
namespace {

ScrapeConfig Job() {
  auto c = ParseConfig(
      "scrape_configs:\n  - job_name: j\n    scrape_interval: 15s\n    scrape_timeout: 5s\n"
      "    params:\n      x: ['1 2']\n",
      "t.yml");
  return c->scrape_configs[0];
}

TEST(Target, DiscoveredLabelsCarryTheInternalLabels) {
  TargetGroup g;
  g.labels = Labels{{"__meta_x", "m"}, {"env", "prod"}};
  const Labels d = DiscoveredLabels("h:9100", g, Job());
  EXPECT_EQ(d, (Labels{{"__address__", "h:9100"},
                       {"__meta_x", "m"},
                       {"__metrics_path__", "/metrics"},
                       {"__param_x", "1 2"},
                       {"__scheme__", "http"},
                       {"__scrape_interval__", "15s"},
                       {"__scrape_timeout__", "5s"},
                       {"env", "prod"},
                       {"job", "j"}}));
}

TEST(Target, PopulateRemovesMetaLabelsAndDefaultsInstance) {
  TargetGroup g;
  g.labels = Labels{{"__meta_x", "m"}};
  auto full = PopulateLabels(DiscoveredLabels("h:9100", g, Job()), Job());
  ASSERT_TRUE(full.ok() && full->has_value());
  EXPECT_FALSE((*full)->Has("__meta_x"));
  EXPECT_EQ((*full)->Get("instance"), "h:9100");
  EXPECT_EQ(PublicLabels(**full), (Labels{{"instance", "h:9100"}, {"job", "j"}}));
  EXPECT_EQ(ScrapeUrl(**full, Job()), "http://h:9100/metrics?x=1%202");
}

TEST(Target, DefaultPortAndErrors) {
  TargetGroup g;
  auto full = PopulateLabels(DiscoveredLabels("host", g, Job()), Job());
  EXPECT_EQ((*full)->Get("__address__"), "host:80");
  EXPECT_FALSE(PopulateLabels(DiscoveredLabels("h/x:1", g, Job()), Job()).ok());
  ScrapeConfig c = Job();
  RelabelConfig r;
  r.target_label = "__address__";
  r.replacement = "";
  ASSERT_TRUE(r.Compile().ok());
  c.relabel_configs.push_back(r);
  EXPECT_FALSE(PopulateLabels(DiscoveredLabels("h:1", g, c), c).ok());  // no address left
}

TEST(Target, RelabellingChangesSchemePathAndInstance) {
  ScrapeConfig c = Job();
  for (auto [target, value] : std::vector<std::pair<std::string, std::string>>{
           {"__scheme__", "https"}, {"__metrics_path__", "/probe"}, {"instance", "nice-name"}}) {
    RelabelConfig r;
    r.target_label = target;
    r.replacement = value;
    ASSERT_TRUE(r.Compile().ok());
    c.relabel_configs.push_back(r);
  }
  TargetGroup g;
  auto full = PopulateLabels(DiscoveredLabels("h:1", g, c), c);
  ASSERT_TRUE(full.ok() && full->has_value());
  EXPECT_EQ(ScrapeUrl(**full, c), "https://h:1/probe?x=1%202");
  EXPECT_EQ((*full)->Get("instance"), "nice-name");
}

}  // namespace
}  // namespace foresight::collection
