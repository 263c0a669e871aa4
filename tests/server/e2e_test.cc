// Runs the real `foresight` binary: flags, readiness, health, /metrics, SIGHUP and a clean SIGTERM exit.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "web/http/test_client.h"

extern char** environ;

namespace foresight {
namespace {

using web::testing::Fetch;

class Process {
 public:
  // Starts the binary with stdout on a pipe and stderr in `stderr_path`.
  Process(const std::vector<std::string>& args, const std::string& stderr_path) {
    int fds[2];
    if (pipe(fds) != 0) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<char*> argv;
    std::string binary = FORESIGHT_BINARY;
    argv.push_back(binary.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    out_ = fds[0];
  }
  ~Process() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      Wait(std::chrono::seconds(5));
    }
    if (out_ >= 0) close(out_);
  }

  // Reads stdout until a line starting with `prefix` appears; returns the line or "".
  std::string ReadLineStartingWith(const std::string& prefix, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      for (size_t nl; (nl = stdout_.find('\n')) != std::string::npos;) {
        std::string line = stdout_.substr(0, nl);
        stdout_.erase(0, nl + 1);
        if (line.starts_with(prefix)) return line;
      }
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char buf[1024];
      ssize_t n = read(out_, buf, sizeof(buf));
      if (n <= 0) return "";
      stdout_.append(buf, static_cast<size_t>(n));
    }
    return "";
  }

  void Signal(int sig) { kill(pid_, sig); }

  // The exit code, or -1 on timeout, or 128 + signal when killed by one.
  int Wait(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }

  bool started() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  bool exited_ = false;
  std::string stdout_;
};

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

class E2ETest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("foresight-e2e-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
};

TEST_F(E2ETest, StartsServesAndStopsCleanly) {
  std::string stderr_path = (dir_ / "stderr.log").string();
  Process p({"--web.listen-address=127.0.0.1:0", "--storage.tsdb.path=" + (dir_ / "data").string(),
             "--storage.tsdb.retention.time=2d", "--storage.tsdb.retention.size=1GB"},
            stderr_path);
  ASSERT_TRUE(p.started());
  std::string line = p.ReadLineStartingWith("Foresight listening on http://", std::chrono::seconds(60));
  ASSERT_FALSE(line.empty()) << ReadFile(stderr_path);
  std::string base = line.substr(std::string("Foresight listening on ").size());
  ASSERT_TRUE(base.starts_with("http://127.0.0.1:")) << base;

  // Ready once storage is open (the line is printed after that, so at once here).
  auto ready = Fetch(base + "/-/ready");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.body, "Foresight is Ready.\n");
  auto healthy = Fetch(base + "/-/healthy");
  EXPECT_EQ(healthy.status, 200);
  EXPECT_EQ(healthy.body, "Foresight is Healthy.\n");
  EXPECT_EQ(Fetch(base + "/-/healthy", {.method = "HEAD"}).status, 200);
  EXPECT_EQ(Fetch(base + "/no/such/path").status, 404);
  auto landing = Fetch(base + "/");
  EXPECT_EQ(landing.status, 200);
  EXPECT_EQ(landing.Header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(landing.body.find("href=\"api/v1/query?query=up\""), std::string::npos) << landing.body;
  EXPECT_EQ(Fetch(base + "/api/v1/query?query=up").status, 200);  // the page's first link answers

  auto m = Fetch(base + "/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.Header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(m.body.find("foresight_http_requests_total{handler=\"/-/healthy\",code=\"200\"} 2\n"),
            std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find("foresight_http_requests_total{handler=\"other\",code=\"404\"} 1\n"),
            std::string::npos);
  EXPECT_NE(m.body.find("# TYPE foresight_http_request_duration_seconds histogram"), std::string::npos);
  EXPECT_NE(m.body.find("foresight_build_info{version="), std::string::npos);
  EXPECT_NE(m.body.find("process_resident_memory_bytes "), std::string::npos);
  EXPECT_NE(m.body.find("# TYPE foresight_tsdb_head_series gauge"), std::string::npos) << m.body;
  EXPECT_TRUE(std::filesystem::exists(dir_ / "data"));
  // The status API describes this process as Prometheus' does.
  auto rt = Fetch(base + "/api/v1/status/runtimeinfo");
  ASSERT_EQ(rt.status, 200);
  EXPECT_NE(rt.body.find("\"storageRetention\":\"2d or 1GiB\""), std::string::npos) << rt.body;
  EXPECT_NE(rt.body.find("\"reloadConfigSuccess\":true"), std::string::npos) << rt.body;
  EXPECT_EQ(rt.body.find("\"startTime\":\"\""), std::string::npos) << rt.body;
  EXPECT_EQ(rt.body.find("\"lastConfigTime\":\"\""), std::string::npos) << rt.body;
  EXPECT_EQ(rt.body.find("\"GOMAXPROCS\":0"), std::string::npos) << rt.body;
  auto fl = Fetch(base + "/api/v1/status/flags");
  EXPECT_NE(fl.body.find("\"storage.tsdb.retention.time\":\"2d\""), std::string::npos) << fl.body;
  EXPECT_NE(fl.body.find("\"query.max-samples\":\"50000000\""), std::string::npos) << fl.body;
  auto cfg = Fetch(base + "/api/v1/status/config");
  EXPECT_NE(cfg.body.find("scrape_configs"), std::string::npos) << cfg.body;
  auto gz = Fetch(base + "/metrics", {.accept_gzip = true, .decode = false});
  EXPECT_EQ(gz.Header("Content-Encoding"), "gzip");

  p.Signal(SIGHUP);  // reloads the configuration (here the embedded default) and keeps running
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(Fetch(base + "/-/healthy").status, 200);

  p.Signal(SIGTERM);
  EXPECT_EQ(p.Wait(std::chrono::seconds(30)), 0);
  std::string log = ReadFile(stderr_path);
  EXPECT_NE(log.find("configuration reloaded"), std::string::npos) << log;
  EXPECT_NE(log.find("received SIGTERM, exiting gracefully"), std::string::npos) << log;
  EXPECT_NE(Fetch(base + "/-/healthy", {.timeout_ms = 1000}).status, 200);  // gone
}

