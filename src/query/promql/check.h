// Type checks of the PromQL parser (Prometheus' checkAST). Each returns "" or the error text.
#pragma once

#include <string>

#include "query/promql/ast.h"

namespace foresight::query::promql {

// Also normalises the node: set operators become many-to-many; vector matching is dropped when an
// operand is a scalar, and defaulted when both are vectors.
std::string CheckBinaryExpr(Expr& e);
std::string CheckCallExpr(const Expr& e);
std::string CheckAggregateExpr(const Expr& e);

}  // namespace foresight::query::promql
