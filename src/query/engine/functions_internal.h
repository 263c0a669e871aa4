// Internal: the parts of function evaluation split across files.
#pragma once

#include <vector>

#include "query/engine/evaluator.h"

namespace foresight::query::internal {

absl::StatusOr<Value> EvalInstantFunction(Evaluator& ev, const Expr& e, std::vector<Value>& args);
absl::StatusOr<Value> EvalRangeFunction(Evaluator& ev, const Expr& e, std::vector<Value>& args,
                                        RangeInput& range, int range_arg);
// absent()/absent_over_time() labels: the equality matchers of the selector argument.
LabelsPtr AbsentLabelsFor(const Expr& arg);

}  // namespace foresight::query::internal
