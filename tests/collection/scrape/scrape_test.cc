#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "collection/config/config.h"
#include "collection/scrape/manager.h"
#include "storage/db.h"
#include "test_util.h"

namespace foresight::collection {
namespace {

using testing::ReadSeries;
using testing::TempDir;
using testing::TestServer;
using testing::WaitFor;

class ScrapeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start().ok());
    storage::DBOptions o;
    o.dir = dir_.path();
    o.background_maintenance = false;
    auto db = storage::DB::Open(o);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    manager_ = std::make_unique<ScrapeManager>(db_.get());
  }
  void TearDown() override {
    manager_.reset();
    if (db_) (void)db_->Close();
  }

  // One job scraping the test server at `path`; `extra` is appended to the job's YAML.
  Config JobConfig(const std::string& job, const std::string& path, const std::string& extra = "",
                   const std::string& interval = "300ms", const std::string& timeout = "250ms") {
    const std::string yaml = "scrape_configs:\n  - job_name: " + job + "\n    scrape_interval: " + interval +
                             "\n    scrape_timeout: " + timeout + "\n    metrics_path: " + path +
                             "\n    static_configs:\n      - targets: ['" + server_.address() + "']\n" +
                             extra;
    auto c = ParseConfig(yaml, "test.yml");
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *c : Config();
  }

  TargetSnapshot Target(const std::string& job) {
    for (TargetSnapshot& t : manager_->Targets()) {
      if (t.scrape_pool == job) return t;
    }
    return {};
  }
  // Waits until the job's target has finished `n` more scrapes.
  bool WaitScrapes(const std::string& job, int n = 1) {
    for (int i = 0; i < n; ++i) {
      const int64_t last = Target(job).last_scrape_ms;
      if (!WaitFor([&] { return Target(job).last_scrape_ms > last; })) return false;
    }
    return true;
  }
  // Waits until the job's target has finished `n` more successful scrapes (failed ones, e.g. a timeout on a
  // loaded machine, do not count).
  bool WaitGood(const std::string& job, int n = 1) {
    for (int i = 0; i < n; ++i) {
      const int64_t last = Target(job).last_scrape_ms;
      if (!WaitFor([&] {
            const TargetSnapshot t = Target(job);
            return t.last_scrape_ms > last && t.health == TargetHealth::kUp;
          })) {
        return false;
      }
    }
    return true;
  }
  double Last(const std::string& series) {
    auto all = ReadSeries(*db_);
    auto it = all.find(series);
    return it == all.end() || it->second.empty() ? -1 : it->second.back().v;
  }
  std::string Inst() { return server_.address(); }

  TempDir dir_;
  TestServer server_;
  std::unique_ptr<storage::DB> db_;
  std::unique_ptr<ScrapeManager> manager_;
};

