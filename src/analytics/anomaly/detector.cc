#include "analytics/anomaly/detector.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "analytics/anomaly/context_detector.h"

namespace foresight::analytics {
namespace {

// The method's constants: one configuration for every series (chosen on the NAB development subset as a
// whole, never per file or per category; see docs/analytics/anomaly.md).
constexpr int64_t kInner = 32;  // value bins inside the warm-up range (half quantiles, half equal widths)
constexpr int64_t kOuter = 4;   // value bins on either side beyond that range
constexpr int64_t kBins = kInner + 2 * kOuter;
constexpr double kOuterSteps[kOuter - 1] = {0.25, 1.0, 4.0};  // outer bin edges, in ranges beyond the edge
constexpr int64_t kPhases = 12;                               // phase buckets of the season
constexpr double kMinSeasonCorr = 0.3;  // a season's autocorrelation is at least this ...
constexpr double kPeakRise = 2.5;       // ... and rises this many standard errors above a shorter lag's
constexpr double kSmooth = 2.0;         // weight of the marginal when a context's counts are thin
constexpr double kCenter = 0.25;        // share of the usual surprise (the entropy) subtracted
constexpr double kWMarginal = 0.7;      // weight of the value's surprise
constexpr double kWPhase = 0.6;         // weight of the value's surprise at its phase of the season
// A new extreme scores kWExtreme * log(1 + kExtremeScale * excess / range). Small exceedances of the
// range are common (every record of noisy data is one): with 20 the evidence reaches the alarm level
// chosen on NAB (about 7.6 nats) 13% of the range beyond; the former 100 reached it at 2.5%.
constexpr double kWExtreme = 6.0;
constexpr double kExtremeScale = 20.0;
constexpr double kWLevel = 0.5;  // weight of the surprise of the short mean's bin (a level change)
constexpr double kWVol = 0.55;  // weight of the surprise of the short mean |difference| (a volatility change)
constexpr double kAlphaLevel = 0.04, kAlphaVol = 0.03;  // their EW rates
constexpr int64_t kRepeat = 100;  // a repeat of evidence within this many points counts half
// The context gate: evidence is scaled by kGateFloor + (1 - kGateFloor) x the largest share of novel
// contexts (ContextDetector) among the last points, so it counts half when the context detector saw
// nothing new (a value in a fine bin never visited, reached the way the series has moved before). Each
// evidence looks back over its own timescale: the value's surprise, its phase and a new extreme over the
// last kGateSpan points (a change's new contexts may come a few points before the value that surprises),
// the short mean and short |difference| over the last kGateSlowSpan, the time those means take to move
// (1 / kAlphaVol), since their evidence grows for tens of points after the change that made contexts new.
constexpr int64_t kGateSpan = 5;
constexpr int64_t kGateSlowSpan = 33;
constexpr double kGateFloor = 0.5;
constexpr double kAlphaSlow = 0.002, kAlphaErr = 0.01, kAlphaShort = 0.05;
constexpr double kCusumK = 0.5, kCusumH = 8.0, kClip = 6.0;
constexpr uint32_t kMagic = 0x44415346;  // "FSAD"
constexpr uint32_t kVersion = 3;

double Ew(double& acc, double v, double a) { return acc += a * (v - acc); }

}  // namespace

// Every field is a number or a vector of numbers, so that serialisation is a flat walk (see Fields()).
struct StreamingDetector::State {
  DetectorConfig config;
  int64_t n = 0;
  int64_t period = 0;
  std::vector<double> warm;  // the warm-up values, until the warm-up ends
  std::vector<double> ring;  // the last max_period + 1 values
  int64_t ring_pos = 0;
  double last = 0;
  double lo = 0, hi = 0;                            // range of the warm-up
  double lo_all = 0, hi_all = 0;                    // range of everything seen
  double mean = 0, dev = 0;                         // slow EW mean and mean absolute deviation
  double mae_last = 0, mae_seas = 0, mae_mean = 0;  // EW absolute errors of three predictors
  double dshort = 0, dlong = 0;                     // EW |first difference|, short and long
  double tshort = 0, tlong = 0;                     // EW signed first difference (slope), short and long
  double cus_pos = 0, cus_neg = 0;
  std::vector<double> edges;   // value bin edges, fixed at the end of the warm-up
  std::vector<double> marg;    // counts per bin, and their total last
  std::vector<double> phase;   // counts per (phase, bin), and per phase totals after them
  double level = 0, vol = 0;   // short EW mean and short EW mean |first difference|
  std::vector<double> lmarg;   // counts per value bin of the short mean, and their total last
  std::vector<double> vedges;  // bin edges of the short mean |difference|, fixed at the end of the warm-up
  std::vector<double> vmarg;   // counts per bin of it, and their total last
  std::vector<double> hbar;    // EW mean surprise of the value, its phase and the short mean (entropies)
  std::vector<double> recent;  // the last kRepeat evidences
  int64_t recent_pos = 0;
  double recent_max = 0;
  ContextDetector context;      // the second opinion (learns even when the gate is off)
  std::vector<double> novelty;  // its scores for the last kGateSlowSpan points (a ring)
  int64_t novelty_pos = 0;

