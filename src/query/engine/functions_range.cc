// Functions over range vectors (Prometheus 2.42): rate, increase, delta with extrapolation, irate, idelta,
// changes, resets, deriv, predict_linear, holt_winters, *_over_time, absent_over_time.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <optional>

#include "absl/container/flat_hash_map.h"

#include "query/engine/functions_internal.h"
#include "query/engine/mathutil.h"

namespace foresight::query::internal {
namespace {

using Window = std::span<const storage::Sample>;

struct StepArgs {
  int64_t ts;
  int64_t range_start, range_end;  // the window [range_start, range_end]
  double range_seconds;
  double s0 = 0, s1 = 0;  // scalar arguments
};

// `may_reset`: false when the series never decreases, so the window needs no scan for counter resets.
std::optional<double> ExtrapolatedRate(Window w, const StepArgs& a, bool counter, bool rate, bool may_reset) {
  if (w.size() < 2) return std::nullopt;
  double result = w.back().v - w.front().v;
  if (counter && may_reset) {
    double prev = w.front().v;
    for (size_t i = 1; i < w.size(); ++i) {
      if (w[i].v < prev) result += prev;
      prev = w[i].v;
    }
  }
  double to_start = static_cast<double>(w.front().t - a.range_start) / 1000;
  double to_end = static_cast<double>(a.range_end - w.back().t) / 1000;
  double sampled = static_cast<double>(w.back().t - w.front().t) / 1000;
  double avg_between = sampled / static_cast<double>(w.size() - 1);
  if (counter && result > 0 && w.front().v >= 0) {
    double to_zero = sampled * (w.front().v / result);
    if (to_zero < to_start) to_start = to_zero;
  }
  double threshold = avg_between * 1.1;
  double interval = sampled;
  interval += to_start < threshold ? to_start : avg_between / 2;
  interval += to_end < threshold ? to_end : avg_between / 2;
  double factor = interval / sampled;
  if (rate) factor /= a.range_seconds;
  return result * factor;
}

std::optional<double> InstantValue(Window w, bool rate) {
  if (w.size() < 2) return std::nullopt;
  const auto& last = w[w.size() - 1];
  const auto& prev = w[w.size() - 2];
  double result = (rate && last.v < prev.v) ? last.v : last.v - prev.v;
  int64_t interval = last.t - prev.t;
  if (interval == 0) return std::nullopt;
  if (rate) result /= static_cast<double>(interval) / 1000;
  return result;
}

std::optional<double> AvgOverTime(Window w) {
  double mean = 0, count = 0, c = 0;
  for (const auto& p : w) {
    count++;
    if (std::isinf(mean)) {
      if (std::isinf(p.v) && (mean > 0) == (p.v > 0)) continue;
      if (!std::isinf(p.v) && !std::isnan(p.v)) continue;
    }
    std::tie(mean, c) = KahanSumInc(p.v / count - mean / count, mean, c);
  }
  if (std::isinf(mean)) return mean;
  return mean + c;
}

double StdvarOverTime(Window w) {
  double count = 0, mean = 0, cmean = 0, aux = 0, caux = 0;
  for (const auto& p : w) {
    count++;
    double delta = p.v - (mean + cmean);
    std::tie(mean, cmean) = KahanSumInc(delta / count, mean, cmean);
    std::tie(aux, caux) = KahanSumInc(delta * (p.v - (mean + cmean)), aux, caux);
  }
  return (aux + caux) / count;
}

std::optional<double> HoltWinters(Window w, double sf, double tf) {
  if (w.size() < 2) return std::nullopt;
  double s0 = 0, s1 = w[0].v, b = w[1].v - w[0].v;
  for (size_t i = 1; i < w.size(); ++i) {
    double x = sf * w[i].v;
    if (i > 1) b = tf * (s1 - s0) + (1 - tf) * b;
    double y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  return s1;
}

std::string GoF(double v) {
  char b[64];
  std::snprintf(b, sizeof(b), "%f", v);
  return b;
}

enum class F {
  kRate,
  kIncrease,
  kDelta,
  kIrate,
  kIdelta,
  kChanges,
  kResets,
  kDeriv,
  kPredict,
  kHolt,
  kAvg,
  kMin,
  kMax,
  kSum,
  kCount,
  kQuantile,
  kStddev,
  kStdvar,
  kLast,
  kPresent
};

std::optional<F> FunctionId(const std::string& name) {
  static const std::pair<const char*, F> kNames[] = {{"rate", F::kRate},
                                                     {"increase", F::kIncrease},
                                                     {"delta", F::kDelta},
                                                     {"irate", F::kIrate},
                                                     {"idelta", F::kIdelta},
                                                     {"changes", F::kChanges},
                                                     {"resets", F::kResets},
                                                     {"deriv", F::kDeriv},
                                                     {"predict_linear", F::kPredict},
                                                     {"holt_winters", F::kHolt},
                                                     {"avg_over_time", F::kAvg},
                                                     {"min_over_time", F::kMin},
                                                     {"max_over_time", F::kMax},
                                                     {"sum_over_time", F::kSum},
                                                     {"count_over_time", F::kCount},
                                                     {"quantile_over_time", F::kQuantile},
                                                     {"stddev_over_time", F::kStddev},
                                                     {"stdvar_over_time", F::kStdvar},
                                                     {"last_over_time", F::kLast},
                                                     {"present_over_time", F::kPresent}};
  for (const auto& [nm, id] : kNames) {
    if (name == nm) return id;
  }
  return std::nullopt;
}

// What every series of one range function call shares (read-only, so workers share it too).
struct RangeCall {
  F f;
  const Evaluator* ev;
  size_t steps;
  std::vector<int64_t> window_start, window_end;  // every series sees the same window at step i
  double range_seconds;
  std::vector<const Value*> scalars;  // scalar arguments other than the range vector, by position
};

// Evaluates the function over one series at every step; emit(step, value) for each step with a value.
// `buf` is scratch space (quantile_over_time).
template <typename Emit>
absl::Status EvalSeries(const RangeCall& c, const std::vector<storage::Sample>& samples,
                        std::vector<double>& buf, Emit&& emit) {
  const F f = c.f;
  WindowCursor cur(&samples);
  bool may_reset = false;
  for (size_t k = 1; k < samples.size() && !may_reset; ++k) may_reset = samples[k].v < samples[k - 1].v;
  for (size_t i = 0; i < c.steps; ++i) {
    int64_t ts = c.ev->StepTime(i);
    int64_t ref = c.window_end[i];
    Window w = cur.Window(c.window_start[i], ref);
    if (w.empty()) continue;
    StepArgs a{ts, c.window_start[i], ref, c.range_seconds};
    if (!c.scalars.empty()) a.s0 = c.scalars[0]->scalar[i];
    if (c.scalars.size() > 1) a.s1 = c.scalars[1]->scalar[i];
    std::optional<double> v;
    switch (f) {
      case F::kRate:
        v = ExtrapolatedRate(w, a, true, true, may_reset);
        break;
      case F::kIncrease:
        v = ExtrapolatedRate(w, a, true, false, may_reset);
        break;
      case F::kDelta:
        v = ExtrapolatedRate(w, a, false, false, false);
        break;
      case F::kIrate:
        v = InstantValue(w, true);
        break;
      case F::kIdelta:
        v = InstantValue(w, false);
        break;
      case F::kChanges:
      case F::kResets: {
        double count = 0;
        double prev = w[0].v;
        for (size_t k = 1; k < w.size(); ++k) {
          double cur_v = w[k].v;
          if (f == F::kChanges ? (cur_v != prev && !(std::isnan(cur_v) && std::isnan(prev))) : cur_v < prev) {
            count++;
          }
          prev = cur_v;
        }
        v = count;
        break;
      }
      case F::kDeriv:
        if (w.size() >= 2) v = LinearRegression(w, w[0].t).first;
        break;
      case F::kPredict:
        if (w.size() >= 2) {
          auto [slope, intercept] = LinearRegression(w, ts);
          v = slope * a.s0 + intercept;
        }
        break;
      case F::kHolt:
        if (!(a.s0 > 0 && a.s0 < 1)) {
          return ExecError("invalid smoothing factor. Expected: 0 < sf < 1, got: " + GoF(a.s0));
        }
        if (!(a.s1 > 0 && a.s1 < 1)) {
          return ExecError("invalid trend factor. Expected: 0 < tf < 1, got: " + GoF(a.s1));
        }
        v = HoltWinters(w, a.s0, a.s1);
        break;
      case F::kAvg:
        v = AvgOverTime(w);
        break;
      case F::kMin:
      case F::kMax: {
        double m = w[0].v;
        for (const auto& p : w) {
          if ((f == F::kMax ? p.v > m : p.v < m) || std::isnan(m)) m = p.v;
        }
        v = m;
        break;
      }
      case F::kSum: {
        double sum = 0, comp = 0;
        for (const auto& p : w) std::tie(sum, comp) = KahanSumInc(p.v, sum, comp);
        v = std::isinf(sum) ? sum : sum + comp;
        break;
      }
      case F::kCount:
        v = static_cast<double>(w.size());
        break;
      case F::kQuantile:
        buf.clear();
        for (const auto& p : w) buf.push_back(p.v);
        v = Quantile(a.s0, buf);
        break;
      case F::kStddev:
        v = std::sqrt(StdvarOverTime(w));
        break;
      case F::kStdvar:
        v = StdvarOverTime(w);
        break;
      case F::kLast:
        v = w.back().v;
        break;
      case F::kPresent:
        v = 1;
        break;
    }
    if (v) emit(i, *v);
  }
  return absl::OkStatus();
}

// Lowers `target` to `v` if smaller.
void StoreMin(std::atomic<size_t>& target, size_t v) {
  size_t cur = target.load(std::memory_order_relaxed);
  while (v < cur && !target.compare_exchange_weak(cur, v, std::memory_order_relaxed)) {
  }
}

// The series of a range function evaluated on the engine's worker pool: the series are split into chunks,
// each chunk's series are read and evaluated over all steps by one worker into per-series slots, then the
// slots are appended in series order, so the result is the serial path's, bit for bit. Each worker holds
// one series' samples at a time.
absl::Status EvalSeriesParallel(Evaluator& evaluator, WorkerPool& pool, const RangeCall& c, RangeInput& range,
                                bool keep_name, SeriesValues* out) {
  const Evaluator& ev = evaluator;  // workers use only its thread-safe const members
  const bool streamed = range.stream != nullptr;
  std::vector<PendingSeries> pending;
  if (streamed) {
    auto p = evaluator.TakePending(range);
    if (!p.ok()) return p.status();
    pending = std::move(*p);
  }
  const size_t count = streamed ? pending.size() : range.series.size();
  if (count == 0) return absl::OkStatus();
  // About eight chunks per thread balance series of uneven length; tiny chunks would cost more in dispatch.
  const size_t per_thread = 8 * static_cast<size_t>(pool.size());
  const size_t chunk = std::max<size_t>(4, (count + per_thread - 1) / per_thread);
  const size_t tasks = (count + chunk - 1) / chunk;
  auto& values = out->values;
  auto& labels = out->labels;
  values.resize(count);
  labels.resize(count);
  std::vector<absl::Status> errors(tasks);
  // The lowest chunk that failed: later chunks stop, earlier ones go on, so the error returned is the one
  // the serial path meets first whenever the error does not depend on timing.
  std::atomic<size_t> first_failed{tasks};
  pool.Run(tasks, [&](size_t t) {
    LoadedSeries local;
    std::vector<double> buf;
    for (size_t k = t * chunk; k < std::min(count, (t + 1) * chunk); ++k) {
      if (first_failed.load(std::memory_order_relaxed) < t) return;
      absl::Status st = ev.CheckAlive();
      const LoadedSeries* s = &local;
      if (!streamed) {
        s = &range.series[k];
      } else if (st.ok()) {
        st = ev.ReadPending(range, pending[k], &local);
      }
      if (st.ok()) {
        labels[k] = keep_name ? s->metric : DropMetricName(s->metric);
        auto& vals = values[k];
        vals.reserve(std::min<size_t>(c.steps, s->samples.size()));
        st = EvalSeries(c, s->samples, buf,
                        [&](size_t i, double v) { vals.emplace_back(static_cast<uint32_t>(i), v); });
      }
      if (!st.ok()) {
        errors[t] = std::move(st);
        StoreMin(first_failed, t);
        return;
      }
    }
  });
  if (size_t f = first_failed.load(); f < tasks) return errors[f];
  return absl::OkStatus();
}

// Builds the range function's RangeCall for the steps of `ev`.
RangeCall MakeRangeCall(Evaluator& ev, F f, std::vector<Value>& args, const RangeInput& range,
                        int range_arg) {
  size_t n = ev.steps();
  RangeCall call{
      f, &ev, n, std::vector<int64_t>(n), std::vector<int64_t>(n), static_cast<double>(range.range) / 1000,
      {}};
  for (size_t k = 0; k < args.size(); ++k) {
    if (static_cast<int>(k) != range_arg && args[k].type == ValueType::kScalar)
      call.scalars.push_back(&args[k]);
  }
  for (size_t i = 0; i < n; ++i) {
    call.window_end[i] = SatSub(ev.AtTime(range.at, range.at_ms, ev.StepTime(i)), range.offset);
    call.window_start[i] = SatSub(call.window_end[i], range.range);
  }
  return call;
}

// Each series contributes at most one sample per step under one label set: steps can only hold a
// duplicate when two series' label sets are equal, which is checked once per series first.
absl::Status CheckDuplicates(const std::vector<LabelsPtr>& series_labels, const Value& out) {
  if (SeriesLabelsDistinct(series_labels)) return absl::OkStatus();
  DuplicateLabelsChecker dup;
  for (const auto& step : out.vec) {
    if (auto st = dup.Check(step); !st.ok()) return st;
  }
  return absl::OkStatus();
}

}  // namespace

bool SeriesLabelsDistinct(const std::vector<LabelsPtr>& series_labels) {
  absl::flat_hash_map<uint64_t, std::vector<const Labels*>> seen;
  for (const auto& s : series_labels) {
    auto& same = seen[s->Hash()];
    for (const Labels* l : same) {
      if (*l == *s) return false;
    }
    same.push_back(s.get());
  }
  return true;
}

absl::StatusOr<Value> SeriesValuesToVector(Evaluator& ev, SeriesValues in) {
  Value out;
  out.type = ValueType::kVector;
  out.vec.resize(ev.steps());
  const size_t count = in.labels.size();
  if (ev.steps() * count <= (size_t{1} << 21)) {
    for (auto& step : out.vec) step.reserve(count);
  }
  for (size_t k = 0; k < count; ++k) {
    const LabelsPtr& labels = in.labels[k];
    for (const auto& [i, v] : in.values[k]) out.vec[i].push_back(StepSample{labels, v, ev.StepTime(i)});
    std::vector<std::pair<uint32_t, double>>().swap(in.values[k]);  // lowers the peak while the output grows
  }
  if (auto st = CheckDuplicates(in.labels, out); !st.ok()) return st;
  return out;
}

absl::StatusOr<std::optional<SeriesValues>> EvalRangeFunctionBySeries(Evaluator& ev, const Expr& e,
                                                                      std::vector<Value>& args,
                                                                      RangeInput& range, int range_arg) {
  WorkerPool* pool = ev.ctx()->pool;
  if (pool == nullptr || pool->size() <= 1 || e.func->name == "absent_over_time") return std::nullopt;
  std::optional<F> f = FunctionId(e.func->name);
  if (!f) return std::nullopt;
  RangeCall call = MakeRangeCall(ev, *f, args, range, range_arg);
  SeriesValues out;
  if (auto st = EvalSeriesParallel(ev, *pool, call, range, *f == F::kLast, &out); !st.ok()) return st;
  return out;
}

absl::StatusOr<Value> EvalRangeFunction(Evaluator& ev, const Expr& e, std::vector<Value>& args,
                                        RangeInput& range, int range_arg) {
  const std::string& name = e.func->name;
  size_t n = ev.steps();
  Value out;
  out.type = ValueType::kVector;
  out.vec.resize(n);
  if (name == "absent_over_time") {
    LabelsPtr labels = AbsentLabelsFor(*e.args[range_arg]);
    std::vector<WindowCursor> cursors;
    for (const auto& s : range.series) cursors.emplace_back(&s.samples);
    for (size_t i = 0; i < n; ++i) {
      int64_t ref = SatSub(ev.AtTime(range.at, range.at_ms, ev.StepTime(i)), range.offset);
      bool any = false;
      for (auto& c : cursors) any |= !c.Window(SatSub(ref, range.range), ref).empty();
      if (!any) out.vec[i].push_back(StepSample{labels, 1, ev.StepTime(i)});
    }
    return out;
  }
  std::optional<F> f = FunctionId(name);
  if (!f) return ExecError("function \"" + name + "\" is not implemented");
  RangeCall call = MakeRangeCall(ev, *f, args, range, range_arg);
  const bool keep_name = *f == F::kLast;
  std::vector<LabelsPtr> series_labels;
  if (WorkerPool* pool = ev.ctx()->pool; pool != nullptr && pool->size() > 1) {
    SeriesValues by_series;
    if (auto st = EvalSeriesParallel(ev, *pool, call, range, keep_name, &by_series); !st.ok()) return st;
    return SeriesValuesToVector(ev, std::move(by_series));
  } else {
    std::vector<double> buf;
    // Each series gives at most one sample per step: reserve that when it is affordable (a streamed
    // input's count is unknown: a start that saves the first regrowths).
    size_t per_step = range.stream ? 64 : range.series.size();
    if (n * per_step <= (size_t{1} << 21)) {
      for (auto& step : out.vec) step.reserve(per_step);
    }
    LoadedSeries streamed;  // one buffer for every series of a streamed input
    size_t next_index = 0;
    while (true) {
      const LoadedSeries* sp = nullptr;
      if (range.stream) {
        auto more = ev.NextSeries(range, &streamed);
        if (!more.ok()) return more.status();
        if (*more) sp = &streamed;
      } else if (next_index < range.series.size()) {
        sp = &range.series[next_index++];
      }
      if (sp == nullptr) break;
      const LoadedSeries& s = *sp;
      if (auto st = ev.CheckAlive(); !st.ok()) return st;
      LabelsPtr labels = keep_name ? s.metric : DropMetricName(s.metric);
      series_labels.push_back(labels);
      auto st = EvalSeries(call, s.samples, buf, [&](size_t i, double v) {
        out.vec[i].push_back(StepSample{labels, v, ev.StepTime(i)});
      });
      if (!st.ok()) return st;
    }
  }
  if (auto st = CheckDuplicates(series_labels, out); !st.ok()) return st;
  return out;
}

}  // namespace foresight::query::internal
