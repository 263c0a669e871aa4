// Micro-benchmarks of the engine's write path and recovery, through the public API (storage/db.h).
//   build/release/bench/storage/db/db_bench --benchmark_repetitions=5
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>

#include "storage/db.h"

namespace foresight::storage {
namespace {

std::string TempDir(const char* name) {
  std::string dir = "/tmp/foresight_db_bench_" + std::to_string(getpid()) + "_" + name;
  std::filesystem::remove_all(dir);
  return dir;
}

Labels SeriesLabels(int i) {
  return Labels{{"__name__", "node_cpu_seconds_total"},
                {"cpu", std::to_string(i % 64)},
                {"instance", "host-" + std::to_string(i / 64) + ":9100"},
                {"job", "node"},
                {"mode", "user"}};
}

// Appends through the Appender with cached series refs, one commit per scrape-sized batch, the write-ahead
// log on (the default sync policy: write at commit, fsync each second).
void BM_AppendWithRefs(benchmark::State& state) {
  const int series = static_cast<int>(state.range(0));
  const int batch = static_cast<int>(state.range(1));
  std::string dir = TempDir("append");
  DBOptions opts;
  opts.dir = dir;
  opts.background_maintenance = false;
  auto db = DB::Open(opts);
  if (!db.ok()) {
    state.SkipWithError(std::string(db.status().message()).c_str());
    return;
  }
  auto app = (*db)->NewAppender();
  std::vector<SeriesRef> refs(series);
  for (int i = 0; i < series; ++i) refs[i] = *app->Append(0, SeriesLabels(i), 0, 0);
  (void)app->Commit();
  int64_t t = 15'000;
  double v = 1;
  int64_t samples = 0;
  for (auto _ : state) {
    // Samples are appended series-major within each step: a scrape of `batch` series per commit.
    for (int first = 0; first < series; first += batch) {
      int last = std::min(series, first + batch);
      for (int i = first; i < last; ++i) {
        auto r = app->Append(refs[i], Labels{}, t, v + i);
        benchmark::DoNotOptimize(r);
      }
      if (!app->Commit().ok()) state.SkipWithError("commit failed");
    }
    samples += series;
    t += 15'000;
    v += 1.5;
  }
  state.counters["samples/s"] = benchmark::Counter(static_cast<double>(samples), benchmark::Counter::kIsRate);
  state.counters["ns/sample"] = benchmark::Counter(static_cast<double>(samples),
                                                   benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  (void)(*db)->Close();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_AppendWithRefs)->Args({10'000, 1'000})->Args({100'000, 5'000})->Unit(benchmark::kMillisecond);

// Opening a store replays its log: samples/s of replay.
void BM_Replay(benchmark::State& state) {
  const int series = static_cast<int>(state.range(0));
  const int steps = static_cast<int>(state.range(1));
  std::string dir = TempDir("replay");
  {
    DBOptions opts;
    opts.dir = dir;
    opts.background_maintenance = false;
    opts.wal_sync = WalSyncPolicy::kNever;
    auto db = DB::Open(opts);
    auto app = (*db)->NewAppender();
    std::vector<SeriesRef> refs(series, 0);
    for (int s = 0; s < steps; ++s) {
      for (int i = 0; i < series; ++i)
        refs[i] = *app->Append(refs[i], SeriesLabels(i), s * 15'000, s * 0.5 + i);
      (void)app->Commit();
    }
    (void)(*db)->Close();
  }
  for (auto _ : state) {
    DBOptions opts;
    opts.dir = dir;
    opts.background_maintenance = false;
    auto db = DB::Open(opts);
    if (!db.ok() || (*db)->Stats().head_series != static_cast<uint64_t>(series))
      state.SkipWithError("replay");
    state.PauseTiming();
    db->reset();
    state.ResumeTiming();
  }
  state.counters["samples/s"] = benchmark::Counter(static_cast<double>(series) * steps * state.iterations(),
                                                   benchmark::Counter::kIsRate);
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_Replay)->Args({100'000, 120})->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace foresight::storage

BENCHMARK_MAIN();
