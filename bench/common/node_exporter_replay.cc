// See node_exporter_replay.h for the replay and noise model.
#include "bench/common/node_exporter_replay.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace foresight::bench {

namespace {

constexpr int kMaxGridDecimals = 15;
constexpr double kPow10[kMaxGridDecimals + 1] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                                 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};

uint64_t Mix(uint64_t x) {  // splitmix64's finaliser
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
uint64_t Hash(uint64_t seed, uint64_t a, uint64_t b = 0, uint64_t c = 0) {
  return Mix(Mix(Mix(Mix(seed) ^ a) ^ b) ^ c);
}
// Uniform in [lo, hi).
double Uniform(uint64_t h, double lo, double hi) {
  return lo + (hi - lo) * static_cast<double>(h >> 11) * 0x1p-53;
}

// Fewest fractional digits that reproduce v, capped (values beyond the cap keep kMaxGridDecimals).
int Decimals(double v) {
  for (int d = 0; d < kMaxGridDecimals; ++d) {
    if (std::nearbyint(v * kPow10[d]) / kPow10[d] == v) return d;
  }
  return kMaxGridDecimals;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Parses `name{a="b",c="d"}` (values may hold Prometheus escapes).
absl::StatusOr<std::vector<Label>> ParseSeries(std::string_view s) {
  std::vector<Label> out;
  const size_t brace = s.find('{');
  out.push_back({std::string(kMetricNameLabel), std::string(s.substr(0, brace))});
  if (brace == std::string_view::npos) return out;
  size_t i = brace + 1;
  while (i < s.size() && s[i] != '}') {
    const size_t eq = s.find('=', i);
    if (eq == std::string_view::npos || eq + 1 >= s.size() || s[eq + 1] != '"') {
      return absl::InvalidArgumentError(absl::StrCat("bad series: ", std::string(s)));
    }
    Label l{std::string(s.substr(i, eq - i)), ""};
    size_t j = eq + 2;
    for (; j < s.size() && s[j] != '"'; ++j) {
      if (s[j] == '\\' && j + 1 < s.size()) {
        ++j;
        l.value.push_back(s[j] == 'n' ? '\n' : s[j]);
      } else {
        l.value.push_back(s[j]);
      }
    }
    if (j >= s.size())
      return absl::InvalidArgumentError(absl::StrCat("unterminated value: ", std::string(s)));
    out.push_back(std::move(l));
    i = j + 1;
    if (i < s.size() && s[i] == ',') ++i;
  }
  return out;
}

}  // namespace

struct NodeExporterReplay::Recorded {
  enum Kind { kConstant, kCounter, kGauge };
  std::vector<Label> labels;
  std::vector<double> v;
  Kind kind = kGauge;
  int decimals = 0;  // grid: multiples of quantum / 10^decimals
  int64_t quantum = 1;
  double mean_increase = 0;  // counters: mean recorded increase per scrape
  double mean_change = 0;    // gauges: mean absolute change per scrape
  bool nonnegative = true;

  int64_t ToUnits(double x) const {
    const double u = std::nearbyint(x * kPow10[decimals] / static_cast<double>(quantum));
    return std::fabs(u) < 0x1p62 ? static_cast<int64_t>(u) : 0;  // never for recorded magnitudes
  }
  double FromUnits(int64_t u) const { return static_cast<double>(u * quantum) / kPow10[decimals]; }
};

struct NodeExporterReplay::InstanceState {
  int offset = 0;                // recorded scrape used at step 0
  int64_t phase_ms = 0;          // where in the interval this instance is scraped
  std::vector<int64_t> counter;  // counters' current value, in grid units
};

NodeExporterReplay::NodeExporterReplay(const ReplayOptions& options) : options_(options) {}
NodeExporterReplay::~NodeExporterReplay() = default;

std::string NodeExporterReplay::DefaultRecordingPath() {
  return std::string(FORESIGHT_SHARED_DIR) + "/datasets/node-exporter/recording-1s.tsv";
}

absl::StatusOr<std::unique_ptr<NodeExporterReplay>> NodeExporterReplay::Load(const ReplayOptions& options) {
  if (options.instances < 1 || options.interval_ms < 1 || options.jitter_ms < 0) {
    return absl::InvalidArgumentError("replay: instances and interval must be positive");
  }
  const std::string path = options.path.empty() ? DefaultRecordingPath() : options.path;
  std::ifstream f(path);
  if (!f) return absl::NotFoundError(absl::StrCat("replay: cannot open ", path));
  std::unique_ptr<NodeExporterReplay> r(new NodeExporterReplay(options));
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty()) continue;
    const size_t tab = line.find('\t');
    if (tab == std::string::npos) return absl::InvalidArgumentError(absl::StrCat("replay: no tab in ", path));
    Recorded rec;
    absl::StatusOr<std::vector<Label>> labels = ParseSeries(std::string_view(line).substr(0, tab));
    if (!labels.ok()) return labels.status();
    rec.labels = *std::move(labels);
    std::istringstream in(line.substr(tab + 1));
    std::string tok;
    while (in >> tok) {
      char* end = nullptr;
      rec.v.push_back(std::strtod(tok.c_str(), &end));
    }
    if (rec.v.size() < 2) return absl::InvalidArgumentError("replay: a series needs 2+ scrapes");
    const std::string& name = rec.labels[0].value;
    bool monotonic = true, constant = true, integral = true;
    for (size_t i = 0; i < rec.v.size(); ++i) {
      rec.decimals = std::max(rec.decimals, Decimals(rec.v[i]));
      rec.nonnegative &= rec.v[i] >= 0;
      integral &= std::fabs(rec.v[i]) < 0x1p53 && rec.v[i] == std::nearbyint(rec.v[i]);
      if (i > 0) {
        monotonic &= rec.v[i] >= rec.v[i - 1];
        constant &= rec.v[i] == rec.v[0];
        rec.mean_change += std::fabs(rec.v[i] - rec.v[i - 1]);
        rec.mean_increase += std::max(0.0, rec.v[i] - rec.v[i - 1]);
      }
    }
    rec.mean_change /= static_cast<double>(rec.v.size() - 1);
    rec.mean_increase /= static_cast<double>(rec.v.size() - 1);
    const bool counter_name = EndsWith(name, "_total") || EndsWith(name, "_count") ||
                              EndsWith(name, "_sum") || EndsWith(name, "_bucket");
    rec.kind = constant                      ? Recorded::kConstant
               : (counter_name || monotonic) ? Recorded::kCounter
                                             : Recorded::kGauge;
    if (integral && rec.kind != Recorded::kConstant) {
      // Integer series keep their granularity: page-sized memory, 512-byte sectors.
      uint64_t g = 0;
      for (size_t i = 0; i < rec.v.size(); ++i) {
        const double x = rec.kind == Recorded::kCounter ? (i > 0 ? rec.v[i] - rec.v[i - 1] : 0) : rec.v[i];
        g = std::gcd(g, static_cast<uint64_t>(std::fabs(x)));
      }
      rec.quantum = g == 0 ? 1 : static_cast<int64_t>(g);
      rec.decimals = 0;
    }
    // Keep grid units (and counters' growth over long replays) far inside int64.
    double max_abs = 0;
    for (double x : rec.v) max_abs = std::max(max_abs, std::fabs(x));
    while (rec.decimals > 0 && max_abs * kPow10[rec.decimals] >= 0x1p52) --rec.decimals;
    r->recorded_.push_back(std::move(rec));
  }
  if (r->recorded_.empty()) return absl::InvalidArgumentError(absl::StrCat("replay: no series in ", path));
  r->states_.resize(options.instances);
  for (int i = 0; i < options.instances; ++i) r->InitInstance(i, &r->states_[i]);
  return r;
}

