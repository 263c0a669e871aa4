// Query benchmark: node-exporter-like data (bench/common's NodeExporterReplay plus one synthetic classic
// histogram per instance) loaded identically into Foresight (in-process DB served by a web::Server with the
// query API), Prometheus 2.42 and VictoriaMetrics 1.79 (both by remote write), then a dashboard-like set of
// queries over HTTP against each; prints the median latency per system and the ratios.
//
//   query_bench [--instances=20] [--hours=12] [--runs=5] [--no-prometheus] [--no-vm] [--breakdown]
//
// --breakdown also times, in process, Foresight's engine alone, its JSON encoding and its HTTP handler
// (no network), to show where the time goes.
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench/common/node_exporter_replay.h"
#include "peer.h"
#include "query/api/api.h"
#include "query/api/handlers.h"
#include "storage/db.h"
#include "web/http/server.h"

namespace fs = std::filesystem;
using namespace foresight;
using foresight::testing::RwSeries;

namespace {

struct Flags {
  int instances = 20;
  int hours = 12;
  int runs = 5;
  bool prometheus = true;
  bool vm = true;
  bool breakdown = false;
  std::string only;    // run only the queries whose name contains this (for profiling one query)
  bool flush = false;  // write Foresight's head to blocks before querying (reads from compacted blocks)
};

Flags ParseFlags(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&a] { return std::stoi(a.substr(a.find('=') + 1)); };
    if (a.rfind("--instances=", 0) == 0) f.instances = val();
    if (a.rfind("--hours=", 0) == 0) f.hours = val();
    if (a.rfind("--runs=", 0) == 0) f.runs = val();
    if (a == "--no-prometheus") f.prometheus = false;
    if (a == "--no-vm") f.vm = false;
    if (a == "--breakdown") f.breakdown = true;
    if (a.rfind("--only=", 0) == 0) f.only = a.substr(7);
    if (a == "--flush") f.flush = true;
  }
  return f;
}

struct Query {
  const char* name;
  std::string expr;
  bool range;  // over the whole span at 60 s step; else instant at the end
};

constexpr const char* kLes[] = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf"};
constexpr int kNumLe = 10;

// One synthetic classic histogram per instance (the recording has none): cumulative bucket counters.
void AddHistogramSamples(int instances, int64_t t, int step, std::vector<RwSeries>* out, size_t base_index) {
  for (int i = 0; i < instances; ++i) {
    // Deterministic: each bucket grows by a fixed fraction of a per-step request count.
    double requests = 100.0 * step * (1 + (i % 7) * 0.1) + (step % 13) * 3;
    double frac = 0.05;
    for (int b = 0; b < kNumLe; ++b) {
      frac = b == kNumLe - 1 ? 1.0 : std::min(1.0, frac * 1.8);
      (*out)[base_index + static_cast<size_t>(i * kNumLe + b)].samples.push_back(
          {t, std::floor(requests * frac)});
    }
  }
}

double MedianMs(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? NAN : v[v.size() / 2];
}

