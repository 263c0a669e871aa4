// Internal: the evaluator behind Engine. Every node of type vector or scalar evaluates to one value per
// step (Prometheus' rangeEval); range vectors are only materialised as per-step windows for functions.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "common/labels.h"
#include "query/engine/engine.h"
#include "query/engine/value.h"
#include "query/engine/worker_pool.h"
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

// A range function's result kept by series (for an aggregation over it, which then needs no step vectors):
// per input series its output labels and its (step index, value) samples in step order.
struct SeriesValues {
  std::vector<LabelsPtr> labels;
  std::vector<std::vector<std::pair<uint32_t, double>>> values;
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
  // Instead of `series`, for a matrix selector read by a range function: the selected series, decoded one
  // at a time by Evaluator::NextSeries into one reused buffer (a range query over thousands of series then
  // holds one series' samples, not all of them).
  std::unique_ptr<storage::SeriesSet> stream;
  int64_t stream_mint = 0, stream_maxt = 0;
};

// State shared by an evaluator and the evaluators of its subqueries.
struct QueryContext {
  storage::Querier* querier = nullptr;
  int64_t query_start = 0, query_end = 0;  // for @ start() / end()
  int64_t lookback = 5 * 60 * 1000;
  int64_t default_step = 60 * 1000;  // subqueries without a step (Prometheus' default evaluation interval)
  int64_t max_samples = 50'000'000;
  std::atomic<int64_t> samples{0};  // added to by the workers of a parallel range function too
  std::chrono::steady_clock::time_point deadline;
  const std::atomic<bool>* cancel = nullptr;
  std::vector<std::string> warnings;
  WorkerPool* pool = nullptr;  // null or of size 1: range functions evaluate their series serially
};

// A selected series not yet read: its labels and an iterator that does not depend on the series set
// (storage iterators own what they read), so that another thread can read it.
struct PendingSeries {
  LabelsPtr metric;
  std::unique_ptr<storage::SampleIterator> it;
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

  // Both are safe to call from the workers of a parallel range function.
  absl::Status CheckAlive() const;
  absl::Status AddSamples(int64_t n) const;
  int64_t AtTime(promql::AtMode at, int64_t at_ms, int64_t ts) const;

  // Loads a matrix selector's or subquery's series for the whole evaluation range; with `stream`, a matrix
  // selector's series are left to NextSeries.
  absl::StatusOr<RangeInput> LoadRange(const Expr& e, bool stream = false);
  // The next series of a streamed range input into `out` (stale markers removed); false at the end.
  absl::StatusOr<bool> NextSeries(RangeInput& in, LoadedSeries* out);
  // The rest of a streamed range input's series, unread, for workers to read with ReadPending.
  absl::StatusOr<std::vector<PendingSeries>> TakePending(RangeInput& in);
  // Reads a pending series as NextSeries would (thread-safe; `p.it` is used up).
  absl::Status ReadPending(const RangeInput& in, PendingSeries& p, LoadedSeries* out) const;

 private:
  absl::StatusOr<std::vector<LoadedSeries>> Select(const Expr& vs, int64_t mint, int64_t maxt, int64_t range,
                                                   std::string_view func);
  absl::StatusOr<std::unique_ptr<storage::SeriesSet>> OpenSelect(const Expr& vs, int64_t mint, int64_t maxt,
                                                                 int64_t range, std::string_view func);
  // Reads one series' samples in [mint, maxt] into `out` (replacing what it held).
  absl::Status ReadSeries(const storage::Series& s, int64_t mint, int64_t maxt, LoadedSeries* out);
  absl::Status ReadSamples(storage::SampleIterator& it, int64_t mint, int64_t maxt,
                           std::vector<storage::Sample>* samples) const;
  absl::StatusOr<Value> EvalVectorSelector(const Expr& e, bool sample_timestamps);
  absl::StatusOr<Value> EvalInstantSelector(const Expr& e, bool sample_timestamps);
  absl::StatusOr<Value> EvalUnary(const Expr& e);
  absl::StatusOr<Value> EvalBinary(const Expr& e);
  absl::StatusOr<Value> EvalAggregate(const Expr& e);
  absl::StatusOr<Value> EvalCall(const Expr& e);
  // Evaluates a call's arguments: the range-vector one (if any) into `range` at index `range_arg`.
  absl::Status EvalCallArgs(const Expr& e, std::vector<Value>* args, RangeInput* range, int* range_arg);
  absl::StatusOr<RangeInput> EvalSubqueryRange(const Expr& e);

