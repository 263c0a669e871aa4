// The PromQL parser: literals, selectors, function calls and aggregations.
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "query/promql/functions.h"
#include "query/promql/parser_impl.h"
#include "re2/re2.h"

namespace foresight::query::promql::internal {

std::string Parser::RegexpError(const std::string& value) {
  // Prometheus compiles "^(?:<value>)$" with Go's regexp; RE2 finds the same errors, Go names them so.
  RE2::Options opts;
  opts.set_log_errors(false);
  opts.set_dot_nl(true);
  RE2 re("^(?:" + value + ")$", opts);
  const char* what = "";
  switch (re.error_code()) {
    case RE2::ErrorBadEscape:
      what = "invalid escape sequence";
      break;
    case RE2::ErrorBadCharClass:
      what = "invalid character class";
      break;
    case RE2::ErrorBadCharRange:
      what = "invalid character class range";
      break;
    case RE2::ErrorMissingBracket:
      what = "missing closing ]";
      break;
    case RE2::ErrorMissingParen:
      what = "missing closing )";
      break;
    case RE2::ErrorUnexpectedParen:
      what = "unexpected )";
      break;
    case RE2::ErrorTrailingBackslash:
      what = "trailing backslash at end of expression";
      break;
    case RE2::ErrorRepeatArgument:
      what = "missing argument to repetition operator";
      break;
    case RE2::ErrorRepeatSize:
      what = "invalid repeat count";
      break;
    case RE2::ErrorRepeatOp:
      what = "invalid nested repetition operator";
      break;
    case RE2::ErrorBadPerlOp:
      what = "invalid or unsupported Perl syntax";
      break;
    case RE2::ErrorBadUTF8:
      what = "invalid UTF-8";
      break;
    case RE2::ErrorBadNamedCapture:
      what = "invalid named capture";
      break;
    case RE2::ErrorPatternTooLarge:
      what = "expression too large";
      break;
    default:
      return "error parsing regexp: " + re.error();
  }
  return absl::StrCat("error parsing regexp: ", what, ": `", re.error_arg(), "`");
}

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
      // Other keywords (by, without, offset, and, or, unless, atan2, aggregation names) can name a metric
      // where an expression starts, as in Prometheus' grammar; these cannot.
      static const char* kReserved[] = {"on", "ignoring", "group_left", "group_right", "bool"};
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
      int label_pos = lt.pos;
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
        bool regex = mt == MatchType::kRegexMatch || mt == MatchType::kRegexNoMatch;
        Fail(label_pos, regex ? RegexpError(vt.value) : std::string(m.status().message()));
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
  // The name's matcher goes last (CheckAst finds a second __name__ matcher before it).
  if (!name.empty()) e->matchers.push_back(*Matcher::Make(MatchType::kEqual, "__name__", name));
  return e;
}

ExprPtr Parser::ParseCall() {
  const Token& nt = Next();
  auto e = std::make_unique<Expr>();
  e->kind = ExprKind::kCall;
  e->pos = nt.pos;
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
  // Looked up once the call has parsed: a syntax error inside it is reported first, as in Prometheus.
  e->func = LookupFunction(nt.text);
  if (!e->func) {
    Fail(nt.pos, absl::StrCat("unknown function with name ", QuoteString(nt.text)));
    return Dummy();
  }
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
  if (!Expect(Tok::kLeftParen, "aggregation", "")) return e;
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
  return e;
}

}  // namespace foresight::query::promql::internal
