#include "query/promql/check.h"

#include "absl/strings/str_cat.h"
#include "query/promql/functions.h"

namespace foresight::query::promql {
namespace {

// Go's ValueType as printed with %s (subquery errors use it rather than the documented names).
std::string RawTypeName(ValueType t) {
  switch (t) {
    case ValueType::kScalar:
      return "scalar";
    case ValueType::kVector:
      return "vector";
    case ValueType::kMatrix:
      return "matrix";
    case ValueType::kString:
      return "string";
    case ValueType::kNone:
      break;
  }
  return "none";
}

class Checker {
 public:
  explicit Checker(std::vector<CheckError>* errors) : errors_(errors) {}

  ValueType Check(Expr& e) {
    switch (e.kind) {
      case ExprKind::kNumber:
      case ExprKind::kString:
        break;
      case ExprKind::kParen:
        Check(*e.inner);
        break;
      case ExprKind::kMatrixSelector:
        Check(*e.inner);
        break;
      case ExprKind::kVectorSelector:
        CheckSelector(e);
        break;
      case ExprKind::kSubquery: {
        ValueType t = Check(*e.inner);
        if (t != ValueType::kVector) {
          Add(e.pos,
              absl::StrCat("subquery is only allowed on instant vector, got ", RawTypeName(t), " instead"));
        }
        break;
      }
      case ExprKind::kUnary: {
        ValueType t = Check(*e.inner);
        if (t != ValueType::kScalar && t != ValueType::kVector) {
          Add(e.pos,
              absl::StrCat("unary expression only allowed on expressions of type scalar or instant vector, "
                           "got \"",
                           ValueTypeName(t), "\""));
        }
        break;
      }
      case ExprKind::kBinary:
        CheckBinary(e);
        break;
      case ExprKind::kCall:
        CheckCall(e);
        break;
      case ExprKind::kAggregate:
        ExpectType(*e.inner, ValueType::kVector, "aggregation expression");
        if (e.agg == AggOp::kTopk || e.agg == AggOp::kBottomk || e.agg == AggOp::kQuantile) {
          ExpectType(*e.param, ValueType::kScalar, "aggregation parameter");
        }
        if (e.agg == AggOp::kCountValues) ExpectType(*e.param, ValueType::kString, "aggregation parameter");
        break;
    }
    return e.Type();
  }

 private:
  void Add(int pos, std::string msg) { errors_->push_back(CheckError{pos, std::move(msg)}); }

  void ExpectType(Expr& e, ValueType want, std::string_view context) {
    ValueType got = Check(e);
    if (got != want) {
      Add(e.pos, absl::StrCat("expected type ", ValueTypeName(want), " in ", std::string(context), ", got ",
                              ValueTypeName(got)));
    }
  }

  void CheckSelector(const Expr& e) {
    if (!e.name.empty()) {
      // The name's own matcher is the last one; another __name__ matcher sets it twice.
      for (size_t i = 0; i + 1 < e.matchers.size(); ++i) {
        if (e.matchers[i].name() == "__name__") {
          Add(e.pos, absl::StrCat("metric name must not be set twice: ", QuoteString(e.name), " or ",
                                  QuoteString(e.matchers[i].value())));
        }
      }
      return;
    }
    bool non_empty = false;
    for (const auto& m : e.matchers) non_empty |= !m.MatchesEmpty();
    if (!non_empty) Add(e.pos, "vector selector must contain at least one non-empty matcher");
  }

  void CheckBinary(Expr& e) {
    ValueType lt = Check(*e.lhs), rt = Check(*e.rhs);
    std::string op(BinOpString(e.op));
    if (e.return_bool && !IsComparison(e.op))
      Add(e.op_pos, "bool modifier can only be used on comparison operators");
    if (IsComparison(e.op) && !e.return_bool && lt == ValueType::kScalar && rt == ValueType::kScalar) {
      Add(e.op_pos, "comparisons between scalars must use BOOL modifier");
    }
    if (IsSetOp(e.op)) {
      if (!e.matching) e.matching.emplace();
      if (e.matching->card == Cardinality::kOneToOne) e.matching->card = Cardinality::kManyToMany;
    }
    if (e.matching && e.matching->on) {
      for (const auto& l1 : e.matching->matching_labels) {
        for (const auto& l2 : e.matching->include) {
          if (l1 == l2)
            Add(e.op_pos, absl::StrCat("label \"", l1, "\" must not occur in ON and GROUP clause at once"));
        }
      }
    }
    if (lt != ValueType::kScalar && lt != ValueType::kVector) {
      Add(e.lhs->pos, "binary expression must contain only scalar and instant vector types");
    }
    if (rt != ValueType::kScalar && rt != ValueType::kVector) {
      Add(e.rhs->pos, "binary expression must contain only scalar and instant vector types");
    }
    if (lt != ValueType::kVector || rt != ValueType::kVector) {
      if (e.matching && !e.matching->matching_labels.empty()) {
        Add(e.pos, "vector matching only allowed between instant vectors");
      }
      e.matching.reset();
    } else {
      if (!e.matching) e.matching.emplace();
      if (IsSetOp(e.op) &&
          (e.matching->card == Cardinality::kOneToMany || e.matching->card == Cardinality::kManyToOne)) {
        Add(e.pos, absl::StrCat("no grouping allowed for \"", op, "\" operation"));
      }
    }
    if ((lt == ValueType::kScalar || rt == ValueType::kScalar) && IsSetOp(e.op)) {
      Add(e.pos, absl::StrCat("set operator \"", op, "\" not allowed in binary scalar expression"));
    }
  }

  void CheckCall(Expr& e) {
    const FunctionDef& f = *e.func;
    int nargs = static_cast<int>(f.arg_types.size());
    int got = static_cast<int>(e.args.size());
    if (f.variadic == 0) {
      if (nargs != got) {
        Add(e.pos, absl::StrCat("expected ", nargs, " argument(s) in call to \"", f.name, "\", got ", got));
      }
    } else {
      int na = nargs - 1;
      if (na > got) {
        Add(e.pos,
            absl::StrCat("expected at least ", na, " argument(s) in call to \"", f.name, "\", got ", got));
      } else if (f.variadic > 0 && na + f.variadic < got) {
        Add(e.pos, absl::StrCat("expected at most ", na + f.variadic, " argument(s) in call to \"", f.name,
                                "\", got ", got));
      }
    }
    for (int i = 0; i < got; ++i) {
      int k = i;
      if (k >= nargs) {
        if (f.variadic == 0) break;  // extra arguments of a fixed-arity function are not type checked
        k = nargs - 1;
      }
      ExpectType(*e.args[i], f.arg_types[k], absl::StrCat("call to function \"", f.name, "\""));
    }
  }

  std::vector<CheckError>* errors_;
};

}  // namespace

void CheckAst(Expr& e, std::vector<CheckError>* errors) { Checker(errors).Check(e); }

}  // namespace foresight::query::promql
