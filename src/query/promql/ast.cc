#include "query/promql/ast.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "query/promql/functions.h"

namespace foresight::query::promql {

std::string ValueTypeName(ValueType t) {
  switch (t) {
    case ValueType::kScalar:
      return "scalar";
    case ValueType::kVector:
      return "instant vector";
    case ValueType::kMatrix:
      return "range vector";
    case ValueType::kString:
      return "string";
    case ValueType::kNone:
      break;
  }
  return "none";
}

std::string BinOpString(BinOp op) {
  static constexpr std::string_view kNames[] = {
      "+", "-", "*", "/", "%", "^", "atan2", "==", "!=", ">", "<", ">=", "<=", "and", "or", "unless"};
  return std::string(kNames[static_cast<int>(op)]);
}

bool IsComparison(BinOp op) { return op >= BinOp::kEql && op <= BinOp::kLte; }
bool IsSetOp(BinOp op) { return op >= BinOp::kAnd; }

std::string AggOpString(AggOp op) {
  static constexpr std::string_view kNames[] = {"sum",  "avg",     "count",        "min",
                                                "max",  "group",   "stddev",       "stdvar",
                                                "topk", "bottomk", "count_values", "quantile"};
  return std::string(kNames[static_cast<int>(op)]);
}

bool AggHasParam(AggOp op) {
  return op == AggOp::kTopk || op == AggOp::kBottomk || op == AggOp::kCountValues || op == AggOp::kQuantile;
}

ValueType Expr::Type() const {
  switch (kind) {
    case ExprKind::kNumber:
      return ValueType::kScalar;
    case ExprKind::kString:
      return ValueType::kString;
    case ExprKind::kVectorSelector:
      return ValueType::kVector;
    case ExprKind::kMatrixSelector:
      return ValueType::kMatrix;
    case ExprKind::kSubquery:
      return ValueType::kMatrix;
    case ExprKind::kParen:
    case ExprKind::kUnary:
      return inner->Type();
    case ExprKind::kBinary:
      return lhs->Type() == ValueType::kScalar && rhs->Type() == ValueType::kScalar ? ValueType::kScalar
                                                                                    : ValueType::kVector;
    case ExprKind::kCall:
      return func->return_type;
    case ExprKind::kAggregate:
      return ValueType::kVector;
  }
  return ValueType::kNone;
}

std::string FormatDuration(int64_t ms) {
  if (ms == 0) return "0s";
  std::string r;
  auto unit = [&](const char* name, int64_t mult, bool exact) {
    if (exact && ms % mult != 0) return;
    if (int64_t v = ms / mult; v > 0) {
      absl::StrAppend(&r, v, name);
      ms -= v * mult;
    }
  };
  unit("y", 1000LL * 60 * 60 * 24 * 365, true);
  unit("w", 1000LL * 60 * 60 * 24 * 7, true);
  unit("d", 1000LL * 60 * 60 * 24, false);
  unit("h", 1000LL * 60 * 60, false);
  unit("m", 1000LL * 60, false);
  unit("s", 1000, false);
  unit("ms", 1, false);
  return r;
}

std::optional<int64_t> ParseDuration(std::string_view s) {
  if (s == "0") return 0;
  if (s.empty()) return std::nullopt;
  static constexpr struct {
    std::string_view unit;
    int64_t mult;
  } kUnits[] = {{"y", 1000LL * 60 * 60 * 24 * 365},
                {"w", 1000LL * 60 * 60 * 24 * 7},
                {"d", 1000LL * 60 * 60 * 24},
                {"h", 1000LL * 60 * 60},
                {"m", 1000LL * 60},
                {"s", 1000},
                {"ms", 1}};
  int64_t total = 0;
  size_t next_unit = 0;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = i;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
    if (j == i || j >= s.size()) return std::nullopt;
    int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data() + i, s.data() + j, v);
    if (ec != std::errc()) return std::nullopt;
    std::string_view unit = (s.substr(j, 2) == "ms") ? s.substr(j, 2) : s.substr(j, 1);
    size_t k = next_unit;
    while (k < std::size(kUnits) && kUnits[k].unit != unit) ++k;
    if (k == std::size(kUnits)) return std::nullopt;
    if (v > std::numeric_limits<int64_t>::max() / kUnits[k].mult) return std::nullopt;
    total += v * kUnits[k].mult;
    if (total < 0) return std::nullopt;
    next_unit = k + 1;
    i = j + unit.size();
  }
  return total;
}