TEST_F(ScrapeTest, GoodPayloadIsStoredWithTargetLabelsReportSeriesAndMetadata) {
  server_.Set("/good",
              "# HELP reqs_total Requests.\n# TYPE reqs_total counter\nreqs_total{code=\"200\"} 5\n"
              "temp 21.5\n");
  ASSERT_TRUE(manager_->ApplyConfig(JobConfig("good", "/good")).ok());
  manager_->Start();
  ASSERT_TRUE(WaitGood("good", 2));
  const TargetSnapshot t = Target("good");
  EXPECT_EQ(t.health, TargetHealth::kUp);
  EXPECT_EQ(t.last_error, "");
  EXPECT_EQ(t.scrape_url, "http://" + Inst() + "/good");
  EXPECT_EQ(t.labels, (Labels{{"instance", Inst()}, {"job", "good"}}));
  EXPECT_EQ(t.discovered_labels.Get("__address__"), Inst());
  EXPECT_EQ(Last("reqs_total{code=\"200\", instance=\"" + Inst() + "\", job=\"good\"}"), 5);
  EXPECT_EQ(Last("temp{instance=\"" + Inst() + "\", job=\"good\"}"), 21.5);
  EXPECT_EQ(Last("up{instance=\"" + Inst() + "\", job=\"good\"}"), 1);
  EXPECT_EQ(Last("scrape_samples_scraped{instance=\"" + Inst() + "\", job=\"good\"}"), 2);
  EXPECT_EQ(Last("scrape_samples_post_metric_relabeling{instance=\"" + Inst() + "\", job=\"good\"}"), 2);
  EXPECT_EQ(Last("scrape_series_added{instance=\"" + Inst() + "\", job=\"good\"}"), 0);  // all cached by now
  EXPECT_GT(Last("scrape_duration_seconds{instance=\"" + Inst() + "\", job=\"good\"}"), 0);
  auto md = manager_->Metadata("reqs_total");
  ASSERT_EQ(md.size(), 1u);
  EXPECT_EQ(md["reqs_total"][0].type, "counter");
  EXPECT_EQ(md["reqs_total"][0].help, "Requests.");
  EXPECT_NE(manager_->MetadataJson().find(
                "\"reqs_total\":[{\"help\":\"Requests.\",\"type\":\"counter\",\"unit\":\"\"}]"),
            std::string::npos)
      << manager_->MetadataJson();
  const std::string json = manager_->TargetsJson();
  EXPECT_NE(json.find("\"health\":\"up\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"scrapePool\":\"good\""), std::string::npos);
  EXPECT_NE(json.find("\"droppedTargets\":[]"), std::string::npos);
  // The request negotiated OpenMetrics and text, and gzip.
  web::Headers h = server_.LastHeaders();
  EXPECT_NE(h.GetOr("Accept").find("application/openmetrics-text;version=1.0.0"), std::string::npos);
  EXPECT_NE(h.GetOr("Accept").find("text/plain;version=0.0.4"), std::string::npos);
  EXPECT_NE(h.GetOr("Accept-Encoding").find("gzip"), std::string::npos);
  EXPECT_EQ(h.GetOr("X-Prometheus-Scrape-Timeout-Seconds"), "0.25");
}

TEST_F(ScrapeTest, OpenMetricsPayloadIsParsedAsOpenMetrics) {
  const int64_t ts_ms =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count() *
      1000;
  TestServer::Page p;
  p.body = "# TYPE c_seconds counter\n# UNIT c_seconds seconds\nc_seconds_total 3 " +
           std::to_string(ts_ms / 1000) + ".5\n# EOF\n";
  p.content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8";
  server_.Set("/om", p);
  ASSERT_TRUE(manager_->ApplyConfig(JobConfig("om", "/om")).ok());
  manager_->Start();
  ASSERT_TRUE(WaitGood("om"));
  EXPECT_EQ(Target("om").health, TargetHealth::kUp) << Target("om").last_error;
  auto s = ReadSeries(*db_, "c_seconds_total");
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s.begin()->second.front().t, ts_ms + 500);  // the exposed timestamp is honoured
  EXPECT_EQ(manager_->Metadata("c_seconds")["c_seconds"][0].unit, "seconds");
}

TEST_F(ScrapeTest, MalformedPayloadCommitsNothingAndReportsTheLine) {
  server_.Set("/bad", "good_one 1\nbad{ 2\n");
  ASSERT_TRUE(manager_->ApplyConfig(JobConfig("bad", "/bad")).ok());
  manager_->Start();
  ASSERT_TRUE(WaitScrapes("bad"));
  const TargetSnapshot t = Target("bad");
  EXPECT_EQ(t.health, TargetHealth::kDown);
  EXPECT_NE(t.last_error.find("line 2"), std::string::npos) << t.last_error;
  EXPECT_TRUE(ReadSeries(*db_, "good_one").empty());
  EXPECT_EQ(Last("up{instance=\"" + Inst() + "\", job=\"bad\"}"), 0);
  EXPECT_NE(manager_->TargetsJson("active").find("\"health\":\"down\""), std::string::npos);
}

