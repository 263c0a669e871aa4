// The collection part as a user meets it, through the real `foresight` binary: a prometheus.yml on disk,
// /api/v1/targets, the push endpoints' errors, reload (POST /-/reload and SIGHUP) refusing a bad file and
// keeping the running configuration, the host collector switched off, the self-monitoring metrics, and a
// real Prometheus 2.42 remote-writing to Foresight with its metric metadata listed by /api/v1/metadata.
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "web/http/test_client.h"

extern char** environ;

namespace foresight {
namespace {

namespace fs = std::filesystem;
using web::testing::Fetch;
using web::testing::FetchOptions;
using Json = nlohmann::json;

uint16_t FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// A child process with stdout and stderr in `log`; SIGTERM (then SIGKILL) when destroyed.
class Child {
 public:
  Child(std::vector<std::string> argv, const fs::path& log) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    if (posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
  }
  ~Child() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 200; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  bool ok() const { return pid_ > 0; }
  void Signal(int sig) { ::kill(pid_, sig); }

 private:
  pid_t pid_ = -1;
};

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

bool WaitFor(const std::function<bool()>& cond, std::chrono::seconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return cond();
}

Json GetJson(const std::string& url) {
  auto r = Fetch(url);
  if (r.status != 200) return Json();
  return Json::parse(r.body, nullptr, /*allow_exceptions=*/false);
}

// The value of the sample line `series` ("name{labels}") in a text exposition, or -1.
double SampleValue(const std::string& exposition, const std::string& series) {
  const std::string prefix = "\n" + series + " ";
  const size_t at = exposition.find(prefix);
  if (at == std::string::npos) return -1;
  return std::strtod(exposition.c_str() + at + prefix.size(), nullptr);
}

class CollectionE2ETest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("foresight-coll-e2e-" + std::to_string(getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    port_ = FreePort();
    base_ = "http://127.0.0.1:" + std::to_string(port_);
  }
  void TearDown() override {
    foresight_.reset();
    fs::remove_all(dir_);
  }

  void WriteConfig(const std::string& yaml) { std::ofstream(dir_ / "prometheus.yml") << yaml; }
  // A job scraping Foresight's own /metrics every second.
  std::string SelfJob(const std::string& job) {
    return "  - job_name: " + job +
           "\n    scrape_interval: 1s\n    static_configs:\n      - targets: ['127.0.0.1:" +
           std::to_string(port_) + "']\n        labels:\n          team: ops\n";
  }
  void StartForesight() {
    foresight_ = std::make_unique<Child>(
        std::vector<std::string>{FORESIGHT_BINARY, "--config.file=" + (dir_ / "prometheus.yml").string(),
                                 "--storage.tsdb.path=" + (dir_ / "data").string(),
                                 "--web.listen-address=127.0.0.1:" + std::to_string(port_)},
        dir_ / "foresight.log");
    ASSERT_TRUE(foresight_->ok());
    ASSERT_TRUE(WaitFor([&] { return Fetch(base_ + "/-/ready").status == 200; }, std::chrono::seconds(60)))
        << ReadFile(dir_ / "foresight.log");
  }
  Json ActiveTargets() { return GetJson(base_ + "/api/v1/targets")["data"]["activeTargets"]; }

  fs::path dir_;
  uint16_t port_ = 0;
  std::string base_;
  std::unique_ptr<Child> foresight_;
};

TEST_F(CollectionE2ETest, ConfigFileTargetsPushErrorsReloadAndSelfMetrics) {
  WriteConfig(
      "global:\n  scrape_interval: 15s\nforesight:\n  collection:\n    host_collector: false\n"
      "scrape_configs:\n" +
      SelfJob("self"));
  StartForesight();

  // /api/v1/targets: Prometheus' fields, the target up after its first scrape.
  ASSERT_TRUE(WaitFor(
      [&] {
        Json t = ActiveTargets();
        return t.is_array() && t.size() == 1 && t[0]["health"] == "up";
      },
      std::chrono::seconds(20)))
      << ActiveTargets().dump();
  Json t = ActiveTargets()[0];
  const std::string addr = "127.0.0.1:" + std::to_string(port_);
  EXPECT_EQ(t["scrapePool"], "self");
  EXPECT_EQ(t["scrapeUrl"], "http://" + addr + "/metrics");
  EXPECT_EQ(t["labels"], (Json{{"instance", addr}, {"job", "self"}, {"team", "ops"}}));
  EXPECT_EQ(t["discoveredLabels"]["__address__"], addr);
  EXPECT_EQ(t["discoveredLabels"]["__scrape_interval__"], "1s");
  EXPECT_EQ(t["lastError"], "");
  EXPECT_EQ(t["scrapeInterval"], "1s");
  EXPECT_EQ(t["scrapeTimeout"], "1s");
  EXPECT_TRUE(t["lastScrapeDuration"].is_number());
  EXPECT_NE(t["lastScrape"], "0001-01-01T00:00:00Z");
  // ?scrapePool= filters by job, as in Prometheus.
  EXPECT_EQ(GetJson(base_ + "/api/v1/targets?scrapePool=self")["data"]["activeTargets"].size(), 1u);
  EXPECT_EQ(GetJson(base_ + "/api/v1/targets?scrapePool=other")["data"]["activeTargets"].size(), 0u);

  // The host collector is switched off by the file.
  EXPECT_EQ(Fetch(base_ + "/host/metrics").status, 404);

  // Push endpoints: a good JSON push, a bad one naming the field, a remote-write body that is not snappy.
  auto ok = Fetch(base_ + "/metrics", {.method = "POST", .body = R"({"cpu_usage": 75.5, "host": "web-1"})"});
  EXPECT_EQ(ok.status, 200) << ok.body;
  auto bad = Fetch(base_ + "/metrics", {.method = "POST", .body = R"({"cpu_usage": "high"})"});
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("cpu_usage"), std::string::npos) << bad.body;
  auto rw = Fetch(base_ + "/api/v1/write", {.method = "POST", .body = "not snappy"});
  EXPECT_EQ(rw.status, 400);
  EXPECT_NE(rw.body.find("snappy"), std::string::npos) << rw.body;

