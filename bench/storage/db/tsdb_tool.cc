// Whole-engine measurements that take seconds to minutes, reported as one line of figures each:
//   tsdb_tool capacity --series 100000 --points 10000 --dir /tmp/cap   (store, read back and check all)
//   tsdb_tool restart  --series 1000000 --points 120 --dir /tmp/rs     (replay speed and time to ready)
//   tsdb_tool memory   --series 1000000 --points 120                  (resident bytes per active series)
//   tsdb_tool disk     --instances 20 --hours 12 --dir /tmp/disk      (bytes/sample of node-exporter data)
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "bench/common/node_exporter_replay.h"
#include "storage/db.h"

namespace foresight::storage {
namespace {

namespace stdfs = std::filesystem;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// CPU seconds (user + system) of this process so far: on a shared machine, the figure that does not
// depend on what else runs.
double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// VmRSS or VmHWM of this process in bytes.
uint64_t ProcStatus(const std::string& key) {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind(key + ":", 0) == 0) return std::stoull(line.substr(key.size() + 1)) * 1024;
  }
  return 0;
}

uint64_t DirBytes(const std::string& dir, bool blocks_only) {
  uint64_t n = 0;
  std::error_code ec;
  for (const auto& e : stdfs::recursive_directory_iterator(dir, ec)) {
    if (!e.is_regular_file()) continue;
    if (blocks_only && e.path().string().find("/wal") != std::string::npos) continue;
    n += e.file_size();
  }
  return n;
}

Labels CapacityLabels(int i) {
  return Labels{{"__name__", "capacity_test"},
                {"instance", "host-" + std::to_string(i / 100)},
                {"series", std::to_string(i)}};
}
// Counter-like values with per-series rates: exact to check, realistic to compress.
double CapacityValue(int series, int64_t step) {
  return static_cast<double>(series) + step * (series % 7 + 1) * 0.5;
}

std::unique_ptr<DB> OpenDb(const std::string& dir, WalSyncPolicy sync) {
  DBOptions opts;
  opts.dir = dir;
  opts.background_maintenance = false;
  opts.wal_sync = sync;
  opts.retention_ms = 0;
  opts.lagging_writer_window_ms = 0;  // one writer, in step: nothing lags
  auto db = DB::Open(opts);
  if (!db.ok()) {
    fmt::print(stderr, "open {}: {}\n", dir, std::string(db.status().message()));
    std::exit(1);
  }
  return std::move(*db);
}

