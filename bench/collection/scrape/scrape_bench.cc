// Scrape load benchmark: N targets x M series every interval, served by a separate process (so that the
// figure is Foresight's CPU alone), scraped by ScrapeManager into a real storage::DB.
//
//   scrape_bench [--targets=1000] [--series=500] [--interval_s=15] [--intervals=4] [--threads=2]
//                [--null_storage]
//
// Reports the scraping process' CPU time (getrusage, all threads: scrape workers, storage WAL) per wall
// second, as % of one core, over `intervals` intervals after one warm-up interval.
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>

#include "collection/config/config.h"
#include "collection/scrape/manager.h"
#include "storage/db.h"
#include "web/http/server.h"

namespace fc = foresight::collection;
namespace st = foresight::storage;

namespace {

struct Args {
  int targets = 1000;
  int series = 500;
  int interval_s = 15;
  int intervals = 4;
  int threads = 2;
  bool null_storage = false;
};

Args ParseArgs(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string s = argv[i];
    auto val = [&](const char* k) { return std::atoi(s.c_str() + std::strlen(k)); };
    if (s.rfind("--targets=", 0) == 0) a.targets = val("--targets=");
    if (s.rfind("--series=", 0) == 0) a.series = val("--series=");
    if (s.rfind("--interval_s=", 0) == 0) a.interval_s = val("--interval_s=");
    if (s.rfind("--intervals=", 0) == 0) a.intervals = val("--intervals=");
    if (s.rfind("--threads=", 0) == 0) a.threads = val("--threads=");
    if (s == "--null_storage") a.null_storage = true;
  }
  return a;
}

// A payload shaped like an exporter's: families of 10 series each with HELP and TYPE.
std::string Payload(int series, uint64_t n) {
  std::string out;
  out.reserve(static_cast<size_t>(series) * 80);
  char line[256];
  for (int i = 0; i < series; ++i) {
    const int family = i / 10;
    if (i % 10 == 0) {
      std::snprintf(
          line, sizeof line,
          "# HELP bench_metric_%d_total A benchmark counter.\n# TYPE bench_metric_%d_total counter\n", family,
          family);
      out += line;
    }
    std::snprintf(line, sizeof line, "bench_metric_%d_total{path=\"/api/v%d\",code=\"%d\"} %llu\n", family,
                  i % 10, 200 + i % 3, static_cast<unsigned long long>(n * 7 + static_cast<uint64_t>(i)));
    out += line;
  }
  return out;
}

// The target server: its own process, started before any thread of the parent exists.
[[noreturn]] void ServeTargets(int series, int port_pipe) {
  foresight::web::ServerOptions o;
  o.listen_address = "0.0.0.0:0";
  o.io_threads = 2;
  o.handler_threads = 2;
  foresight::web::Server server(o);
  std::atomic<uint64_t> n{0};
  (void)server.router().Get("/metrics", [&](const foresight::web::Request&) {
    foresight::web::Response r = foresight::web::Response::Text(200, Payload(series, n++));
    r.headers.Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    return r;
  });
  if (!server.Start().ok()) std::_Exit(1);
  const uint16_t port = server.port();
  (void)!::write(port_pipe, &port, sizeof port);
  ::close(port_pipe);
  for (;;) ::pause();
}

class NullAppender : public st::Appender {
 public:
  absl::StatusOr<st::SeriesRef> Append(st::SeriesRef ref, const foresight::Labels& l, int64_t,
                                       double) override {
    return ref != 0 ? ref : l.Hash() | 1;
  }
  absl::Status Commit() override { return absl::OkStatus(); }
  void Rollback() override {}
};
class NullStorage : public st::Appendable {
 public:
  std::unique_ptr<st::Appender> NewAppender() override { return std::make_unique<NullAppender>(); }
};

double CpuSeconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = ParseArgs(argc, argv);
  int fds[2];
  if (::pipe(fds) != 0) return 1;
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(fds[0]);
    ServeTargets(a.series, fds[1]);
  }
  ::close(fds[1]);
  uint16_t port = 0;
  if (::read(fds[0], &port, sizeof port) != sizeof port) {
    std::fprintf(stderr, "target server failed to start\n");
    return 1;
  }

  std::string yaml =
      "scrape_configs:\n  - job_name: bench\n    scrape_interval: " + std::to_string(a.interval_s) +
      "s\n    scrape_timeout: " + std::to_string(std::min(a.interval_s, 10)) +
      "s\n    static_configs:\n      - targets:\n";
  for (int i = 0; i < a.targets; ++i) {
    // Distinct instances on the loopback network: 127.0.x.y all reach the server listening on 0.0.0.0.
    yaml += "          - 127.0." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1) + ":" +
            std::to_string(port) + "\n";
  }
  auto cfg = fc::ParseConfig(yaml, "bench.yml");
  if (!cfg.ok()) {
    std::fprintf(stderr, "%s\n", std::string(cfg.status().message()).c_str());
    return 1;
  }

  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("scrape_bench_" + std::to_string(::getpid()));
  std::unique_ptr<st::DB> db;
  NullStorage null_storage;
  st::Appendable* storage = &null_storage;
  if (!a.null_storage) {
    st::DBOptions o;
    o.dir = dir.string();
    auto opened = st::DB::Open(o);
    if (!opened.ok()) return 1;
    db = *std::move(opened);
    storage = db.get();
  }

  fc::ScrapeManagerOptions mo;
  mo.threads = a.threads;
  fc::ScrapeManager manager(storage, mo);
  (void)manager.ApplyConfig(*cfg);
  manager.Start();
  std::printf("targets=%d series/target=%d interval=%ds threads=%d storage=%s\n", a.targets, a.series,
              a.interval_s, a.threads, a.null_storage ? "null" : "db");
  std::this_thread::sleep_for(
      std::chrono::seconds(a.interval_s + 1));  // warm-up: first scrapes create series
  const uint64_t appended0 = db ? db->Stats().head_samples_appended : 0;
  const double cpu0 = CpuSeconds();
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < a.intervals; ++i) {
    const double c = CpuSeconds();
    const auto w = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(std::chrono::seconds(a.interval_s));
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - w).count();
    int up = 0;
    for (const auto& t : manager.Targets()) up += t.health == fc::TargetHealth::kUp;
    std::printf("interval %d: cpu %.1f%% of one core, targets up %d/%d\n", i + 1,
                100 * (CpuSeconds() - c) / secs, up, a.targets);
    std::fflush(stdout);
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = CpuSeconds() - cpu0;
  std::printf("total: cpu %.2fs over %.1fs wall = %.1f%% of one core", cpu, wall, 100 * cpu / wall);
  if (db) {
    const double samples = static_cast<double>(db->Stats().head_samples_appended - appended0);
    std::printf("; %.0f samples appended (%.0f/s, %.2f us CPU per sample)", samples, samples / wall,
                samples > 0 ? 1e6 * cpu / samples : 0.0);
  }
  std::printf("\n");
  manager.Stop();
  if (db) (void)db->Close();
  ::kill(child, SIGTERM);
  ::waitpid(child, nullptr, 0);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}