  template <class F>
  void Fields(F&& f) {
    f(config.sensitivity), f(config.warmup), f(config.max_period), f(config.context_gate), f(n), f(period),
        f(warm), f(ring), f(ring_pos);
    f(last), f(lo), f(hi), f(lo_all), f(hi_all), f(mean), f(dev), f(mae_last), f(mae_seas), f(mae_mean);
    f(dshort), f(dlong), f(tshort), f(tlong), f(cus_pos), f(cus_neg), f(edges), f(marg), f(phase), f(level),
        f(vol), f(lmarg), f(vedges), f(vmarg), f(hbar);
    f(recent), f(recent_pos), f(recent_max), f(context), f(novelty), f(novelty_pos);
  }
  bool Valid() const {
    return config.max_period >= 4 && config.warmup >= 16 && n >= 0 && period >= 0 &&
           period <= config.max_period && ring.size() == static_cast<size_t>(config.max_period + 1) &&
           ring_pos >= 0 && ring_pos < static_cast<int64_t>(ring.size()) &&
           marg.size() == static_cast<size_t>(kBins + 1) &&
           phase.size() == static_cast<size_t>(kPhases * kBins + kPhases) && hbar.size() == 3 &&
           lmarg.size() == static_cast<size_t>(kBins + 1) && vmarg.size() == static_cast<size_t>(kBins + 1) &&
           recent.size() == static_cast<size_t>(kRepeat) && recent_pos >= 0 && recent_pos < kRepeat &&
           edges.size() <= static_cast<size_t>(kBins - 1) && std::is_sorted(edges.begin(), edges.end()) &&
           vedges.size() <= static_cast<size_t>(kBins - 1) && std::is_sorted(vedges.begin(), vedges.end()) &&
           warm.size() <= static_cast<size_t>(config.warmup) &&
           novelty.size() == static_cast<size_t>(kGateSlowSpan) && novelty_pos >= 0 &&
           novelty_pos < kGateSlowSpan && context.count() == n && context.warmup() == config.warmup &&
           std::all_of(novelty.begin(), novelty.end(), [](double v) { return v >= 0 && v <= 1; });
  }
  double Past(int64_t lag) const {  // the value `lag` points back, 1 <= lag <= max_period + 1
    const int64_t size = static_cast<int64_t>(ring.size());
    return ring[static_cast<size_t>(((ring_pos - lag) % size + size) % size)];
  }
  int64_t PhaseOf(int64_t i) const { return period > 0 ? (i % period) * kPhases / period : 0; }
};

namespace {

// The season: the first lag in [4, max] whose autocorrelation is a local peak within 90% of the best
// (multiples of the season correlate about as well as the season itself), when the best is convincing.
// The peak must also rise at least 2.5 standard errors of an autocorrelation (2.5 / sqrt(n)) above the
// lowest autocorrelation at a shorter lag: the autocorrelation of a smooth series without a season decays
// from lag 1 with small bumps, and taking such a bump (lag 4, 6, 17 on NAB series) for a season split the
// series into arbitrary "phases" whose thin counts then raised false alarms.
int64_t FindPeriod(const std::vector<double>& x, int64_t max_lag) {
  const int64_t n = static_cast<int64_t>(x.size());
  const int64_t hi = std::min(max_lag, n / 2);
  if (hi < 4) return 0;
  double mean = 0;
  for (double v : x) mean += v;
  mean /= static_cast<double>(n);
  std::vector<double> d(x.size());
  double var = 0;
  for (int64_t i = 0; i < n; ++i) {
    d[i] = x[i] - mean;
    var += d[i] * d[i];
  }
  if (var <= 1e-12 * (1.0 + mean * mean) * static_cast<double>(n)) return 0;
  std::vector<double> r(static_cast<size_t>(hi + 2), 0.0);
  double best = 0;
  for (int64_t lag = 1; lag <= hi + 1 && lag < n; ++lag) {
    double s = 0;
    for (int64_t i = lag; i < n; ++i) s += d[i] * d[i - lag];
    r[lag] = s / var * static_cast<double>(n) / static_cast<double>(n - lag);
    if (lag >= 4 && lag <= hi) best = std::max(best, r[lag]);
  }
  if (best < kMinSeasonCorr) return 0;
  const double rise = kPeakRise / std::sqrt(static_cast<double>(n));
  double trough = std::min({r[1], r[2], r[3]});
  for (int64_t lag = 4; lag <= hi; ++lag) {
    trough = std::min(trough, r[lag]);
    if (r[lag] >= 0.9 * best && r[lag] >= r[lag - 1] && r[lag] >= r[lag + 1] && r[lag] - trough >= rise) {
      return lag;
    }
  }
  return 0;
}

// Bin edges: quantiles and equal-width steps of the warm-up range (so that both dense and rare values
// get bins of their own), then steps beyond the range. Strictly increasing, at most kBins - 1 of them.
std::vector<double> MakeEdges(std::vector<double> x, double lo, double hi) {
  std::sort(x.begin(), x.end());
  const double range = std::max({hi - lo, 1e-9, 1e-6 * std::abs(hi)});
  std::vector<double> e;
  for (int64_t k = kOuter - 2; k >= 0; --k) e.push_back(lo - kOuterSteps[k] * range);
  e.push_back(lo - 1e-3 * range);
  constexpr int64_t kHalf = kInner / 2;
  for (int64_t k = 1; k < kHalf; ++k) {
    e.push_back(x[static_cast<size_t>(k * static_cast<int64_t>(x.size()) / kHalf)]);
    e.push_back(lo + range * static_cast<double>(k) / kHalf);
  }
  e.push_back(hi + 1e-3 * range);
  for (int64_t k = 0; k < kOuter - 1; ++k) e.push_back(hi + kOuterSteps[k] * range);
  std::sort(e.begin(), e.end());
  std::vector<double> out;
  for (double v : e) {
    if (out.empty() || v > out.back() + 1e-6 * range) out.push_back(v);
  }
  return out;
}

int64_t BinOf(const std::vector<double>& edges, double x) {
  return std::upper_bound(edges.begin(), edges.end(), x) - edges.begin();
}

// Surprise, in nats, of `bin` under `counts` (with total `total`), backed off to the marginal.
double Surprise(const double* counts, double total, const std::vector<double>& marg, int64_t bin) {
  const double pm = (marg[bin] + 0.5) / (marg[kBins] + 0.5 * kBins);
  return -std::log((counts[bin] + kSmooth * pm) / (total + kSmooth));
}

void Count(StreamingDetector::State& s, int64_t bin, int64_t i) {
  s.marg[bin] += 1;
  s.marg[kBins] += 1;
  if (s.period > 0) {
    const int64_t ph = s.PhaseOf(i);
    s.phase[ph * kBins + bin] += 1;
    s.phase[kPhases * kBins + ph] += 1;
  }
}

// The short mean and short mean |difference| over the warm-up, as Update() computes them: bins for the
// latter, and the counts of both.
void CountWarmup(StreamingDetector::State& s) {
  std::vector<double> vols;
  double level = s.warm[0], vol = 0;
  for (size_t i = 0; i < s.warm.size(); ++i) {
    level += kAlphaLevel * (s.warm[i] - level);
    s.lmarg[BinOf(s.edges, level)] += 1;
    s.lmarg[kBins] += 1;
    if (i > 0) {
      vol += kAlphaVol * (std::abs(s.warm[i] - s.warm[i - 1]) - vol);
      vols.push_back(vol);
    }
  }
  const auto [lo, hi] = std::minmax_element(vols.begin(), vols.end());
  s.vedges = MakeEdges(vols, *lo, *hi);
  for (double v : vols) {
    s.vmarg[BinOf(s.vedges, v)] += 1;
    s.vmarg[kBins] += 1;
  }
}

AnomalyKind KindOf(const StreamingDetector::State& s, double z, double floor) {
  const double var_ratio = (s.dshort + floor) / (s.dlong + floor);
  const double trend = std::abs(s.tshort - s.tlong) / (s.dlong + floor);
  if (std::abs(z) < 4) {
    if (std::max(s.cus_pos, s.cus_neg) > kCusumH / 2) return AnomalyKind::kLevelShift;
    if (var_ratio > 3) return AnomalyKind::kVarianceChange;
    if (trend > 0.5) return AnomalyKind::kTrendChange;
  }
  return z >= 0 ? AnomalyKind::kSpike : AnomalyKind::kDrop;
}

}  // namespace

const char* AnomalyKindName(AnomalyKind k) {
  switch (k) {
    case AnomalyKind::kNone:
      return "none";
    case AnomalyKind::kSpike:
      return "spike";
    case AnomalyKind::kDrop:
      return "drop";
    case AnomalyKind::kLevelShift:
      return "level_shift";
    case AnomalyKind::kTrendChange:
      return "trend_change";
    case AnomalyKind::kVarianceChange:
      return "variance_change";
  }
  return "unknown";
}

StreamingDetector::StreamingDetector(DetectorConfig config) : s_(new State) {
  s_->config.warmup = std::clamp<int64_t>(config.warmup, 16, 1 << 20);
  s_->config.max_period = std::clamp<int64_t>(config.max_period, 4, 1 << 20);
  s_->config.sensitivity = std::isfinite(config.sensitivity) ? std::clamp(config.sensitivity, 0.0, 1.0) : 0.5;
  s_->config.context_gate = config.context_gate;
  s_->ring.assign(static_cast<size_t>(s_->config.max_period + 1), 0.0);
  s_->marg.assign(kBins + 1, 0.0);
  s_->phase.assign(kPhases * kBins + kPhases, 0.0);
  s_->hbar.assign(3, 0.0);
  s_->lmarg.assign(kBins + 1, 0.0);
  s_->vmarg.assign(kBins + 1, 0.0);
  s_->recent.assign(kRepeat, 0.0);
  s_->context = ContextDetector(ContextDetectorConfig{s_->config.warmup});
  s_->novelty.assign(kGateSlowSpan, 0.0);
}
StreamingDetector::StreamingDetector(State s) : s_(new State(std::move(s))) {}
StreamingDetector::StreamingDetector(const StreamingDetector& o) : s_(new State(*o.s_)) {}
StreamingDetector& StreamingDetector::operator=(const StreamingDetector& o) {
  if (this != &o) *s_ = *o.s_;
  return *this;
}
StreamingDetector::StreamingDetector(StreamingDetector&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
StreamingDetector& StreamingDetector::operator=(StreamingDetector&& o) noexcept {
  std::swap(s_, o.s_);
  return *this;
}
StreamingDetector::~StreamingDetector() { delete s_; }

int64_t StreamingDetector::count() const { return s_->n; }
int64_t StreamingDetector::period() const { return s_->period; }

AnomalyPoint StreamingDetector::Update(double x) {
  State& s = *s_;
  AnomalyPoint out;
  if (!std::isfinite(x)) return out;
  const int64_t warmup = s.config.warmup;
  if (s.n == 0) s.last = s.lo = s.hi = s.lo_all = s.hi_all = s.mean = s.level = x;

  // What the past expects: the best of three predictors by running error (last value, same phase of the
  // last season, slow mean) and its error as the band.
  const bool seasonal = s.period > 0 && s.n > s.period;
  const double p_last = s.last, p_seas = seasonal ? s.Past(s.period) : s.last, p_mean = s.mean;
  const double floor = std::max({1e-9, 1e-6 * std::abs(s.mean), 1e-3 * (s.hi_all - s.lo_all)});
  double expected = p_last, mae = s.mae_last;
  if (seasonal && s.mae_seas < mae) expected = p_seas, mae = s.mae_seas;
  if (s.mae_mean < mae) expected = p_mean, mae = s.mae_mean;
  const double scale = std::max(1.25 * mae, floor);  // mean absolute error -> sigma of a normal residual
  const double z = (x - expected) / scale;
  out.expected = expected;
  out.lower = expected - 3.0 * scale;
  out.upper = expected + 3.0 * scale;

  // The second opinion scores and learns the point first: the gate below includes this point.
  s.novelty[static_cast<size_t>(s.novelty_pos)] = s.context.Update(x);
  s.novelty_pos = (s.novelty_pos + 1) % kGateSlowSpan;

  int64_t bin = 0;
  if (s.n >= warmup) {
    // Evidence 1 and 2: how surprising the value is, overall and at its phase of the season, beyond the
    // series' usual surprise. Evidence 3: how far it lies beyond every value seen so far. Evidence 4 and 5:
    // how surprising the short mean (a level) and the short mean |difference| (a volatility) are.
    bin = BinOf(s.edges, x);
    double sur[2] = {Surprise(s.marg.data(), s.marg[kBins], s.marg, bin), 0.0};
    if (s.period > 0) {
      const int64_t ph = s.PhaseOf(s.n);
      sur[1] = Surprise(&s.phase[ph * kBins], s.phase[kPhases * kBins + ph], s.marg, bin);
    }
    const double level = s.level + kAlphaLevel * (x - s.level);
    const int64_t lbin = BinOf(s.edges, level);
    const double lsur = Surprise(s.lmarg.data(), s.lmarg[kBins], s.lmarg, lbin);
    const double lcen = std::max(0.0, lsur - kCenter * s.hbar[2]);
    Ew(s.hbar[2], lsur, kAlphaErr);
    s.lmarg[lbin] += 1;
    s.lmarg[kBins] += 1;
    const int64_t vbin = BinOf(s.vedges, s.vol + kAlphaVol * (std::abs(x - s.last) - s.vol));
    // (centred by the short mean's usual surprise too: measured better than its own)
    const double vcen =
        std::max(0.0, Surprise(s.vmarg.data(), s.vmarg[kBins], s.vmarg, vbin) - kCenter * s.hbar[2]);
    s.vmarg[vbin] += 1;
    s.vmarg[kBins] += 1;
    for (int i = 0; i < 2; ++i) {
      const double centered = std::max(0.0, sur[i] - kCenter * s.hbar[i]);
      Ew(s.hbar[i], sur[i], kAlphaErr);
      sur[i] = centered;
    }
    const double excess = std::max({0.0, x - s.hi_all, s.lo_all - x}) / std::max(s.hi_all - s.lo_all, floor);
    const double evs[5] = {kWMarginal * sur[0], kWPhase * sur[1],
                           kWExtreme * std::log1p(kExtremeScale * excess), kWLevel * lcen, kWVol * vcen};
    const int64_t decider = std::max_element(evs, evs + 5) - evs;
    double raw = evs[decider];
    raw *= std::exp((s.config.sensitivity - 0.5) * 2.0);
    // One event, one alarm: evidence no stronger than the recent past's counts half.
    const double prev = s.recent_max;
    const double evicted = std::exchange(s.recent[static_cast<size_t>(s.recent_pos)], raw);
    s.recent_pos = (s.recent_pos + 1) % kRepeat;
    if (raw >= s.recent_max) {
      s.recent_max = raw;
    } else if (evicted >= s.recent_max) {  // the maximum left the window: find the new one
      s.recent_max = *std::max_element(s.recent.begin(), s.recent.end());
    }
    if (raw <= prev) raw *= 0.5;
    if (s.config.context_gate) {
      const int64_t span = decider >= 3 ? kGateSlowSpan : kGateSpan;  // level or volatility: slow
      double novel = 0;
      for (int64_t k = 1; k <= span; ++k) {
        novel = std::max(novel,
                         s.novelty[static_cast<size_t>((s.novelty_pos - k + kGateSlowSpan) % kGateSlowSpan)]);
      }
      raw *= kGateFloor + (1 - kGateFloor) * novel;
    }
    out.score = raw / (raw + 10.0);
    out.kind = out.score > 0 ? KindOf(s, z, floor) : AnomalyKind::kNone;
  }

  // Learn (residuals are clipped so that an anomaly does not widen the bands much).
  const double clip = s.n >= warmup ? kClip * scale : 1e300;
  if (s.n > 0) {
    Ew(s.mae_last, std::min(std::abs(x - p_last), clip), kAlphaErr);
    Ew(s.mae_seas, std::min(std::abs(x - p_seas), clip), kAlphaErr);
    Ew(s.mae_mean, std::min(std::abs(x - p_mean), clip), kAlphaErr);
    const double d = x - s.last;
    Ew(s.dshort, std::abs(d), kAlphaShort);
    Ew(s.dlong, std::abs(d), kAlphaSlow);
    Ew(s.tshort, d, kAlphaShort);
    Ew(s.tlong, d, kAlphaSlow);
  }
  const double zl = std::clamp((x - s.mean) / std::max(1.25 * s.dev, floor), -kClip, kClip);
  s.cus_pos = std::max(0.0, s.cus_pos + zl - kCusumK);
  s.cus_neg = std::max(0.0, s.cus_neg - zl - kCusumK);
  if (s.cus_pos > kCusumH || s.cus_neg > kCusumH) s.cus_pos = s.cus_neg = 0;
  Ew(s.dev, std::abs(x - s.mean), kAlphaSlow);
  Ew(s.mean, x, kAlphaSlow);
  s.lo_all = std::min(s.lo_all, x);
  s.hi_all = std::max(s.hi_all, x);
  s.ring[static_cast<size_t>(s.ring_pos)] = x;
  s.ring_pos = (s.ring_pos + 1) % static_cast<int64_t>(s.ring.size());
  Ew(s.level, x, kAlphaLevel);
  if (s.n > 0) Ew(s.vol, std::abs(x - s.last), kAlphaVol);
  if (s.n >= warmup) {
    Count(s, bin, s.n);
  } else {
    s.lo = std::min(s.lo, x);
    s.hi = std::max(s.hi, x);
    s.warm.push_back(x);
    if (s.n + 1 == warmup) {  // the warm-up ends: fix the season and the bins, and count the warm-up
      s.period = FindPeriod(s.warm, s.config.max_period);
      s.edges = MakeEdges(s.warm, s.lo, s.hi);
      for (size_t i = 0; i < s.warm.size(); ++i) Count(s, BinOf(s.edges, s.warm[i]), static_cast<int64_t>(i));
      CountWarmup(s);
      s.warm.clear();
      s.warm.shrink_to_fit();
    }
  }
  s.last = x;
  ++s.n;
  return out;
}

namespace {

class Writer {
 public:
  void operator()(double v) { Raw(&v, sizeof v); }
  void operator()(int64_t v) { Raw(&v, sizeof v); }
  void operator()(const std::vector<double>& v) {
    (*this)(static_cast<int64_t>(v.size()));
    if (!v.empty()) Raw(v.data(), v.size() * sizeof(double));
  }
  void operator()(bool v) { (*this)(static_cast<int64_t>(v ? 1 : 0)); }
  void operator()(const ContextDetector& c) {  // its own versioned state, length first
    const std::string bytes = c.Serialize();
    (*this)(static_cast<int64_t>(bytes.size()));
    Raw(bytes.data(), bytes.size());
  }
  void Raw(const void* p, size_t n) { out.append(static_cast<const char*>(p), n); }
  std::string out;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  void operator()(double& v) { Raw(&v, sizeof v); }
  void operator()(int64_t& v) { Raw(&v, sizeof v); }
  void operator()(std::vector<double>& v) {
    int64_t n = 0;
    (*this)(n);
    if (!ok_ || n < 0 || static_cast<uint64_t>(n) > (in_.size() - pos_) / sizeof(double)) {
      ok_ = false;
      return;
    }
    v.resize(static_cast<size_t>(n));
    if (n > 0) Raw(v.data(), v.size() * sizeof(double));
  }
  void operator()(bool& v) {
    int64_t i = 0;
    (*this)(i);
    if (i != 0 && i != 1) ok_ = false;
    v = i == 1;
  }
  void operator()(ContextDetector& c) {
    int64_t n = 0;
    (*this)(n);
    if (!ok_ || n < 0 || static_cast<uint64_t>(n) > in_.size() - pos_) {
      ok_ = false;
      return;
    }
    auto restored = ContextDetector::Restore(in_.substr(pos_, static_cast<size_t>(n)));
    pos_ += static_cast<size_t>(n);
    if (restored.ok()) {
      c = *std::move(restored);
    } else {
      ok_ = false;
    }
  }
  void Raw(void* p, size_t n) {
    if (!ok_ || in_.size() - pos_ < n) {
      ok_ = false;
      return;
    }
    std::memcpy(p, in_.data() + pos_, n);
    pos_ += n;
  }
  bool ok() const { return ok_; }
  bool done() const { return pos_ == in_.size(); }

 private:
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace

std::string StreamingDetector::Serialize() const {
  Writer w;
  w.Raw(&kMagic, sizeof kMagic);
  w.Raw(&kVersion, sizeof kVersion);
  s_->Fields(w);
  return std::move(w.out);
}

absl::StatusOr<StreamingDetector> StreamingDetector::Restore(std::string_view bytes) {
  Reader r(bytes);
  uint32_t magic = 0, version = 0;
  r.Raw(&magic, sizeof magic);
  r.Raw(&version, sizeof version);
  if (!r.ok() || magic != kMagic) return absl::InvalidArgumentError("not a detector state");
  if (version != kVersion) return absl::InvalidArgumentError("unsupported detector state version");
  State s;
  s.Fields(r);
  if (!r.ok() || !r.done()) return absl::InvalidArgumentError("truncated or oversized detector state");
  if (!s.Valid()) return absl::InvalidArgumentError("inconsistent detector state");
  return StreamingDetector(std::move(s));
}

std::vector<AnomalyPoint> DetectAll(const std::vector<double>& values, const DetectorConfig& config) {
  StreamingDetector d(config);
  std::vector<AnomalyPoint> out;
  out.reserve(values.size());
  for (double v : values) out.push_back(d.Update(v));
  return out;
}

}  // namespace foresight::analytics
