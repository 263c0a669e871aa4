// Aggregation operators (sum, avg, count, min, max, group, stddev, stdvar, topk, bottomk, count_values,
// quantile) with by/without, as Prometheus 2.42.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "query/engine/evaluator.h"
#include "query/engine/mathutil.h"

namespace foresight::query::internal {
namespace {

using promql::AggOp;

// Prometheus 2.42 keeps topk/bottomk candidates in a Go container/heap of at most k elements (smallest on
// top for topk, largest for bottomk). A strictly better sample replaces the top by heap.Pop then heap.Push,
// and the heap is finally sorted with Go 1.19's sort.Sort. Which of several equal values survive, and their
// output order, follow from these exact sift steps, so they are reproduced one for one (the differential
// test compares tied inputs with a running Prometheus 2.42).
class SelectionHeap {
 public:
  SelectionHeap(bool top, size_t k) : top_(top), k_(k) {}

  void Offer(const StepSample* s) {
    if (items_.size() < k_) {
      items_.push_back(s);
      Up(items_.size() - 1);
      return;
    }
    double head = items_[0]->v;
    bool better = top_ ? head < s->v : head > s->v;
    if (better || (std::isnan(head) && !std::isnan(s->v))) {
      size_t last = items_.size() - 1;  // heap.Pop: the top goes last, the rest is sifted down
      std::swap(items_[0], items_[last]);
      Down(0, last);
      items_[last] = s;  // heap.Push in the freed slot
      Up(last);
    }
  }

  // The heap in output order: sort.Sort(sort.Reverse(heap)). Go 1.19's pdqsort is an insertion sort up to
  // 12 elements; larger heaps are sorted stably, which can order equal values differently from Go.
  const std::vector<const StepSample*>& Sorted() {
    auto reversed_less = [this](size_t i, size_t j) { return Less(j, i); };
    if (items_.size() <= 12) {
      for (size_t i = 1; i < items_.size(); ++i) {
        for (size_t j = i; j > 0 && reversed_less(j, j - 1); --j) std::swap(items_[j], items_[j - 1]);
      }
    } else {
      std::stable_sort(items_.begin(), items_.end(),
                       [this](const StepSample* a, const StepSample* b) { return LessValues(b->v, a->v); });
    }
    return items_;
  }

 private:
  // vectorByValueHeap / vectorByReverseValueHeap: a NaN on the left is always "less".
  bool LessValues(double a, double b) const {
    if (std::isnan(a)) return true;
    return top_ ? a < b : a > b;
  }
  bool Less(size_t i, size_t j) const { return LessValues(items_[i]->v, items_[j]->v); }

  void Up(size_t j) {
    while (j > 0) {
      size_t parent = (j - 1) / 2;
      if (!Less(j, parent)) break;
      std::swap(items_[parent], items_[j]);
      j = parent;
    }
  }

  // Go's down(h, i0, n) over the first n elements.
  void Down(size_t i0, size_t n) {
    size_t i = i0;
    while (true) {
      size_t j = 2 * i + 1;
      if (j >= n) break;
      if (j + 1 < n && Less(j + 1, j)) ++j;
      if (!Less(j, i)) break;
      std::swap(items_[i], items_[j]);
      i = j;
    }
  }