// The query flags reach the engine: a subquery of 600 points is over a limit of 100 samples.
TEST_F(E2ETest, QueryFlagsReachTheEngine) {
  std::string stderr_path = (dir_ / "stderr.log").string();
  Process p({"--web.listen-address=127.0.0.1:0", "--storage.tsdb.path=" + (dir_ / "data").string(),
             "--query.max-samples=100", "--query.eval-threads=1"},
            stderr_path);
  std::string line = p.ReadLineStartingWith("Foresight listening on http://", std::chrono::seconds(60));
  ASSERT_FALSE(line.empty()) << ReadFile(stderr_path);
  std::string base = line.substr(std::string("Foresight listening on ").size());
  auto small = Fetch(base + "/api/v1/query?query=sum_over_time(vector(1)%5B50s:1s%5D)&time=1000");
  EXPECT_EQ(small.status, 200) << small.body;
  // 51: a 2.42 subquery includes both ends of its range.
  EXPECT_NE(small.body.find("\"51\""), std::string::npos) << small.body;
  auto big = Fetch(base + "/api/v1/query?query=sum_over_time(vector(1)%5B10m:1s%5D)&time=1000");
  EXPECT_EQ(big.status, 422) << big.body;
  EXPECT_NE(big.body.find("\"errorType\":\"execution\""), std::string::npos) << big.body;
  EXPECT_NE(big.body.find("too many samples"), std::string::npos) << big.body;
  p.Signal(SIGTERM);
  EXPECT_EQ(p.Wait(std::chrono::seconds(30)), 0);
}

TEST_F(E2ETest, SigintAlsoStopsCleanly) {
  std::string stderr_path = (dir_ / "stderr.log").string();
  Process p({"--web.listen-address=127.0.0.1:0", "--storage.tsdb.path=" + (dir_ / "data").string()},
            stderr_path);
  ASSERT_FALSE(p.ReadLineStartingWith("Foresight listening on", std::chrono::seconds(60)).empty())
      << ReadFile(stderr_path);
  p.Signal(SIGINT);
  EXPECT_EQ(p.Wait(std::chrono::seconds(30)), 0) << ReadFile(stderr_path);
}

TEST_F(E2ETest, BadFlagExitsWithTwo) {
  std::string stderr_path = (dir_ / "stderr.log").string();
  Process p({"--storage.tsdb.retention.time=15days"}, stderr_path);
  EXPECT_EQ(p.Wait(std::chrono::seconds(30)), 2);
  EXPECT_NE(ReadFile(stderr_path).find("--storage.tsdb.retention.time"), std::string::npos);
}

TEST_F(E2ETest, VersionExitsWithZero) {
  std::string stderr_path = (dir_ / "stderr.log").string();
  Process p({"--version"}, stderr_path);
  std::string line = p.ReadLineStartingWith("foresight, version", std::chrono::seconds(30));
  EXPECT_FALSE(line.empty());
  EXPECT_EQ(p.Wait(std::chrono::seconds(30)), 0);
}

TEST_F(E2ETest, PortInUseExitsWithOne) {
  std::string err1 = (dir_ / "first.log").string(), err2 = (dir_ / "second.log").string();
  Process first({"--web.listen-address=127.0.0.1:0", "--storage.tsdb.path=" + (dir_ / "d1").string()}, err1);
  std::string line = first.ReadLineStartingWith("Foresight listening on http://", std::chrono::seconds(60));
  ASSERT_FALSE(line.empty()) << ReadFile(err1);
  std::string port = line.substr(line.rfind(':') + 1);
  Process second({"--web.listen-address=127.0.0.1:" + port, "--storage.tsdb.path=" + (dir_ / "d2").string()},
                 err2);
  EXPECT_EQ(second.Wait(std::chrono::seconds(30)), 1);
  EXPECT_NE(ReadFile(err2).find("cannot start the HTTP server"), std::string::npos) << ReadFile(err2);
  first.Signal(SIGTERM);
  EXPECT_EQ(first.Wait(std::chrono::seconds(30)), 0);
}

}  // namespace
}  // namespace foresight
