// Self-monitoring metrics: counters, gauges and fixed-bucket histograms with label values, kept in a
// Registry that /metrics renders in the Prometheus text format (see text_format.h).
//
// Hot path: look a cell up once (Family::WithLabelValues takes a shared lock and may allocate) and keep
// the reference; Counter::Inc, Gauge::Set and Histogram::Observe are lock-free atomics. Cells live as long
// as their Registry. Values of other modules (e.g. the storage engine's stats struct) are exported at
// scrape time through collectors, callbacks that append snapshots.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace foresight::metrics {

enum class MetricType { kCounter, kGauge, kHistogram, kUntyped };

// A point-in-time copy of one series of a family.
struct Sample {
  std::vector<std::pair<std::string, std::string>> labels;  // in the family's label-name order
  double value = 0;                                         // counter, gauge, untyped
  // Histogram only: (upper bound, cumulative count) per finite bucket; the +Inf bucket is `count`.
  std::vector<std::pair<double, uint64_t>> buckets;
  double sum = 0;
  uint64_t count = 0;
};

// A point-in-time copy of a metric family: what collectors produce and the text writer consumes.
struct FamilySnapshot {
  std::string name;
  std::string help;
  MetricType type = MetricType::kUntyped;
  std::vector<Sample> samples;

  // Convenience for collectors: one unlabelled sample.
  static FamilySnapshot Single(std::string name, std::string help, MetricType type, double value);
};

// A double updated atomically with a compare-and-swap loop (portable across libstdc++/libc++).
class AtomicDouble {
 public:
  void Add(double d) {
    double cur = v_.load(std::memory_order_relaxed);
    while (!v_.compare_exchange_weak(cur, cur + d, std::memory_order_relaxed)) {
    }
  }
  void Set(double d) { v_.store(d, std::memory_order_relaxed); }
  double Get() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> v_{0};
};

class Counter {
 public:
  // Negative increments are ignored: counters only go up.
  void Inc(double d = 1) {
    if (d > 0) v_.Add(d);
  }
  double Value() const { return v_.Get(); }
  void Fill(Sample* s) const { s->value = Value(); }

 private:
  AtomicDouble v_;
};

class Gauge {
 public:
  void Set(double v) { v_.Set(v); }
  void Add(double d) { v_.Add(d); }
  void Inc() { v_.Add(1); }
  void Dec() { v_.Add(-1); }
  double Value() const { return v_.Get(); }
  void Fill(Sample* s) const { s->value = Value(); }

 private:
  AtomicDouble v_;
};

class Histogram {
 public:
  // `bounds` are strictly increasing finite upper bounds (the +Inf bucket is implicit).
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);
  uint64_t Count() const;
  double Sum() const { return sum_.Get(); }
  void Fill(Sample* s) const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // per bucket, not cumulative; last is +Inf
  AtomicDouble sum_;
};

// Buckets for request latencies in seconds: 1ms .. 60s.
std::vector<double> DefaultLatencyBuckets();

class FamilyBase {
 public:
  FamilyBase(std::string name, std::string help, MetricType type, std::vector<std::string> label_names)
      : name_(std::move(name)), help_(std::move(help)), type_(type), label_names_(std::move(label_names)) {}
  virtual ~FamilyBase() = default;
  FamilyBase(const FamilyBase&) = delete;
  FamilyBase& operator=(const FamilyBase&) = delete;

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  MetricType type() const { return type_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  virtual FamilySnapshot Snapshot() const = 0;

 private:
  std::string name_;
  std::string help_;
  MetricType type_;
  std::vector<std::string> label_names_;
};

// The cells of one metric, one per distinct tuple of label values.
template <typename Cell>
class Family : public FamilyBase {
 public:
  using FamilyBase::FamilyBase;

