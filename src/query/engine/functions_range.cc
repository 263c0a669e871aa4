// Functions over range vectors (Prometheus 2.42): rate, increase, delta with extrapolation, irate, idelta,
// changes, resets, deriv, predict_linear, holt_winters, *_over_time, absent_over_time.
#include <cmath>
#include <cstdio>
#include <optional>

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

std::optional<double> ExtrapolatedRate(Window w, const StepArgs& a, bool counter, bool rate) {
  if (w.size() < 2) return std::nullopt;
  double result = w.back().v - w.front().v;
  if (counter) {
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

}  // namespace

absl::StatusOr<Value> EvalRangeFunction(Evaluator& ev, const Expr& e, std::vector<Value>& args,
                                        RangeInput& range, int range_arg) {
  const std::string& name = e.func->name;
  size_t n = ev.steps();
  Value out;
  out.type = ValueType::kVector;
  out.vec.resize(n);
  // Scalar arguments other than the range vector, by position.
  std::vector<const Value*> scalars;
  for (size_t k = 0; k < args.size(); ++k) {
    if (static_cast<int>(k) != range_arg && args[k].type == ValueType::kScalar) scalars.push_back(&args[k]);
  }
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
  std::optional<F> f;
  for (const auto& [nm, id] : kNames) {
    if (name == nm) f = id;
  }
  if (!f) return ExecError("function \"" + name + "\" is not implemented");
  bool keep_name = *f == F::kLast;
  std::vector<double> buf;
  for (const auto& s : range.series) {
    if (auto st = ev.CheckAlive(); !st.ok()) return st;
    WindowCursor cur(&s.samples);
    LabelsPtr labels = keep_name ? s.metric : DropMetricName(s.metric);
    for (size_t i = 0; i < n; ++i) {
      int64_t ts = ev.StepTime(i);
      int64_t ref = SatSub(ev.AtTime(range.at, range.at_ms, ts), range.offset);
      Window w = cur.Window(SatSub(ref, range.range), ref);
      if (w.empty()) continue;
      StepArgs a{ts, SatSub(ref, range.range), ref, static_cast<double>(range.range) / 1000};
      if (!scalars.empty()) a.s0 = scalars[0]->scalar[i];
      if (scalars.size() > 1) a.s1 = scalars[1]->scalar[i];
      std::optional<double> v;
      switch (*f) {
        case F::kRate:
          v = ExtrapolatedRate(w, a, true, true);
          break;
        case F::kIncrease:
          v = ExtrapolatedRate(w, a, true, false);
          break;
        case F::kDelta:
          v = ExtrapolatedRate(w, a, false, false);
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
            if (*f == F::kChanges ? (cur_v != prev && !(std::isnan(cur_v) && std::isnan(prev)))
                                  : cur_v < prev) {
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
            if ((*f == F::kMax ? p.v > m : p.v < m) || std::isnan(m)) m = p.v;
          }
          v = m;
          break;
        }
        case F::kSum: {
          double sum = 0, c = 0;
          for (const auto& p : w) std::tie(sum, c) = KahanSumInc(p.v, sum, c);
          v = std::isinf(sum) ? sum : sum + c;
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
      if (v) out.vec[i].push_back(StepSample{labels, *v, ts});
    }
  }
  for (const auto& step : out.vec) {
    if (auto st = CheckDuplicateLabels(step); !st.ok()) return st;
  }
  return out;
}

}  // namespace foresight::query::internal
