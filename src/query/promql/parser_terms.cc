// The PromQL parser: literals, selectors, function calls and aggregations.
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "query/promql/functions.h"
#include "query/promql/parser_impl.h"

namespace foresight::query::promql::internal {

double Parser::NumberValue(const Token& t) {
  std::string s = t.text;
  std::string lower = absl::AsciiStrToLower(s);
  if (lower == "inf") return INFINITY;
  if (lower == "nan") return NAN;
  // Integers with base prefixes (0x.., 0..) as Go's ParseInt(s, 0, 64), else a float.
  if (s.find_first_of(".eEpP") == std::string::npos ||
      (lower.rfind("0x", 0) == 0 && s.find('.') == std::string::npos)) {
    errno = 0;
    char* end = nullptr;
    long long v = std::strtoll(s.c_str(), &end, 0);
    if (errno == 0 && end && *end == '\0') return static_cast<double>(v);
  }
  return std::strtod(s.c_str(), nullptr);
}

ExprPtr Parser::ParsePrimary() {
  const Token& t = Peek();
  switch (t.type) {
    case Tok::kNumber: {
      auto e = std::make_unique<Expr>();
      e->kind = ExprKind::kNumber;
      e->pos = t.pos;
      e->number = NumberValue(Next());
      return e;
    }
    case Tok::kString: {
      auto e = std::make_unique<Expr>();
      e->kind = ExprKind::kString;
      e->pos = t.pos;
      e->str = Next().value;
      return e;
    }
    case Tok::kLeftParen: {
      auto e = std::make_unique<Expr>();
      e->kind = ExprKind::kParen;
      e->pos = Next().pos;
      e->inner = ParseBinary(0);
      if (failed_) return e;
      if (Peek().type != Tok::kRightParen) {
        Unexpected(Peek(), "paren expression", "\")\"");
        return e;
      }
      Next();
      return e;
    }
    case Tok::kLeftBrace:
      return ParseSelector("", t.pos);
    case Tok::kMetricIdentifier: {
      int pos = t.pos;
      std::string name = Next().text;
      return ParseSelector(name, pos);
    }
    case Tok::kIdentifier: {
      std::string w = Lower(t);
      static const std::pair<const char*, AggOp> kAggs[] = {{"sum", AggOp::kSum},
                                                            {"avg", AggOp::kAvg},
                                                            {"count", AggOp::kCount},
                                                            {"min", AggOp::kMin},
                                                            {"max", AggOp::kMax},
                                                            {"group", AggOp::kGroup},
                                                            {"stddev", AggOp::kStddev},
                                                            {"stdvar", AggOp::kStdvar},
                                                            {"topk", AggOp::kTopk},
                                                            {"bottomk", AggOp::kBottomk},
                                                            {"count_values", AggOp::kCountValues},
                                                            {"quantile", AggOp::kQuantile}};
      for (const auto& [name, op] : kAggs) {
        if (w == name) {
          const Token& n = Peek(1);
          if (n.type == Tok::kLeftParen || IsWord(n, "by") || IsWord(n, "without")) return ParseAggregate(op);
        }
      }
      if (Peek(1).type == Tok::kLeftParen) return ParseCall();
      static const char* kReserved[] = {"by",   "without", "on", "ignoring", "group_left", "group_right",
                                        "bool", "and",     "or", "unless",   "atan2",      "offset"};
      for (const char* r : kReserved) {
        if (w == r) {
          Unexpected(t);
          return Dummy();
        }
      }
      int pos = t.pos;
      std::string name = Next().text;
      return ParseSelector(name, pos);
    }
    case Tok::kEOF:
      Unexpected(t);
      return Dummy();
    default:
      Unexpected(t);
      return Dummy();
  }
}

ExprPtr Parser::ParseSelector(std::string name, int pos) {
  auto e = std::make_unique<Expr>();
  e->kind = ExprKind::kVectorSelector;
  e->pos = pos;
  e->name = name;
  if (Peek().type == Tok::kLeftBrace) {
    Next();
    while (!failed_ && Peek().type != Tok::kRightBrace) {
      const Token& lt = Peek();
      if (lt.type != Tok::kIdentifier) {
        Unexpected(lt, "label matching", "identifier or \"}\"");
        return e;
      }
      std::string lname = Next().text;
      MatchType mt;
      switch (Peek().type) {
        case Tok::kAssign:
          mt = MatchType::kEqual;
          break;
        case Tok::kNeq:
          mt = MatchType::kNotEqual;
          break;
        case Tok::kEqlRegex:
          mt = MatchType::kRegexMatch;
          break;
        case Tok::kNeqRegex:
          mt = MatchType::kRegexNoMatch;
          break;
        default:
          Unexpected(Peek(), "label matching", "label matching operator");
          return e;
      }
      Next();
      if (Peek().type != Tok::kString) {
        Unexpected(Peek(), "label matching", "string");
        return e;
      }
      const Token& vt = Next();
      auto m = Matcher::Make(mt, lname, vt.value);
      if (!m.ok()) {
        Fail(vt.pos, std::string(m.status().message()));
        return e;
      }
      e->matchers.push_back(std::move(*m));
      if (Peek().type == Tok::kComma) {
        Next();
      } else if (Peek().type != Tok::kRightBrace) {
        Unexpected(Peek(), "label matching", "\",\" or \"}\"");
        return e;
      }
    }
    if (!Expect(Tok::kRightBrace, "label matching", "\"}\"")) return e;
  }
  if (!name.empty()) {
    for (const auto& m : e->matchers) {
      if (m.name() == "__name__") {
        Fail(pos, absl::StrCat("metric name must not be set twice: ", QuoteString(name), " or ",
                               QuoteString(m.value())));
        return e;
      }
    }
    e->matchers.push_back(*Matcher::Make(MatchType::kEqual, "__name__", name));
  } else {
    bool non_empty = false;
    for (const auto& m : e->matchers) non_empty |= !m.MatchesEmpty();
    if (!non_empty) {
      Fail(pos, "vector selector must contain at least one non-empty matcher");
      return e;
    }
  }
  return e;
}

ExprPtr Parser::ParseCall() {
  const Token& nt = Next();
  auto e = std::make_unique<Expr>();
  e->kind = ExprKind::kCall;
  e->pos = nt.pos;
  e->func = LookupFunction(nt.text);
  if (!e->func) {
    Fail(nt.pos, absl::StrCat("unknown function with name ", QuoteString(nt.text)));
    return Dummy();
  }
  Next();  // (
  while (!failed_ && Peek().type != Tok::kRightParen) {
    e->args.push_back(ParseBinary(0));
    if (failed_) return e;
    if (Peek().type == Tok::kComma) {
      Next();
      if (Peek().type == Tok::kRightParen) {
        Unexpected(Peek(), "function call argument list", "expression");  // no trailing comma
        return e;
      }
    } else if (Peek().type != Tok::kRightParen) {
      Unexpected(Peek(), "function call argument list", "\",\" or \")\"");
      return e;
    }
  }
  if (!Expect(Tok::kRightParen, "function call", "\")\"")) return e;
  CheckCall(*e);
  return e;
}

ExprPtr Parser::ParseAggregate(AggOp op) {
  const Token& at = Next();
  auto e = std::make_unique<Expr>();
  e->kind = ExprKind::kAggregate;
  e->agg = op;
  e->pos = at.pos;
  auto modifier = [&]() {
    if (IsWord(Peek(), "by") || IsWord(Peek(), "without")) {
      e->without = IsWord(Peek(), "without");
      Next();
      e->grouping = ParseLabelList("grouping opts");
      return true;
    }
    return false;
  };
  bool had = modifier();
  if (failed_) return e;
  if (!Expect(Tok::kLeftParen, "aggregation", "\"(\"")) return e;
  std::vector<ExprPtr> args;
  while (!failed_ && Peek().type != Tok::kRightParen) {
    args.push_back(ParseBinary(0));
    if (failed_) return e;
    if (Peek().type == Tok::kComma) {
      Next();
    } else if (Peek().type != Tok::kRightParen) {
      Unexpected(Peek(), "aggregation", "\",\" or \")\"");
      return e;
    }
  }
  if (!Expect(Tok::kRightParen, "aggregation", "\")\"")) return e;
  if (!had) modifier();
  if (failed_) return e;
  size_t want = AggHasParam(op) ? 2 : 1;
  if (args.empty()) {
    Fail(e->pos, "no arguments for aggregate expression provided");
    return e;
  }
  if (args.size() != want) {
    Fail(e->pos, absl::StrCat("wrong number of arguments for aggregate expression provided, expected ", want,
                              ", got ", args.size()));
    return e;
  }
  if (want == 2) e->param = std::move(args[0]);
  e->inner = std::move(args.back());
  CheckAggregate(*e);
  return e;
}

}  // namespace foresight::query::promql::internal
