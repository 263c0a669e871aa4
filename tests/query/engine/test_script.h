// A runner for Prometheus' PromQL test-script format (promql/testdata/*.test):
//   load <interval>            followed by indented `series{labels} values` lines (a+bxN, _, stale)
//   clear
//   eval instant at <time> <expr>         followed by indented expected samples (or a scalar)
//   eval_ordered instant at <time> <expr> the same, in order
//   eval_fail instant at <time> <expr>    the query must fail
// Each eval also runs as a range query around <time> (as Prometheus' harness does) and must agree.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/labels.h"
#include "query/engine/engine.h"
#include "storage/storage.h"

namespace foresight::query::testing {

// The storage a script loads into.
class ScriptStorage {
 public:
  virtual ~ScriptStorage() = default;
  virtual absl::Status Clear() = 0;
  // Appends a batch and commits it.
  virtual absl::Status Load(const std::vector<std::pair<Labels, std::vector<storage::Sample>>>& series) = 0;
  virtual storage::Queryable& queryable() = 0;
};

struct EvalOutcome {
  int line = 0;
  std::string expr;
  bool passed = false;
  std::string error;  // why it failed
};

struct ScriptResult {
  absl::Status status;  // a malformed script
  std::vector<EvalOutcome> evals;
  int passed() const;
};

ScriptResult RunTestScript(const std::string& text, ScriptStorage& storage, Engine& engine);

// Parses a value sequence such as "0+10x3 _ stale 1": missing values are nullopt.
absl::StatusOr<std::vector<std::optional<double>>> ParseSeriesValues(const std::vector<std::string>& tokens);

// Prometheus' test tolerance: relative error 1e-6, NaN equals NaN.
bool AlmostEqual(double a, double b);

}  // namespace foresight::query::testing