// Median latency of `runs` GETs of `url` (after one warm-up); NaN on error.
double TimeQuery(const std::string& url, int runs, size_t* bytes) {
  std::vector<double> ms;
  for (int r = 0; r <= runs; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    auto res = foresight::testing::HttpGet(url);
    auto t1 = std::chrono::steady_clock::now();
    if (!res.ok() || res->code != 200) {
      std::fprintf(stderr, "query failed: %s: %s\n", url.c_str(),
                   res.ok() ? res->body.substr(0, 300).c_str() : std::string(res.status().message()).c_str());
      return NAN;
    }
    *bytes = res->body.size();
    if (r > 0) ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  return MedianMs(ms);
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags = ParseFlags(argc, argv);
  fs::path dir = fs::temp_directory_path() / ("foresight_query_bench_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const int64_t interval = 15000;
  const int steps = flags.hours * 240;
  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  int64_t start = (now / interval) * interval - static_cast<int64_t>(steps) * interval;

  bench::ReplayOptions ro;
  ro.instances = flags.instances;
  ro.interval_ms = interval;
  ro.start_ms = start;
  auto replay = bench::NodeExporterReplay::Load(ro);
  if (!replay.ok()) {
    std::fprintf(stderr, "replay: %s\n", std::string(replay.status().message()).c_str());
    return 1;
  }
  size_t n = (*replay)->num_series();
  std::vector<RwSeries> series(n + static_cast<size_t>(flags.instances * kNumLe));
  for (size_t s = 0; s < n; ++s) series[s].labels = (*replay)->SeriesLabels(s);
  for (int i = 0; i < flags.instances; ++i)
    for (int b = 0; b < kNumLe; ++b)
      series[n + static_cast<size_t>(i * kNumLe + b)].labels =
          Labels{{"__name__", "http_request_duration_seconds_bucket"},
                 {"instance", "host-" + std::to_string(i) + ":9100"},
                 {"job", "node"},
                 {"le", kLes[b]}};
  std::printf("data: %zu series x %d steps of 15 s (%d h) = %.1f M samples\n", series.size(), steps,
              flags.hours, static_cast<double>(series.size()) * steps / 1e6);

  // Peers.
  foresight::testing::Process prom, vm;
  std::string prom_url, vm_url;
  if (flags.prometheus && fs::exists("/usr/bin/prometheus")) {
    int port = foresight::testing::FreePort();
    fs::create_directories(dir / "prom");
    std::FILE* f = std::fopen((dir / "prometheus.yml").c_str(), "w");
    std::fputs("global:\n  scrape_interval: 15s\n", f);
    std::fclose(f);
    prom_url = "http://127.0.0.1:" + std::to_string(port);
    (void)prom.Start({"/usr/bin/prometheus", "--config.file=" + (dir / "prometheus.yml").string(),
                      "--storage.tsdb.path=" + (dir / "prom").string(),
                      "--web.listen-address=127.0.0.1:" + std::to_string(port),
                      "--web.enable-remote-write-receiver", "--query.max-samples=500000000"},
                     (dir / "prometheus.log").string());
    if (!foresight::testing::WaitReady(prom_url + "/-/ready", 30000)) prom_url.clear();
  }
  if (flags.vm && fs::exists("/usr/bin/victoria-metrics")) {
    int port = foresight::testing::FreePort();
    vm_url = "http://127.0.0.1:" + std::to_string(port);
    (void)vm.Start({"/usr/bin/victoria-metrics", "-storageDataPath=" + (dir / "vm").string(),
                    "-httpListenAddr=127.0.0.1:" + std::to_string(port), "-retentionPeriod=1y",
                    "-search.disableCache", "-search.latencyOffset=0s"},
                   (dir / "vm.log").string());
    if (!foresight::testing::WaitReady(vm_url + "/health", 30000)) vm_url.clear();
  }

  storage::DBOptions dbo;
  dbo.dir = (dir / "foresight").string();
  dbo.background_maintenance = false;
  dbo.wal_sync = storage::WalSyncPolicy::kNever;
  auto db = storage::DB::Open(dbo);
  if (!db.ok()) return 1;

  // Load: batches of 20 steps (5 minutes) in time order into all three.
  auto load_t0 = std::chrono::steady_clock::now();
  double foresight_s = 0, prom_s = 0, vm_s = 0;
  std::vector<bench::ReplaySample> step_samples;
  const int kBatch = 20;
  for (int s0 = 0; s0 < steps; s0 += kBatch) {
    for (auto& s : series) s.samples.clear();
    for (int k = s0; k < std::min(steps, s0 + kBatch); ++k) {
      step_samples.clear();
      (*replay)->NextStep(&step_samples);
      for (const auto& rs : step_samples) series[rs.series].samples.push_back({rs.t, rs.v});
      AddHistogramSamples(flags.instances, start + k * interval, k, &series, n);
    }
    auto t0 = std::chrono::steady_clock::now();
    auto app = (*db)->NewAppender();
    for (const auto& s : series) {
      storage::SeriesRef ref = 0;
      for (const auto& smp : s.samples) {
        auto r = app->Append(ref, s.labels, smp.t, smp.v);
        if (r.ok()) ref = *r;
      }
    }
    (void)app->Commit();
    auto t1 = std::chrono::steady_clock::now();
    foresight_s += std::chrono::duration<double>(t1 - t0).count();
    if (!prom_url.empty()) {
      auto st = foresight::testing::RemoteWrite(prom_url + "/api/v1/write", series);
      if (!st.ok()) std::fprintf(stderr, "prometheus write: %s\n", std::string(st.message()).c_str());
    }
    auto t2 = std::chrono::steady_clock::now();
    prom_s += std::chrono::duration<double>(t2 - t1).count();
    if (!vm_url.empty()) {
      auto st = foresight::testing::RemoteWrite(vm_url + "/api/v1/write", series);
      if (!st.ok()) std::fprintf(stderr, "vm write: %s\n", std::string(st.message()).c_str());
    }
    vm_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - t2).count();
  }
  std::printf(
      "load: foresight %.1f s (in-process appender), prometheus %.1f s, victoria-metrics %.1f s (remote "
      "write); "
      "total %.1f s\n",
      foresight_s, prom_s, vm_s,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - load_t0).count());
  if (flags.flush) {
    auto st = (*db)->FlushHead();
    std::printf("foresight head flushed to blocks: %s\n", st.ok() ? "ok" : std::string(st.message()).c_str());
  }
  if (!vm_url.empty()) {
    (void)foresight::testing::HttpGet(vm_url + "/internal/force_flush");
    std::this_thread::sleep_for(std::chrono::seconds(3));
  }

  query::Engine engine(query::EngineOptions{.max_samples = 500'000'000});
  web::ServerOptions so;
  so.listen_address = "127.0.0.1:0";
  web::Server server(so);
  query::QueryApiDeps deps;
  deps.queryable = db->get();
  deps.engine = &engine;
  if (!query::RegisterQueryApi(server.router(), deps).ok() || !server.Start().ok()) return 1;
  std::string fs_url = "http://127.0.0.1:" + std::to_string(server.port());

  const int64_t end = start + static_cast<int64_t>(steps - 1) * interval;
  std::string span = std::to_string(flags.hours) + "h";
  std::vector<Query> queries = {
      {"sum rate cpu", "sum by (instance)(rate(node_cpu_seconds_total[5m]))", true},
      {"topk rate net", "topk(5, rate(node_network_receive_bytes_total[5m]))", true},
      {"count node_.*", "count({__name__=~\"node_.*\"})", false},
      {"max_over_time load1", "max_over_time(node_load1[" + span + "])", false},
      {"histogram_quantile",
       "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))", true},
      {"label_replace", "label_replace(node_load1, \"host\", \"$1\", \"instance\", \"(.*):.*\")", true},
      {"subquery", "max_over_time(rate(node_network_receive_bytes_total[5m])[1h:1m])", false},
  };
  auto url_for = [&](const std::string& base, const Query& q, bool vm_extra) {
    std::string u = base + (q.range ? "/api/v1/query_range?query=" : "/api/v1/query?query=") +
                    foresight::testing::UrlEncode(q.expr);
    if (q.range) {
      u += "&start=" + std::to_string(start / 1000) + "&end=" + std::to_string(end / 1000) + "&step=60";
    } else {
      u += "&time=" + std::to_string(end / 1000);
    }
    if (vm_extra) u += "&nocache=1";
    return u;
  };
  std::printf("\nmedian latency over %d runs (ms), HTTP on loopback; response size in KiB\n", flags.runs);
  std::printf("%-22s %10s %10s %10s %9s %9s %8s %8s %8s\n", "query", "foresight", "prometheus", "vm",
              "fs/prom", "fs/vm", "KiB fs", "KiB prom", "KiB vm");
  for (const Query& q : queries) {
    if (std::string_view(q.name).find(flags.only) == std::string_view::npos) continue;
    size_t bf = 0, bp = 0, bv = 0;
    double f = TimeQuery(url_for(fs_url, q, false), flags.runs, &bf);
    double p = prom_url.empty() ? NAN : TimeQuery(url_for(prom_url, q, false), flags.runs, &bp);
    double v = vm_url.empty() ? NAN : TimeQuery(url_for(vm_url, q, true), flags.runs, &bv);
    std::printf("%-22s %10.1f %10.1f %10.1f %9.2f %9.2f %8zu %8zu %8zu\n", q.name, f, p, v, f / p, f / v,
                bf / 1024, bp / 1024, bv / 1024);
    if (flags.breakdown) {
      std::vector<double> ms, json_ms;
      for (int r = 0; r <= flags.runs; ++r) {
        auto t0 = std::chrono::steady_clock::now();
        auto res = q.range ? engine.Range(**db, q.expr, (start / 1000) * 1000, (end / 1000) * 1000, 60000)
                           : engine.Instant(**db, q.expr, (end / 1000) * 1000);
        auto t1 = std::chrono::steady_clock::now();
        if (!res.ok()) {
          std::fprintf(stderr, "engine: %s\n", std::string(res.status().message()).c_str());
          continue;
        }
        std::string body;
        query::api::AppendResult(&body, *res);
        auto t2 = std::chrono::steady_clock::now();
        if (r > 0) ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        if (r > 0) json_ms.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
      }
      std::vector<double> dispatch_ms;
      for (int r = 0; r <= flags.runs; ++r) {
        web::Request req;
        req.method = "GET";
        req.path = q.range ? "/api/v1/query_range" : "/api/v1/query";
        req.params.Add("query", q.expr);
        if (q.range) {
          req.params.Add("start", std::to_string(start / 1000));
          req.params.Add("end", std::to_string(end / 1000));
          req.params.Add("step", "60");
        } else {
          req.params.Add("time", std::to_string(end / 1000));
        }
        auto t0 = std::chrono::steady_clock::now();
        auto res = server.router().Dispatch(req);
        auto t1 = std::chrono::steady_clock::now();
        if (r > 0) dispatch_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      }
      std::printf("%-22s %10.1f engine, %.1f JSON, %.1f handler (in process)\n", "", MedianMs(ms),
                  MedianMs(json_ms), MedianMs(dispatch_ms));
    }
  }
  server.Stop(std::chrono::milliseconds(100));
  prom.Stop();
  vm.Stop();
  db->reset();
  fs::remove_all(dir);
  return 0;
}