TEST_F(ScrapeTest, TimeoutFailsTheScrape) {
  TestServer::Page p;
  p.body = "slow 1\n";
  p.delay_ms = 600;
  server_.Set("/slow", p);
  ASSERT_TRUE(manager_->ApplyConfig(JobConfig("slow", "/slow", "", "300ms", "100ms")).ok());
  manager_->Start();
  ASSERT_TRUE(WaitScrapes("slow"));
  const TargetSnapshot t = Target("slow");
  EXPECT_EQ(t.health, TargetHealth::kDown);
  EXPECT_NE(t.last_error.find("deadline"), std::string::npos) << t.last_error;
  EXPECT_LT(t.last_scrape_duration_s, 0.5);
  EXPECT_TRUE(ReadSeries(*db_, "slow").empty());
}

TEST_F(ScrapeTest, HttpErrorStatusFailsTheScrape) {
  ASSERT_TRUE(manager_->ApplyConfig(JobConfig("missing", "/nothing-here")).ok());
  manager_->Start();
  ASSERT_TRUE(WaitScrapes("missing"));
  EXPECT_EQ(Target("missing").last_error, "server returned HTTP status 404");
}

TEST_F(ScrapeTest, VanishedSeriesGetStaleMarkers) {
  server_.Set("/v", "a 1\nb 1\n");
  ASSERT_TRUE(manager_->ApplyConfig(JobConfig("v", "/v")).ok());
  manager_->Start();
  ASSERT_TRUE(WaitGood("v"));
  server_.Set("/v", "a 2\n");
  ASSERT_TRUE(WaitGood("v", 2));
  auto b = ReadSeries(*db_, "b");
  ASSERT_EQ(b.size(), 1u);
  EXPECT_TRUE(storage::IsStaleNaN(b.begin()->second.back().v));
  auto a = ReadSeries(*db_, "a");
  EXPECT_EQ(a.begin()->second.back().v, 2);
  // b comes back: a fresh sample after the marker.
  server_.Set("/v", "a 3\nb 3\n");
  ASSERT_TRUE(WaitGood("v", 2));
  EXPECT_EQ(ReadSeries(*db_, "b").begin()->second.back().v, 3);
}

TEST_F(ScrapeTest, FailedScrapeMarksPreviousSeriesStale) {
  server_.Set("/f", "x 1\n");
  ASSERT_TRUE(manager_->ApplyConfig(JobConfig("f", "/f")).ok());
  manager_->Start();
  ASSERT_TRUE(WaitGood("f"));
  server_.Set("/f", "x{ 1\n");
  ASSERT_TRUE(WaitFor([&] { return Target("f").health == TargetHealth::kDown; }));
  EXPECT_TRUE(storage::IsStaleNaN(ReadSeries(*db_, "x").begin()->second.back().v));
}

TEST_F(ScrapeTest, TargetGoneMarksAllItsSeriesStale) {
  server_.Set("/g", "g1 1\ng2 2\n");
  ASSERT_TRUE(manager_->ApplyConfig(JobConfig("g", "/g")).ok());
  manager_->Start();
  ASSERT_TRUE(WaitGood("g"));
  ASSERT_TRUE(manager_->ApplyConfig(Config()).ok());
  EXPECT_TRUE(WaitFor([&] {
    auto all = ReadSeries(*db_, ".+", {{"job", "g"}});
    if (all.empty()) return false;
    for (const auto& [name, samples] : all) {
      if (samples.empty() || !storage::IsStaleNaN(samples.back().v)) return false;
    }
    return true;
  }));
  EXPECT_TRUE(manager_->Targets().empty());
  const auto all = ReadSeries(*db_, ".+", {{"job", "g"}});
  EXPECT_EQ(all.size(), 7u);  // g1, g2 and the five report series
}

