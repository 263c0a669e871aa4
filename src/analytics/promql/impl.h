// Internal: the implementations behind RegisterAnalyticsFunctions, one call per evaluation step.
#pragma once

#include "absl/status/statusor.h"
#include "query/engine/engine.h"

namespace foresight::analytics::promql {

enum class ForecastPart { kPoint, kLower, kUpper };
absl::StatusOr<query::Vector> ForecastFunction(const query::FunctionCall& call, ForecastPart part);
absl::StatusOr<query::Vector> PredictSeasonalFunction(const query::FunctionCall& call);

}  // namespace foresight::analytics::promql
