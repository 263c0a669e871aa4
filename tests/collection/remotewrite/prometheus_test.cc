// A real Prometheus 2.42 (/usr/bin/prometheus) remote-writes to Foresight's receiver: the test runs a
// web::Server on a loopback port with the receiver and a temporary storage::DB, starts Prometheus scraping
// itself (and a real node exporter when installed) every second, waits ~15 s, then checks that every series
// Prometheus stored (its /api/v1/series, read over HTTP with libcurl) also exists in Foresight, and that the
// metric metadata Prometheus lists (its /api/v1/metadata) reached Foresight's metadata store.
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "collection/remotewrite/receiver.h"
#include "common/matcher.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "storage/db.h"
#include "web/http/server.h"

extern char** environ;

namespace foresight::collection {
namespace {

namespace fs = std::filesystem;

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

// A child process with its output in `log`, stopped with SIGTERM (then SIGKILL) when destroyed.
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
    for (int i = 0; i < 100; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  bool ok() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
};

size_t Collect(char* p, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(p, size * n);
  return size * n;
}

std::string HttpGet(const std::string& url, long* code) {
  std::string body;
  CURL* c = curl_easy_init();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
  *code = curl_easy_perform(c) == CURLE_OK ? 0 : -1;
  if (*code == 0) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, code);
  curl_easy_cleanup(c);
  return body;
}

std::set<std::string> ForesightSeries(storage::DB& db) {
  std::set<std::string> out;
  auto q = db.NewQuerier(storage::kMinTime, storage::kMaxTime);
  if (!q.ok()) return out;
  std::vector<Matcher> ms{*Matcher::Make(MatchType::kRegexMatch, "__name__", ".+")};
  auto set = (*q)->Select(ms);
  while (set->Next()) out.insert(set->At().labels().ToString());
  return out;
}

TEST(PrometheusRemoteWrite, EverySeriesPrometheusStoredReachesForesight) {
  const char* kPrometheus = "/usr/bin/prometheus";
  const char* kNodeExporter = "/usr/bin/prometheus-node-exporter";
  if (!fs::exists(kPrometheus)) GTEST_SKIP() << "no " << kPrometheus << " (apt install prometheus)";
  fs::path dir = fs::temp_directory_path() / ("rw_prom_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "prom");

  storage::DBOptions o;
  o.dir = (dir / "foresight").string();
  auto db = storage::DB::Open(o);
  ASSERT_TRUE(db.ok()) << db.status();
  RemoteWriteStats stats;
  MetadataStore metadata;
  web::ServerOptions so;
  so.listen_address = "127.0.0.1:0";
  web::Server server(so);
  RemoteWriteOptions rw;
  rw.metadata = &metadata;
  ASSERT_TRUE(RegisterRemoteWriteRoute(server.router(), **db, &stats, rw).ok());
  ASSERT_TRUE(server.Start().ok());

  uint16_t prom_port = FreePort(), node_port = FreePort();
  bool with_node = fs::exists(kNodeExporter);
  std::ofstream(dir / "prometheus.yml")
      << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
      << "scrape_configs:\n  - job_name: prometheus\n    static_configs:\n      - targets: ['127.0.0.1:"
      << prom_port << "']\n"
      << (with_node ? "  - job_name: node\n    static_configs:\n      - targets: ['127.0.0.1:" +
                          std::to_string(node_port) + "']\n"
                    : "")
      << "remote_write:\n  - url: http://127.0.0.1:" << server.port() << "/api/v1/write\n"
      << "    queue_config:\n      batch_send_deadline: 1s\n      min_backoff: 100ms\n      max_backoff: "
         "1s\n"
      << "    metadata_config:\n      send: true\n      send_interval: 1s\n";
  std::unique_ptr<Child> node;
  if (with_node) {
    node = std::make_unique<Child>(std::vector<std::string>{kNodeExporter, "--web.listen-address=127.0.0.1:" +
                                                                               std::to_string(node_port)},
                                   dir / "node.log");
  }
  Child prom({kPrometheus, "--config.file=" + (dir / "prometheus.yml").string(),
              "--storage.tsdb.path=" + (dir / "prom").string(),
              "--web.listen-address=127.0.0.1:" + std::to_string(prom_port)},
             dir / "prometheus.log");
  ASSERT_TRUE(prom.ok());

  std::this_thread::sleep_for(std::chrono::seconds(15));
  auto now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  long code = 0;
  std::string body = HttpGet("http://127.0.0.1:" + std::to_string(prom_port) +
                                 "/api/v1/series?match%5B%5D=%7B__name__%3D~%22.%2B%22%7D&start=" +
                                 std::to_string(now - 60) + "&end=" + std::to_string(now - 3),
                             &code);
  ASSERT_EQ(code, 200) << body << "\nsee " << (dir / "prometheus.log");
  std::string metadata_body =
      HttpGet("http://127.0.0.1:" + std::to_string(prom_port) + "/api/v1/metadata", &code);
  ASSERT_EQ(code, 200) << metadata_body;
  std::this_thread::sleep_for(std::chrono::seconds(3));  // what Prometheus had 3 s ago has been sent by now

  // Metadata: every (family, type, help, unit) Prometheus lists was sent and stored.
  auto prom_metadata = nlohmann::json::parse(metadata_body)["data"];
  auto ours_metadata = metadata.Get();
  size_t md_total = 0, md_missing = 0;
  std::string md_examples;
  for (const auto& [family, variants] : prom_metadata.items()) {
    for (const auto& v : variants) {
      ++md_total;
      const FamilyMetadata want{v["type"].get<std::string>(), v["help"].get<std::string>(),
                                v["unit"].get<std::string>()};
      const auto& have = ours_metadata[family];
      if (std::find(have.begin(), have.end(), want) == have.end() && ++md_missing <= 5) {
        md_examples += family + " " + want.type + " \"" + want.help + "\"\n";
      }
    }
  }
  EXPECT_GT(md_total, 50u);
  EXPECT_EQ(md_missing, 0u) << "of " << md_total << " metadata entries, e.g.\n" << md_examples;
  EXPECT_EQ(ours_metadata["prometheus_http_requests_total"].at(0).type, "counter");
  EXPECT_GT(stats.metadata_stored.load(), 0u);

  auto doc = nlohmann::json::parse(body);
  std::set<std::string> ours = ForesightSeries(**db);
  size_t total = 0, missing = 0, node_series = 0;
  std::string examples;
  for (const auto& s : doc["data"]) {
    LabelsBuilder b;
    for (const auto& [k, v] : s.items()) b.Set(k, v.get<std::string>());
    Labels l = b.Build();
    ++total;
    if (l.Get("job") == "node") ++node_series;
    if (!ours.count(l.ToString())) {
      if (++missing <= 5) examples += l.ToString() + "\n";
    }
  }
  EXPECT_GT(total, 100u);
  if (with_node) {
    EXPECT_GT(node_series, 100u);
  }
  EXPECT_EQ(missing, 0u) << "of " << total << " series, e.g.\n" << examples;
  EXPECT_GT(stats.samples_ingested.load(), total);
  EXPECT_EQ(stats.requests_invalid.load(), 0u);
  EXPECT_EQ(stats.requests_failed.load(), 0u);
  std::printf(
      "Prometheus stored %zu series (%zu from node exporter); Foresight has %zu series, %llu samples; "
      "%zu metadata entries listed by Prometheus, all stored (%llu received)\n",
      total, node_series, ours.size(), static_cast<unsigned long long>(stats.samples_ingested.load()),
      md_total, static_cast<unsigned long long>(stats.metadata_stored.load()));
  server.Stop();
  db->reset();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace foresight::collection