  // Scraped metadata is listed (Foresight scrapes its own /metrics).
  ASSERT_TRUE(WaitFor(
      [&] {
        Json md = GetJson(base_ + "/api/v1/metadata?metric=foresight_http_requests_total")["data"];
        return md.contains("foresight_http_requests_total") &&
               md["foresight_http_requests_total"][0]["type"] == "counter";
      },
      std::chrono::seconds(10)));

  // A bad file is refused by POST /-/reload (500 naming file, line and key) and by SIGHUP; the running
  // configuration stays.
  WriteConfig("scrape_configs:\n" + SelfJob("self") + "    scrape_intervall: 5s\n");
  auto reload = Fetch(base_ + "/-/reload", {.method = "POST"});
  EXPECT_EQ(reload.status, 500);
  EXPECT_NE(reload.body.find("prometheus.yml:"), std::string::npos) << reload.body;
  EXPECT_NE(reload.body.find("scrape_intervall"), std::string::npos) << reload.body;
  foresight_->Signal(SIGHUP);
  ASSERT_TRUE(
      WaitFor([&] { return ReadFile(dir_ / "foresight.log").find("reload failed") != std::string::npos; },
              std::chrono::seconds(10)))
      << ReadFile(dir_ / "foresight.log");
  EXPECT_EQ(Fetch(base_ + "/-/healthy").status, 200);
  ASSERT_EQ(ActiveTargets().size(), 1u);
  EXPECT_EQ(ActiveTargets()[0]["scrapePool"], "self");
  // The status API tells the failed reload, and still shows the file as it was last loaded.
  Json runtime = Json::parse(Fetch(base_ + "/api/v1/status/runtimeinfo").body);
  EXPECT_EQ(runtime["data"]["reloadConfigSuccess"], false) << runtime.dump();
  const std::string loaded = Json::parse(Fetch(base_ + "/api/v1/status/config").body)["data"]["yaml"];
  EXPECT_NE(loaded.find("job_name: self"), std::string::npos) << loaded;
  EXPECT_EQ(loaded.find("scrape_intervall"), std::string::npos) << loaded;

  // A good file is applied: the new job replaces the old.
  WriteConfig("scrape_configs:\n" + SelfJob("self2"));
  EXPECT_EQ(Fetch(base_ + "/-/reload", {.method = "POST"}).status, 200);
  EXPECT_EQ(Json::parse(Fetch(base_ + "/api/v1/status/runtimeinfo").body)["data"]["reloadConfigSuccess"],
            true);
  ASSERT_TRUE(WaitFor(
      [&] {
        Json ts = ActiveTargets();
        return ts.size() == 1 && ts[0]["scrapePool"] == "self2" && ts[0]["health"] == "up";
      },
      std::chrono::seconds(20)))
      << ActiveTargets().dump();
  // The host collector is back on (the default) with the new file.
  EXPECT_EQ(Fetch(base_ + "/host/metrics").status, 200);

  // Self-monitoring: samples by path, scrape pools, push errors, HTTP requests by handler and code.
  std::string m;
  ASSERT_TRUE(WaitFor(
      [&] {
        m = Fetch(base_ + "/metrics").body;
        return SampleValue(m, "foresight_samples_ingested_total{path=\"scrape\"}") > 0;
      },
      std::chrono::seconds(10)))
      << m;
  EXPECT_EQ(SampleValue(m, "foresight_samples_ingested_total{path=\"push\"}"), 1) << m;
  EXPECT_EQ(SampleValue(m, "foresight_samples_ingested_total{path=\"remote_write\"}"), 0);
  EXPECT_EQ(SampleValue(m, "foresight_scrape_pool_targets{scrape_pool=\"self2\"}"), 1);
  EXPECT_EQ(SampleValue(m, "foresight_push_requests_invalid_total"), 1);
  EXPECT_EQ(SampleValue(m, "foresight_remote_write_requests_invalid_total"), 1);
  EXPECT_GE(SampleValue(m, "foresight_scrapes_total"), 2);
  EXPECT_EQ(SampleValue(m, "foresight_scrapes_failed_total{reason=\"fetch\"}"), 0);
  EXPECT_EQ(SampleValue(m, "foresight_http_requests_total{handler=\"/-/reload\",code=\"500\"}"), 1) << m;
  EXPECT_NE(m.find("# TYPE foresight_tsdb_head_series gauge"), std::string::npos);
  EXPECT_NE(m.find("# TYPE foresight_http_request_duration_seconds histogram"), std::string::npos);

