// Known events through the real binary: the config file declares a monthly sale, a pushed series surges on
// the sale days, /api/v1/forecast over the next sale shows the surge; after the event is removed from the
// file and the configuration reloaded (POST /-/reload, as SIGHUP), it does not.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "web/http/test_client.h"

extern char** environ;

namespace foresight {
namespace {

using nlohmann::json;
using web::testing::Fetch;

constexpr int64_t kHour = 3600;
constexpr int64_t kStart = 1'780'272'000;  // 2026-06-01T00:00:00Z (seconds)
constexpr int64_t kEnd = 1'788'998'400;    // 2026-09-10T00:00:00Z
constexpr int64_t kSale = 1'789'473'600;   // 2026-09-15T12:00:00Z, inside the next occurrence
constexpr double kSurge = 60;

constexpr char kWithEvent[] = R"yaml(scrape_configs: []
foresight:
  events:
    - name: monthly_sale
      start: 2026-06-15T08:00:00Z
      end: 2026-06-15T20:00:00Z
      recurrence: monthly
)yaml";
constexpr char kWithoutEvent[] = "scrape_configs: []\n";

double Baseline(int64_t t) { return 100 + 10 * std::sin(2 * M_PI * static_cast<double>(t / kHour) / 24); }

bool InSale(int64_t t) {
  const int64_t day = (t - kStart) / 86400, hour = (t / kHour) % 24;
  return (day == 14 || day == 44 || day == 75) && hour >= 8 && hour < 20;  // 15 June, July, August
}

// The binary with stdout on a pipe (to read the address it listens on) and stderr in a file.
class Server {
 public:
  Server(const std::vector<std::string>& args, const std::string& stderr_path) {
    int fds[2];
    if (pipe(fds) != 0) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::string binary = FORESIGHT_BINARY;
    std::vector<std::string> copy = args;
    std::vector<char*> argv = {binary.data()};
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    out_ = fds[0];
  }
  ~Server() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      for (int i = 0; i < 500 && waitpid(pid_, nullptr, WNOHANG) != pid_; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    if (out_ >= 0) close(out_);
  }

  // The base URL from the "Foresight listening on http://..." line, or "" after the timeout.
  std::string WaitForAddress(std::chrono::seconds timeout) {
    const std::string prefix = "Foresight listening on ";
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string buffer;
    while (pid_ > 0 && std::chrono::steady_clock::now() < deadline) {
      for (size_t nl; (nl = buffer.find('\n')) != std::string::npos;) {
        const std::string line = buffer.substr(0, nl);
        buffer.erase(0, nl + 1);
        if (line.starts_with(prefix)) return line.substr(prefix.size());
      }
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char buf[1024];
      const ssize_t n = read(out_, buf, sizeof(buf));
      if (n <= 0) return "";
      buffer.append(buf, static_cast<size_t>(n));
    }
    return "";
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
};

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void WriteFile(const std::filesystem::path& p, const std::string& text) { std::ofstream(p) << text; }

// The forecast of `orders` at kSale and one day earlier.
std::pair<double, double> ForecastAtSale(const std::string& base) {
  const std::string url = base + "/api/v1/forecast?query=orders&start=" + std::to_string(kStart) +
                          "&end=" + std::to_string(kEnd) + "&step=1h&horizon=7d&model=prophet";
  auto r = Fetch(url);
  EXPECT_EQ(r.status, 200) << r.body;
  double at = NAN, before = NAN;
  const json j = json::parse(r.body, nullptr, false);
  if (j.is_discarded() || j["data"].empty()) return {at, before};
  for (const auto& p : j["data"][0]["points"]) {
    if (p[0].get<int64_t>() == kSale) at = std::stod(p[1].get<std::string>());
    if (p[0].get<int64_t>() == kSale - 86400) before = std::stod(p[1].get<std::string>());
  }
  return {at, before};
}

TEST(ForecastEventsE2E, ConfiguredEventShapesTheForecastUntilReloadedAway) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("foresight-events-e2e-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto config = dir / "foresight.yml";
  WriteFile(config, kWithEvent);
  {
    Server server({"--config.file=" + config.string(), "--web.listen-address=127.0.0.1:0",
                   "--storage.tsdb.path=" + (dir / "data").string(), "--storage.tsdb.retention.time=3650d"},
                  (dir / "stderr.log").string());
    const std::string base = server.WaitForAddress(std::chrono::seconds(60));
    ASSERT_FALSE(base.empty()) << ReadFile(dir / "stderr.log");

    // The history, hourly, pushed as JSON with timestamps.
    json batch = json::array();
    for (int64_t t = kStart; t <= kEnd; t += kHour) {
      const double noise = std::sin(static_cast<double>(t) * 0.37) * 2;  // deterministic, small
      batch.push_back({{"orders", Baseline(t) + (InSale(t) ? kSurge : 0) + noise}, {"timestamp", t}});
    }
    auto pushed =
        Fetch(base + "/metrics",
              {.method = "POST", .body = batch.dump(), .headers = {"Content-Type: application/json"}});
    ASSERT_EQ(pushed.status, 200) << pushed.body;

    auto [at, before] = ForecastAtSale(base);
    EXPECT_NEAR(at, Baseline(kSale) + kSurge, 8);
    EXPECT_NEAR(before, Baseline(kSale - 86400), 8);

    WriteFile(config, kWithoutEvent);
    auto reloaded = Fetch(base + "/-/reload", {.method = "POST"});
    ASSERT_EQ(reloaded.status, 200) << reloaded.body;
    std::tie(at, before) = ForecastAtSale(base);
    EXPECT_LT(at, Baseline(kSale) + kSurge / 3);

    // A bad calendar is refused with file:line and the running one is kept.
    WriteFile(config, std::string(kWithEvent) + "      bogus: 1\n");
    reloaded = Fetch(base + "/-/reload", {.method = "POST"});
    EXPECT_EQ(reloaded.status, 500);
    EXPECT_NE(reloaded.body.find("foresight.yml:8: key 'bogus'"), std::string::npos) << reloaded.body;
  }
  EXPECT_NE(ReadFile(dir / "stderr.log").find("event calendar: 1 event(s)"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace foresight
