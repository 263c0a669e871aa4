#include "test_script.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "query/promql/ast.h"
#include "query/promql/lexer.h"

namespace foresight::query::testing {
namespace {

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

std::optional<double> ParseNumber(std::string s) {
  if (s.empty()) return std::nullopt;
  std::string lower = s;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  bool neg = false;
  std::string body = lower;
  if (body[0] == '+' || body[0] == '-') {
    neg = body[0] == '-';
    body = body.substr(1);
  }
  if (body == "inf") return neg ? -INFINITY : INFINITY;
  if (body == "nan") return NAN;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || *end != '\0') return std::nullopt;
  return v;
}

// Parses `name{a="b", ...}` at the start of line; returns the labels and the rest of the line.
absl::StatusOr<std::pair<Labels, std::string>> ParseSeriesLabels(std::string_view line) {
  size_t i = 0;
  std::vector<Label> labels;
  while (i < line.size() &&
         (std::isalnum(static_cast<unsigned char>(line[i])) || line[i] == '_' || line[i] == ':')) {
    ++i;
  }
  if (i > 0) labels.push_back(Label{"__name__", std::string(line.substr(0, i))});
  if (i < line.size() && line[i] == '{') {
    ++i;
    while (true) {
      while (i < line.size() && (line[i] == ' ' || line[i] == ',')) ++i;
      if (i >= line.size()) return absl::InvalidArgumentError("unterminated labels");
      if (line[i] == '}') {
        ++i;
        break;
      }
      size_t ns = i;
      while (i < line.size() && (std::isalnum(static_cast<unsigned char>(line[i])) || line[i] == '_')) ++i;
      std::string name(line.substr(ns, i - ns));
      while (i < line.size() && line[i] == ' ') ++i;
      if (i >= line.size() || line[i] != '=') return absl::InvalidArgumentError("expected = in labels");
      ++i;
      while (i < line.size() && line[i] == ' ') ++i;
      if (i >= line.size()) return absl::InvalidArgumentError("expected label value");
      char q = line[i];
      size_t vs = i;
      ++i;
      while (i < line.size() && line[i] != q) {
        if (line[i] == '\\') ++i;
        ++i;
      }
      if (i >= line.size()) return absl::InvalidArgumentError("unterminated label value");
      ++i;
      auto v = promql::UnquoteString(line.substr(vs, i - vs));
      if (!v.ok()) return v.status();
      labels.push_back(Label{name, *v});
    }
  }
  return std::make_pair(Labels(std::move(labels)), Trim(line.substr(i)));
}

std::vector<std::string> Fields(std::string_view s) {
  std::vector<std::string> out;
  for (auto f : absl::StrSplit(std::string(s), ' ', absl::SkipWhitespace())) out.emplace_back(f);
  return out;
}

std::string FormatVector(const Vector& v) {
  std::string s;
  for (const auto& x : v) absl::StrAppend(&s, "\n    ", x.metric.ToString(), " ", promql::FormatNumber(x.v));
  return s.empty() ? " (empty)" : s;
}

struct Expected {
  Labels labels;
  double value;
};

struct EvalCmd {
  int line;
  std::string expr;
  int64_t time;
  bool ordered = false;
  bool fail = false;
  bool scalar = false;
  double scalar_value = 0;
  std::vector<Expected> expected;
};

std::string CompareVector(const EvalCmd& c, const Vector& got) {
  if (got.size() != c.expected.size()) {
    return absl::StrCat("expected ", c.expected.size(), " samples, got ", got.size(), ":", FormatVector(got));
  }
  for (size_t i = 0; i < c.expected.size(); ++i) {
    const Expected& e = c.expected[i];
    const Sample* match = nullptr;
    if (c.ordered) {
      if (got[i].metric == e.labels) match = &got[i];
      if (!match) {
        return absl::StrCat("expected ", e.labels.ToString(), " at position ", i,
                            ", got:", FormatVector(got));
      }
    } else {
      for (const auto& g : got) {
        if (g.metric == e.labels) match = &g;
      }
      if (!match) return absl::StrCat("missing ", e.labels.ToString(), "; got:", FormatVector(got));
    }
    if (!AlmostEqual(match->v, e.value)) {
      return absl::StrCat("value of ", e.labels.ToString(), ": expected ", promql::FormatNumber(e.value),
                          ", got ", promql::FormatNumber(match->v));
    }
  }
  return "";
}

std::string RunEval(const EvalCmd& c, ScriptStorage& storage, Engine& engine) {
  auto res = engine.Instant(storage.queryable(), c.expr, c.time);
  if (c.fail) return res.ok() ? "expected an error, got none" : "";
  if (!res.ok()) return "unexpected error: " + std::string(res.status().message());
  std::string err;
  if (res->type == ValueType::kScalar) {
    double v = std::get<Scalar>(res->value).v;
    if (!c.scalar) return "expected a vector, got scalar " + promql::FormatNumber(v);
    if (!AlmostEqual(v, c.scalar_value)) {
      return absl::StrCat("expected scalar ", promql::FormatNumber(c.scalar_value), ", got ",
                          promql::FormatNumber(v));
    }
  } else if (res->type == ValueType::kVector) {
    if (c.scalar) return "expected a scalar, got a vector";
    err = CompareVector(c, std::get<Vector>(res->value));
    if (!err.empty()) return err;
  } else {
    return "received range result on instant evaluation";
  }
  // The same in range mode, at the middle step of [t-1m, t+1m].
  auto rr = engine.Range(storage.queryable(), c.expr, c.time - 60000, c.time + 60000, 60000);
  if (!rr.ok()) return "range mode: unexpected error: " + std::string(rr.status().message());
  if (c.ordered) return "";
  const Matrix& m = std::get<Matrix>(rr->value);
  Vector vec;
  for (const auto& s : m) {
    for (const auto& p : s.points) {
      if (p.t == c.time) {
        vec.push_back(Sample{s.metric, p.t, p.v});
        break;
      }
    }
  }
  if (c.scalar) {
    if (vec.empty()) return "range mode: no scalar value at the eval time";
    if (!AlmostEqual(vec[0].v, c.scalar_value)) {
      return absl::StrCat("range mode: expected scalar ", promql::FormatNumber(c.scalar_value), ", got ",
                          promql::FormatNumber(vec[0].v));
    }
    return "";
  }
  err = CompareVector(c, vec);
  return err.empty() ? "" : "range mode: " + err;
}

}  // namespace

