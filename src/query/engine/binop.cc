// Binary operators: scalar/scalar, vector/scalar, vector/vector with one-to-one, many-to-one, one-to-many
// matching and the set operators, as Prometheus 2.42.
#include <cmath>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "query/engine/evaluator.h"

namespace foresight::query::internal {
namespace {

using promql::BinOp;
using promql::Cardinality;
using promql::VectorMatching;

// Returns the result value and whether a comparison keeps the element.
std::pair<double, bool> ElemBinop(BinOp op, double l, double r) {
  switch (op) {
    case BinOp::kAdd:
      return {l + r, true};
    case BinOp::kSub:
      return {l - r, true};
    case BinOp::kMul:
      return {l * r, true};
    case BinOp::kDiv:
      return {l / r, true};
    case BinOp::kPow:
      return {std::pow(l, r), true};
    case BinOp::kMod:
      return {std::fmod(l, r), true};
    case BinOp::kAtan2:
      return {std::atan2(l, r), true};
    case BinOp::kEql:
      return {l, l == r};
    case BinOp::kNeq:
      return {l, l != r};
    case BinOp::kGtr:
      return {l, l > r};
    case BinOp::kLss:
      return {l, l < r};
    case BinOp::kGte:
      return {l, l >= r};
    case BinOp::kLte:
      return {l, l <= r};
    default:
      return {0, false};
  }
}

// As Prometheus 2.42: arithmetic drops the metric name, atan2 and comparisons keep it.
bool DropsName(BinOp op) { return op <= BinOp::kPow; }

uint64_t Signature(const Labels& l, const VectorMatching& m) { return l.HashFor(m.matching_labels, m.on); }

Labels MatchedLabels(const Labels& l, const VectorMatching& m) {
  LabelsBuilder b;
  for (const auto& x : l) {
    bool listed =
        std::find(m.matching_labels.begin(), m.matching_labels.end(), x.name) != m.matching_labels.end();
    if (m.on ? listed : (!listed && x.name != kMetricNameLabel)) b.Set(x.name, x.value);
  }
  return b.Build();
}

// Caches label transformations per input label set for one node.
struct NameDropper {
  absl::flat_hash_map<const Labels*, LabelsPtr> cache;
  LabelsPtr operator()(const LabelsPtr& l) {
    auto it = cache.find(l.get());
    if (it == cache.end()) it = cache.emplace(l.get(), DropMetricName(l)).first;
    return it->second;
  }
};

StepVector SetOp(BinOp op, const StepVector& lhs, const StepVector& rhs, const VectorMatching& m) {
  StepVector out;
  switch (op) {
    case BinOp::kAnd: {
      absl::flat_hash_set<uint64_t> right;
      for (const auto& s : rhs) right.insert(Signature(*s.metric, m));
      for (const auto& s : lhs) {
        if (right.contains(Signature(*s.metric, m))) out.push_back(s);
      }
      break;
    }
    case BinOp::kOr: {
      absl::flat_hash_set<uint64_t> left;
      for (const auto& s : lhs) {
        left.insert(Signature(*s.metric, m));
        out.push_back(s);
      }
      for (const auto& s : rhs) {
        if (!left.contains(Signature(*s.metric, m))) out.push_back(s);
      }
      break;
    }
    case BinOp::kUnless: {
      absl::flat_hash_set<uint64_t> right;
      for (const auto& s : rhs) right.insert(Signature(*s.metric, m));
      for (const auto& s : lhs) {
        if (!right.contains(Signature(*s.metric, m))) out.push_back(s);
      }
      break;
    }
    default:
      break;
  }
  return out;
}

struct ResultLabelCache {
  absl::flat_hash_map<std::pair<const Labels*, const Labels*>, LabelsPtr> cache;
};

LabelsPtr ResultMetric(const LabelsPtr& l, const LabelsPtr& r, BinOp op, const VectorMatching& m,
                       bool ret_bool, ResultLabelCache& cache) {
  auto key = std::make_pair(l.get(), r.get());
  auto it = cache.cache.find(key);
  if (it != cache.cache.end()) return it->second;
  LabelsBuilder b(*l);
  if (DropsName(op) || ret_bool) b.Del(kMetricNameLabel);
  if (m.card == Cardinality::kOneToOne) {
    if (m.on) {
      for (const auto& x : *l) {
        if (std::find(m.matching_labels.begin(), m.matching_labels.end(), x.name) ==
            m.matching_labels.end()) {
          b.Del(x.name);
        }
      }
    } else {
      for (const auto& n : m.matching_labels) b.Del(n);
    }
  } else {
    for (const auto& n : m.include) {
      std::string_view v = r->Get(n);
      if (!v.empty()) {
        b.Set(n, v);
      } else {
        b.Del(n);
      }
    }
  }
  auto res = std::make_shared<const Labels>(b.Build());
  cache.cache.emplace(key, res);
  return res;
}

absl::StatusOr<StepVector> VectorBinop(BinOp op, const StepVector& lhs_in, const StepVector& rhs_in,
                                       const VectorMatching& m, bool ret_bool, ResultLabelCache& cache) {
  const StepVector* lhs = &lhs_in;
  const StepVector* rhs = &rhs_in;
  if (m.card == Cardinality::kOneToMany) std::swap(lhs, rhs);
  absl::flat_hash_map<uint64_t, const StepSample*> right;
  for (const auto& rs : *rhs) {
    uint64_t sig = Signature(*rs.metric, m);
    auto [it, inserted] = right.emplace(sig, &rs);
    if (!inserted) {
      std::string side = m.card == Cardinality::kOneToMany ? "left" : "right";
      return ExecError("found duplicate series for the match group " +
                       LabelsString(MatchedLabels(*rs.metric, m)) + " on the " + side +
                       " hand-side of the operation: [" + LabelsString(*rs.metric) + ", " +
                       LabelsString(*it->second->metric) +
                       "];many-to-many matching not allowed: matching labels must be unique on one side");
    }
  }
  absl::flat_hash_map<uint64_t, absl::flat_hash_set<uint64_t>> matched;
  StepVector out;
  for (const auto& ls : *lhs) {
    uint64_t sig = Signature(*ls.metric, m);
    auto it = right.find(sig);
    if (it == right.end()) continue;
    const StepSample& rs = *it->second;
    double vl = ls.v, vr = rs.v;
    if (m.card == Cardinality::kOneToMany) std::swap(vl, vr);
    auto [value, keep] = ElemBinop(op, vl, vr);
    if (ret_bool) {
      value = keep ? 1.0 : 0.0;
    } else if (!keep) {
      continue;
    }
    LabelsPtr metric = ResultMetric(ls.metric, rs.metric, op, m, ret_bool, cache);
    auto found = matched.find(sig);
    if (m.card == Cardinality::kOneToOne) {
      if (found != matched.end()) {
        return ExecError(
            "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)");
      }
      matched[sig];
    } else {
      uint64_t h = metric->Hash();
      auto& set = matched[sig];
      if (!set.insert(h).second)
        return ExecError("multiple matches for labels: grouping labels must ensure unique results");
    }
    out.push_back(StepSample{std::move(metric), value, ls.t});
  }
  return out;
}

}  // namespace

absl::StatusOr<Value> EvalBinaryOp(Evaluator& ev, const Expr& e, Value lhs, Value rhs) {
  BinOp op = e.op;
  size_t n = ev.steps();
  if (lhs.type == ValueType::kScalar && rhs.type == ValueType::kScalar) {
    Value out;
    out.type = ValueType::kScalar;
    out.scalar.resize(n);
    for (size_t i = 0; i < n; ++i) {
      auto [v, keep] = ElemBinop(op, lhs.scalar[i], rhs.scalar[i]);
      if (promql::IsComparison(op)) v = keep ? 1.0 : 0.0;
      out.scalar[i] = v;
    }
    return out;
  }
  Value out;
  out.type = ValueType::kVector;
  out.vec.resize(n);
  if (lhs.type == ValueType::kVector && rhs.type == ValueType::kVector) {
    const VectorMatching& m = *e.matching;
    ResultLabelCache cache;
    DuplicateLabelsChecker dup;
    for (size_t i = 0; i < n; ++i) {
      if (i % 64 == 0) {
        if (auto st = ev.CheckAlive(); !st.ok()) return st;
      }
      if (promql::IsSetOp(op)) {
        out.vec[i] = SetOp(op, lhs.vec[i], rhs.vec[i], m);
      } else {
        auto r = VectorBinop(op, lhs.vec[i], rhs.vec[i], m, e.return_bool, cache);
        if (!r.ok()) return r.status();
        out.vec[i] = std::move(*r);
      }
      if (auto st = dup.Check(out.vec[i]); !st.ok()) return st;
    }
    return out;
  }
  // Vector and scalar, in either order.
  bool swap = lhs.type == ValueType::kScalar;
  Value& vec = swap ? rhs : lhs;
  Value& sc = swap ? lhs : rhs;
  NameDropper drop;
  DuplicateLabelsChecker dup;
  for (size_t i = 0; i < n; ++i) {
    for (auto& s : vec.vec[i]) {
      double lv = s.v, rv = sc.scalar[i];
      if (swap) std::swap(lv, rv);
      auto [value, keep] = ElemBinop(op, lv, rv);
      if (promql::IsComparison(op) && swap) value = rv;
      if (e.return_bool) {
        value = keep ? 1.0 : 0.0;
        keep = true;
      }
      if (!keep) continue;
      LabelsPtr metric = (DropsName(op) || e.return_bool) ? drop(s.metric) : s.metric;
      out.vec[i].push_back(StepSample{std::move(metric), value, s.t});
    }
    if (auto st = dup.Check(out.vec[i]); !st.ok()) return st;
  }
  return out;
}

}  // namespace foresight::query::internal