TEST_F(ScrapeTest, ReloadKeepsUnchangedTargetsRunning) {
  server_.Set("/k", "k 1\n");
  Config c = JobConfig("k", "/k");
  ASSERT_TRUE(manager_->ApplyConfig(c).ok());
  manager_->Start();
  ASSERT_TRUE(WaitGood("k"));
  ASSERT_TRUE(manager_->ApplyConfig(c).ok());
  ASSERT_TRUE(WaitGood("k", 2));
  for (const auto& s : ReadSeries(*db_, "k")) {
    for (const auto& sample : s.second) EXPECT_FALSE(storage::IsStaleNaN(sample.v));
  }
  // A changed setting restarts the target: the old one's series go stale once.
  ASSERT_TRUE(manager_->ApplyConfig(JobConfig("k", "/k", "    sample_limit: 100\n")).ok());
  ASSERT_TRUE(WaitGood("k", 2));
  EXPECT_EQ(Target("k").health, TargetHealth::kUp);
}

TEST_F(ScrapeTest, SampleLimitExceededFailsTheScrape) {
  server_.Set("/lim", "l1 1\nl2 2\nl3 3\n");
  ASSERT_TRUE(manager_->ApplyConfig(JobConfig("lim", "/lim", "    sample_limit: 2\n")).ok());
  manager_->Start();
  ASSERT_TRUE(WaitScrapes("lim"));
  const TargetSnapshot t = Target("lim");
  EXPECT_EQ(t.health, TargetHealth::kDown);
  EXPECT_NE(t.last_error.find("sample_limit exceeded"), std::string::npos) << t.last_error;
  EXPECT_TRUE(ReadSeries(*db_, "l.").empty());
}

TEST_F(ScrapeTest, LabelLimitExceededFailsTheScrape) {
  server_.Set("/ll", "m{a=\"1\",b=\"2\"} 1\n");
  ASSERT_TRUE(manager_->ApplyConfig(JobConfig("ll", "/ll", "    label_limit: 3\n")).ok());
  manager_->Start();
  ASSERT_TRUE(WaitScrapes("ll"));
  EXPECT_NE(Target("ll").last_error.find("label_limit exceeded"), std::string::npos)
      << Target("ll").last_error;
  EXPECT_TRUE(ReadSeries(*db_, "m").empty());
}

TEST_F(ScrapeTest, ClashingLabelsBecomeExportedUnlessHonored) {
  server_.Set("/c", "m{job=\"theirs\",instance=\"x\"} 1\n");
  ASSERT_TRUE(manager_->ApplyConfig(JobConfig("c", "/c")).ok());
  manager_->Start();
  ASSERT_TRUE(WaitGood("c"));
  auto m = ReadSeries(*db_, "m");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m.begin()->first,
            "m{exported_instance=\"x\", exported_job=\"theirs\", instance=\"" + Inst() + "\", job=\"c\"}");
  manager_->Stop();
  manager_ = std::make_unique<ScrapeManager>(db_.get());
  server_.Set("/h", "h{job=\"theirs\"} 1\n");
  ASSERT_TRUE(manager_->ApplyConfig(JobConfig("hon", "/h", "    honor_labels: true\n")).ok());
  manager_->Start();
  ASSERT_TRUE(WaitGood("hon"));
  EXPECT_EQ(ReadSeries(*db_, "h").begin()->first, "h{instance=\"" + Inst() + "\", job=\"theirs\"}");
}

TEST_F(ScrapeTest, MetricRelabelConfigsApply) {
  server_.Set("/mr", "keep_me{pid=\"1\"} 1\ngo_drop 2\n");
  ASSERT_TRUE(manager_
                  ->ApplyConfig(JobConfig(
                      "mr", "/mr",
                      "    metric_relabel_configs:\n"
                      "      - source_labels: [__name__]\n        regex: go_.*\n        action: drop\n"
                      "      - regex: pid\n        action: labeldrop\n"))
                  .ok());
  manager_->Start();
  ASSERT_TRUE(WaitGood("mr", 2));
  EXPECT_TRUE(ReadSeries(*db_, "go_drop").empty());
  EXPECT_EQ(ReadSeries(*db_, "keep_me").begin()->first, "keep_me{instance=\"" + Inst() + "\", job=\"mr\"}");
  EXPECT_EQ(Last("scrape_samples_scraped{instance=\"" + Inst() + "\", job=\"mr\"}"), 2);
  EXPECT_EQ(Last("scrape_samples_post_metric_relabeling{instance=\"" + Inst() + "\", job=\"mr\"}"), 1);
}

