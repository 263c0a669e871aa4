// Scrapes a real prometheus-node-exporter and checks that the series Foresight stores are the series the
// exporter serves.
#include <gtest/gtest.h>

#include <cstdio>
#include <set>

#include "collection/config/config.h"
#include "collection/scrape/manager.h"
#include "collection/textparse/payload.h"
#include "node_exporter_process.h"
#include "storage/db.h"
#include "test_util.h"

namespace foresight::collection {
namespace {

std::set<std::string> ExporterSeries(const std::string& body, const std::string& instance) {
  std::set<std::string> out;
  auto parsed = ParsePayload(body, Format::kText);
  if (!parsed.ok()) return out;
  for (const ParsedSample& s : parsed->samples) {
    out.insert(LabelsBuilder(s.labels).Set("instance", instance).Set("job", "node").Build().ToString());
  }
  return out;
}

TEST(NodeExporter, StoredSeriesEqualTheExportedSeries) {
  if (!testing::NodeExporterProcess::Installed())
    GTEST_SKIP() << testing::kNodeExporter << " is not installed";
  testing::NodeExporterProcess exporter;
  const std::string instance = exporter.address();

  testing::TempDir dir;
  storage::DBOptions o;
  o.dir = dir.path();
  o.background_maintenance = false;
  auto db = storage::DB::Open(o);
  ASSERT_TRUE(db.ok());
  auto cfg = ParseConfig(
      "scrape_configs:\n  - job_name: node\n    scrape_interval: 1s\n    static_configs:\n"
      "      - targets: ['" +
          instance + "']\n",
      "n.yml");
  ASSERT_TRUE(cfg.ok());
  ScrapeManager m(db->get());
  ASSERT_TRUE(m.ApplyConfig(*cfg).ok());
  m.Start();
  ASSERT_TRUE(testing::WaitFor([&] { return !m.Targets().empty() && m.Targets()[0].last_scrape_ms > 0; }));
  const int64_t first = m.Targets()[0].last_scrape_ms;
  ASSERT_TRUE(testing::WaitFor([&] { return m.Targets()[0].last_scrape_ms > first; }));
  m.Stop();
  const TargetSnapshot t = m.Targets()[0];
  ASSERT_EQ(t.health, TargetHealth::kUp) << t.last_error;
  const std::set<std::string> exported = ExporterSeries(testing::HttpGet(exporter.url()), instance);
  ASSERT_GT(exported.size(), 200u);

  // The series with a (non-stale) sample at the last scrape's timestamp, without the report series.
  std::set<std::string> stored;
  for (const auto& [series, samples] : testing::ReadSeries(**db, ".+", {{"job", "node"}})) {
    if (samples.empty() || samples.back().t != t.last_scrape_ms || storage::IsStaleNaN(samples.back().v))
      continue;
    if (series.starts_with("up{") || series.starts_with("scrape_")) continue;
    stored.insert(series);
  }
  std::vector<std::string> only_stored, only_exported;
  std::set_difference(stored.begin(), stored.end(), exported.begin(), exported.end(),
                      std::back_inserter(only_stored));
  std::set_difference(exported.begin(), exported.end(), stored.begin(), stored.end(),
                      std::back_inserter(only_exported));
  // A few series may appear or vanish between two scrapes (e.g. per-process or per-collector ones).
  const size_t allowed = exported.size() / 50 + 2;
  std::printf("exported %zu series, stored %zu; only stored %zu, only exported %zu\n", exported.size(),
              stored.size(), only_stored.size(), only_exported.size());
  EXPECT_LE(only_stored.size(), allowed) << (only_stored.empty() ? "" : only_stored[0]);
  EXPECT_LE(only_exported.size(), allowed) << (only_exported.empty() ? "" : only_exported[0]);
  EXPECT_EQ(t.last_samples, stored.size());
  // Metadata came with it.
  auto md = m.Metadata("node_cpu_seconds_total");
  ASSERT_EQ(md.size(), 1u);
  EXPECT_EQ(md["node_cpu_seconds_total"][0].type, "counter");
  (void)(*db)->Close();
}

}  // namespace
}  // namespace foresight::collection
