// Micro-benchmarks: streaming detector throughput, and top-k correlation of one series against 10,000.
#include <cmath>
#include <random>
#include <span>
#include <vector>

#include "analytics/anomaly/context_detector.h"
#include "analytics/anomaly/detector.h"
#include "analytics/correlate/correlate.h"
#include "benchmark/benchmark.h"

namespace fa = foresight::analytics;

namespace {

std::vector<double> Series(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0, 1);
  std::vector<double> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = 100 + 20 * std::sin(2 * M_PI * static_cast<double>(i) / 288) + noise(rng);
  return v;
}

// Points per second through Update() of a detector past its warm-up (the live steady state).
void BM_DetectorUpdate(benchmark::State& state) {
  const auto v = Series(1 << 16, 1);
  fa::StreamingDetector d;
  for (size_t i = 0; i < 2000; ++i) d.Update(v[i]);
  size_t i = 0;
  double sink = 0;
  for (auto _ : state) {
    sink += d.Update(v[i]).score;
    i = (i + 1) & (v.size() - 1);
  }
  benchmark::DoNotOptimize(sink);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DetectorUpdate);

// The context detector alone (the default detector runs it inside as its context gate).
void BM_ContextDetectorUpdate(benchmark::State& state) {
  const auto v = Series(1 << 16, 1);
  fa::ContextDetector d;
  for (size_t i = 0; i < 2000; ++i) d.Update(v[i]);
  size_t i = 0;
  double sink = 0;
  for (auto _ : state) {
    sink += d.Update(v[i]);
    i = (i + 1) & (v.size() - 1);
  }
  benchmark::DoNotOptimize(sink);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ContextDetectorUpdate);

void BM_DetectorSerialize(benchmark::State& state) {
  fa::StreamingDetector d;
  for (double x : Series(5000, 2)) d.Update(x);
  for (auto _ : state) {
    auto r = fa::StreamingDetector::Restore(d.Serialize());
    benchmark::DoNotOptimize(r);
  }
  state.counters["state_bytes"] = static_cast<double>(d.Serialize().size());
}
BENCHMARK(BM_DetectorSerialize);

// One target against 10,000 series of one day at one-minute resolution (1,440 points each).
void BM_TopKCorrelated10k(benchmark::State& state) {
  const size_t n = 1440, m = 10000;
  std::mt19937 rng(3);
  std::normal_distribution<double> noise(0, 1);
  const auto target = Series(n, 4);
  std::vector<std::vector<double>> store(m, std::vector<double>(n));
  for (auto& s : store) {
    const double w = noise(rng);
    for (size_t i = 0; i < n; ++i) s[i] = 50 + w * target[i] + 5 * noise(rng);
  }
  std::vector<std::span<const double>> cands(store.begin(), store.end());
  for (auto _ : state) {
    auto top = fa::TopKCorrelated(target, cands, 10);
    benchmark::DoNotOptimize(top);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(m));
}
BENCHMARK(BM_TopKCorrelated10k)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