int ScriptResult::passed() const {
  int n = 0;
  for (const auto& e : evals) n += e.passed;
  return n;
}

bool AlmostEqual(double a, double b) {
  if (std::isnan(a) && std::isnan(b)) return true;
  if (a == b) return true;
  constexpr double kEpsilon = 0.000001;
  constexpr double kMinNormal = 2.2250738585072014e-308;
  double diff = std::abs(a - b);
  if (a == 0 || b == 0 || diff < kMinNormal) return diff < kEpsilon * kMinNormal;
  return diff / (std::abs(a) + std::abs(b)) < kEpsilon;
}

absl::StatusOr<std::vector<std::optional<double>>> ParseSeriesValues(const std::vector<std::string>& tokens) {
  std::vector<std::optional<double>> out;
  for (const auto& tok : tokens) {
    std::string t = tok;
    int64_t times = -1;
    if (size_t x = t.rfind('x');
        x != std::string::npos && x + 1 < t.size() &&
        std::all_of(t.begin() + x + 1, t.end(), [](char c) { return std::isdigit(c); })) {
      times = std::stoll(t.substr(x + 1));
      t = t.substr(0, x);
    }
    if (t == "_") {
      for (int64_t i = 0; i < std::max<int64_t>(times, 1); ++i) out.push_back(std::nullopt);
      continue;
    }
    if (t == "stale") {
      for (int64_t i = 0; i < std::max<int64_t>(times, 1); ++i) out.push_back(storage::StaleNaN());
      continue;
    }
    if (times < 0) {
      auto v = ParseNumber(t);
      if (!v) return absl::InvalidArgumentError("bad value: " + tok);
      out.push_back(*v);
      continue;
    }
    // a, a+b or a-b, repeated times+1 times.
    size_t split = std::string::npos;
    for (size_t i = 1; i < t.size(); ++i) {
      if ((t[i] == '+' || t[i] == '-') && t[i - 1] != 'e' && t[i - 1] != 'E') {
        split = i;
        break;
      }
    }
    auto a = ParseNumber(split == std::string::npos ? t : t.substr(0, split));
    std::optional<double> b = 0.0;
    if (split != std::string::npos) b = ParseNumber(t.substr(split));
    if (!a || !b) return absl::InvalidArgumentError("bad value: " + tok);
    double v = *a;
    for (int64_t i = 0; i <= times; ++i) {
      out.push_back(v);
      v += *b;
    }
  }
  return out;
}

