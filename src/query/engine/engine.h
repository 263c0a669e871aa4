// The PromQL engine: instant and range queries over a storage::Queryable, with Prometheus 2.42 semantics.
//
//   Engine engine;
//   auto r = engine.Range(db, "rate(http_requests_total[5m])", start_ms, end_ms, step_ms);
//
// Each selector selects its series once for the whole query; range queries walk every series once.
// Limits: samples held at once, a timeout, and a cap on concurrent queries (a semaphore).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>

#include "absl/status/statusor.h"
#include "query/engine/value.h"
#include "query/promql/ast.h"
#include "query/promql/functions.h"
#include "storage/storage.h"

namespace foresight::query {

namespace internal {
class WorkerPool;
}

struct EngineOptions {
  int64_t lookback_delta_ms = 5 * 60 * 1000;  // --query.lookback-delta
  int64_t max_samples = 50'000'000;           // --query.max-samples
  int64_t timeout_ms = 2 * 60 * 1000;         // --query.timeout
  int max_concurrent = 20;                    // --query.max-concurrency
  // Threads (the query's own included) that evaluate the series of a range function (rate, *_over_time,
  // ...) in parallel, shared by all queries of the engine: 0 = the hardware's threads, 1 = serial.
  int eval_threads = 0;  // --query.eval-threads
};

struct QueryOptions {
  const std::atomic<bool>* cancel = nullptr;  // set to true to cancel the running query
  int64_t lookback_delta_ms = 0;              // overrides the engine's when > 0
};

class Engine {
 public:
  explicit Engine(EngineOptions options = {});
  ~Engine();

  // Evaluates `query` at `time_ms`. Result types: vector, scalar, string, or matrix for a range selector.
  absl::StatusOr<Result> Instant(storage::Queryable& db, std::string_view query, int64_t time_ms,
                                 const QueryOptions& opts = {});
  // Evaluates `query` at start, start+step, ... <= end. The result is a matrix sorted by labels
  // (a scalar query gives one series without labels).
  absl::StatusOr<Result> Range(storage::Queryable& db, std::string_view query, int64_t start_ms,
                               int64_t end_ms, int64_t step_ms, const QueryOptions& opts = {});

  // The same on a parsed expression.
  absl::StatusOr<Result> InstantExpr(storage::Queryable& db, const promql::Expr& expr, int64_t time_ms,
                                     const QueryOptions& opts = {});
  absl::StatusOr<Result> RangeExpr(storage::Queryable& db, const promql::Expr& expr, int64_t start_ms,
                                   int64_t end_ms, int64_t step_ms, const QueryOptions& opts = {});

  const EngineOptions& options() const { return options_; }

 private:
  absl::StatusOr<Result> Exec(storage::Queryable& db, const promql::Expr& expr, int64_t start, int64_t end,
                              int64_t step, bool instant, const QueryOptions& opts);

  EngineOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  int running_ = 0;
  std::unique_ptr<internal::WorkerPool> pool_;  // null when eval_threads is 1
};

// An extension function's arguments at one evaluation step.
struct FunctionArg {
  ValueType type = ValueType::kNone;
  double scalar = 0;  // kScalar
  std::string str;    // kString
  Vector vector;      // kVector
  Matrix matrix;      // kMatrix: each series' samples in the window [t - range, t] (stale markers removed)
};

struct FunctionCall {
  int64_t t = 0;         // evaluation time (ms)
  int64_t range_ms = 0;  // the range of the range-vector argument, if any
  std::vector<FunctionArg> args;
};

// Returns the output samples of one step (their t is ignored; the step time is used).
using ExtensionFunction = std::function<absl::StatusOr<Vector>(const FunctionCall& call)>;

// Registers an extension function: its signature with the parser (names of Prometheus functions and
// already registered names are refused) and its implementation with the engine.
absl::Status RegisterExtensionFunction(promql::FunctionDef def, ExtensionFunction impl);

}  // namespace foresight::query
