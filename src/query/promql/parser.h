// The PromQL parser (Prometheus 2.42 grammar and type checks).
#pragma once

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/matcher.h"
#include "query/promql/ast.h"

namespace foresight::query::promql {

// Parses and type-checks a query. Errors are InvalidArgument with Prometheus' text, e.g.
// "1:5: parse error: unexpected end of input".
absl::StatusOr<ExprPtr> ParseExpr(std::string_view input);

// Parses a series selector such as `up{job="x"}` (the HTTP API's match[] parameter).
absl::StatusOr<std::vector<Matcher>> ParseMetricSelector(std::string_view input);

}  // namespace foresight::query::promql