  // The pushed sample is queryable under its documented name.
  Json q = GetJson(base_ + "/api/v1/query?query=cpu_usage");
  ASSERT_EQ(q["data"]["result"].size(), 1u) << q.dump();
  EXPECT_EQ(q["data"]["result"][0]["metric"]["host"], "web-1");
  EXPECT_EQ(q["data"]["result"][0]["metric"]["job"], "push");

  // Anomaly watches follow a reload too: a watch without its query refuses the reload, a good one starts.
  const std::string watches = "foresight:\n  anomaly_detection:\n    watches:\n      - name: up_watch\n";
  WriteConfig("scrape_configs:\n" + SelfJob("self2") + watches);
  auto bad_watch = Fetch(base_ + "/-/reload", {.method = "POST"});
  EXPECT_EQ(bad_watch.status, 500);
  EXPECT_NE(bad_watch.body.find("up_watch"), std::string::npos) << bad_watch.body;
  WriteConfig("scrape_configs:\n" + SelfJob("self2") + watches +
              "        query: up\n        interval: 1s\n        warmup: 16\n");
  EXPECT_EQ(Fetch(base_ + "/-/reload", {.method = "POST"}).status, 200);
  ASSERT_TRUE(WaitFor(
      [&] {
        q = GetJson(base_ + "/api/v1/query?query=anomaly_score%7Bwatch%3D%22up_watch%22%7D");
        return !q["data"]["result"].empty();
      },
      std::chrono::seconds(20)))
      << q.dump();
  EXPECT_EQ(q["data"]["result"][0]["metric"]["__name__"], "anomaly_score");
  EXPECT_EQ(q["data"]["result"][0]["metric"]["watch"], "up_watch");
}

TEST_F(CollectionE2ETest, RealPrometheusRemoteWritesSamplesAndMetadata) {
  const char* kPrometheus = "/usr/bin/prometheus";
  if (!fs::exists(kPrometheus)) GTEST_SKIP() << "no " << kPrometheus << " (apt install prometheus)";
  WriteConfig("scrape_configs: []\n");
  StartForesight();
  const uint16_t prom_port = FreePort();
  std::ofstream(dir_ / "prom.yml")
      << "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: prometheus\n"
      << "    static_configs:\n      - targets: ['127.0.0.1:" << prom_port << "']\n"
      << "remote_write:\n  - url: " << base_ << "/api/v1/write\n"
      << "    queue_config:\n      batch_send_deadline: 1s\n      min_backoff: 100ms\n      max_backoff: 1s\n"
      << "    metadata_config:\n      send_interval: 1s\n";  // send: true is the default
  fs::create_directories(dir_ / "prom");
  Child prom({kPrometheus, "--config.file=" + (dir_ / "prom.yml").string(),
              "--storage.tsdb.path=" + (dir_ / "prom").string(),
              "--web.listen-address=127.0.0.1:" + std::to_string(prom_port)},
             dir_ / "prometheus.log");
  ASSERT_TRUE(prom.ok());

  // Prometheus' own metadata for a family, as its API lists it, equals what Foresight's API lists; and the
  // samples arrived (metadata and samples travel in separate requests, so wait for both).
  const std::string family = "prometheus_http_requests_total";
  Json theirs, ours, q;
  ASSERT_TRUE(WaitFor(
      [&] {
        theirs =
            GetJson("http://127.0.0.1:" + std::to_string(prom_port) + "/api/v1/metadata?metric=" + family);
        ours = GetJson(base_ + "/api/v1/metadata?metric=" + family);
        q = GetJson(base_ + "/api/v1/query?query=up%7Bjob%3D%22prometheus%22%7D");
        return theirs["data"].contains(family) && ours["data"].contains(family) &&
               q["data"]["result"].size() == 1;
      },
      std::chrono::seconds(40)))
      << ours.dump() << "\n"
      << q.dump() << "\n"
      << ReadFile(dir_ / "prometheus.log");
  EXPECT_EQ(ours["data"][family], theirs["data"][family]);
  EXPECT_EQ(ours["data"][family][0]["type"], "counter");
  const std::string m = Fetch(base_ + "/metrics").body;
  EXPECT_GT(SampleValue(m, "foresight_samples_ingested_total{path=\"remote_write\"}"), 0) << m;
  EXPECT_GT(SampleValue(m, "foresight_remote_write_metadata_stored_total"), 0);
}

}  // namespace
}  // namespace foresight
