// The table of PromQL functions known to the parser: names, argument types, return type.
// Prometheus 2.42's functions are built in; extension functions (Foresight analytics) are added with
// RegisterFunction, which refuses a name that Prometheus uses or that is already registered.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "query/promql/ast.h"

namespace foresight::query::promql {

struct FunctionDef {
  std::string name;
  std::vector<ValueType> arg_types;
  // As Prometheus: 0: exactly arg_types.size() arguments; N > 0: from size()-1 up to size()-1+N arguments
  // (the last is optional); -1: at least size()-1, the last type repeating without limit (label_join).
  int variadic = 0;
  ValueType return_type = ValueType::kVector;
  bool extension = false;  // registered through RegisterFunction
};

// The function of that name, or nullptr. Thread-safe.
const FunctionDef* LookupFunction(std::string_view name);

// Adds an extension function. Errors: AlreadyExists for a Prometheus name or a registered one,
// InvalidArgument for a bad name or signature. The returned pointer stays valid for the process.
absl::Status RegisterFunction(FunctionDef def);

// True for the names of Prometheus 2.42's own functions (reserved even for future registration).
bool IsPrometheusFunction(std::string_view name);

}  // namespace foresight::query::promql