TEST_F(ScrapeTest, RelabelConfigsDropTargetsAndSetParams) {
  server_.Set("/p", "p 1\n");
  const std::string yaml =
      "scrape_configs:\n  - job_name: p\n    scrape_interval: 200ms\n    scrape_timeout: 100ms\n"
      "    metrics_path: /p\n    params:\n      module: [a]\n    static_configs:\n"
      "      - targets: ['" +
      Inst() +
      "', 'dropme:1']\n        labels: {team: x}\n"
      "    relabel_configs:\n      - source_labels: [__address__]\n        regex: dropme.*\n"
      "        action: drop\n      - target_label: __param_module\n        replacement: b\n";
  auto c = ParseConfig(yaml, "p.yml");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_TRUE(manager_->ApplyConfig(*c).ok());
  manager_->Start();
  ASSERT_TRUE(WaitGood("p"));
  const TargetSnapshot t = Target("p");
  EXPECT_EQ(t.scrape_url, "http://" + Inst() + "/p?module=b");
  EXPECT_EQ(t.labels.Get("team"), "x");
  ASSERT_EQ(manager_->DroppedTargets().size(), 1u);
  EXPECT_EQ(manager_->DroppedTargets()[0].discovered_labels.Get("__address__"), "dropme:1");
  EXPECT_NE(manager_->TargetsJson("dropped").find("dropme:1"), std::string::npos);
}

TEST_F(ScrapeTest, FileSDTargetsFollowTheFile) {
  server_.Set("/fsd", "fsd 1\n");
  const std::string file = dir_.path() + "/targets.json";
  { std::ofstream(file) << "[]"; }
  const std::string yaml =
      "scrape_configs:\n  - job_name: fsd\n    scrape_interval: 200ms\n    scrape_timeout: 100ms\n"
      "    metrics_path: /fsd\n    file_sd_configs:\n      - files: ['" +
      dir_.path() + "/*.json']\n        refresh_interval: 100ms\n";
  auto c = ParseConfig(yaml, "f.yml");
  ASSERT_TRUE(c.ok()) << c.status();
  manager_ = std::make_unique<ScrapeManager>(db_.get(),
                                             ScrapeManagerOptions{.threads = 1, .discovery_check_ms = 50});
  ASSERT_TRUE(manager_->ApplyConfig(*c).ok());
  manager_->Start();
  EXPECT_TRUE(manager_->Targets().empty());
  { std::ofstream(file) << "[{\"targets\": [\"" + Inst() + "\"], \"labels\": {\"zone\": \"z1\"}}]"; }
  ASSERT_TRUE(WaitFor([&] { return Target("fsd").health == TargetHealth::kUp; }));
  EXPECT_EQ(Target("fsd").labels.Get("zone"), "z1");
  { std::ofstream(file) << "[]"; }
  ASSERT_TRUE(WaitFor([&] { return manager_->Targets().empty(); }));
}

TEST_F(ScrapeTest, AuthorizationAndBasicAuthAreSent) {
  server_.Set("/auth", "auth 1\n");
  ASSERT_TRUE(
      manager_->ApplyConfig(JobConfig("auth", "/auth", "    authorization:\n      credentials: tok\n")).ok());
  manager_->Start();
  ASSERT_TRUE(WaitGood("auth"));
  EXPECT_EQ(server_.LastHeaders().GetOr("Authorization"), "Bearer tok");
  manager_->Stop();
  manager_ = std::make_unique<ScrapeManager>(db_.get());
  ASSERT_TRUE(
      manager_
          ->ApplyConfig(JobConfig("auth", "/auth", "    basic_auth:\n      username: u\n      password: p\n"))
          .ok());
  manager_->Start();
  ASSERT_TRUE(WaitGood("auth"));
  EXPECT_EQ(server_.LastHeaders().GetOr("Authorization"), "Basic dTpw");
}

}  // namespace
}  // namespace foresight::collection
