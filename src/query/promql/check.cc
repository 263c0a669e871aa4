#include "query/promql/check.h"

#include "absl/strings/str_cat.h"
#include "query/promql/functions.h"

namespace foresight::query::promql {
namespace {

std::string ExpectType(const Expr& e, ValueType want, std::string_view context) {
  ValueType got = e.Type();
  if (got == want) return "";
  return absl::StrCat("expected type ", ValueTypeName(want), " in ", std::string(context), ", got ",
                      ValueTypeName(got));
}

}  // namespace

std::string CheckBinaryExpr(Expr& e) {
  ValueType lt = e.lhs->Type(), rt = e.rhs->Type();
  std::string op(BinOpString(e.op));
  if (e.return_bool && !IsComparison(e.op)) return "bool modifier can only be used on comparison operators";
  if (IsComparison(e.op) && !e.return_bool && lt == ValueType::kScalar && rt == ValueType::kScalar) {
    return "comparisons between scalars must use BOOL modifier";
  }
  if (IsSetOp(e.op)) {
    if (!e.matching) e.matching.emplace();
    if (e.matching->card == Cardinality::kOneToOne) e.matching->card = Cardinality::kManyToMany;
  }
  if (e.matching && e.matching->on) {
    for (const auto& l1 : e.matching->matching_labels) {
      for (const auto& l2 : e.matching->include) {
        if (l1 == l2) return absl::StrCat("label \"", l1, "\" must not occur in ON and GROUP clause at once");
      }
    }
  }
  if ((lt != ValueType::kScalar && lt != ValueType::kVector) ||
      (rt != ValueType::kScalar && rt != ValueType::kVector)) {
    return "binary expression must contain only scalar and instant vector types";
  }
  if (lt != ValueType::kVector || rt != ValueType::kVector) {
    if (e.matching && !e.matching->matching_labels.empty()) {
      return "vector matching only allowed between instant vectors";
    }
    e.matching.reset();
  } else {
    if (!e.matching) e.matching.emplace();
    if (IsSetOp(e.op)) {
      if (e.matching->card == Cardinality::kOneToMany || e.matching->card == Cardinality::kManyToOne) {
        return absl::StrCat("no grouping allowed for \"", op, "\" operation");
      }
    }
  }
  if ((lt == ValueType::kScalar || rt == ValueType::kScalar) && IsSetOp(e.op)) {
    return absl::StrCat("set operator \"", op, "\" not allowed in binary scalar expression");
  }
  return "";
}

std::string CheckCallExpr(const Expr& e) {
  const FunctionDef& f = *e.func;
  int nargs = static_cast<int>(f.arg_types.size());
  int got = static_cast<int>(e.args.size());
  if (f.variadic == 0) {
    if (nargs != got) {
      return absl::StrCat("expected ", nargs, " argument(s) in call to \"", f.name, "\", got ", got);
    }
  } else {
    int na = nargs - 1;
    if (na > got) {
      return absl::StrCat("expected at least ", na, " argument(s) in call to \"", f.name, "\", got ", got);
    }
    if (f.variadic > 0 && na + f.variadic < got) {
      return absl::StrCat("expected at most ", na + f.variadic, " argument(s) in call to \"", f.name,
                          "\", got ", got);
    }
  }
  for (int i = 0; i < got; ++i) {
    int k = i;
    if (k >= nargs) {
      if (f.variadic == 0) break;
      k = nargs - 1;
    }
    std::string err =
        ExpectType(*e.args[i], f.arg_types[k], absl::StrCat("call to function \"", f.name, "\""));
    if (!err.empty()) return err;
  }
  return "";
}

std::string CheckAggregateExpr(const Expr& e) {
  std::string err = ExpectType(*e.inner, ValueType::kVector, "aggregation expression");
  if (!err.empty()) return err;
  if (e.agg == AggOp::kTopk || e.agg == AggOp::kBottomk || e.agg == AggOp::kQuantile) {
    return ExpectType(*e.param, ValueType::kScalar, "aggregation parameter");
  }
  if (e.agg == AggOp::kCountValues) return ExpectType(*e.param, ValueType::kString, "aggregation parameter");
  return "";
}

}  // namespace foresight::query::promql
