// Chunk codec speed and density on the node-exporter replay (../shared), plus a synthetic append baseline.
//   chunk_bench --benchmark_filter=BytesPerSample   bytes/sample of both encodings, 100 instances x 480 steps
#include <memory>
#include <string>
#include <vector>

#include "bench/common/node_exporter_replay.h"
#include "benchmark/benchmark.h"
#include "storage/encoding/chunk.h"

namespace foresight::storage::encoding {
namespace {

using bench::NodeExporterReplay;
using bench::ReplayOptions;

constexpr int kSteps = 480;         // a 2 h block at 15 s
constexpr int kSpeedInstances = 4;  // ~2,000 series x 480 samples for the speed benchmarks

// Per-series sample runs of the first `instances` replayed instances, or empty when ../shared is absent.
const std::vector<std::vector<Sample>>& ReplaySeries() {
  static const std::vector<std::vector<Sample>> series = [] {
    std::vector<std::vector<Sample>> out;
    ReplayOptions o;
    o.instances = kSpeedInstances;
    auto r = NodeExporterReplay::Load(o);
    if (!r.ok()) return out;
    for (int i = 0; i < kSpeedInstances; ++i) {
      for (auto& s : (*r)->InstanceSeries(i, kSteps)) out.push_back(std::move(s));
    }
    return out;
  }();
  return series;
}

size_t TotalSamples(const std::vector<std::vector<Sample>>& series) {
  size_t n = 0;
  for (const auto& s : series) n += s.size();
  return n;
}

void SetPerSample(benchmark::State& state, size_t samples_per_iter) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * samples_per_iter));
  // An inverted rate gives seconds per unit; counting in billions of samples makes that ns per sample.
  state.counters["ns/sample"] =
      benchmark::Counter(1e-9 * static_cast<double>(state.iterations() * samples_per_iter),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_XorAppend(benchmark::State& state) {
  const auto& series = ReplaySeries();
  if (series.empty()) return state.SkipWithError("no ../shared/datasets/node-exporter recording");
  for (auto _ : state) {
    for (const auto& s : series) {
      XorChunkAppender app;
      for (const Sample& x : s) app.Append(x.t, x.v);
      benchmark::DoNotOptimize(app.bytes().data());
    }
  }
  SetPerSample(state, TotalSamples(series));
}
BENCHMARK(BM_XorAppend)->Unit(benchmark::kMillisecond);

void BM_XorAppendSynthetic(benchmark::State& state) {
  std::vector<Sample> s;
  double v = 100;
  for (int i = 0; i < 120; ++i)
    s.push_back({1700000000000 + i * 15000 + (i * 7) % 3, v += (i * 7919) % 13 * 0.25});
  for (auto _ : state) {
    XorChunkAppender app;
    for (const Sample& x : s) app.Append(x.t, x.v);
    benchmark::DoNotOptimize(app.bytes().data());
  }
  SetPerSample(state, s.size());
}
BENCHMARK(BM_XorAppendSynthetic);

void Iterate(benchmark::State& state, ChunkEncoding e) {
  const auto& series = ReplaySeries();
  if (series.empty()) return state.SkipWithError("no ../shared/datasets/node-exporter recording");
  std::vector<std::string> chunks;
  for (const auto& s : series) chunks.push_back(EncodeChunk(s, e));
  for (auto _ : state) {
    int64_t sum = 0;
    for (const std::string& c : chunks) {
      auto it = NewChunkIterator(e, c);
      while (it->Next()) sum += it->At().t;
    }
    benchmark::DoNotOptimize(sum);
  }
  SetPerSample(state, TotalSamples(series));
}
void BM_XorIterate(benchmark::State& state) { Iterate(state, ChunkEncoding::kXor); }
void BM_CompactIterate(benchmark::State& state) { Iterate(state, ChunkEncoding::kCompact); }
BENCHMARK(BM_XorIterate)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CompactIterate)->Unit(benchmark::kMillisecond);

void BM_CompactEncode(benchmark::State& state) {
  const auto& series = ReplaySeries();
  if (series.empty()) return state.SkipWithError("no ../shared/datasets/node-exporter recording");
  for (auto _ : state) {
    for (const auto& s : series) benchmark::DoNotOptimize(EncodeChunk(s, ChunkEncoding::kCompact));
  }
  SetPerSample(state, TotalSamples(series));
}
BENCHMARK(BM_CompactEncode)->Unit(benchmark::kMillisecond);

// Bytes/sample of both encodings over instances x 480 steps, cut into chunks of range(0) samples;
// range(1) is the timestamp jitter in ms. Reference: VictoriaMetrics 1.79 1.12, Prometheus 1.81 B/sample.
void BM_BytesPerSample(benchmark::State& state) {
  const int chunk = static_cast<int>(state.range(0));
  ReplayOptions o;
  o.instances = 100;
  o.jitter_ms = state.range(1);
  auto r = NodeExporterReplay::Load(o);
  if (!r.ok()) return state.SkipWithError(std::string(r.status().message()).c_str());
  double samples = 0, xor_bytes = 0, compact_bytes = 0;
  for (auto _ : state) {
    samples = xor_bytes = compact_bytes = 0;
    for (int i = 0; i < o.instances; ++i) {
      for (const auto& s : (*r)->InstanceSeries(i, kSteps)) {
        for (size_t at = 0; at < s.size(); at += chunk) {
          std::span<const Sample> part(s.data() + at, std::min<size_t>(chunk, s.size() - at));
          xor_bytes += static_cast<double>(EncodeChunk(part, ChunkEncoding::kXor).size());
          compact_bytes += static_cast<double>(EncodeChunk(part, ChunkEncoding::kCompact).size());
          samples += static_cast<double>(part.size());
        }
      }
    }
  }
  state.counters["samples"] = samples;
  state.counters["xor_B/sample"] = xor_bytes / samples;
  state.counters["compact_B/sample"] = compact_bytes / samples;
}
BENCHMARK(BM_BytesPerSample)
    ->ArgsProduct({{120, 480}, {0, 2}})
    ->ArgNames({"chunk", "jitter_ms"})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace foresight::storage::encoding

BENCHMARK_MAIN();
