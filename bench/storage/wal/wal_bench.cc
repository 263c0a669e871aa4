// WAL micro-benchmarks: record encoding and decoding per sample, Append throughput under each sync policy,
// and end-to-end replay (read + checksum + decode) in samples per second.
#include <stdlib.h>

#include <filesystem>
#include <random>

#include "benchmark/benchmark.h"
#include "storage/fs/fs.h"
#include "storage/wal/reader.h"
#include "storage/wal/records.h"
#include "storage/wal/writer.h"

namespace foresight::storage::wal {
namespace {

constexpr int kBatch = 1000;  // samples per commit, about one scrape of a node exporter

// A scrape-like batch: consecutive refs with gaps, one timestamp, gauge-like values.
std::vector<RefSample> MakeBatch(int64_t t, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<RefSample> batch(kBatch);
  uint64_t ref = 100000 + rng() % 1000;
  for (auto& s : batch) {
    ref += 1 + rng() % 3;
    s = {ref, t, static_cast<double>(rng() % 100000) / 7.0};
  }
  return batch;
}

class BenchDir {
 public:
  BenchDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "foresight_wal_bench_XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~BenchDir() { std::filesystem::remove_all(path_); }
  std::string wal() const { return path_ + "/wal"; }

 private:
  std::string path_;
};

void BM_EncodeSamples(benchmark::State& state) {
  auto batch = MakeBatch(1700000000000, 1);
  std::string rec;
  for (auto _ : state) {
    rec.clear();
    EncodeSamples(batch, &rec);
    benchmark::DoNotOptimize(rec.data());
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.counters["bytes_per_sample"] = static_cast<double>(rec.size()) / kBatch;
}
BENCHMARK(BM_EncodeSamples);

void BM_DecodeSamples(benchmark::State& state) {
  std::string rec;
  EncodeSamples(MakeBatch(1700000000000, 1), &rec);
  std::vector<RefSample> out;
  for (auto _ : state) {
    out.clear();
    if (!DecodeSamples(rec, &out).ok()) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_DecodeSamples);

// Encode + Append per commit, as the engine does. Old segments are dropped every 256 MiB so that a long run
// does not fill the disk (the checkpoint is empty: that cost is small and included).
void AppendLoop(benchmark::State& state, SyncPolicy policy) {
  BenchDir dir;
  auto w = Writer::Open(fs::DefaultFs(), dir.wal(),
                        {.sync = policy, .sync_interval_ms = 1000, .segment_bytes = 64 << 20});
  if (!w.ok()) {
    state.SkipWithError(std::string(w.status().message()).c_str());
    return;
  }
  std::vector<std::vector<RefSample>> batches;
  for (int i = 0; i < 16; i++) batches.push_back(MakeBatch(1700000000000 + i * 15000, i));
  std::string rec;
  uint64_t bytes = 0, since_truncate = 0;
  size_t i = 0;
  for (auto _ : state) {
    rec.clear();
    EncodeSamples(batches[i++ % batches.size()], &rec);
    if (!(*w)->Append(rec).ok()) state.SkipWithError("append failed");
    bytes += rec.size();
    since_truncate += rec.size();
    if (since_truncate > (256u << 20)) {
      auto last = (*w)->Rotate();
      if (!last.ok() || !(*w)->Truncate(*last, {}).ok()) state.SkipWithError("truncate failed");
      since_truncate = 0;
    }
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["fsyncs"] = static_cast<double>((*w)->stats().fsyncs);
}

void BM_AppendNever(benchmark::State& state) { AppendLoop(state, SyncPolicy::kNever); }
void BM_AppendInterval(benchmark::State& state) { AppendLoop(state, SyncPolicy::kInterval); }
void BM_AppendAlways(benchmark::State& state) { AppendLoop(state, SyncPolicy::kAlways); }
BENCHMARK(BM_AppendNever)->UseRealTime();
BENCHMARK(BM_AppendInterval)->UseRealTime();
BENCHMARK(BM_AppendAlways)->UseRealTime()->Iterations(300);

// Replay of ~2M samples: read, checksum, reassemble and decode every record.
void BM_Replay(benchmark::State& state) {
  BenchDir dir;
  const int records = static_cast<int>(state.range(0));
  {
    auto w = Writer::Open(fs::DefaultFs(), dir.wal(), {.sync = SyncPolicy::kNever});
    if (!w.ok()) return state.SkipWithError("open failed");
    std::string rec;
    for (int i = 0; i < records; i++) {
      rec.clear();
      EncodeSamples(MakeBatch(1700000000000 + i * 15000, i % 16), &rec);
      if (!(*w)->Append(rec).ok()) return state.SkipWithError("append failed");
    }
    if (!(*w)->Close().ok()) return state.SkipWithError("close failed");
  }
  std::vector<RefSample> samples;
  uint64_t bytes = 0;
  for (auto _ : state) {
    uint64_t n = 0;
    auto report = Replay(*fs::DefaultFs(), dir.wal(), [&](std::string_view r) {
      samples.clear();
      absl::Status s = DecodeSamples(r, &samples);
      n += samples.size();
      return s;
    });
    if (!report.ok() || n != static_cast<uint64_t>(records) * kBatch) state.SkipWithError("replay failed");
    bytes += report.ok() ? report->bytes : 0;
  }
  state.SetItemsProcessed(state.iterations() * records * kBatch);
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_Replay)->Arg(2000)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace foresight::storage::wal

BENCHMARK_MAIN();
