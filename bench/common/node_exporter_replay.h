// Replays the node-exporter recording in ../shared as many instances, for benchmarks and load generators.
//
// The recording (datasets/node-exporter/recording-1s.tsv) holds 507 series of one real node exporter scraped
// every second, 300 scrapes each. Instance i at step k (timestamp start + phase_i + k * interval) uses
// recorded scrape j = (k + offset_i) mod 300, where offset_i and phase_i come from the seed. Each recorded
// series is one of three kinds, and its noise model follows from that:
//
//  * constant (the same value in all 300 scrapes: info metrics, flags, limits): replayed exactly.
//  * counter (name ends in _total, _count, _sum or _bucket, or never decreases in the recording): the value
//    starts at rate_i * v[offset_i] and grows at every step by rate_i * (interval / 1 s) * (v[j] - v[j-1]),
//    i.e. the recorded one-second increase stands for one interval's. At the wrap (j == 0) the mean
//    recorded increase is used, so counters stay monotonic forever. rate_i is uniform in [0.5, 1.5] per
//    (instance, series). A recorded decrease (a reset) adds nothing.
//  * gauge (anything else): scale_i * v[j] + noise, with scale_i uniform in [0.9, 1.1] per (instance,
//    series) and noise uniform in +-gauge_noise * (the series' mean absolute change between scrapes), fresh
//    per sample; clamped at 0 for series never negative in the recording.
//
// Every produced value is rounded to the series' grid: the most fractional decimal digits seen in the
// recording (0.16 -> 2, 9.645e-06 -> 9) and, for integer series, the greatest common divisor of the values
// (gauges) or increments (counters), e.g. 4096 for page-sized memory. So values keep the recorded number of
// significant digits and granularity instead of becoming full-precision random floats, as real exporters'
// do. Timestamps are exact multiples of the interval (plus the instance's phase) unless jitter_ms is set.
// Everything is a pure function of the options: the same seed gives the same samples.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/labels.h"
#include "storage/storage.h"

namespace foresight::bench {

struct ReplayOptions {
  std::string path;  // the recording; empty: DefaultRecordingPath()
  int instances = 100;
  int64_t interval_ms = 15000;
  int64_t start_ms = 1700000000000;  // 2023-11-14
  uint64_t seed = 1;
  double gauge_noise = 0.25;  // in units of the series' mean absolute change between recorded scrapes
  int64_t jitter_ms = 0;      // timestamps move by up to +-jitter_ms (real scrapers jitter by a few ms)
};

struct ReplaySample {
  uint32_t series;  // instance * series_per_instance() + recorded series
  int64_t t;
  double v;
};

class NodeExporterReplay {
 public:
  // ../shared/datasets/node-exporter/recording-1s.tsv as seen from the build (FORESIGHT_SHARED_DIR).
  static std::string DefaultRecordingPath();
  static absl::StatusOr<std::unique_ptr<NodeExporterReplay>> Load(const ReplayOptions& options);
  ~NodeExporterReplay();

  int num_instances() const { return options_.instances; }
  size_t series_per_instance() const;
  size_t num_series() const { return series_per_instance() * static_cast<size_t>(num_instances()); }
  // The series' labels: the recorded ones plus instance="host-<i>:9100" and job="node".
  Labels SeriesLabels(size_t series) const;
  bool IsCounter(size_t series) const;

  // Appends one sample of every series for the current step (instances in order), then moves to the next.
  void NextStep(std::vector<ReplaySample>* out);
  int64_t next_step() const { return step_; }

  // One instance's series for steps [0, steps), indexed by recorded series; independent of NextStep.
  std::vector<std::vector<storage::Sample>> InstanceSeries(int instance, int steps) const;

 private:
  struct Recorded;
  struct InstanceState;
  explicit NodeExporterReplay(const ReplayOptions& options);
  void InitInstance(int instance, InstanceState* st) const;
  // Produces step `step` of every series of `instance`, calling emit(recorded_index, t, v).
  template <typename Emit>
  void Produce(int instance, int64_t step, InstanceState* st, Emit&& emit) const;

  ReplayOptions options_;
  std::vector<Recorded> recorded_;
  std::vector<InstanceState> states_;  // NextStep's, one per instance
  int64_t step_ = 0;
};

}  // namespace foresight::bench
