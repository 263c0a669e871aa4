#include "analytics/anomaly/context_detector.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <initializer_list>
#include <utility>

#include "absl/status/status.h"

namespace foresight::analytics {
namespace {

// The method's constants, one configuration for every series (see docs/analytics/anomaly.md for how the
// combined detector's score moves with them on NAB).
constexpr int32_t kLevels = 6;  // equal-width value levels across the warm-up's range ...
constexpr int32_t kOutLevels =
    4;  // ... and this many more of the same width beyond either end (then clamped)
// Change classes, in typical steps (the mean |first difference| of the warm-up): none (at most 1% of one:
// the value repeats, up to rounding, so a stuck series makes new contexts where values never repeat), up
// to 1, 4 and 16, or more; signed, so 9 classes. The typical step is the unit so that a noisy series'
// ordinary jitter is a small change and only changes unusual for this series make new contexts.
constexpr double kNoChange = 0.01;
constexpr double kChangeSteps[3] = {1.0, 4.0, 16.0};
constexpr int32_t kChangeClasses = 4;  // on either side of "none"
// The table starts small and doubles at 3/4 load up to kSlots (16 KiB): most series use a few hundred
// contexts, and live detection keeps a detector per watched series. Only presence is asked, so the table's
// size never changes an answer.
constexpr int64_t kMinSlots = int64_t{1} << 6;
constexpr int64_t kSlots = int64_t{1} << 12;  // largest capacity (a power of two)
constexpr int64_t kMaxUsed = kSlots * 3 / 4;  // beyond this load no new context is stored
constexpr uint32_t kMagic = 0x58435346;       // "FSCX"
constexpr uint32_t kVersion = 1;

uint64_t Mix(uint64_t h) {  // a 64-bit finaliser (splitmix64's)
  h += 0x9e3779b97f4a7c15ULL;
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
  h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
  return h ^ (h >> 31);
}
// A context's fingerprint: its kind (tag) and facts, hashed; never 0, which marks an empty slot.
uint32_t Key(uint64_t tag, std::initializer_list<int32_t> facts) {
  uint64_t h = Mix(tag);
  for (int32_t f : facts) h = Mix(h ^ static_cast<uint32_t>(f));
  return static_cast<uint32_t>(h >> 32) | 1u;
}

}  // namespace

ContextDetector::ContextDetector(ContextDetectorConfig config) : config_(config) {
  config_.warmup = std::clamp<int64_t>(config_.warmup, 16, 1 << 20);
  slots_.assign(static_cast<size_t>(kMinSlots), 0);
}

ContextDetector::Facts ContextDetector::Quantise(double x) const {
  Facts f;
  const double level = std::floor((x - lo_) / step_);
  f.level = static_cast<int32_t>(std::clamp(level, -1.0 * kOutLevels, kLevels - 1.0 + kOutLevels));
  const double d = (x - last_) / dstep_;
  const double a = std::abs(d);
  const int32_t c = a <= kNoChange         ? 0
                    : a <= kChangeSteps[0] ? 1
                    : a <= kChangeSteps[1] ? 2
                    : a <= kChangeSteps[2] ? 3
                                           : kChangeClasses;
  f.change = d < 0 ? -c : c;
  return f;
}

// The contexts active at a point: the value level alone and after the previous one or two levels (where
// the series is, and how it got there), the change with the level (a jump within a familiar level), the
// change after the previous change (a new rhythm), and level and change of this and the previous point.
void ContextDetector::Keys(const Facts& now, std::array<uint32_t, kContexts>& keys) const {
  const Facts& p1 = history_[0];
  const Facts& p2 = history_[1];
  keys[0] = Key(0, {now.level});
  keys[1] = Key(1, {p1.level, now.level});
  keys[2] = Key(2, {p2.level, p1.level, now.level});
  keys[3] = Key(3, {now.change, now.level});
  keys[4] = Key(4, {p1.change, now.change});
  keys[5] = Key(5, {p1.level, p1.change, now.level, now.change});
}

int64_t ContextDetector::Find(uint32_t key) const {
  // The fingerprint is a hash: the bits above its always-set lowest one give the first slot to probe.
  const int64_t mask = static_cast<int64_t>(slots_.size()) - 1;
  int64_t i = static_cast<int64_t>(key >> 1) & mask;
  while (slots_[static_cast<size_t>(i)] != 0 && slots_[static_cast<size_t>(i)] != key) {
    i = (i + 1) & mask;
  }
  return i;
}

void ContextDetector::Grow() {
  std::vector<uint32_t> old = std::move(slots_);
  slots_.assign(old.size() * 2, 0);
  for (uint32_t k : old) {
    if (k != 0) slots_[static_cast<size_t>(Find(k))] = k;
  }
}

void ContextDetector::Learn(const std::array<uint32_t, kContexts>& keys) {
  for (uint32_t k : keys) {
    if (static_cast<int64_t>(slots_.size()) < kSlots &&
        (used_ + 1) * 4 > static_cast<int64_t>(slots_.size()) * 3)
      Grow();
    const int64_t i = Find(k);
    if (slots_[static_cast<size_t>(i)] == 0 && used_ < kMaxUsed) {
      slots_[static_cast<size_t>(i)] = k;
      ++used_;
    }
  }
}

void ContextDetector::Push(const Facts& f) {
  for (int i = kHistory - 1; i > 0; --i) {
    history_[static_cast<size_t>(i)] = history_[static_cast<size_t>(i - 1)];
  }
  history_[0] = f;
}

void ContextDetector::FinishWarmup() {
  const auto [mn, mx] = std::minmax_element(warm_.begin(), warm_.end());
  lo_ = *mn;
  const double range = std::max({*mx - *mn, 1e-9, 1e-6 * std::abs(*mx)});
  step_ = range / kLevels;
  double sum = 0;
  for (size_t i = 1; i < warm_.size(); ++i) sum += std::abs(warm_[i] - warm_[i - 1]);
  dstep_ = std::max(sum / static_cast<double>(warm_.size() - 1), 1e-3 * range);
  // Learn the warm-up's contexts, so that scoring starts from what the warm-up showed.
  std::array<uint32_t, kContexts> keys;
  last_ = warm_[0];
  for (size_t i = 0; i < warm_.size(); ++i) {
    const Facts f = Quantise(warm_[i]);
    if (i >= static_cast<size_t>(kHistory)) {
      Keys(f, keys);
      Learn(keys);
    }
    Push(f);
    last_ = warm_[i];
  }
  warm_.clear();
  warm_.shrink_to_fit();
}

double ContextDetector::Update(double x) {
  if (!std::isfinite(x)) return 0;
  if (n_ < config_.warmup) {
    warm_.push_back(x);
    ++n_;
    if (n_ == config_.warmup) FinishWarmup();
    last_ = x;
    return 0;
  }
  const Facts f = Quantise(x);
  std::array<uint32_t, kContexts> keys;
  Keys(f, keys);
  int novel = 0;
  for (uint32_t k : keys) novel += slots_[static_cast<size_t>(Find(k))] == 0 ? 1 : 0;
  Learn(keys);
  Push(f);
  last_ = x;
  ++n_;
  return static_cast<double>(novel) / kContexts;
}

// State: "FSCX" (u32), version (u32), then little-endian 8-byte numbers: warmup, n, last, lo, step,
// dstep, used, the history's level and change per point (newest first), the warm-up values (count, then
// values), and the table (count, then 4-byte fingerprints).
namespace {

void Put(std::string& out, const void* p, size_t n) { out.append(static_cast<const char*>(p), n); }
bool Get(std::string_view& in, void* p, size_t n) {
  if (in.size() < n) return false;
  std::memcpy(p, in.data(), n);
  in.remove_prefix(n);
  return true;
}

}  // namespace

std::string ContextDetector::Serialize() const {
  std::string out;
  Put(out, &kMagic, sizeof kMagic);
  Put(out, &kVersion, sizeof kVersion);
  const int64_t ints[] = {config_.warmup, n_, used_};
  const double reals[] = {last_, lo_, step_, dstep_};
  Put(out, ints, sizeof ints);
  Put(out, reals, sizeof reals);
  for (const Facts& f : history_) {
    const int64_t h[2] = {f.level, f.change};
    Put(out, h, sizeof h);
  }
  const int64_t nwarm = static_cast<int64_t>(warm_.size());
  Put(out, &nwarm, sizeof nwarm);
  if (nwarm > 0) Put(out, warm_.data(), warm_.size() * sizeof(double));
  const int64_t nslots = static_cast<int64_t>(slots_.size());
  Put(out, &nslots, sizeof nslots);
  Put(out, slots_.data(), slots_.size() * sizeof(uint32_t));
  return out;
}

absl::StatusOr<ContextDetector> ContextDetector::Restore(std::string_view in) {
  uint32_t magic = 0, version = 0;
  if (!Get(in, &magic, sizeof magic) || !Get(in, &version, sizeof version) || magic != kMagic) {
    return absl::InvalidArgumentError("not a context detector state");
  }
  if (version != kVersion) return absl::InvalidArgumentError("unsupported context detector state version");
  const auto truncated = [] { return absl::InvalidArgumentError("truncated or oversized context state"); };
  const auto inconsistent = [] { return absl::InvalidArgumentError("inconsistent context detector state"); };
  int64_t ints[3];
  double reals[4];
  if (!Get(in, ints, sizeof ints) || !Get(in, reals, sizeof reals)) return truncated();
  ContextDetector d(ContextDetectorConfig{ints[0]});
  if (d.config_.warmup != ints[0]) return inconsistent();
  d.n_ = ints[1];
  d.used_ = ints[2];
  d.last_ = reals[0], d.lo_ = reals[1], d.step_ = reals[2], d.dstep_ = reals[3];
  for (Facts& f : d.history_) {
    int64_t h[2];
    if (!Get(in, h, sizeof h)) return truncated();
    if (h[0] < -kOutLevels || h[0] > kLevels - 1 + kOutLevels || h[1] < -kChangeClasses ||
        h[1] > kChangeClasses)
      return inconsistent();
    f.level = static_cast<int32_t>(h[0]);
    f.change = static_cast<int32_t>(h[1]);
  }
  int64_t nwarm = 0, nslots = 0;
  if (!Get(in, &nwarm, sizeof nwarm)) return truncated();
  if (nwarm < 0 || static_cast<uint64_t>(nwarm) > in.size() / sizeof(double)) return truncated();
  d.warm_.resize(static_cast<size_t>(nwarm));
  if (nwarm > 0 && !Get(in, d.warm_.data(), d.warm_.size() * sizeof(double))) return truncated();
  if (!Get(in, &nslots, sizeof nslots)) return truncated();
  if (nslots < kMinSlots || nslots > kSlots || (nslots & (nslots - 1)) != 0) return inconsistent();
  d.slots_.assign(static_cast<size_t>(nslots), 0);
  if (!Get(in, d.slots_.data(), d.slots_.size() * sizeof(uint32_t)) || !in.empty()) return truncated();
  // The learning phase holds exactly the points seen; afterwards the quantisation must be usable and the
  // occupancy must match the table (Learn() relies on it to bound the load, Find() on an empty slot).
  const bool learning = d.n_ < d.config_.warmup;
  const int64_t occupied = std::count_if(d.slots_.begin(), d.slots_.end(), [](uint32_t k) { return k != 0; });
  // (The range check first: a corrupt count must not overflow the product.)
  const bool load_ok = d.used_ >= 0 && d.used_ <= nslots &&
                       (nslots == kSlots ? d.used_ <= kMaxUsed : d.used_ * 4 <= nslots * 3);
  if (d.n_ < 0 || (learning ? nwarm != d.n_ : nwarm != 0) || d.used_ != occupied || !load_ok ||
      !std::isfinite(d.last_) || !std::isfinite(d.lo_) || !(d.step_ > 0) || !std::isfinite(d.step_) ||
      !(d.dstep_ > 0) || !std::isfinite(d.dstep_) ||
      !std::all_of(d.warm_.begin(), d.warm_.end(), [](double v) { return std::isfinite(v); })) {
    return inconsistent();
  }
  return d;
}

}  // namespace foresight::analytics
