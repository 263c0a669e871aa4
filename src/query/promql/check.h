// Type checks of the PromQL parser (Prometheus' checkAST), run once the whole query has parsed, so that a
// syntax error anywhere wins over a type error, as in Prometheus.
#pragma once

#include <string>
#include <vector>

#include "query/promql/ast.h"

namespace foresight::query::promql {

struct CheckError {
  int pos;  // byte offset the error points at
  std::string msg;
};

// Appends every type error of `e` in Prometheus' order (Prometheus reports the first one). Also normalises
// binary expressions: set operators become many-to-many; vector matching is dropped when an operand is a
// scalar, and defaulted when both are vectors.
void CheckAst(Expr& e, std::vector<CheckError>* errors);

}  // namespace foresight::query::promql