  // The cell for these label values (one per label name, in order), created on first use. Missing values
  // are taken as "" and extra ones are dropped, so a wrong arity never crashes.
  Cell& WithLabelValues(std::vector<std::string> values) {
    values.resize(label_names().size());
    {
      std::shared_lock lock(mu_);
      auto it = cells_.find(values);
      if (it != cells_.end()) return *it->second;
    }
    std::unique_lock lock(mu_);
    auto& slot = cells_[std::move(values)];
    if (!slot) slot = NewCell();
    return *slot;
  }
  // The single cell of a family without labels.
  Cell& Get() { return WithLabelValues({}); }

  FamilySnapshot Snapshot() const override {
    FamilySnapshot snap{name(), help(), type(), {}};
    std::shared_lock lock(mu_);
    snap.samples.reserve(cells_.size());
    for (const auto& [values, cell] : cells_) {
      Sample& s = snap.samples.emplace_back();
      for (size_t i = 0; i < values.size(); ++i) s.labels.emplace_back(label_names()[i], values[i]);
      cell->Fill(&s);
    }
    return snap;
  }

 protected:
  virtual std::unique_ptr<Cell> NewCell() const {
    if constexpr (std::is_default_constructible_v<Cell>) {
      return std::make_unique<Cell>();
    } else {
      return nullptr;  // overridden (HistogramFamily)
    }
  }

 private:
  mutable std::shared_mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<Cell>> cells_;  // sorted: stable exposition order
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;

class HistogramFamily : public Family<Histogram> {
 public:
  HistogramFamily(std::string name, std::string help, std::vector<std::string> label_names,
                  std::vector<double> bounds)
      : Family(std::move(name), std::move(help), MetricType::kHistogram, std::move(label_names)),
        bounds_(std::move(bounds)) {}
  const std::vector<double>& bounds() const { return bounds_; }

 protected:
  std::unique_ptr<Histogram> NewCell() const override { return std::make_unique<Histogram>(bounds_); }

 private:
  std::vector<double> bounds_;
};

// Appends snapshots of values owned elsewhere; called at every Gather, on the scraping thread.
using Collector = std::function<void(std::vector<FamilySnapshot>* out)>;

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Get-or-create: asking again for the same name with the same type and label names returns the same
  // family; a different type, label names or buckets is an error, as is an invalid metric or label name.
  absl::StatusOr<CounterFamily*> AddCounter(std::string name, std::string help,
                                            std::vector<std::string> label_names = {});
  absl::StatusOr<GaugeFamily*> AddGauge(std::string name, std::string help,
                                        std::vector<std::string> label_names = {});
  // `bounds` must be strictly increasing; a trailing +Inf is dropped. Empty means DefaultLatencyBuckets().
  absl::StatusOr<HistogramFamily*> AddHistogram(std::string name, std::string help,
                                                std::vector<std::string> label_names,
                                                std::vector<double> bounds = {});

  // Returns an id for RemoveCollector. Collectors run under a lock that RemoveCollector also takes, so
  // once it returns the collector is not running and never runs again (safe to destroy what it reads).
  // A collector must not add or remove collectors.
  uint64_t AddCollector(Collector collector);
  void RemoveCollector(uint64_t id);

  // All families sorted by name. Collector output with the name of an existing family of the same type
  // is merged into it; one of a different type, or with an invalid name, is dropped.
  std::vector<FamilySnapshot> Gather() const;

 private:
  absl::Status Check(const std::string& name, MetricType type, const std::vector<std::string>& labels,
                     const std::vector<double>* bounds, FamilyBase** existing) const;

  mutable std::mutex mu_;  // families_
  std::map<std::string, std::unique_ptr<FamilyBase>> families_;
  mutable std::mutex collectors_mu_;  // collectors_, next_collector_id_; held while they run
  std::map<uint64_t, Collector> collectors_;
  uint64_t next_collector_id_ = 1;
};

// The process-wide registry that /metrics serves.
Registry& DefaultRegistry();

bool IsValidMetricName(std::string_view name);
bool IsValidLabelName(std::string_view name);

}  // namespace foresight::metrics