size_t NodeExporterReplay::series_per_instance() const { return recorded_.size(); }

Labels NodeExporterReplay::SeriesLabels(size_t series) const {
  const size_t n = recorded_.size();
  std::vector<Label> l = recorded_[series % n].labels;
  l.push_back({"instance", absl::StrCat("host-", series / n, ":9100")});
  l.push_back({"job", "node"});
  return Labels(std::move(l));
}

bool NodeExporterReplay::IsCounter(size_t series) const {
  return recorded_[series % recorded_.size()].kind == Recorded::kCounter;
}

void NodeExporterReplay::InitInstance(int instance, InstanceState* st) const {
  const uint64_t seed = options_.seed;
  st->offset = static_cast<int>(Hash(seed, 1, instance) % recorded_[0].v.size());
  st->phase_ms = static_cast<int64_t>(Hash(seed, 2, instance) % static_cast<uint64_t>(options_.interval_ms));
  st->counter.assign(recorded_.size(), 0);
  for (size_t s = 0; s < recorded_.size(); ++s) {
    const Recorded& rec = recorded_[s];
    if (rec.kind != Recorded::kCounter) continue;
    const double rate = Uniform(Hash(seed, 3, instance, s), 0.5, 1.5);
    st->counter[s] = rec.ToUnits(rate * rec.v[st->offset % rec.v.size()]);
  }
}

