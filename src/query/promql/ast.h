// The PromQL abstract syntax tree (Prometheus 2.42) and its canonical printer.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/matcher.h"

namespace foresight::query::promql {

enum class ValueType { kNone, kScalar, kVector, kMatrix, kString };
// "scalar", "instant vector", "range vector", "string", "none" as Prometheus words them.
std::string ValueTypeName(ValueType t);

enum class BinOp {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kAtan2,
  kEql,
  kNeq,
  kGtr,
  kLss,
  kGte,
  kLte,
  kAnd,
  kOr,
  kUnless
};
std::string BinOpString(BinOp op);
bool IsComparison(BinOp op);
bool IsSetOp(BinOp op);  // and, or, unless

enum class AggOp {
  kSum,
  kAvg,
  kCount,
  kMin,
  kMax,
  kGroup,
  kStddev,
  kStdvar,
  kTopk,
  kBottomk,
  kCountValues,
  kQuantile
};
std::string AggOpString(AggOp op);
bool AggHasParam(AggOp op);  // topk, bottomk, count_values, quantile

enum class Cardinality { kOneToOne, kManyToOne, kOneToMany, kManyToMany };

struct VectorMatching {
  Cardinality card = Cardinality::kOneToOne;
  std::vector<std::string> matching_labels;  // on(...) / ignoring(...)
  bool on = false;
  std::vector<std::string> include;  // group_left(...) / group_right(...)
};

enum class AtMode { kNone, kTimestamp, kStart, kEnd };

struct FunctionDef;

enum class ExprKind {
  kNumber,
  kString,
  kVectorSelector,
  kMatrixSelector,
  kSubquery,
  kParen,
  kUnary,
  kBinary,
  kCall,
  kAggregate
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

// One node type with a kind tag; the fields used depend on the kind (see comments).
struct Expr {
  ExprKind kind = ExprKind::kNumber;
  int pos = 0;  // byte offset of the node's first character in the query

  double number = 0;  // kNumber
  std::string str;    // kString: the unquoted value

  // kVectorSelector: name and matchers (the __name__ matcher included); offset and @ live here, and on
  // kSubquery. A kMatrixSelector holds its kVectorSelector in `inner` and the range in range_ms.
  std::string name;
  std::vector<Matcher> matchers;
  int64_t offset_ms = 0;
  AtMode at = AtMode::kNone;
  int64_t at_ms = 0;  // with AtMode::kTimestamp

  int64_t range_ms = 0;  // kMatrixSelector, kSubquery
  int64_t step_ms = 0;   // kSubquery; 0: the default evaluation interval

  // kParen, kUnary (op is kAdd or kSub), kSubquery, kMatrixSelector: inner. kBinary: lhs and rhs.
  ExprPtr inner;
  ExprPtr lhs, rhs;
  BinOp op = BinOp::kAdd;
  int op_pos = 0;  // kBinary: byte offset of the operator (type errors about the operator point there)
  bool return_bool = false;
  std::optional<VectorMatching> matching;  // kBinary between two vectors

  const FunctionDef* func = nullptr;  // kCall
  std::vector<ExprPtr> args;          // kCall

  AggOp agg = AggOp::kSum;  // kAggregate: agg(param, inner)
  ExprPtr param;
  std::vector<std::string> grouping;
  bool without = false;

  ValueType Type() const;
  std::string String() const;  // canonical form, as Prometheus' String()
};

// Prometheus' model.Duration form: 1h30m, 5m, 1d, 2w, 1y, 150ms, 0s.
std::string FormatDuration(int64_t ms);
// Parses a duration like 1h30m (units y w d h m s ms, each at most once, in that order). "0" is accepted.
std::optional<int64_t> ParseDuration(std::string_view s);
// Go's fmt.Sprint(float64) form: 1, 0.5, 1e+06, +Inf, NaN.
std::string FormatNumber(double v);
// Go's strconv.Quote form: "a\"b\n".
std::string QuoteString(std::string_view s);

}  // namespace foresight::query::promql