int Capacity(int series, int points, const std::string& dir) {
  stdfs::remove_all(dir);
  auto db = OpenDb(dir, WalSyncPolicy::kInterval);
  auto start = Clock::now();
  double cpu0 = CpuSeconds();
  auto app = db->NewAppender();
  std::vector<SeriesRef> refs(series, 0);
  const int64_t step_ms = 15'000;
  double maintenance_s = 0;
  for (int64_t p = 0; p < points; ++p) {
    for (int i = 0; i < series; ++i) {
      // Labels only on first sight, as a real writer does: the rest goes by reference.
      auto r = refs[i] != 0 ? app->Append(refs[i], Labels{}, p * step_ms, CapacityValue(i, p))
                            : app->Append(0, CapacityLabels(i), p * step_ms, CapacityValue(i, p));
      if (!r.ok()) {
        fmt::print(stderr, "append: {}\n", std::string(r.status().message()));
        return 1;
      }
      refs[i] = *r;
      if ((i + 1) % 10'000 == 0 && !app->Commit().ok()) return 1;
    }
    if (!app->Commit().ok()) return 1;
    if (p % 240 ==
        239) {  // each simulated hour: let the head hand old data to blocks, as the background does
      auto before = Clock::now();
      if (auto st = db->RunMaintenance(); !st.ok()) {
        fmt::print(stderr, "maintenance: {}\n", std::string(st.message()));
        return 1;
      }
      maintenance_s += Seconds(before);
      fmt::print(
          stderr,
          "  {} h of {}: {:.0f} s wall, {:.0f} s CPU, maintenance {:.0f} s, disk {} MiB, RSS {:.0f} MiB\n",
          (p + 1) / 240, points / 240, Seconds(start), CpuSeconds() - cpu0, maintenance_s,
          DirBytes(dir, false) >> 20, ProcStatus("VmRSS") / 1048576.0);
    }
  }
  if (!db->FlushHead().ok() || !db->RunMaintenance().ok()) return 1;
  double write_s = Seconds(start);
  double write_cpu = CpuSeconds() - cpu0;
  uint64_t disk = DirBytes(dir, false);
  // Read everything back and check every value.
  start = Clock::now();
  cpu0 = CpuSeconds();
  auto q = db->NewQuerier(kMinTime, kMaxTime);
  std::vector<Matcher> ms{*Matcher::Make(MatchType::kEqual, "__name__", "capacity_test")};
  auto set = (*q)->Select(ms);
  uint64_t read = 0, bad = 0, seen_series = 0;
  while (set->Next()) {
    int s = std::stoi(std::string(set->At().labels().Get("series")));
    auto it = set->At().Iterator();
    int64_t p = 0;
    while (it->Next()) {
      Sample smp = it->At();
      if (smp.t != p * step_ms || smp.v != CapacityValue(s, p)) ++bad;
      ++p;
      ++read;
    }
    if (p != points) ++bad;
    ++seen_series;
  }
  double read_s = Seconds(start);
  double read_cpu = CpuSeconds() - cpu0;
  uint64_t total = static_cast<uint64_t>(series) * points;
  fmt::print(
      "capacity: {} series x {} points = {} samples; write {:.1f} s wall / {:.1f} s CPU ({:.2f} M samples/s "
      "of CPU); "
      "read+check {:.1f} s wall / {:.1f} s CPU ({:.2f} M samples/s of CPU); {} series, {} samples read, {} "
      "errors; "
      "disk {} bytes ({:.3f} bytes/sample); peak RSS {:.0f} MiB\n",
      series, points, total, write_s, write_cpu, total / write_cpu / 1e6, read_s, read_cpu,
      read / read_cpu / 1e6, seen_series, read, bad, disk, static_cast<double>(disk) / total,
      ProcStatus("VmHWM") / 1048576.0);
  return bad == 0 && read == total ? 0 : 1;
}

int Restart(int series, int points, const std::string& dir) {
  stdfs::remove_all(dir);
  {
    auto db = OpenDb(dir, WalSyncPolicy::kNever);
    auto app = db->NewAppender();
    std::vector<SeriesRef> refs(series, 0);
    for (int64_t p = 0; p < points; ++p) {
      for (int i = 0; i < series; ++i) {
        refs[i] = *app->Append(refs[i], CapacityLabels(i), p * 15'000, CapacityValue(i, p));
        if ((i + 1) % 10'000 == 0) (void)app->Commit();
      }
      (void)app->Commit();
    }
    (void)db->Close();
  }
  uint64_t wal = DirBytes(dir + "/wal", false);
  auto start = Clock::now();
  double cpu0 = CpuSeconds();
  auto db = OpenDb(dir, WalSyncPolicy::kInterval);
  double ready_s = Seconds(start);
  double cpu_s = CpuSeconds() - cpu0;
  uint64_t total = static_cast<uint64_t>(series) * points;
  fmt::print(
      "restart: {} series x {} points = {} samples, log {} bytes; ready in {:.2f} s wall, {:.2f} s CPU "
      "({:.2f} M samples/s of CPU); head series {}; peak RSS {:.0f} MiB\n",
      series, points, total, wal, ready_s, cpu_s, total / cpu_s / 1e6, db->Stats().head_series,
      ProcStatus("VmHWM") / 1048576.0);
  return db->Stats().head_series == static_cast<uint64_t>(series) ? 0 : 1;
}

int Memory(int series, int points) {
  std::string dir = "/tmp/foresight_tsdb_memory_" + std::to_string(getpid());
  stdfs::remove_all(dir);
  uint64_t base = ProcStatus("VmRSS");
  auto db = OpenDb(dir, WalSyncPolicy::kNever);
  auto app = db->NewAppender();
  std::vector<SeriesRef> refs(series, 0);
  for (int64_t p = 0; p < points; ++p) {
    for (int i = 0; i < series; ++i) {
      refs[i] = *app->Append(refs[i],
                             Labels{{"__name__", "node_cpu_seconds_total"},
                                    {"cpu", std::to_string(i % 16)},
                                    {"instance", "host-" + std::to_string(i / 16) + ":9100"},
                                    {"job", "node"},
                                    {"mode", "user"}},
                             p * 15'000, CapacityValue(i, p));
      if ((i + 1) % 10'000 == 0) (void)app->Commit();
    }
    (void)app->Commit();
  }
  app.reset();
  uint64_t rss = ProcStatus("VmRSS");
  fmt::print(
      "memory: {} active series x {} samples: {:.0f} MiB resident over the baseline, {:.0f} bytes per "
      "series\n",
      series, points, (rss - base) / 1048576.0, static_cast<double>(rss - base) / series);
  (void)db->Close();
  stdfs::remove_all(dir);
  return 0;
}

int Disk(int instances, int hours, const std::string& dir) {
  stdfs::remove_all(dir);
  bench::ReplayOptions ro;
  ro.instances = instances;
  auto replay = bench::NodeExporterReplay::Load(ro);
  if (!replay.ok()) {
    fmt::print(stderr, "{}\n", std::string(replay.status().message()));
    return 1;
  }
  auto db = OpenDb(dir, WalSyncPolicy::kNever);
  auto app = db->NewAppender();
  size_t n = (*replay)->num_series();
  std::vector<SeriesRef> refs(n, 0);
  std::vector<bench::ReplaySample> step;
  int steps = hours * 240;
  uint64_t total = 0;
  for (int k = 0; k < steps; ++k) {
    step.clear();
    (*replay)->NextStep(&step);
    for (const auto& s : step) {
      auto r = refs[s.series] ? app->Append(refs[s.series], Labels{}, s.t, s.v)
                              : app->Append(0, (*replay)->SeriesLabels(s.series), s.t, s.v);
      if (r.ok()) {
        refs[s.series] = *r;
        ++total;
      }
    }
    (void)app->Commit();
  }
  if (!db->FlushHead().ok() || !db->RunMaintenance().ok()) return 1;
  uint64_t blocks = DirBytes(dir, true);
  fmt::print(
      "disk: {} instances x {} series, {} h at 15 s: {} samples; blocks {} bytes = {:.3f} bytes/sample; "
      "{} blocks\n",
      instances, (*replay)->series_per_instance(), hours, total, blocks, static_cast<double>(blocks) / total,
      db->Stats().blocks);
  return 0;
}

}  // namespace
}  // namespace foresight::storage

int main(int argc, char** argv) {
  CLI::App app{"Foresight storage engine measurements"};
  app.require_subcommand(1);
  int series = 100'000, points = 10'000, instances = 20, hours = 12;
  std::string dir = "/tmp/foresight_tsdb_tool";
  for (auto* sub :
       {app.add_subcommand("capacity", "store, read back and check series x points samples"),
        app.add_subcommand("restart", "time to ready after a restart with a full head"),
        app.add_subcommand("memory", "resident bytes per active series"),
        app.add_subcommand("disk", "bytes per sample of node-exporter-like data after compaction")}) {
    sub->add_option("--series", series);
    sub->add_option("--points", points);
    sub->add_option("--instances", instances);
    sub->add_option("--hours", hours);
    sub->add_option("--dir", dir);
  }
  CLI11_PARSE(app, argc, argv);
  std::string mode = app.get_subcommands().front()->get_name();
  using namespace foresight::storage;
  if (mode == "capacity") return Capacity(series, points, dir);
  if (mode == "restart") return Restart(series, points, dir);
  if (mode == "memory") return Memory(series, points);
  return Disk(instances, hours, dir);
}
