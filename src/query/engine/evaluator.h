// Internal: the evaluator behind Engine. Every node of type vector or scalar evaluates to one value per
// step (Prometheus' rangeEval); range vectors are only materialised as per-step windows for functions.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/labels.h"
#include "query/engine/engine.h"
#include "query/engine/value.h"
#include "query/promql/ast.h"
#include "storage/storage.h"

namespace foresight::query::internal {

using promql::Expr;
using LabelsPtr = std::shared_ptr<const Labels>;

struct StepSample {
  LabelsPtr metric;
  double v;
  int64_t t;  // the sample's own timestamp for a selector, else the step time
};
using StepVector = std::vector<StepSample>;

struct Value {
  ValueType type = ValueType::kNone;
  std::vector<StepVector> vec;  // kVector: one per step
  std::vector<double> scalar;   // kScalar: one per step
  std::string str;              // kString
};

struct LoadedSeries {
  LabelsPtr metric;
  std::vector<storage::Sample> samples;  // in time order
};

// A range-vector argument: series and how each step maps to a window [ref - range, ref].
struct RangeInput {
  std::vector<LoadedSeries> series;  // stale markers removed
  int64_t range = 0;
  int64_t offset = 0;
  promql::AtMode at = promql::AtMode::kNone;
  int64_t at_ms = 0;
};

// State shared by an evaluator and the evaluators of its subqueries.
struct QueryContext {
  storage::Querier* querier = nullptr;
  int64_t query_start = 0, query_end = 0;  // for @ start() / end()
  int64_t lookback = 5 * 60 * 1000;
  int64_t default_step = 60 * 1000;  // subqueries without a step (Prometheus' default evaluation interval)
  int64_t max_samples = 50'000'000;
  int64_t samples = 0;
  std::chrono::steady_clock::time_point deadline;
  const std::atomic<bool>* cancel = nullptr;
  std::vector<std::string> warnings;
};

class Evaluator {
 public:
  Evaluator(QueryContext* ctx, int64_t start, int64_t end, int64_t interval);

  absl::StatusOr<Value> Eval(const Expr& e);
  // A range selector or subquery as a matrix of raw points at the first step (instant queries only).
  absl::StatusOr<Matrix> EvalRangeAtStart(const Expr& e);

  size_t steps() const { return steps_; }
  int64_t StepTime(size_t i) const { return start_ + static_cast<int64_t>(i) * interval_; }
  int64_t start() const { return start_; }
  int64_t end() const { return end_; }
  QueryContext* ctx() { return ctx_; }

  absl::Status CheckAlive();
  absl::Status AddSamples(int64_t n);
  int64_t AtTime(promql::AtMode at, int64_t at_ms, int64_t ts) const;

  // Loads a matrix selector's or subquery's series for the whole evaluation range.
  absl::StatusOr<RangeInput> LoadRange(const Expr& e);

 private:
  absl::StatusOr<std::vector<LoadedSeries>> Select(const Expr& vs, int64_t mint, int64_t maxt, int64_t range,
                                                   std::string_view func);
  absl::StatusOr<Value> EvalVectorSelector(const Expr& e, bool sample_timestamps);
  absl::StatusOr<Value> EvalUnary(const Expr& e);
  absl::StatusOr<Value> EvalBinary(const Expr& e);
  absl::StatusOr<Value> EvalAggregate(const Expr& e);
  absl::StatusOr<Value> EvalCall(const Expr& e);
  absl::StatusOr<RangeInput> EvalSubqueryRange(const Expr& e);

  QueryContext* ctx_;
  int64_t start_, end_, interval_;
  size_t steps_;
};

// Walks a series' samples with a window [lo, hi] that only moves forward.
class WindowCursor {
 public:
  explicit WindowCursor(const std::vector<storage::Sample>* s) : s_(s) {}
  std::span<const storage::Sample> Window(int64_t lo, int64_t hi);

 private:
  const std::vector<storage::Sample>* s_;
  size_t lo_ = 0, hi_ = 0;
};

// Saturating time arithmetic: huge offsets or ranges must not overflow (UB), they clamp.
inline int64_t SatSub(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_sub_overflow(a, b, &r)) return b > 0 ? storage::kMinTime : storage::kMaxTime;
  return r;
}

// Helpers shared by the evaluator's parts.
LabelsPtr DropMetricName(const LabelsPtr& l);
// Prometheus' labels.String(): {__name__="a", b="c"}.
std::string LabelsString(const Labels& l);
// "vector cannot contain metrics with the same labelset" when two samples share labels.
absl::Status CheckDuplicateLabels(const StepVector& v);
absl::Status ExecError(std::string msg);

// Implemented in binop.cc, aggregate.cc, functions.cc.
absl::StatusOr<Value> EvalBinaryOp(Evaluator& ev, const Expr& e, Value lhs, Value rhs);
absl::StatusOr<Value> EvalAggregation(Evaluator& ev, const Expr& e, Value param, Value in);
absl::StatusOr<Value> EvalFunction(Evaluator& ev, const Expr& e, std::vector<Value> args, RangeInput* range,
                                   int range_arg);

// Extension implementations registered through RegisterExtensionFunction.
const ExtensionFunction* LookupExtension(std::string_view name);
void RegisterExtensionImpl(const std::string& name, ExtensionFunction impl);

}  // namespace foresight::query::internal