  bool top_;
  size_t k_;
  std::vector<const StepSample*> items_;
};

struct Group {
  double value = 0;
  double mean = 0;
  double count = 0;
  std::vector<double> values;         // quantile
  std::optional<SelectionHeap> heap;  // topk, bottomk
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

// Starts a group of sum/avg/count/min/max/group/stddev/stdvar (and the fields the others share) with `v`.
template <typename G>
void StartGroup(AggOp op, G& g, double v) {
  g.value = v;
  g.mean = v;
  g.count = 1;
  if (op == AggOp::kStddev || op == AggOp::kStdvar) g.value = 0;
  if (op == AggOp::kGroup) g.value = 1;
}

// Adds `v` to a started group of sum/avg/count/min/max/group/stddev/stdvar, as Prometheus 2.42.
template <typename G>
void AddToGroup(AggOp op, G& g, double v) {
  switch (op) {
    case AggOp::kSum:
      g.value += v;
      break;
    case AggOp::kAvg:
      g.count++;
      if (std::isinf(g.mean)) {
        if (std::isinf(v) && (g.mean > 0) == (v > 0)) break;
        if (!std::isinf(v) && !std::isnan(v)) break;
      }
      g.mean += v / g.count - g.mean / g.count;
      break;
    case AggOp::kCount:
    case AggOp::kCountValues:
      g.count++;
      break;
    case AggOp::kMax:
      if (g.value < v || std::isnan(g.value)) g.value = v;
      break;
    case AggOp::kMin:
      if (g.value > v || std::isnan(g.value)) g.value = v;
      break;
    case AggOp::kStddev:
    case AggOp::kStdvar: {
      g.count++;
      double delta = v - g.mean;
      g.mean += delta / g.count;
      g.value += delta * (v - g.mean);
      break;
    }
    default:  // group; topk, bottomk and quantile keep their own state
      break;
  }
}

// The output value of a group of sum/avg/count/min/max/group/stddev/stdvar.
template <typename G>
double GroupResult(AggOp op, const G& g) {
  switch (op) {
    case AggOp::kAvg:
      return g.mean;
    case AggOp::kCount:
    case AggOp::kCountValues:
      return g.count;
    case AggOp::kStddev:
      return std::sqrt(g.value / g.count);
    case AggOp::kStdvar:
      return g.value / g.count;
    default:
      return g.value;
  }
}

// Grouping labels of an aggregation: Prometheus' by/without applied to a series' labels.
Labels GroupLabels(const Labels& l, const std::vector<std::string>& grouping, bool on) {
  LabelsBuilder b;
  if (on) {
    for (const auto& x : l) {
      if (std::find(grouping.begin(), grouping.end(), x.name) != grouping.end()) b.Set(x.name, x.value);
    }
  } else {
    b = LabelsBuilder(l);
    for (const auto& g : grouping) b.Del(g);
    b.Del(kMetricNameLabel);
  }
  return b.Build();
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
  auto group_labels = [&](const Labels& l) {
    return std::make_shared<const Labels>(GroupLabels(l, grouping, on));
  };
  // Dense group ids: by grouping hash (as Prometheus), and per input Labels object so that the steps of a
  // series look their group up without hashing labels again.
  std::vector<LabelsPtr> id_labels;
  absl::flat_hash_map<uint64_t, uint32_t> id_of_key;
  PositionalCache<uint32_t> id_of_labels;
  auto id_for_key = [&](uint64_t key, const Labels& l) {
    auto [it, inserted] = id_of_key.emplace(key, static_cast<uint32_t>(id_labels.size()));
    if (inserted) id_labels.push_back(group_labels(l));
    return it->second;
  };
  auto group_id = [&](size_t position, const LabelsPtr& l) {
    return id_of_labels.Get(position, l.get(), [&] { return id_for_key(l->HashFor(grouping, on), *l); });
  };

  std::vector<Group> groups;    // by group id, valid when stamp[id] is the current step
  std::vector<size_t> stamp;    // step + 1 at which the group was last started
  std::vector<uint32_t> order;  // this step's groups in order of first appearance (Prometheus' output)
  StepVector relabelled;
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
    const StepVector* input = &vec;
    if (op == AggOp::kCountValues) {
      relabelled.clear();
      relabelled.reserve(vec.size());
      for (const auto& s : vec) {
        auto l = std::make_shared<const Labels>(
            LabelsBuilder(*s.metric).Set(value_label, FormatFloatF(s.v)).Build());
        relabelled.push_back(StepSample{std::move(l), s.v, s.t});
      }
      input = &relabelled;
    }
    order.clear();
    for (size_t pos = 0; pos < input->size(); ++pos) {
      const StepSample& s = (*input)[pos];
      uint32_t id = op == AggOp::kCountValues ? id_for_key(s.metric->HashFor(grouping, on), *s.metric)
                                              : group_id(pos, s.metric);
      if (id >= groups.size()) {
        groups.resize(id_labels.size());
        stamp.resize(id_labels.size(), 0);
      }
      Group& g = groups[id];
      if (stamp[id] != i + 1) {
        stamp[id] = i + 1;
        order.push_back(id);
        StartGroup(op, g, s.v);
        g.values.clear();
        if (op == AggOp::kQuantile) g.values.push_back(s.v);
        if (op == AggOp::kTopk || op == AggOp::kBottomk) {
          g.heap.emplace(op == AggOp::kTopk, static_cast<size_t>(k));
          g.heap->Offer(&s);
        }
        continue;
      }
      if (op == AggOp::kTopk || op == AggOp::kBottomk) {
        g.heap->Offer(&s);
      } else if (op == AggOp::kQuantile) {
        g.values.push_back(s.v);
      } else {
        AddToGroup(op, g, s.v);
      }
    }
    StepVector& res = out.vec[i];
    int64_t ts = ev.StepTime(i);
    for (uint32_t id : order) {
      Group& g = groups[id];
      double v = GroupResult(op, g);
      if (op == AggOp::kQuantile) v = Quantile(p, g.values);
      if (op == AggOp::kTopk || op == AggOp::kBottomk) {
        for (const StepSample* m : g.heap->Sorted()) res.push_back(StepSample{m->metric, m->v, ts});
        continue;
      }
      res.push_back(StepSample{id_labels[id], v, ts});
    }
  }
  return out;
}

absl::StatusOr<Value> EvalAggregationBySeries(Evaluator& ev, const Expr& e, SeriesValues in) {
  // Equal label sets across series are an error Prometheus reports while building the function's vector.
  if (!SeriesLabelsDistinct(in.labels)) {
    auto vec = SeriesValuesToVector(ev, std::move(in));
    if (!vec.ok()) return vec.status();
    return EvalAggregation(ev, e, Value{}, std::move(*vec));
  }
  const size_t n = ev.steps();
  const AggOp op = e.agg;
  const bool on = !e.without;
  std::vector<LabelsPtr> id_labels;
  absl::flat_hash_map<uint64_t, uint32_t> id_of_key;
  std::vector<uint32_t> series_group(in.labels.size());
  for (size_t k = 0; k < in.labels.size(); ++k) {
    const Labels& l = *in.labels[k];
    auto [it, inserted] =
        id_of_key.emplace(l.HashFor(e.grouping, on), static_cast<uint32_t>(id_labels.size()));
    if (inserted) id_labels.push_back(std::make_shared<const Labels>(GroupLabels(l, e.grouping, on)));
    series_group[k] = it->second;
  }
  // One accumulator per step and group: too many for many groups over many steps, then step by step.
  const size_t groups = id_labels.size();
  if (groups != 0 && n > (size_t{1} << 22) / groups) {
    auto vec = SeriesValuesToVector(ev, std::move(in));
    if (!vec.ok()) return vec.status();
    return EvalAggregation(ev, e, Value{}, std::move(*vec));
  }
  struct Cell {
    double value = 0, mean = 0, count = 0;  // count 0: not started at this step
  };
  std::vector<Cell> cells(n * groups);
  // Per step, its groups in order of first appearance: the series are visited in the order the step
  // vectors list them, so each group is added to, and appended here, exactly as Prometheus does.
  std::vector<std::vector<uint32_t>> order(n);
  for (size_t k = 0; k < in.labels.size(); ++k) {
    if (k % 256 == 0) {
      if (auto st = ev.CheckAlive(); !st.ok()) return st;
    }
    const uint32_t id = series_group[k];
    for (const auto& [i, v] : in.values[k]) {
      Cell& c = cells[i * groups + id];
      if (c.count == 0) {
        StartGroup(op, c, v);
        order[i].push_back(id);
      } else {
        AddToGroup(op, c, v);
      }
    }
  }
  Value out;
  out.type = ValueType::kVector;
  out.vec.resize(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t ts = ev.StepTime(i);
    out.vec[i].reserve(order[i].size());
    for (uint32_t id : order[i])
      out.vec[i].push_back(StepSample{id_labels[id], GroupResult(op, cells[i * groups + id]), ts});
  }
  return out;
}

}  // namespace foresight::query::internal
