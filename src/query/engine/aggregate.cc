// Aggregation operators (sum, avg, count, min, max, group, stddev, stdvar, topk, bottomk, count_values,
// quantile) with by/without, as Prometheus 2.42.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "query/engine/evaluator.h"
#include "query/engine/mathutil.h"

namespace foresight::query::internal {
namespace {

using promql::AggOp;

struct Group {
  LabelsPtr labels;
  double value = 0;
  double mean = 0;
  double count = 0;
  std::vector<const StepSample*> members;  // topk, bottomk, quantile
  std::vector<double> values;
};

bool IsValidLabelName(std::string_view n) {
  if (n.empty()) return false;
  for (size_t i = 0; i < n.size(); ++i) {
    char c = n[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<Value> EvalAggregation(Evaluator& ev, const Expr& e, Value param, Value in) {
  size_t n = ev.steps();
  Value out;
  out.type = ValueType::kVector;
  out.vec.resize(n);
  AggOp op = e.agg;
  std::string value_label;
  if (op == AggOp::kCountValues) {
    value_label = param.str;
    if (!IsValidLabelName(value_label)) return ExecError("invalid label name \"" + value_label + "\"");
  }
  std::vector<std::string> grouping = e.grouping;
  bool on = !e.without;
  if (op == AggOp::kCountValues && on) grouping.push_back(value_label);
  // Group labels per input label set, cached across steps.
  absl::flat_hash_map<const Labels*, std::pair<uint64_t, LabelsPtr>> group_of;
  auto group_key = [&](const LabelsPtr& l) -> const std::pair<uint64_t, LabelsPtr>& {
    auto it = group_of.find(l.get());
    if (it != group_of.end()) return it->second;
    LabelsBuilder b;
    if (on) {
      for (const auto& x : *l) {
        if (std::find(grouping.begin(), grouping.end(), x.name) != grouping.end()) b.Set(x.name, x.value);
      }
    } else {
      b = LabelsBuilder(*l);
      for (const auto& g : grouping) b.Del(g);
      b.Del(kMetricNameLabel);
    }
    auto res = std::make_pair(l->HashFor(grouping, on), std::make_shared<const Labels>(b.Build()));
    return group_of.emplace(l.get(), std::move(res)).first->second;
  };

  for (size_t i = 0; i < n; ++i) {
    if (i % 64 == 0) {
      if (auto st = ev.CheckAlive(); !st.ok()) return st;
    }
    const StepVector& vec = in.vec[i];
    double p = param.type == ValueType::kScalar ? param.scalar[i] : 0;
    int64_t k = 0;
    if (op == AggOp::kTopk || op == AggOp::kBottomk) {
      if (!(p >= -9.223372036854775e18 && p <= 9.223372036854775e18)) {
        return ExecError("Scalar value " + promql::FormatNumber(p) + " overflows int64");
      }
      k = static_cast<int64_t>(p);
      if (k < 1) continue;
    }
    // count_values rewrites each sample's labels before grouping.
    StepVector relabelled;
    const StepVector* input = &vec;
    if (op == AggOp::kCountValues) {
      relabelled.reserve(vec.size());
      for (const auto& s : vec) {
        auto l = std::make_shared<const Labels>(
            LabelsBuilder(*s.metric).Set(value_label, FormatFloatF(s.v)).Build());
        relabelled.push_back(StepSample{std::move(l), s.v, s.t});
      }
      input = &relabelled;
    }
    std::vector<Group> groups;
    absl::flat_hash_map<uint64_t, size_t> index;
    for (const auto& s : *input) {
      uint64_t key;
      LabelsPtr glabels;
      if (op == AggOp::kCountValues) {
        key = s.metric->HashFor(grouping, on);
        LabelsBuilder b;
        if (on) {
          for (const auto& x : *s.metric) {
            if (std::find(grouping.begin(), grouping.end(), x.name) != grouping.end()) b.Set(x.name, x.value);
          }
        } else {
          b = LabelsBuilder(*s.metric);
          for (const auto& g : grouping) b.Del(g);
          b.Del(kMetricNameLabel);
        }
        glabels = std::make_shared<const Labels>(b.Build());
      } else {
        const auto& gk = group_key(s.metric);
        key = gk.first;
        glabels = gk.second;
      }
      auto [it, inserted] = index.emplace(key, groups.size());
      if (inserted) {
        Group g;
        g.labels = std::move(glabels);
        g.value = s.v;
        g.mean = s.v;
        g.count = 1;
        if (op == AggOp::kStddev || op == AggOp::kStdvar) g.value = 0;
        if (op == AggOp::kGroup) g.value = 1;
        g.members.push_back(&s);
        g.values.push_back(s.v);
        groups.push_back(std::move(g));
        continue;
      }
      Group& g = groups[it->second];
      switch (op) {
        case AggOp::kSum:
          g.value += s.v;
          break;
        case AggOp::kAvg:
          g.count++;
          if (std::isinf(g.mean)) {
            if (std::isinf(s.v) && (g.mean > 0) == (s.v > 0)) break;
            if (!std::isinf(s.v) && !std::isnan(s.v)) break;
          }
          g.mean += s.v / g.count - g.mean / g.count;
          break;
        case AggOp::kGroup:
          break;
        case AggOp::kCount:
        case AggOp::kCountValues:
          g.count++;
          break;
        case AggOp::kMax:
          if (g.value < s.v || std::isnan(g.value)) g.value = s.v;
          break;
        case AggOp::kMin:
          if (g.value > s.v || std::isnan(g.value)) g.value = s.v;
          break;
        case AggOp::kStddev:
        case AggOp::kStdvar: {
          g.count++;
          double delta = s.v - g.mean;
          g.mean += delta / g.count;
          g.value += delta * (s.v - g.mean);
          break;
        }
        case AggOp::kTopk:
        case AggOp::kBottomk:
        case AggOp::kQuantile:
          g.members.push_back(&s);
          g.values.push_back(s.v);
          break;
      }
    }
    StepVector& res = out.vec[i];
    int64_t ts = ev.StepTime(i);
    for (auto& g : groups) {
      double v = g.value;
      switch (op) {
        case AggOp::kAvg:
          v = g.mean;
          break;
        case AggOp::kCount:
        case AggOp::kCountValues:
          v = g.count;
          break;
        case AggOp::kStddev:
          v = std::sqrt(g.value / g.count);
          break;
        case AggOp::kStdvar:
          v = g.value / g.count;
          break;
        case AggOp::kQuantile:
          v = Quantile(p, g.values);
          break;
        case AggOp::kTopk:
        case AggOp::kBottomk: {
          bool top = op == AggOp::kTopk;
          auto& m = g.members;
          // NaN ranks last either way; ties keep their input order.
          std::stable_sort(m.begin(), m.end(), [top](const StepSample* a, const StepSample* b) {
            if (std::isnan(a->v)) return false;
            if (std::isnan(b->v)) return true;
            return top ? a->v > b->v : a->v < b->v;
          });
          size_t take = std::min<size_t>(m.size(), static_cast<size_t>(k));
          for (size_t j = 0; j < take; ++j) res.push_back(StepSample{m[j]->metric, m[j]->v, ts});
          continue;
        }
        default:
          break;
      }
      res.push_back(StepSample{g.labels, v, ts});
    }
  }
  return out;
}

}  // namespace foresight::query::internal
