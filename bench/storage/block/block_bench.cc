// Blocks at scale: writing and opening a 1M-series block, Select throughput over it.
// The block is written once into $TMPDIR/foresight_block_bench_<n> and reused by later runs.
#include <filesystem>
#include <string>

#include <benchmark/benchmark.h>

#include "common/matcher.h"
#include "storage/block/block.h"
#include "storage/block/compact.h"
#include "storage/block/querier.h"

namespace foresight::storage::block {
namespace {

constexpr int kSeries = 1'000'000;
constexpr int kSamplesPerSeries = 24;  // 2h at a 5 min interval: keeps the one-time write short
constexpr int64_t kStep = 300'000, kMint = 1'700'000'000'000, kMaxt = kMint + 7'200'000;

Labels SeriesLabels(int i) {
  // 100 metric names x 10 jobs x 1000 instances; the order of i is not label order, so sort ids below.
  return Labels{{"__name__", "metric_" + std::to_string(i % 100)},
                {"instance", "host-" + std::to_string(i / 1000) + ":9100"},
                {"job", "job_" + std::to_string((i / 100) % 10)}};
}

const std::string& BlockDir() {
  static std::string dir = [] {
    std::string parent =
        (std::filesystem::temp_directory_path() / ("foresight_block_bench_" + std::to_string(kSeries)));
    std::filesystem::create_directories(parent);
    for (const auto& e : std::filesystem::directory_iterator(parent)) {
      if (std::filesystem::exists(e.path() / "meta.json")) return e.path().string();
    }
    std::vector<Labels> all;
    all.reserve(kSeries);
    for (int i = 0; i < kSeries; ++i) all.push_back(SeriesLabels(i));
    std::sort(all.begin(), all.end());
    size_t next = 0;
    auto start = std::chrono::steady_clock::now();
    auto meta = WriteBlockFromSeries(
        parent, kMint, kMaxt, [&](Labels* l, std::vector<Sample>* s) -> absl::StatusOr<bool> {
          if (next == all.size()) return false;
          *l = all[next];
          for (int k = 0; k < kSamplesPerSeries; ++k) {
            s->push_back(
                {kMint + k * kStep, static_cast<double>((next * 7 + static_cast<size_t>(k)) % 1000)});
          }
          ++next;
          return true;
        });
    if (!meta.ok()) {
      fprintf(stderr, "writing the block failed: %s\n", std::string(meta.status().message()).c_str());
      std::abort();
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    fprintf(stderr, "wrote %d series (%d samples each) in %.1f s\n", kSeries, kSamplesPerSeries, secs);
    return (parent + "/" + meta->id);
  }();
  return dir;
}

void BM_OpenBlock(benchmark::State& state) {
  const std::string& dir = BlockDir();
  for (auto _ : state) {
    auto b = Block::Open(dir);
    if (!b.ok()) state.SkipWithError("open failed");
    benchmark::DoNotOptimize(b);
  }
  auto b = Block::Open(dir);
  state.counters["size_MiB"] = static_cast<double>((*b)->size_bytes()) / (1 << 20);
  state.counters["series"] = (*b)->num_series();
}
BENCHMARK(BM_OpenBlock)->Unit(benchmark::kMicrosecond);

// Open plus one lookup: includes the one-time checks of the sections a lookup touches.
void BM_OpenAndFirstLookup(benchmark::State& state) {
  const std::string& dir = BlockDir();
  for (auto _ : state) {
    auto b = Block::Open(dir);
    auto p = (*b)->PostingsFor("job", "job_3");
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(BM_OpenAndFirstLookup)->Unit(benchmark::kMillisecond);

// Select series of one metric (1% of the block) and read all their samples (arg 1) or labels only (0).
void BM_Select(benchmark::State& state) {
  auto b = Block::Open(BlockDir());
  auto m = *Matcher::Make(MatchType::kEqual, "__name__", "metric_42");
  auto j = *Matcher::Make(MatchType::kRegexMatch, "job", "job_[0-4]");
  std::vector<Matcher> ms = {m};
  if (state.range(1)) ms.push_back(j);
  SelectHints hints;
  if (!state.range(0)) hints.func = "series";
  int64_t series = 0, samples = 0;
  for (auto _ : state) {
    BlockQuerier q(*b, kMint, kMaxt);
    auto set = q.Select(ms, &hints);
    while (set->Next()) {
      ++series;
      if (!state.range(0)) continue;
      auto it = set->At().Iterator();
      while (it->Next()) ++samples;
    }
  }
  state.counters["series/s"] = benchmark::Counter(static_cast<double>(series), benchmark::Counter::kIsRate);
  state.counters["samples/s"] = benchmark::Counter(static_cast<double>(samples), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Select)
    ->ArgsProduct({{0, 1}, {0, 1}})
    ->ArgNames({"samples", "regex"})
    ->Unit(benchmark::kMillisecond);

void BM_LabelValues(benchmark::State& state) {
  auto b = Block::Open(BlockDir());
  BlockQuerier q(*b, kMint, kMaxt);
  for (auto _ : state) {
    auto v = q.LabelValues("instance");
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(BM_LabelValues)->Unit(benchmark::kMillisecond);

// Compacts three 2h blocks of 100k series each (15 s interval, 120-sample chunks as a head would cut them)
// into one 6h block, re-encoding into 960-sample chunks. Reports bytes per sample before and after.
void BM_Compact3x100k(benchmark::State& state) {
  constexpr int kN = 100'000;
  std::string parent = std::filesystem::temp_directory_path() / "foresight_block_bench_compact";
  std::filesystem::remove_all(parent);
  std::filesystem::create_directories(parent);
  std::vector<Labels> all;
  for (int i = 0; i < kN; ++i) all.push_back(SeriesLabels(i * 10));
  std::sort(all.begin(), all.end());
  std::vector<std::shared_ptr<Block>> inputs;
  uint64_t in_bytes = 0, samples = 0;
  for (int b = 0; b < 3; ++b) {
    const int64_t lo = kMint + b * 7'200'000;
    size_t next = 0;
    WriteSeriesOptions o;
    o.max_samples_per_chunk = 120;
    auto meta = WriteBlockFromSeries(
        parent, lo, lo + 7'200'000,
        [&](Labels* l, std::vector<Sample>* s) -> absl::StatusOr<bool> {
          if (next == all.size()) return false;
          *l = all[next];
          double v = static_cast<double>(next % 97);
          for (int k = 0; k < 480; ++k) {
            v += static_cast<double>((next + static_cast<size_t>(k)) % 5);  // a counter
            s->push_back({lo + k * 15'000 + static_cast<int64_t>(next % 7), v});
          }
          ++next;
          return true;
        },
        o);
    inputs.push_back(*Block::Open(parent + "/" + meta->id));
    in_bytes += inputs.back()->size_bytes();
    samples += meta->stats.num_samples;
  }
  uint64_t out_bytes = 0;
  for (auto _ : state) {
    auto meta = Compact(parent, inputs);
    if (!meta.ok()) state.SkipWithError("compaction failed");
    out_bytes = (*Block::Open(parent + "/" + meta->id))->size_bytes();
  }
  state.counters["in_bytes/sample"] = static_cast<double>(in_bytes) / static_cast<double>(samples);
  state.counters["out_bytes/sample"] = static_cast<double>(out_bytes) / static_cast<double>(samples);
  state.counters["samples/s"] = benchmark::Counter(
      static_cast<double>(samples) * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  std::filesystem::remove_all(parent);
}
BENCHMARK(BM_Compact3x100k)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace foresight::storage::block

BENCHMARK_MAIN();