  QueryContext* ctx_;
  int64_t start_, end_, interval_;
  size_t steps_;
};

// Finds a value per Labels object (a group id, a label set id, an output series), remembering the answer per
// position in the step: the steps of a value mostly list the same series in the same order, so most
// lookups are one pointer compare instead of a hash map probe.
template <typename V>
class PositionalCache {
 public:
  // `compute` is called once per distinct Labels object.
  template <typename F>
  V Get(size_t position, const Labels* l, F&& compute) {
    if (position < by_position_.size() && by_position_[position].first == l)
      return by_position_[position].second;
    auto it = by_labels_.find(l);
    V v = it != by_labels_.end() ? it->second : by_labels_.emplace(l, compute()).first->second;
    if (position >= by_position_.size()) by_position_.resize(position + 1, {nullptr, V{}});
    by_position_[position] = {l, v};
    return v;
  }

 private:
  absl::flat_hash_map<const Labels*, V> by_labels_;
  std::vector<std::pair<const Labels*, V>> by_position_;
};

// Walks a series' samples with a window [lo, hi] that only moves forward.
class WindowCursor {
 public:
  explicit WindowCursor(const std::vector<storage::Sample>* s) : s_(s) {}
  std::span<const storage::Sample> Window(int64_t lo, int64_t hi) {
    const auto& s = *s_;
    while (lo_ < s.size() && s[lo_].t < lo) ++lo_;
    if (hi_ < lo_) hi_ = lo_;
    while (hi_ < s.size() && s[hi_].t <= hi) ++hi_;
    return std::span<const storage::Sample>(s.data() + lo_, hi_ - lo_);
  }

 private:
  const std::vector<storage::Sample>* s_;
  size_t lo_ = 0, hi_ = 0;
};

// "vector cannot contain metrics with the same labelset" when two samples of one step share labels. The
// steps of a series share one Labels object, so each object is hashed once per query and the steps of a
// value only compare small ids (hashing labels per sample and step was a third of a range query's time).
class DuplicateLabelsChecker {
 public:
  absl::Status Check(const StepVector& v);

 private:
  uint32_t NewClass(const Labels* l);

  PositionalCache<uint32_t> class_of_;                            // Labels object -> label set id
  absl::flat_hash_map<uint64_t, std::vector<uint32_t>> by_hash_;  // label set ids by content hash
  std::vector<const Labels*> class_labels_;
  std::vector<uint64_t> last_step_;  // per label set id: the last step it was seen in
  uint64_t step_ = 0;
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
absl::Status ExecError(std::string msg);

// Implemented in binop.cc, aggregate.cc, functions.cc.
absl::StatusOr<Value> EvalBinaryOp(Evaluator& ev, const Expr& e, Value lhs, Value rhs);
absl::StatusOr<Value> EvalAggregation(Evaluator& ev, const Expr& e, Value param, Value in);
absl::StatusOr<Value> EvalFunction(Evaluator& ev, const Expr& e, std::vector<Value> args, RangeInput* range,
                                   int range_arg);
// Implemented in functions_range.cc: a range function evaluated on the worker pool into SeriesValues, or
// nullopt (nothing consumed) when it is evaluated serially; and SeriesValues as the vector Prometheus builds,
// with its duplicate label set check.
absl::StatusOr<std::optional<SeriesValues>> EvalRangeFunctionBySeries(Evaluator& ev, const Expr& e,
                                                                      std::vector<Value>& args,
                                                                      RangeInput& range, int range_arg);
absl::StatusOr<Value> SeriesValuesToVector(Evaluator& ev, SeriesValues in);
// True when no two of the label sets are equal.
bool SeriesLabelsDistinct(const std::vector<LabelsPtr>& series_labels);
// Implemented in aggregate.cc: an aggregation without parameter over a range function's SeriesValues.
absl::StatusOr<Value> EvalAggregationBySeries(Evaluator& ev, const Expr& e, SeriesValues in);

// Extension implementations registered through RegisterExtensionFunction.
const ExtensionFunction* LookupExtension(std::string_view name);
void RegisterExtensionImpl(const std::string& name, ExtensionFunction impl);

}  // namespace foresight::query::internal
