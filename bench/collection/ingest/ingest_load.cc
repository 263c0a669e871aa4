// ingest_load: a remote-write load generator for side-by-side ingestion benchmarks.
//
// Replays the node-exporter recording (bench/common) as N instances at a fixed step for H hours. Series are
// sharded over C connections in chunks of --series_per_request series (a chunk always goes to the same
// connection, so each series stays in time order); a request holds one chunk's samples for
// --steps_per_request consecutive steps. Every request is built and snappy-compressed BEFORE the clock
// starts, then C threads send them over keep-alive connections (libcurl). Connections advance through time
// together: none runs more than --max_lead blocks of steps ahead of the slowest, so receivers that refuse
// samples far behind their newest (Prometheus' head) see what a fleet of senders would send.
//
//   ingest_load --url http://127.0.0.1:9090/api/v1/write --instances 20 --hours 12 --connections 4
//
// Prints one line: RESULT samples=.. requests=.. errors=.. failed_samples=.. elapsed_s=.. samples_per_s=..
#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <limits>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "bench/common/node_exporter_replay.h"
#include "collection/remotewrite/encoder.h"

namespace {

using foresight::Labels;
using foresight::bench::NodeExporterReplay;
using foresight::bench::ReplayOptions;
using foresight::bench::ReplaySample;
using foresight::collection::WriteRequestEncoder;
using foresight::storage::Sample;

struct Request {
  std::string body;  // snappy-compressed WriteRequest
  uint32_t samples;
  int64_t block;
};

struct Shard {
  std::vector<Request> requests;
  std::atomic<int64_t> done_block{-1};  // every request of blocks <= this one has been sent
  uint64_t errors = 0, failed_samples = 0, sent_samples = 0, bytes = 0;
  std::string first_error;
};

size_t Discard(char* p, size_t size, size_t n, void* out) {
  auto* s = static_cast<std::string*>(out);
  if (s->size() < 512) s->append(p, std::min<size_t>(size * n, 512));
  return size * n;
}

void Send(const std::string& url, Shard* shard, std::vector<Shard>* all, int64_t max_lead) {
  CURL* c = curl_easy_init();
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Content-Encoding: snappy");
  headers = curl_slist_append(headers, "Content-Type: application/x-protobuf");
  headers = curl_slist_append(headers, "X-Prometheus-Remote-Write-Version: 0.1.0");
  headers = curl_slist_append(headers, "Expect:");
  std::string response;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Discard);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &response);
  curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
  int64_t current = 0;
  for (const Request& r : shard->requests) {
    if (r.block != current) {
      shard->done_block.store(r.block - 1, std::memory_order_release);
      current = r.block;
    }
    for (;;) {  // wait until the slowest shard is close enough
      int64_t slowest = std::numeric_limits<int64_t>::max();
      for (const Shard& s : *all) slowest = std::min(slowest, s.done_block.load(std::memory_order_acquire));
      if (r.block <= slowest + 1 + max_lead) break;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    response.clear();
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, r.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(r.body.size()));
    CURLcode rc = curl_easy_perform(c);
    long code = 0;
    if (rc == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    shard->bytes += r.body.size();
    if (rc != CURLE_OK || code < 200 || code >= 300) {
      ++shard->errors;
      shard->failed_samples += r.samples;
      if (shard->first_error.empty()) {
        shard->first_error =
            rc != CURLE_OK ? curl_easy_strerror(rc) : "HTTP " + std::to_string(code) + ": " + response;
      }
    } else {
      shard->sent_samples += r.samples;
    }
  }
  shard->done_block.store(std::numeric_limits<int64_t>::max() / 2, std::memory_order_release);
  curl_slist_free_all(headers);
  curl_easy_cleanup(c);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Remote-write load generator: node-exporter replay"};
  std::string url;
  int instances = 20, connections = 4, steps_per_request = 10, series_per_request = 300;
  double hours = 12;
  int64_t interval_ms = 15000, start_ms = 0, max_lead = 8;
  uint64_t seed = 1;
  std::string recording;
  app.add_option("--url", url, "remote-write URL")->required();
  app.add_option("--instances", instances, "node-exporter instances (507 series each)");
  app.add_option("--hours", hours, "hours of data");
  app.add_option("--interval_ms", interval_ms, "step between samples");
  app.add_option("--start_ms", start_ms,
                 "first timestamp; 0: now - hours - 1h (receivers refuse very old data)");
  app.add_option("--connections", connections, "parallel keep-alive connections");
  app.add_option("--steps_per_request", steps_per_request, "consecutive steps per request");
  app.add_option("--series_per_request", series_per_request, "series per request");
  app.add_option("--max_lead", max_lead, "blocks of steps a connection may run ahead of the slowest");
  app.add_option("--seed", seed, "replay seed");
  app.add_option("--recording", recording, "node-exporter recording (default: ../shared)");
  CLI11_PARSE(app, argc, argv);

  int64_t steps = static_cast<int64_t>(hours * 3600 * 1000) / interval_ms;
  if (start_ms == 0) {
    int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    start_ms = (now - steps * interval_ms - 3600 * 1000) / interval_ms * interval_ms;
  }
  ReplayOptions ro;
  ro.path = recording;
  ro.instances = instances;
  ro.interval_ms = interval_ms;
  ro.start_ms = start_ms;
  ro.seed = seed;
  auto replay = NodeExporterReplay::Load(ro);
  if (!replay.ok()) {
    std::fprintf(stderr, "ingest_load: %s\n", std::string(replay.status().message()).c_str());
    return 1;
  }
  NodeExporterReplay& rp = **replay;
  const size_t per_instance = rp.series_per_instance(), total_series = rp.num_series();
  std::vector<Labels> labels(total_series);
  for (size_t s = 0; s < total_series; ++s) labels[s] = rp.SeriesLabels(s);
  const size_t chunks_per_instance = (per_instance + series_per_request - 1) / series_per_request;

  auto t0 = std::chrono::steady_clock::now();
  std::vector<Shard> shards(connections);
  std::vector<Sample> buf(total_series * steps_per_request);
  std::vector<ReplaySample> step;
  uint64_t total_samples = 0, raw_bytes = 0;
  WriteRequestEncoder enc;
  for (int64_t first = 0, block = 0; first < steps; first += steps_per_request, ++block) {
    int64_t k = std::min<int64_t>(steps_per_request, steps - first);
    for (int64_t j = 0; j < k; ++j) {
      step.clear();
      rp.NextStep(&step);
      for (const ReplaySample& s : step) buf[s.series * steps_per_request + j] = Sample{s.t, s.v};
    }
    for (int i = 0; i < instances; ++i) {
      for (size_t c = 0; c < chunks_per_instance; ++c) {
        enc.Clear();
        size_t begin = i * per_instance + c * series_per_request;
        size_t end = std::min(begin + series_per_request, (i + 1) * per_instance);
        for (size_t s = begin; s < end; ++s) {
          enc.AddSeries(labels[s],
                        std::span<const Sample>(&buf[s * steps_per_request], static_cast<size_t>(k)));
        }
        raw_bytes += enc.proto().size();
        total_samples += enc.num_samples();
        Shard& shard = shards[(i * chunks_per_instance + c) % connections];
        shard.requests.push_back(Request{enc.SnappyBody(), static_cast<uint32_t>(enc.num_samples()), block});
      }
    }
  }
  double build_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  size_t requests = 0, body_bytes = 0;
  for (const Shard& s : shards) {
    requests += s.requests.size();
    for (const Request& r : s.requests) body_bytes += r.body.size();
  }
  std::fprintf(
      stderr,
      "ingest_load: built %zu requests, %llu samples of %zu series (%lld steps from %lld) in %.1f s; "
      "%.1f MB protobuf, %.1f MB snappy\n",
      requests, static_cast<unsigned long long>(total_samples), total_series, static_cast<long long>(steps),
      static_cast<long long>(start_ms), build_s, raw_bytes / 1e6, body_bytes / 1e6);

  curl_global_init(CURL_GLOBAL_DEFAULT);
  auto t1 = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (Shard& s : shards) threads.emplace_back(Send, url, &s, &shards, max_lead);
  for (auto& t : threads) t.join();
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  uint64_t errors = 0, failed = 0, sent = 0;
  std::string first_error;
  for (const Shard& s : shards) {
    errors += s.errors;
    failed += s.failed_samples;
    sent += s.sent_samples;
    if (first_error.empty()) first_error = s.first_error;
  }
  if (!first_error.empty()) std::fprintf(stderr, "ingest_load: first error: %s\n", first_error.c_str());
  std::printf(
      "RESULT samples=%llu requests=%zu errors=%llu failed_samples=%llu elapsed_s=%.3f samples_per_s=%.0f\n",
      static_cast<unsigned long long>(sent), requests, static_cast<unsigned long long>(errors),
      static_cast<unsigned long long>(failed), elapsed, sent / elapsed);
  curl_global_cleanup();
  return errors == 0 ? 0 : 2;
}