std::string FormatNumber(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == 0) return std::signbit(v) ? "-0" : "0";
  // Shortest round-trip digits, then Go's %v rule (strconv %g, shortest): exponent form when exp < -4 || exp
  // >= 6.
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  size_t e = sci.find('e');
  std::string mant = sci.substr(0, e);
  int exp = std::stoi(sci.substr(e + 1));
  bool neg = mant[0] == '-';
  if (neg) mant.erase(0, 1);
  std::string digits;
  for (char c : mant) {
    if (c != '.') digits += c;
  }
  std::string out = neg ? "-" : "";
  if (exp < -4 || exp >= 6) {
    out += digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char eb[16];
    std::snprintf(eb, sizeof(eb), "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    out += eb;
    return out;
  }
  if (exp < 0) {
    out += "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
  } else if (static_cast<size_t>(exp) + 1 >= digits.size()) {
    out += digits + std::string(static_cast<size_t>(exp) + 1 - digits.size(), '0');
  } else {
    out += digits.substr(0, exp + 1) + "." + digits.substr(exp + 1);
  }
  return out;
}

std::string QuoteString(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\v':
        out += "\\v";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char b[8];
          std::snprintf(b, sizeof(b), "\\x%02x", c);
          out += b;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

namespace {

std::string AtOffsetString(const Expr& e) {
  std::string s;
  switch (e.at) {
    case AtMode::kTimestamp: {
      char b[64];
      std::snprintf(b, sizeof(b), " @ %.3f", static_cast<double>(e.at_ms) / 1000.0);
      s += b;
      break;
    }
    case AtMode::kStart:
      s += " @ start()";
      break;
    case AtMode::kEnd:
      s += " @ end()";
      break;
    case AtMode::kNone:
      break;
  }
  if (e.offset_ms > 0) {
    s += " offset " + FormatDuration(e.offset_ms);
  } else if (e.offset_ms < 0) {
    s += " offset -" + FormatDuration(-e.offset_ms);
  }
  return s;
}

std::string SelectorBody(const Expr& e) {
  std::vector<std::string> parts;
  for (const auto& m : e.matchers) {
    if (m.name() == "__name__" && m.type() == MatchType::kEqual && m.value() == e.name) continue;
    parts.push_back(m.name() + std::string(MatchTypeString(m.type())) + QuoteString(m.value()));
  }
  if (parts.empty()) return e.name;
  std::sort(parts.begin(), parts.end());
  return e.name + "{" + absl::StrJoin(parts, ",") + "}";
}

}  // namespace

std::string Expr::String() const {
  switch (kind) {
    case ExprKind::kNumber:
      return FormatNumber(number);
    case ExprKind::kString:
      return QuoteString(str);
    case ExprKind::kVectorSelector:
      return SelectorBody(*this) + AtOffsetString(*this);
    case ExprKind::kMatrixSelector:
      return SelectorBody(*inner) + "[" + FormatDuration(range_ms) + "]" + AtOffsetString(*inner);
    case ExprKind::kSubquery:
      return inner->String() + "[" + FormatDuration(range_ms) + ":" +
             (step_ms ? FormatDuration(step_ms) : "") + "]" + AtOffsetString(*this);
    case ExprKind::kParen:
      return "(" + inner->String() + ")";
    case ExprKind::kUnary:
      return std::string(BinOpString(op)) + inner->String();
    case ExprKind::kBinary: {
      std::string s = lhs->String() + " " + std::string(BinOpString(op));
      if (return_bool) s += " bool";
      if (matching && (!matching->matching_labels.empty() || matching->on)) {
        s += matching->on ? " on (" : " ignoring (";
        s += absl::StrJoin(matching->matching_labels, ", ") + ")";
        if (matching->card == Cardinality::kManyToOne || matching->card == Cardinality::kOneToMany) {
          s += matching->card == Cardinality::kManyToOne ? " group_left (" : " group_right (";
          s += absl::StrJoin(matching->include, ", ") + ")";
        }
      }
      return s + " " + rhs->String();
    }
    case ExprKind::kCall: {
      std::vector<std::string> a;
      for (const auto& x : args) a.push_back(x->String());
      return func->name + "(" + absl::StrJoin(a, ", ") + ")";
    }
    case ExprKind::kAggregate: {
      std::string s(AggOpString(agg));
      if (without) {
        s += " without (" + absl::StrJoin(grouping, ", ") + ") ";
      } else if (!grouping.empty()) {
        s += " by (" + absl::StrJoin(grouping, ", ") + ") ";
      }
      s += "(";
      if (param) s += param->String() + ", ";
      return s + inner->String() + ")";
    }
  }
  return "";
}

}  // namespace foresight::query::promql
