// Settings that must take effect as a user would see them (honor_timestamps), the self-monitoring counters
// of the scrape path, and the metadata API merging scraped with pushed metadata.
#include <gtest/gtest.h>

#include <chrono>
#include <set>

#include "collection/config/config.h"
#include "collection/push/push.h"
#include "collection/scrape/manager.h"
#include "collection/scrape/service.h"
#include "common/metrics/text_format.h"
#include "storage/db.h"
#include "test_util.h"

namespace foresight::collection {
namespace {

using testing::ReadSeries;
using testing::TempDir;
using testing::TestServer;
using testing::WaitFor;

class ScrapeEffectsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start().ok());
    storage::DBOptions o;
    o.dir = dir_.path();
    o.background_maintenance = false;
    auto db = storage::DB::Open(o);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
  }
  void TearDown() override {
    manager_.reset();
    if (db_) (void)db_->Close();
  }

  std::string Job(const std::string& job, const std::string& path, const std::string& extra = "") {
    return "  - job_name: " + job + "\n    scrape_interval: 300ms\n    scrape_timeout: 250ms\n" +
           "    metrics_path: " + path + "\n    static_configs:\n      - targets: ['" + server_.address() +
           "']\n" + extra;
  }
  void Run(const std::string& jobs, ScrapeManagerOptions options = {}) {
    auto c = ParseConfig("scrape_configs:\n" + jobs, "test.yml");
    ASSERT_TRUE(c.ok()) << c.status();
    manager_ = std::make_unique<ScrapeManager>(db_.get(), options);
    ASSERT_TRUE(manager_->ApplyConfig(*c).ok());
    manager_->Start();
  }
  TargetSnapshot Target(const std::string& job) {
    for (TargetSnapshot& t : manager_->Targets()) {
      if (t.scrape_pool == job) return t;
    }
    return {};
  }
  bool Scraped(const std::string& job, int n) {
    // Waits for `n` finished scrapes of the job's target (its up series has n samples).
    return WaitFor([&] {
      auto up = ReadSeries(*db_, "up", {{"job", job}});
      return !up.empty() && up.begin()->second.size() >= static_cast<size_t>(n);
    });
  }

  TempDir dir_;
  TestServer server_;
  std::unique_ptr<storage::DB> db_;
  std::unique_ptr<ScrapeManager> manager_;
};

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST_F(ScrapeEffectsTest, HonorTimestampsFalseUsesTheScrapeTime) {
  const int64_t exposed = NowMs() - 60'000;  // a minute ago
  server_.Set("/ts", "with_ts 7 " + std::to_string(exposed) + "\n");
  Run(Job("honored", "/ts") + Job("ignored", "/ts", "    honor_timestamps: false\n"));
  ASSERT_TRUE(Scraped("honored", 3));
  ASSERT_TRUE(Scraped("ignored", 3));
  auto honored = ReadSeries(*db_, "with_ts", {{"job", "honored"}});
  auto ignored = ReadSeries(*db_, "with_ts", {{"job", "ignored"}});
  ASSERT_EQ(honored.size(), 1u);
  ASSERT_EQ(ignored.size(), 1u);
  for (const storage::Sample& s : honored.begin()->second) EXPECT_EQ(s.t, exposed);
  ASSERT_GE(ignored.begin()->second.size(), 3u);
  int64_t prev = 0;
  for (const storage::Sample& s : ignored.begin()->second) {
    EXPECT_GT(s.t, exposed + 50'000);  // the scrape's own time
    EXPECT_GT(s.t, prev);
    prev = s.t;
  }
}

TEST_F(ScrapeEffectsTest, StatsCountIngestedSamplesAndFailuresByReason) {
  server_.Set("/ok", "a 1\nb 2\n");
  server_.Set("/bad", "a{ 1\n");
  server_.Set("/big", "a 1\nb 2\nc 3\n");
  Run(Job("ok", "/ok") + Job("bad", "/bad") + Job("big", "/big", "    sample_limit: 2\n") +
      Job("missing", "/missing"));
  ASSERT_TRUE(Scraped("ok", 2));
  ASSERT_TRUE(Scraped("bad", 2));
  ASSERT_TRUE(Scraped("big", 2));
  ASSERT_TRUE(Scraped("missing", 2));
  manager_->Stop();  // no scrape runs while the counters and the store are compared
  const ScrapeStats& s = manager_->stats();
  // Every finished scrape wrote one `up` sample: 1 when it succeeded.
  auto ups = [&](const std::string& job, double want) {
    const auto series = ReadSeries(*db_, "up", {{"job", job}});  // kept alive for the loop
    uint64_t n = 0;
    for (const storage::Sample& smp : series.begin()->second) n += smp.v == want;
    return n;
  };

  const uint64_t ok_scrapes = ups("ok", 1);
  EXPECT_EQ(ups("bad", 1) + ups("big", 1) + ups("missing", 1), 0u);
  EXPECT_EQ(s.samples_ingested.load(), 2 * ok_scrapes);  // a and b of each good scrape, nothing else
  EXPECT_EQ(s.scrapes.load(), ok_scrapes + ups("ok", 0) + ups("bad", 0) + ups("big", 0) + ups("missing", 0));
  EXPECT_EQ(s.scrapes.load(), ok_scrapes + s.scrapes_failed_parse.load() + s.scrapes_failed_limit.load() +
                                  s.scrapes_failed_fetch.load());
  // On a loaded machine any scrape may also time out (a fetch failure); the others fail for their reason.
  EXPECT_GE(s.scrapes_failed_parse.load(), 1u);
  EXPECT_LE(s.scrapes_failed_parse.load(), ups("bad", 0));
  EXPECT_GE(s.scrapes_failed_limit.load(), 1u);
  EXPECT_LE(s.scrapes_failed_limit.load(), ups("big", 0));
  EXPECT_GE(s.scrapes_failed_fetch.load(), ups("missing", 0));  // HTTP 404
  EXPECT_EQ(s.scrapes_failed_storage.load(), 0u);
  auto pools = manager_->PoolSizes();
  EXPECT_EQ(pools.size(), 4u);
  EXPECT_EQ(pools["ok"], 1u);
}

TEST_F(ScrapeEffectsTest, MetadataApiListsScrapedAndPushedMetadata) {
  server_.Set("/md", "# HELP reqs_total Requests.\n# TYPE reqs_total counter\nreqs_total 5\n");
  MetadataStore pushed;
  pushed.Put("reqs_total", {"counter", "Requests, as the sender says.", ""});
  pushed.Put("remote_only_bytes", {"gauge", "Only pushed.", "bytes"});
  ScrapeManagerOptions options;
  options.pushed_metadata = &pushed;
  Run(Job("md", "/md"), options);
  ASSERT_TRUE(Scraped("md", 1));
  auto md = manager_->Metadata();
  ASSERT_EQ(md["reqs_total"].size(), 2u);
  EXPECT_EQ(md["reqs_total"][0].help, "Requests.");
  EXPECT_EQ(md["reqs_total"][1].help, "Requests, as the sender says.");
  EXPECT_EQ(md["remote_only_bytes"].at(0), (FamilyMetadata{"gauge", "Only pushed.", "bytes"}));
  EXPECT_EQ(manager_->Metadata("remote_only_bytes").size(), 1u);
  EXPECT_NE(manager_->MetadataJson("remote_only_bytes")
                .find(R"("remote_only_bytes":[{"help":"Only pushed.","type":"gauge","unit":"bytes"}])"),
            std::string::npos)
      << manager_->MetadataJson("remote_only_bytes");
}

TEST_F(ScrapeEffectsTest, ServiceExposesSelfMonitoringMetrics) {
  server_.Set("/m", "a 1\n");
  auto c = ParseConfig("scrape_configs:\n" + Job("m", "/m"), "test.yml");
  ASSERT_TRUE(c.ok());
  auto svc = CollectionService::Create(db_.get(), *c);
  ASSERT_TRUE(svc.ok()) << svc.status();
  PushStats push;
  push.remote_write.samples_ingested = 7;
  push.remote_write.rejected_too_old = 2;
  push.json.samples_ingested = 3;
  push.json.requests_invalid = 1;
  ASSERT_TRUE(WaitFor([&] { return (*svc)->manager().stats().samples_ingested.load() > 0; }));
  std::vector<metrics::FamilySnapshot> out;
  (*svc)->AppendMetrics(&push, &out);
  auto find = [&](const std::string& name) -> const metrics::FamilySnapshot* {
    for (const auto& f : out) {
      if (f.name == name) return &f;
    }
    return nullptr;
  };
  auto value = [&](const std::string& name,
                   const std::vector<std::pair<std::string, std::string>>& labels) -> double {
    const metrics::FamilySnapshot* f = find(name);
    if (f == nullptr) return -1;
    for (const auto& s : f->samples) {
      if (s.labels == labels) return s.value;
    }
    return -1;
  };
  EXPECT_GT(value("foresight_samples_ingested_total", {{"path", "scrape"}}), 0);
  EXPECT_EQ(value("foresight_samples_ingested_total", {{"path", "remote_write"}}), 7);
  EXPECT_EQ(value("foresight_samples_ingested_total", {{"path", "push"}}), 3);
  EXPECT_EQ(value("foresight_samples_rejected_total", {{"path", "remote_write"}, {"reason", "too_old"}}), 2);
  EXPECT_EQ(value("foresight_scrape_pool_targets", {{"scrape_pool", "m"}}), 1);
  EXPECT_EQ(value("foresight_push_requests_invalid_total", {}), 1);
  EXPECT_EQ(value("foresight_remote_write_samples_ingested_total", {}), 7);
  EXPECT_NE(find("foresight_scrapes_failed_total"), nullptr);
  // Every family name appears once (a duplicate would make the exposition invalid).
  std::set<std::string> names;
  for (const auto& f : out) EXPECT_TRUE(names.insert(f.name).second) << f.name;
  (*svc)->Stop();
}

}  // namespace
}  // namespace foresight::collection
