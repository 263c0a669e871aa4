// Decoding a remote-write WriteRequest: Foresight's zero-copy decoder against libprotobuf's generated parser,
// on real node-exporter series (bench/common replay). Shapes: what Prometheus sends (many series, one sample
// each) and what a backfill sends (fewer series, many samples). Both read the same uncompressed bytes; the
// snappy step, identical for both, is measured separately.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "bench/common/node_exporter_replay.h"
#include "collection/remotewrite/decoder.h"
#include "collection/remotewrite/encoder.h"
#include "prompb.pb.h"

namespace foresight::collection {
namespace {

// A WriteRequest of `series` series with `samples` consecutive samples each.
std::string MakeRequest(int series, int samples) {
  bench::ReplayOptions o;
  o.instances = (series + 506) / 507;
  auto replay = bench::NodeExporterReplay::Load(o);
  if (!replay.ok()) return "";
  WriteRequestEncoder enc;
  int done = 0;
  for (int i = 0; i < o.instances && done < series; ++i) {
    auto data = (*replay)->InstanceSeries(i, samples);
    for (size_t s = 0; s < data.size() && done < series; ++s, ++done) {
      enc.AddSeries((*replay)->SeriesLabels(i * (*replay)->series_per_instance() + s), data[s]);
    }
  }
  return enc.proto();
}

void Counters(benchmark::State& state, size_t bytes, int64_t samples) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["samples/s"] =
      benchmark::Counter(static_cast<double>(samples * state.iterations()), benchmark::Counter::kIsRate);
}

void BM_DecodeHandWritten(benchmark::State& state) {
  std::string req = MakeRequest(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  DecodedWriteRequest out;
  for (auto _ : state) {
    if (!DecodeWriteRequest(req, &out).ok()) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(out.total_samples());
  }
  Counters(state, req.size(), state.range(0) * state.range(1));
}

void BM_DecodeLibprotobuf(benchmark::State& state) {
  std::string req = MakeRequest(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  testpb::WriteRequest msg;
  for (auto _ : state) {
    msg.Clear();  // reuses the message's allocations, libprotobuf's fastest steady state without arenas
    if (!msg.ParseFromString(req)) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(msg.timeseries_size());
  }
  Counters(state, req.size(), state.range(0) * state.range(1));
}

// libprotobuf as most code uses it: a fresh message per request (allocates every label string and sample).
void BM_DecodeLibprotobufFresh(benchmark::State& state) {
  std::string req = MakeRequest(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  for (auto _ : state) {
    testpb::WriteRequest msg;
    if (!msg.ParseFromString(req)) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(msg.timeseries_size());
  }
  Counters(state, req.size(), state.range(0) * state.range(1));
}

void BM_SnappyUncompress(benchmark::State& state) {
  std::string body =
      SnappyCompress(MakeRequest(static_cast<int>(state.range(0)), static_cast<int>(state.range(1))));
  std::string raw;
  for (auto _ : state) {
    if (!SnappyUncompress(body, 1 << 30, &raw).ok()) state.SkipWithError("snappy failed");
    benchmark::DoNotOptimize(raw.data());
  }
  Counters(state, raw.size(), state.range(0) * state.range(1));
}

BENCHMARK(BM_DecodeHandWritten)->Args({2000, 1})->Args({200, 10});
BENCHMARK(BM_DecodeLibprotobuf)->Args({2000, 1})->Args({200, 10});
BENCHMARK(BM_DecodeLibprotobufFresh)->Args({2000, 1})->Args({200, 10});
BENCHMARK(BM_SnappyUncompress)->Args({2000, 1})->Args({200, 10});

}  // namespace
}  // namespace foresight::collection

BENCHMARK_MAIN();
