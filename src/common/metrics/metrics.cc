#include "common/metrics/metrics.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace foresight::metrics {

FamilySnapshot FamilySnapshot::Single(std::string name, std::string help, MetricType type, double value) {
  FamilySnapshot f{std::move(name), std::move(help), type, {}};
  f.samples.emplace_back().value = value;
  return f;
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::Observe(double v) {
  // The first bucket whose upper bound is >= v (bounds are inclusive, `le`); NaN lands in +Inf.
  size_t i =
      std::isnan(v) ? bounds_.size() : std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.Add(v);
}

uint64_t Histogram::Count() const {
  uint64_t n = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) n += counts_[i].load(std::memory_order_relaxed);
  return n;
}

void Histogram::Fill(Sample* s) const {
  uint64_t cumulative = 0;
  s->buckets.clear();
  s->buckets.reserve(bounds_.size());
  for (size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    s->buckets.emplace_back(bounds_[i], cumulative);
  }
  s->count = cumulative + counts_[bounds_.size()].load(std::memory_order_relaxed);
  s->sum = Sum();
}

std::vector<double> DefaultLatencyBuckets() {
  return {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

namespace {

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

const char* TypeName(MetricType t) {
  switch (t) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
    case MetricType::kUntyped:
      break;
  }
  return "untyped";
}

}  // namespace

bool IsValidMetricName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (!(IsAlpha(c) || c == '_' || c == ':' || (i > 0 && IsDigit(c)))) return false;
  }
  return true;
}

bool IsValidLabelName(std::string_view name) {
  if (name.empty() || name.starts_with("__")) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (!(IsAlpha(c) || c == '_' || (i > 0 && IsDigit(c)))) return false;
  }
  return true;
}

absl::Status Registry::Check(const std::string& name, MetricType type, const std::vector<std::string>& labels,
                             const std::vector<double>* bounds, FamilyBase** existing) const {
  *existing = nullptr;
  if (!IsValidMetricName(name))
    return absl::InvalidArgumentError(absl::StrCat("invalid metric name: ", name));
  for (const auto& l : labels) {
    if (!IsValidLabelName(l)) {
      return absl::InvalidArgumentError(absl::StrCat("metric ", name, ": invalid label name: ", l));
    }
    if (type == MetricType::kHistogram && l == "le") {
      return absl::InvalidArgumentError(absl::StrCat("metric ", name, ": label name le is reserved"));
    }
  }
  for (size_t i = 0; i < labels.size(); ++i) {
    for (size_t j = i + 1; j < labels.size(); ++j) {
      if (labels[i] == labels[j]) {
        return absl::InvalidArgumentError(
            absl::StrCat("metric ", name, ": duplicate label name: ", labels[i]));
      }
    }
  }
  auto it = families_.find(name);
  if (it == families_.end()) return absl::OkStatus();
  FamilyBase* f = it->second.get();
  if (f->type() != type || f->label_names() != labels) {
    return absl::AlreadyExistsError(absl::StrCat("metric ", name, " already registered as ",
                                                 TypeName(f->type()), " with labels [",
                                                 absl::StrJoin(f->label_names(), ","), "]"));
  }
  if (bounds != nullptr && static_cast<HistogramFamily*>(f)->bounds() != *bounds) {
    return absl::AlreadyExistsError(absl::StrCat("metric ", name, " already registered with other buckets"));
  }
  *existing = f;
  return absl::OkStatus();
}

absl::StatusOr<CounterFamily*> Registry::AddCounter(std::string name, std::string help,
                                                    std::vector<std::string> label_names) {
  std::lock_guard lock(mu_);
  FamilyBase* existing;
  if (auto s = Check(name, MetricType::kCounter, label_names, nullptr, &existing); !s.ok()) return s;
  if (existing != nullptr) return static_cast<CounterFamily*>(existing);
  auto f =
      std::make_unique<CounterFamily>(name, std::move(help), MetricType::kCounter, std::move(label_names));
  auto* raw = f.get();
  families_.emplace(std::move(name), std::move(f));
  return raw;
}

absl::StatusOr<GaugeFamily*> Registry::AddGauge(std::string name, std::string help,
                                                std::vector<std::string> label_names) {
  std::lock_guard lock(mu_);
  FamilyBase* existing;
  if (auto s = Check(name, MetricType::kGauge, label_names, nullptr, &existing); !s.ok()) return s;
  if (existing != nullptr) return static_cast<GaugeFamily*>(existing);
  auto f = std::make_unique<GaugeFamily>(name, std::move(help), MetricType::kGauge, std::move(label_names));
  auto* raw = f.get();
  families_.emplace(std::move(name), std::move(f));
  return raw;
}

absl::StatusOr<HistogramFamily*> Registry::AddHistogram(std::string name, std::string help,
                                                        std::vector<std::string> label_names,
                                                        std::vector<double> bounds) {
  if (bounds.empty()) bounds = DefaultLatencyBuckets();
  if (std::isinf(bounds.back()) && bounds.back() > 0) bounds.pop_back();
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (std::isnan(bounds[i]) || (i > 0 && !(bounds[i - 1] < bounds[i]))) {
      return absl::InvalidArgumentError(
          absl::StrCat("histogram ", name, ": buckets must be strictly increasing"));
    }
  }
  std::lock_guard lock(mu_);
  FamilyBase* existing;
  if (auto s = Check(name, MetricType::kHistogram, label_names, &bounds, &existing); !s.ok()) return s;
  if (existing != nullptr) return static_cast<HistogramFamily*>(existing);
  auto f =
      std::make_unique<HistogramFamily>(name, std::move(help), std::move(label_names), std::move(bounds));
  auto* raw = f.get();
  families_.emplace(std::move(name), std::move(f));
  return raw;
}

uint64_t Registry::AddCollector(Collector collector) {
  std::lock_guard lock(collectors_mu_);
  uint64_t id = next_collector_id_++;
  collectors_.emplace(id, std::move(collector));
  return id;
}

void Registry::RemoveCollector(uint64_t id) {
  std::lock_guard lock(collectors_mu_);
  collectors_.erase(id);
}

std::vector<FamilySnapshot> Registry::Gather() const {
  std::vector<FamilySnapshot> out;
  {
    std::lock_guard lock(mu_);
    out.reserve(families_.size());
    for (const auto& [name, f] : families_) out.push_back(f->Snapshot());
  }
  std::vector<FamilySnapshot> collected;
  {
    std::lock_guard lock(collectors_mu_);
    for (const auto& [id, c] : collectors_) c(&collected);
  }
  for (auto& c : collected) {
    if (!IsValidMetricName(c.name)) continue;
    auto it = std::lower_bound(out.begin(), out.end(), c.name,
                               [](const FamilySnapshot& f, const std::string& n) { return f.name < n; });
    if (it != out.end() && it->name == c.name) {
      if (it->type == c.type) {
        for (auto& s : c.samples) it->samples.push_back(std::move(s));
      }
      continue;
    }
    out.insert(it, std::move(c));
  }
  return out;
}

Registry& DefaultRegistry() {
  static Registry* registry = new Registry();  // never destroyed: usable from any static destructor
  return *registry;
}

}  // namespace foresight::metrics