ScriptResult RunTestScript(const std::string& text, ScriptStorage& storage, Engine& engine) {
  ScriptResult result;
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  auto fail = [&](int line, std::string msg) {
    result.status = absl::InvalidArgumentError(absl::StrCat("line ", line, ": ", msg));
    return result;
  };
  if (auto st = storage.Clear(); !st.ok()) return fail(0, std::string(st.message()));
  size_t i = 0;
  auto is_body = [&](size_t k) {
    return k < lines.size() && !lines[k].empty() && (lines[k][0] == ' ' || lines[k][0] == '\t') &&
           !Trim(lines[k]).empty() && Trim(lines[k])[0] != '#';
  };
  while (i < lines.size()) {
    std::string line = Trim(lines[i]);
    int lineno = static_cast<int>(i) + 1;
    ++i;
    if (line.empty() || line[0] == '#') continue;
    auto f = Fields(line);
    if (f[0] == "clear") {
      if (auto st = storage.Clear(); !st.ok()) return fail(lineno, std::string(st.message()));
      continue;
    }
    if (f[0] == "load") {
      if (f.size() != 2) return fail(lineno, "bad load");
      auto interval = promql::ParseDuration(f[1]);
      if (!interval) return fail(lineno, "bad interval " + f[1]);
      std::vector<std::pair<Labels, std::vector<storage::Sample>>> batch;
      while (is_body(i)) {
        std::string body = Trim(lines[i]);
        ++i;
        auto ls = ParseSeriesLabels(body);
        if (!ls.ok()) return fail(static_cast<int>(i), std::string(ls.status().message()));
        auto vals = ParseSeriesValues(Fields(ls->second));
        if (!vals.ok()) return fail(static_cast<int>(i), std::string(vals.status().message()));
        std::vector<storage::Sample> samples;
        for (size_t k = 0; k < vals->size(); ++k) {
          if ((*vals)[k])
            samples.push_back(storage::Sample{static_cast<int64_t>(k) * *interval, *(*vals)[k]});
        }
        // As Prometheus' harness: a series defined twice in one load keeps its last definition.
        auto same =
            std::find_if(batch.begin(), batch.end(), [&](const auto& b) { return b.first == ls->first; });
        if (same != batch.end()) {
          same->second = std::move(samples);
        } else {
          batch.emplace_back(ls->first, std::move(samples));
        }
      }
      if (auto st = storage.Load(batch); !st.ok()) return fail(lineno, std::string(st.message()));
      continue;
    }
    if (f[0] == "eval" || f[0] == "eval_ordered" || f[0] == "eval_fail") {
      if (f.size() < 5 || f[1] != "instant" || f[2] != "at") return fail(lineno, "bad eval: " + line);
      EvalCmd c;
      c.line = lineno;
      c.ordered = f[0] == "eval_ordered";
      c.fail = f[0] == "eval_fail";
      auto t = promql::ParseDuration(f[3]);
      if (!t) return fail(lineno, "bad time " + f[3]);
      c.time = *t;
      size_t pos = line.find(f[3], line.find(" at ") + 4) + f[3].size();
      c.expr = Trim(line.substr(pos));
      while (is_body(i)) {
        std::string body = Trim(lines[i]);
        ++i;
        if (auto v = ParseNumber(body)) {
          c.scalar = true;
          c.scalar_value = *v;
          continue;
        }
        auto ls = ParseSeriesLabels(body);
        if (!ls.ok()) return fail(static_cast<int>(i), std::string(ls.status().message()));
        auto vals = ParseSeriesValues(Fields(ls->second));
        if (!vals.ok() || vals->size() != 1 || !(*vals)[0])
          return fail(static_cast<int>(i), "bad expected value");
        c.expected.push_back(Expected{ls->first, *(*vals)[0]});
      }
      EvalOutcome o;
      o.line = c.line;
      o.expr = c.expr;
      o.error = RunEval(c, storage, engine);
      o.passed = o.error.empty();
      result.evals.push_back(std::move(o));
      continue;
    }
    return fail(lineno, "unknown command: " + line);
  }
  return result;
}

}  // namespace foresight::query::testing