template <typename Emit>
void NodeExporterReplay::Produce(int instance, int64_t step, InstanceState* st, Emit&& emit) const {
  const uint64_t seed = options_.seed;
  int64_t t = options_.start_ms + st->phase_ms + step * options_.interval_ms;
  if (options_.jitter_ms > 0) {
    t += static_cast<int64_t>(Hash(seed, 4, instance, step) %
                              static_cast<uint64_t>(2 * options_.jitter_ms + 1)) -
         options_.jitter_ms;
  }
  const double per_interval = static_cast<double>(options_.interval_ms) / 1000.0;
  for (size_t s = 0; s < recorded_.size(); ++s) {
    const Recorded& rec = recorded_[s];
    const size_t n = rec.v.size();
    const size_t j = static_cast<size_t>((step + st->offset) % static_cast<int64_t>(n));
    double v = 0;
    switch (rec.kind) {
      case Recorded::kConstant:
        v = rec.v[0];
        break;
      case Recorded::kCounter: {
        if (step > 0) {
          const double increase = j == 0 ? rec.mean_increase : std::max(0.0, rec.v[j] - rec.v[j - 1]);
          const double rate = Uniform(Hash(seed, 3, instance, s), 0.5, 1.5);
          st->counter[s] += std::max<int64_t>(0, rec.ToUnits(rate * per_interval * increase));
        }
        v = rec.FromUnits(st->counter[s]);
        break;
      }
      case Recorded::kGauge: {
        const double scale = Uniform(Hash(seed, 5, instance, s), 0.9, 1.1);
        const double noise = Uniform(Hash(seed ^ 0x5bd1e995, instance, s, step), -1, 1) *
                             options_.gauge_noise * rec.mean_change;
        double x = scale * rec.v[j] + noise;
        if (rec.nonnegative) x = std::max(0.0, x);
        v = rec.FromUnits(rec.ToUnits(x));
        break;
      }
    }
    emit(s, t, v);
  }
}

void NodeExporterReplay::NextStep(std::vector<ReplaySample>* out) {
  const size_t per = recorded_.size();
  for (int i = 0; i < options_.instances; ++i) {
    const uint32_t base = static_cast<uint32_t>(i * per);
    Produce(i, step_, &states_[i], [&](size_t s, int64_t t, double v) {
      out->push_back(ReplaySample{base + static_cast<uint32_t>(s), t, v});
    });
  }
  ++step_;
}

std::vector<std::vector<storage::Sample>> NodeExporterReplay::InstanceSeries(int instance, int steps) const {
  std::vector<std::vector<storage::Sample>> out(recorded_.size());
  for (auto& s : out) s.reserve(steps);
  InstanceState st;
  InitInstance(instance, &st);
  for (int k = 0; k < steps; ++k) {
    Produce(instance, k, &st, [&](size_t s, int64_t t, double v) {
      out[s].push_back(storage::Sample{t, v});
    });
  }
  return out;
}

}  // namespace foresight::bench
