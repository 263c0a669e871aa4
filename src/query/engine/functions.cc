// Functions over instant vectors and scalars (Prometheus 2.42), and the dispatch to range functions
// (functions_range.cc) and extension functions.
#include <algorithm>
#include <cmath>
#include <mutex>

#include "absl/container/flat_hash_map.h"
#include "query/engine/evaluator.h"
#include "query/engine/functions_internal.h"
#include "query/engine/mathutil.h"
#include "re2/re2.h"

namespace foresight::query::internal {
namespace {

constexpr double kPi = 3.14159265358979323846;

double GoMax(double a, double b) {
  if (std::isinf(a) && a > 0) return a;
  if (std::isinf(b) && b > 0) return b;
  if (std::isnan(a) || std::isnan(b)) return NAN;
  if (a == 0 && a == b) return std::signbit(a) ? b : a;
  return a > b ? a : b;
}

double GoMin(double a, double b) {
  if (std::isinf(a) && a < 0) return a;
  if (std::isinf(b) && b < 0) return b;
  if (std::isnan(a) || std::isnan(b)) return NAN;
  if (a == 0 && a == b) return std::signbit(a) ? a : b;
  return a < b ? a : b;
}

// Applies fn to every sample of a vector argument, dropping the metric name.
template <typename Fn>
Value MapVector(Evaluator& ev, const Value& in, Fn fn) {
  Value out;
  out.type = ValueType::kVector;
  out.vec.resize(ev.steps());
  absl::flat_hash_map<const Labels*, LabelsPtr> dropped;
  for (size_t i = 0; i < ev.steps(); ++i) {
    for (const auto& s : in.vec[i]) {
      auto it = dropped.find(s.metric.get());
      if (it == dropped.end()) it = dropped.emplace(s.metric.get(), DropMetricName(s.metric)).first;
      out.vec[i].push_back(StepSample{it->second, fn(s.v, i), ev.StepTime(i)});
    }
  }
  return out;
}

Value ScalarValue(Evaluator& ev) {
  Value v;
  v.type = ValueType::kScalar;
  v.scalar.resize(ev.steps());
  return v;
}

struct Civil {
  int64_t year;
  int month, day, yday, wday, hour, minute;
};

Civil ToCivil(double secs) {
  int64_t t = std::isnan(secs) || std::isinf(secs) ? INT64_MIN : static_cast<int64_t>(secs);
  int64_t days = t / 86400;
  int64_t rem = t % 86400;
  if (rem < 0) {
    rem += 86400;
    days--;
  }
  Civil c{};
  c.hour = static_cast<int>(rem / 3600);
  c.minute = static_cast<int>((rem % 3600) / 60);
  c.wday = static_cast<int>(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday (4)
  // Howard Hinnant's civil_from_days.
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  c.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  c.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  c.year = c.month <= 2 ? y + 1 : y;
  static const int kCum[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  bool leap = (c.year % 4 == 0 && c.year % 100 != 0) || c.year % 400 == 0;
  c.yday = kCum[c.month - 1] + c.day + ((leap && c.month > 2) ? 1 : 0);
  return c;
}

int DaysInMonth(int64_t year, int month) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

bool ValidLabelName(std::string_view n) {
  if (n.empty()) return false;
  for (size_t i = 0; i < n.size(); ++i) {
    char c = n[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// Go's regexp.Expand for label_replace templates: $1, ${1}, $name, ${name}, $$.
std::string ExpandTemplate(const re2::RE2& re, std::string_view tmpl,
                           const std::vector<re2::StringPiece>& groups) {
  std::string out;
  const auto& names = re.NamedCapturingGroups();
  for (size_t i = 0; i < tmpl.size(); ++i) {
    char c = tmpl[i];
    if (c != '$' || i + 1 >= tmpl.size()) {
      out += c;
      continue;
    }
    if (tmpl[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    std::string name;
    size_t j = i + 1;
    bool brace = tmpl[j] == '{';
    if (brace) ++j;
    size_t ns = j;
    while (j < tmpl.size() && (std::isalnum(static_cast<unsigned char>(tmpl[j])) || tmpl[j] == '_')) ++j;
    name = std::string(tmpl.substr(ns, j - ns));
    if (brace) {
      if (j >= tmpl.size() || tmpl[j] != '}' || name.empty()) {
        out += c;
        continue;
      }
      ++j;
    }
    if (name.empty()) {
      out += c;
      continue;
    }
    i = j - 1;
    bool numeric = std::all_of(name.begin(), name.end(), [](char x) { return x >= '0' && x <= '9'; });
    int idx = -1;
    if (numeric) {
      idx = name.size() > 9 ? -1 : std::stoi(name);
    } else if (auto it = names.find(name); it != names.end()) {
      idx = it->second;
    }
    if (idx >= 0 && static_cast<size_t>(idx) < groups.size() && groups[idx].data() != nullptr) {
      out.append(groups[idx].data(), groups[idx].size());
    }
  }
  return out;
}

absl::StatusOr<Value> LabelReplace(Evaluator& ev, const std::vector<Value>& a) {
  const std::string& dst = a[1].str;
  const std::string& repl = a[2].str;
  const std::string& src = a[3].str;
  const std::string& regex = a[4].str;
  re2::RE2 re("^(?:" + regex + ")$", re2::RE2::Quiet);
  if (!re.ok()) return ExecError("invalid regular expression in label_replace(): " + regex);
  if (!ValidLabelName(dst)) return ExecError("invalid destination label name in label_replace(): " + dst);
  Value out;
  out.type = ValueType::kVector;
  out.vec.resize(ev.steps());
  absl::flat_hash_map<const Labels*, LabelsPtr> cache;
  DuplicateLabelsChecker dup;
  std::vector<re2::StringPiece> groups(static_cast<size_t>(re.NumberOfCapturingGroups()) + 1);
  for (size_t i = 0; i < ev.steps(); ++i) {
    for (const auto& s : a[0].vec[i]) {
      auto it = cache.find(s.metric.get());
      if (it == cache.end()) {
        std::string src_val(s.metric->Get(src));
        LabelsPtr res = s.metric;
        if (re.Match(src_val, 0, src_val.size(), re2::RE2::UNANCHORED, groups.data(),
                     static_cast<int>(groups.size()))) {
          std::string v = ExpandTemplate(re, repl, groups);
          res = std::make_shared<const Labels>(LabelsBuilder(*s.metric).Set(dst, v).Build());
        }
        it = cache.emplace(s.metric.get(), res).first;
      }
      out.vec[i].push_back(StepSample{it->second, s.v, s.t});
    }
    if (auto st = dup.Check(out.vec[i]); !st.ok()) return st;
  }
  return out;
}

absl::StatusOr<Value> LabelJoin(Evaluator& ev, const std::vector<Value>& a) {
  const std::string& dst = a[1].str;
  const std::string& sep = a[2].str;
  std::vector<std::string> srcs;
  for (size_t i = 3; i < a.size(); ++i) {
    if (!ValidLabelName(a[i].str)) return ExecError("invalid source label name in label_join(): " + a[i].str);
    srcs.push_back(a[i].str);
  }
  if (!ValidLabelName(dst)) return ExecError("invalid destination label name in label_join(): " + dst);
  Value out;
  out.type = ValueType::kVector;
  out.vec.resize(ev.steps());
  absl::flat_hash_map<const Labels*, LabelsPtr> cache;
  DuplicateLabelsChecker dup;
  for (size_t i = 0; i < ev.steps(); ++i) {
    for (const auto& s : a[0].vec[i]) {
      auto it = cache.find(s.metric.get());
      if (it == cache.end()) {
        std::string v;
        for (size_t k = 0; k < srcs.size(); ++k) {
          if (k > 0) v += sep;
          v += s.metric->Get(srcs[k]);
        }
        it = cache
                 .emplace(s.metric.get(),
                          std::make_shared<const Labels>(LabelsBuilder(*s.metric).Set(dst, v).Build()))
                 .first;
      }
      out.vec[i].push_back(StepSample{it->second, s.v, s.t});
    }
    if (auto st = dup.Check(out.vec[i]); !st.ok()) return st;
  }
  return out;
}

struct Bucket {
  double upper;
  double count;
};

double BucketQuantile(double q, std::vector<Bucket>& b) {
  if (std::isnan(q)) return NAN;
  if (q < 0) return -INFINITY;
  if (q > 1) return INFINITY;
  std::sort(b.begin(), b.end(), [](const Bucket& x, const Bucket& y) { return x.upper < y.upper; });
  if (b.empty() || !std::isinf(b.back().upper) || b.back().upper < 0) return NAN;
  // Coalesce buckets with the same upper bound.
  std::vector<Bucket> c;
  for (const auto& x : b) {
    if (!c.empty() && c.back().upper == x.upper) {
      c.back().count += x.count;
    } else {
      c.push_back(x);
    }
  }
  double max = -INFINITY;
  for (auto& x : c) {
    if (x.count > max) {
      max = x.count;
    } else if (x.count < max) {
      x.count = max;
    }
  }
  if (c.size() < 2) return NAN;
  double observations = c.back().count;
  if (observations == 0) return NAN;
  double rank = q * observations;
  size_t idx = 0;
  while (idx < c.size() - 1 && !(c[idx].count >= rank)) ++idx;
  if (idx == c.size() - 1) return c[c.size() - 2].upper;
  if (idx == 0 && c[0].upper <= 0) return c[0].upper;
  double start = 0, end = c[idx].upper, count = c[idx].count;
  if (idx > 0) {
    start = c[idx - 1].upper;
    count -= c[idx - 1].count;
    rank -= c[idx - 1].count;
  }
  return start + (end - start) * (rank / count);
}

absl::StatusOr<Value> HistogramQuantile(Evaluator& ev, const std::vector<Value>& a) {
  Value out;
  out.type = ValueType::kVector;
  out.vec.resize(ev.steps());
  struct Key {
    LabelsPtr labels;
    uint64_t hash;
  };
  absl::flat_hash_map<const Labels*, std::optional<std::pair<Key, double>>> parsed;
  for (size_t i = 0; i < ev.steps(); ++i) {
    double q = a[0].scalar[i];
    std::vector<std::pair<LabelsPtr, std::vector<Bucket>>> groups;
    absl::flat_hash_map<uint64_t, size_t> index;
    for (const auto& s : a[1].vec[i]) {
      auto it = parsed.find(s.metric.get());
      if (it == parsed.end()) {
        std::optional<std::pair<Key, double>> entry;
        std::string le(s.metric->Get("le"));
        char* end = nullptr;
        double upper = std::strtod(le.c_str(), &end);
        bool ok = !le.empty() && end && *end == '\0';
        if (ok) {
          // Buckets group by all labels but le (the name included); the output drops the name too.
          uint64_t h = LabelsBuilder(*s.metric).Del("le").Build().Hash();
          auto l = std::make_shared<const Labels>(
              LabelsBuilder(*s.metric).Del("le").Del(kMetricNameLabel).Build());
          entry = std::make_pair(Key{l, h}, upper);
        }
        it = parsed.emplace(s.metric.get(), std::move(entry)).first;
      }
      if (!it->second) continue;
      const auto& [key, upper] = *it->second;
      auto [gi, inserted] = index.emplace(key.hash, groups.size());
      if (inserted) groups.push_back({key.labels, {}});
      groups[gi->second].second.push_back(Bucket{upper, s.v});
    }
    for (auto& [labels, buckets] : groups) {
      out.vec[i].push_back(StepSample{labels, BucketQuantile(q, buckets), ev.StepTime(i)});
    }
  }
  return out;
}

LabelsPtr AbsentLabels(const Expr& arg) {
  const Expr* e = &arg;
  while (e->kind == promql::ExprKind::kParen) e = e->inner.get();
  if (e->kind == promql::ExprKind::kMatrixSelector) e = e->inner.get();
  LabelsBuilder b;
  if (e->kind == promql::ExprKind::kVectorSelector) {
    // Equality matchers give labels; a name also used by another matcher is dropped (as Prometheus).
    std::vector<std::string> drop;
    for (const auto& m : e->matchers) {
      if (m.name() == kMetricNameLabel) continue;
      if (m.type() == MatchType::kEqual && b.Get(m.name()).empty()) {
        b.Set(m.name(), m.value());
      } else {
        drop.push_back(m.name());
      }
    }
    for (const auto& d : drop) b.Del(d);
  }
  return std::make_shared<const Labels>(b.Build());
}

}  // namespace

LabelsPtr AbsentLabelsFor(const Expr& arg) { return AbsentLabels(arg); }

absl::StatusOr<Value> EvalInstantFunction(Evaluator& ev, const Expr& e, std::vector<Value>& a) {
  const std::string& name = e.func->name;
  size_t n = ev.steps();
  using F = double (*)(double);
  static const absl::flat_hash_map<std::string, F> kSimple = {
      {"abs", [](double v) { return std::fabs(v); }},
      {"ceil", [](double v) { return std::ceil(v); }},
      {"floor", [](double v) { return std::floor(v); }},
      {"exp", [](double v) { return std::exp(v); }},
      {"sqrt", [](double v) { return std::sqrt(v); }},
      {"ln", [](double v) { return std::log(v); }},
      {"log2", [](double v) { return std::log2(v); }},
      {"log10", [](double v) { return std::log10(v); }},
      {"sgn", [](double v) { return v < 0 ? -1.0 : (v > 0 ? 1.0 : v); }},
      {"acos", [](double v) { return std::acos(v); }},
      {"acosh", [](double v) { return std::acosh(v); }},
      {"asin", [](double v) { return std::asin(v); }},
      {"asinh", [](double v) { return std::asinh(v); }},
      {"atan", [](double v) { return std::atan(v); }},
      {"atanh", [](double v) { return std::atanh(v); }},
      {"cos", [](double v) { return std::cos(v); }},
      {"cosh", [](double v) { return std::cosh(v); }},
      {"sin", [](double v) { return std::sin(v); }},
      {"sinh", [](double v) { return std::sinh(v); }},
      {"tan", [](double v) { return std::tan(v); }},
      {"tanh", [](double v) { return std::tanh(v); }},
      {"deg", [](double v) { return v * 180 / kPi; }},
      {"rad", [](double v) { return v * kPi / 180; }},
  };
  if (auto it = kSimple.find(name); it != kSimple.end()) {
    F f = it->second;
    return MapVector(ev, a[0], [f](double v, size_t) { return f(v); });
  }
  if (name == "time" || name == "pi") {
    Value v = ScalarValue(ev);
    for (size_t i = 0; i < n; ++i)
      v.scalar[i] = name == "pi" ? kPi : static_cast<double>(ev.StepTime(i)) / 1000;
    return v;
  }
  if (name == "scalar") {
    Value v = ScalarValue(ev);
    for (size_t i = 0; i < n; ++i) v.scalar[i] = a[0].vec[i].size() == 1 ? a[0].vec[i][0].v : NAN;
    return v;
  }
  if (name == "vector") {
    Value v;
    v.type = ValueType::kVector;
    v.vec.resize(n);
    auto empty = std::make_shared<const Labels>();
    for (size_t i = 0; i < n; ++i) v.vec[i].push_back(StepSample{empty, a[0].scalar[i], ev.StepTime(i)});
    return v;
  }
  if (name == "clamp") {
    Value out = MapVector(
        ev, a[0], [&](double v, size_t i) { return GoMax(a[1].scalar[i], GoMin(a[2].scalar[i], v)); });
    for (size_t i = 0; i < n; ++i) {
      if (a[2].scalar[i] < a[1].scalar[i]) out.vec[i].clear();
    }
    return out;
  }
  if (name == "clamp_max")
    return MapVector(ev, a[0], [&](double v, size_t i) { return GoMin(v, a[1].scalar[i]); });
  if (name == "clamp_min")
    return MapVector(ev, a[0], [&](double v, size_t i) { return GoMax(v, a[1].scalar[i]); });
  if (name == "round") {
    return MapVector(ev, a[0], [&](double v, size_t i) {
      double to = a.size() > 1 ? a[1].scalar[i] : 1.0;
      double inv = 1.0 / to;
      return std::floor(v * inv + 0.5) / inv;
    });
  }
  if (name == "timestamp") {
    Value out = MapVector(ev, a[0], [](double, size_t) { return 0.0; });
    for (size_t i = 0; i < n; ++i) {
      for (size_t k = 0; k < out.vec[i].size(); ++k)
        out.vec[i][k].v = static_cast<double>(a[0].vec[i][k].t) / 1000;
    }
    return out;
  }
  static const char* kDate[] = {"days_in_month", "day_of_month", "day_of_week", "day_of_year",
                                "hour",          "minute",       "month",       "year"};
  for (const char* d : kDate) {
    if (name != d) continue;
    auto fn = [&name](double secs) -> double {
      Civil c = ToCivil(secs);
      if (name == "days_in_month") return DaysInMonth(c.year, c.month);
      if (name == "day_of_month") return c.day;
      if (name == "day_of_week") return c.wday;
      if (name == "day_of_year") return c.yday;
      if (name == "hour") return c.hour;
      if (name == "minute") return c.minute;
      if (name == "month") return c.month;
      return static_cast<double>(c.year);
    };
    if (a.empty()) {
      Value v;
      v.type = ValueType::kVector;
      v.vec.resize(n);
      auto empty = std::make_shared<const Labels>();
      for (size_t i = 0; i < n; ++i) {
        v.vec[i].push_back(StepSample{empty, fn(static_cast<double>(ev.StepTime(i)) / 1000), ev.StepTime(i)});
      }
      return v;
    }
    return MapVector(ev, a[0], [&](double v, size_t) { return fn(v); });
  }
  if (name == "sort" || name == "sort_desc") {
    bool desc = name == "sort_desc";
    for (auto& step : a[0].vec) {
      std::stable_sort(step.begin(), step.end(), [desc](const StepSample& x, const StepSample& y) {
        if (std::isnan(x.v)) return false;
        if (std::isnan(y.v)) return true;
        return desc ? x.v > y.v : x.v < y.v;
      });
    }
    return std::move(a[0]);
  }
  if (name == "label_replace") return LabelReplace(ev, a);
  if (name == "label_join") return LabelJoin(ev, a);
  if (name == "histogram_quantile") return HistogramQuantile(ev, a);
  if (name == "absent") {
    Value v;
    v.type = ValueType::kVector;
    v.vec.resize(n);
    LabelsPtr labels = AbsentLabels(*e.args[0]);
    for (size_t i = 0; i < n; ++i) {
      if (a[0].vec[i].empty()) v.vec[i].push_back(StepSample{labels, 1, ev.StepTime(i)});
    }
    return v;
  }
  return ExecError("function \"" + name + "\" is not implemented");
}

namespace {

std::mutex ext_mu;
absl::flat_hash_map<std::string, ExtensionFunction>& Extensions() {
  static auto* m = new absl::flat_hash_map<std::string, ExtensionFunction>();
  return *m;
}

}  // namespace

const ExtensionFunction* LookupExtension(std::string_view name) {
  std::lock_guard<std::mutex> lock(ext_mu);
  auto it = Extensions().find(std::string(name));
  return it == Extensions().end() ? nullptr : &it->second;
}

void RegisterExtensionImpl(const std::string& name, ExtensionFunction impl) {
  std::lock_guard<std::mutex> lock(ext_mu);
  Extensions()[name] = std::move(impl);
}

absl::StatusOr<Value> EvalExtension(Evaluator& ev, const Expr& e, std::vector<Value>& a, RangeInput* range,
                                    int range_arg) {
  const ExtensionFunction* fn = LookupExtension(e.func->name);
  if (!fn) return ExecError("function \"" + e.func->name + "\" has no implementation");
  Value out;
  out.type = e.func->return_type;
  out.vec.resize(out.type == ValueType::kVector ? ev.steps() : 0);
  out.scalar.resize(out.type == ValueType::kScalar ? ev.steps() : 0);
  std::vector<WindowCursor> cursors;
  if (range) {
    for (const auto& s : range->series) cursors.emplace_back(&s.samples);
  }
  DuplicateLabelsChecker dup;
  for (size_t i = 0; i < ev.steps(); ++i) {
    if (auto st = ev.CheckAlive(); !st.ok()) return st;
    int64_t ts = ev.StepTime(i);
    FunctionCall call;
    call.t = ts;
    call.args.resize(a.size());
    for (size_t k = 0; k < a.size(); ++k) {
      FunctionArg& fa = call.args[k];
      if (static_cast<int>(k) == range_arg) {
        fa.type = ValueType::kMatrix;
        call.range_ms = range->range;
        int64_t ref = SatSub(ev.AtTime(range->at, range->at_ms, ts), range->offset);
        for (size_t s = 0; s < range->series.size(); ++s) {
          auto w = cursors[s].Window(SatSub(ref, range->range), ref);
          if (w.empty()) continue;
          Series ser{*range->series[s].metric, {}};
          for (const auto& p : w) ser.points.push_back(Point{p.t, p.v});
          fa.matrix.push_back(std::move(ser));
        }
        continue;
      }
      fa.type = a[k].type;
      if (fa.type == ValueType::kScalar) fa.scalar = a[k].scalar[i];
      if (fa.type == ValueType::kString) fa.str = a[k].str;
      if (fa.type == ValueType::kVector) {
        for (const auto& s : a[k].vec[i]) fa.vector.push_back(Sample{*s.metric, s.t, s.v});
      }
    }
    auto r = (*fn)(call);
    if (!r.ok()) return QueryError(ErrorType::kExecution, std::string(r.status().message()));
    if (out.type == ValueType::kScalar) {
      out.scalar[i] = r->size() == 1 ? (*r)[0].v : NAN;
      continue;
    }
    for (auto& s : *r)
      out.vec[i].push_back(StepSample{std::make_shared<const Labels>(std::move(s.metric)), s.v, ts});
    if (auto st = dup.Check(out.vec[i]); !st.ok()) return st;
  }
  return out;
}

absl::StatusOr<Value> EvalFunction(Evaluator& ev, const Expr& e, std::vector<Value> args, RangeInput* range,
                                   int range_arg) {
  if (e.func->extension) return EvalExtension(ev, e, args, range, range_arg);
  if (range) return EvalRangeFunction(ev, e, args, *range, range_arg);
  auto v = EvalInstantFunction(ev, e, args);
  if (v.ok() && v->type == ValueType::kVector) {
    DuplicateLabelsChecker dup;
    for (const auto& step : v->vec) {
      if (auto st = dup.Check(step); !st.ok()) return st;
    }
  }
  return v;
}

}  // namespace foresight::query::internal
