// Values a PromQL query returns: scalar, string, instant vector, range vector (matrix).
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "common/labels.h"
#include "query/promql/ast.h"

namespace foresight::query {

struct Point {
  int64_t t;  // ms
  double v;
};

struct Sample {
  Labels metric;
  int64_t t;  // ms
  double v;
};
using Vector = std::vector<Sample>;

struct Series {
  Labels metric;
  std::vector<Point> points;
};
using Matrix = std::vector<Series>;

struct Scalar {
  int64_t t;
  double v;
};

struct String {
  int64_t t;
  std::string v;
};

using ValueType = promql::ValueType;

struct Result {
  ValueType type = ValueType::kNone;  // kVector, kMatrix, kScalar or kString
  std::variant<Vector, Matrix, Scalar, String> value;
  std::vector<std::string> warnings;
};

// Error classes of the Prometheus HTTP API ("errorType").
enum class ErrorType { kNone, kBadData, kExecution, kTimeout, kCanceled, kInternal, kUnavailable };
std::string_view ErrorTypeName(ErrorType t);  // "bad_data", "execution", "timeout", "canceled", ...
// The class of an error returned by the engine: parse and argument errors are bad_data,
// evaluation errors execution, and so on.
ErrorType ErrorTypeOf(const absl::Status& s);
// Makes an error of the given class with Prometheus' wording as message.
absl::Status QueryError(ErrorType t, std::string msg);

}  // namespace foresight::query
