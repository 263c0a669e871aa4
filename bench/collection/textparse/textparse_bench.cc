// Parser throughput on Prometheus' recorded payloads, as samples/s (and bytes/s), for each API level.
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <benchmark/benchmark.h>

#include "collection/textparse/payload.h"
#include "collection/textparse/writer.h"

namespace foresight::collection {
namespace {

std::string ReadShared(const std::string& name) {
  const char* env = std::getenv("FORESIGHT_SHARED_DIR");
  std::string dir = env != nullptr && *env != '\0' ? env : FORESIGHT_SHARED_DIR;
  std::ifstream in(dir + "/conformance/textparse/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void Report(benchmark::State& state, size_t samples, size_t bytes) {
  state.counters["samples/s"] =
      benchmark::Counter(static_cast<double>(samples), benchmark::Counter::kIsIterationInvariantRate);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}

// The pull parser alone: every entry, labels as views.
void BM_PullParser(benchmark::State& state, const char* file, Format f) {
  std::string data = ReadShared(file);
  if (data.empty()) return state.SkipWithError("shared data not found");
  size_t samples = 0;
  for (auto _ : state) {
    Parser p(data, f);
    samples = 0;
    for (;;) {
      absl::StatusOr<Entry> e = p.Next();
      if (!e.ok()) return state.SkipWithError(e.status().ToString().c_str());
      if (*e == Entry::kEof) break;
      if (*e == Entry::kSeries) {
        ++samples;
        benchmark::DoNotOptimize(p.labels().data());
      }
    }
  }
  Report(state, samples, data.size());
}

// The visitor API with sorted label views including __name__ in a reused buffer: what a scrape loop with a
// series cache does per sample (no allocation).
class SortingVisitor : public PayloadVisitor {
 public:
  absl::Status OnSample(const SampleView& s) override {
    SortedLabelViews(s, sorted_);
    benchmark::DoNotOptimize(sorted_.data());
    ++samples;
    return absl::OkStatus();
  }
  size_t samples = 0;

 private:
  std::vector<LabelView> sorted_;
};

void BM_VisitSorted(benchmark::State& state, const char* file, Format f) {
  std::string data = ReadShared(file);
  if (data.empty()) return state.SkipWithError("shared data not found");
  size_t samples = 0;
  for (auto _ : state) {
    SortingVisitor v;
    if (!VisitPayload(data, f, v).ok()) return state.SkipWithError("parse failed");
    samples = v.samples;
  }
  Report(state, samples, data.size());
}

// The convenience API: owned Labels (with __name__) for every sample plus the metadata map.
void BM_ParsePayload(benchmark::State& state, const char* file, Format f) {
  std::string data = ReadShared(file);
  if (data.empty()) return state.SkipWithError("shared data not found");
  size_t samples = 0;
  for (auto _ : state) {
    absl::StatusOr<ParsedPayload> r = ParsePayload(data, f);
    if (!r.ok()) return state.SkipWithError(r.status().ToString().c_str());
    samples = r->samples.size();
    benchmark::DoNotOptimize(r->samples.data());
  }
  Report(state, samples, data.size());
}

void BM_Write(benchmark::State& state, const char* file, Format f) {
  absl::StatusOr<ParsedPayload> r = ParsePayload(ReadShared(file), Format::kText);
  if (!r.ok()) return state.SkipWithError("shared data not found");
  size_t bytes = 0;
  for (auto _ : state) {
    ExpositionWriter w(f);
    for (const auto& s : r->samples) w.Sample(s.labels, s.value, s.timestamp);
    std::string out = w.Finish();
    bytes = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  Report(state, r->samples.size(), bytes);
}

constexpr const char* kAllTypes = "alltypes.237mfs.prom.txt";
constexpr const char* kPromTestData = "promtestdata.txt";
constexpr const char* kOpenMetrics = "alltypes.5mfs.om.txt";

BENCHMARK_CAPTURE(BM_PullParser, alltypes_text, kAllTypes, Format::kText);
BENCHMARK_CAPTURE(BM_PullParser, promtestdata_text, kPromTestData, Format::kText);
BENCHMARK_CAPTURE(BM_PullParser, alltypes5_openmetrics, kOpenMetrics, Format::kOpenMetrics);
BENCHMARK_CAPTURE(BM_VisitSorted, alltypes_text, kAllTypes, Format::kText);
BENCHMARK_CAPTURE(BM_VisitSorted, promtestdata_text, kPromTestData, Format::kText);
BENCHMARK_CAPTURE(BM_ParsePayload, alltypes_text, kAllTypes, Format::kText);
BENCHMARK_CAPTURE(BM_ParsePayload, promtestdata_text, kPromTestData, Format::kText);
BENCHMARK_CAPTURE(BM_ParsePayload, alltypes5_openmetrics, kOpenMetrics, Format::kOpenMetrics);
BENCHMARK_CAPTURE(BM_Write, alltypes_text, kAllTypes, Format::kText);
BENCHMARK_CAPTURE(BM_Write, alltypes_openmetrics, kAllTypes, Format::kOpenMetrics);

}  // namespace
}  // namespace foresight::collection

BENCHMARK_MAIN();
