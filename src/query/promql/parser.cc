#include "query/promql/parser.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "query/promql/check.h"
#include "query/promql/functions.h"
#include "query/promql/lexer.h"

namespace foresight::query::promql {
namespace {

// Binding power of binary operators: or < and/unless < comparisons < +- < */% atan2 < ^.
// Deeper expressions are refused so that evaluation and printing (both recursive) stay within the stack.
constexpr int kMaxDepth = 400;

constexpr int kPrecOr = 1, kPrecAnd = 2, kPrecCmp = 3, kPrecAdd = 4, kPrecMul = 5, kPrecPow = 6;

struct ParseFailure {
  int pos;
  std::string msg;
};

class Parser {
 public:
  Parser(std::string_view input, std::vector<Token> toks) : input_(input), toks_(std::move(toks)) {}

  absl::StatusOr<ExprPtr> ParseAll() {
    ExprPtr e = ParseBinary(0);
    if (!failed_ && Peek().type != Tok::kEOF) Unexpected(Peek());
    if (failed_) return absl::InvalidArgumentError(ParseErrorText(input_, fail_.pos, fail_.msg));
    return e;
  }

  absl::StatusOr<ExprPtr> ParseSelectorOnly() {
    ExprPtr e = ParsePrimary();
    if (!failed_ && Peek().type != Tok::kEOF) Unexpected(Peek());
    if (!failed_ && e->kind != ExprKind::kVectorSelector) Fail(e->pos, "expected a series selector");
    if (failed_) return absl::InvalidArgumentError(ParseErrorText(input_, fail_.pos, fail_.msg));
    return e;
  }

 private:
  const Token& Peek(int ahead = 0) const {
    size_t i = std::min(pos_ + ahead, toks_.size() - 1);
    return toks_[i];
  }
  const Token& Next() {
    const Token& t = toks_[pos_];
    if (pos_ + 1 < toks_.size()) ++pos_;
    return t;
  }
  static std::string Lower(const Token& t) { return absl::AsciiStrToLower(t.text); }
  bool IsWord(const Token& t, std::string_view w) const {
    return t.type == Tok::kIdentifier && Lower(t) == w;
  }

  void Fail(int pos, std::string msg) {
    if (failed_) return;
    failed_ = true;
    fail_ = {pos, std::move(msg)};
  }
  void Unexpected(const Token& t, std::string_view context = "", std::string_view expected = "") {
    if (t.type == Tok::kError) {
      Fail(t.pos, t.value);
      return;
    }
    std::string msg = "unexpected " + DescribeToken(t);
    if (!context.empty()) msg += " in " + std::string(context);
    if (!expected.empty()) msg += ", expected " + std::string(expected);
    Fail(t.pos, msg);
  }
  bool Expect(Tok type, std::string_view context, std::string_view expected) {
    if (failed_) return false;
    if (Peek().type != type) {
      Unexpected(Peek(), context, expected);
      return false;
    }
    Next();
    return true;
  }
  ExprPtr Dummy() {
    auto e = std::make_unique<Expr>();
    e->kind = ExprKind::kNumber;
    return e;
  }

  // Returns the binary operator at the current token, if any, with its precedence.
  bool PeekBinOp(BinOp* op, int* prec) const {
    const Token& t = Peek();
    switch (t.type) {
      case Tok::kAdd:
        *op = BinOp::kAdd;
        *prec = kPrecAdd;
        return true;
      case Tok::kSub:
        *op = BinOp::kSub;
        *prec = kPrecAdd;
        return true;
      case Tok::kMul:
        *op = BinOp::kMul;
        *prec = kPrecMul;
        return true;
      case Tok::kDiv:
        *op = BinOp::kDiv;
        *prec = kPrecMul;
        return true;
      case Tok::kMod:
        *op = BinOp::kMod;
        *prec = kPrecMul;
        return true;
      case Tok::kPow:
        *op = BinOp::kPow;
        *prec = kPrecPow;
        return true;
      case Tok::kEql:
        *op = BinOp::kEql;
        *prec = kPrecCmp;
        return true;
      case Tok::kNeq:
        *op = BinOp::kNeq;
        *prec = kPrecCmp;
        return true;
      case Tok::kGtr:
        *op = BinOp::kGtr;
        *prec = kPrecCmp;
        return true;
      case Tok::kLss:
        *op = BinOp::kLss;
        *prec = kPrecCmp;
        return true;
      case Tok::kGte:
        *op = BinOp::kGte;
        *prec = kPrecCmp;
        return true;
      case Tok::kLte:
        *op = BinOp::kLte;
        *prec = kPrecCmp;
        return true;
      case Tok::kIdentifier: {
        std::string w = Lower(t);
        if (w == "atan2") {
          *op = BinOp::kAtan2;
          *prec = kPrecMul;
          return true;
        }
        if (w == "and") {
          *op = BinOp::kAnd;
          *prec = kPrecAnd;
          return true;
        }
        if (w == "unless") {
          *op = BinOp::kUnless;
          *prec = kPrecAnd;
          return true;
        }
        if (w == "or") {
          *op = BinOp::kOr;
          *prec = kPrecOr;
          return true;
        }
        return false;
      }
      default:
        return false;
    }
  }

  ExprPtr ParseBinary(int min_prec) {
    struct DepthGuard {
      int* d;
      ~DepthGuard() { --*d; }
    } guard{&depth_};
    if (++depth_ > kMaxDepth) {
      Fail(Peek().pos, "expression nested too deeply");
      return Dummy();
    }
    ExprPtr lhs = ParseUnary();
    int chain = 0;
    while (!failed_) {
      if (depth_ + ++chain > kMaxDepth) {
        Fail(Peek().pos, "expression nested too deeply");
        break;
      }
      BinOp op;
      int prec;
      if (!PeekBinOp(&op, &prec) || prec < min_prec) break;
      const Token& op_tok = Next();
      auto e = std::make_unique<Expr>();
      e->kind = ExprKind::kBinary;
      e->op = op;
      e->pos = lhs->pos;
      int op_pos = op_tok.pos;
      if (IsWord(Peek(), "bool")) {
        Next();
        e->return_bool = true;
      }
      ParseMatching(*e);
      if (failed_) break;
      e->lhs = std::move(lhs);
      e->rhs = ParseBinary(op == BinOp::kPow ? prec : prec + 1);
      if (failed_) break;
      CheckBinary(*e, op_pos);
      lhs = std::move(e);
    }
    return lhs;
  }

  std::vector<std::string> ParseLabelList(std::string_view context) {
    std::vector<std::string> out;
    if (!Expect(Tok::kLeftParen, context, "\"(\"")) return out;
    while (!failed_ && Peek().type != Tok::kRightParen) {
      const Token& t = Peek();
      if (t.type != Tok::kIdentifier) {
        Unexpected(t, "grouping opts", "label");
        return out;
      }
      out.push_back(Next().text);
      if (Peek().type == Tok::kComma) {
        Next();
      } else if (Peek().type != Tok::kRightParen) {
        Unexpected(Peek(), "grouping opts", "\",\" or \")\"");
        return out;
      }
    }
    Expect(Tok::kRightParen, context, "\")\"");
    return out;
  }

  void ParseMatching(Expr& e) {
    const Token& t = Peek();
    if (!IsWord(t, "on") && !IsWord(t, "ignoring")) {
      if (IsWord(t, "group_left") || IsWord(t, "group_right")) Unexpected(t);
      return;
    }
    VectorMatching m;
    m.on = IsWord(t, "on");
    Next();
    m.matching_labels = ParseLabelList("grouping opts");
    if (IsWord(Peek(), "group_left") || IsWord(Peek(), "group_right")) {
      m.card = IsWord(Peek(), "group_left") ? Cardinality::kManyToOne : Cardinality::kOneToMany;
      Next();
      if (Peek().type == Tok::kLeftParen) m.include = ParseLabelList("grouping opts");
    }
    e.matching = std::move(m);
  }

  ExprPtr ParseUnary() {
    const Token& t = Peek();
    if (t.type == Tok::kAdd || t.type == Tok::kSub) {
      bool neg = t.type == Tok::kSub;
      int pos = t.pos;
      Next();
      ExprPtr operand = ParseBinary(kPrecPow);
      if (failed_) return operand;
      if (operand->kind == ExprKind::kNumber) {
        if (neg) operand->number = -operand->number;
        operand->pos = pos;
        return operand;
      }
      ValueType ty = operand->Type();
      if (ty != ValueType::kScalar && ty != ValueType::kVector) {
        Fail(pos, absl::StrCat(
                      "unary expression only allowed on expressions of type scalar or instant vector, got \"",
                      ValueTypeName(ty), "\""));
        return operand;
      }
      auto e = std::make_unique<Expr>();
      e->kind = ExprKind::kUnary;
      e->op = neg ? BinOp::kSub : BinOp::kAdd;
      e->pos = pos;
      e->inner = std::move(operand);
      return e;
    }
    return ParsePostfix(ParsePrimary());
  }

  // Range, subquery, offset and @ after an expression.
  ExprPtr ParsePostfix(ExprPtr e) {
    while (!failed_) {
      const Token& t = Peek();
      if (t.type == Tok::kLeftBracket) {
        e = ParseRange(std::move(e));
      } else if (IsWord(t, "offset")) {
        int pos = t.pos;
        Next();
        bool neg = false;
        if (Peek().type == Tok::kSub) {
          Next();
          neg = true;
        }
        if (Peek().type != Tok::kDuration) {
          Unexpected(Peek(), "offset", "duration");
          return e;
        }
        auto d = ParseDuration(Next().text);
        if (!d) {
          Fail(pos, "invalid duration");
          return e;
        }
        Expr* target = ModifierTarget(*e, "offset");
        if (!target) return e;
        (void)pos;
        if (target->offset_ms != 0) {
          Fail(pos, "offset may not be set multiple times");
          return e;
        }
        target->offset_ms = neg ? -*d : *d;
      } else if (t.type == Tok::kAt) {
        int pos = t.pos;
        Next();
        Expr* target = ModifierTarget(*e, "@");
        if (!target) return e;
        if (target->at != AtMode::kNone) {
          Fail(pos, "@ <timestamp> may not be set multiple times");
          return e;
        }
        const Token& a = Peek();
        if (IsWord(a, "start") || IsWord(a, "end")) {
          target->at = IsWord(a, "start") ? AtMode::kStart : AtMode::kEnd;
          Next();
          if (!Expect(Tok::kLeftParen, "@", "\"(\"") || !Expect(Tok::kRightParen, "@", "\")\"")) return e;
        } else {
          bool neg = false;
          if (Peek().type == Tok::kAdd || Peek().type == Tok::kSub) neg = Next().type == Tok::kSub;
          if (Peek().type != Tok::kNumber) {
            Unexpected(Peek(), "@", "timestamp");
            return e;
          }
          double v = NumberValue(Next());
          if (neg) v = -v;
          if (std::isnan(v) || std::isinf(v) || std::abs(v * 1000) > 9.2e18) {
            char b[64];
            std::snprintf(b, sizeof(b), "%f", v);
            Fail(pos, absl::StrCat("timestamp out of bounds for @ modifier: ", b));
            return e;
          }
          target->at = AtMode::kTimestamp;
          target->at_ms = static_cast<int64_t>(std::round(v * 1000));
        }
      } else {
        break;
      }
    }
    return e;
  }

  Expr* ModifierTarget(Expr& e, std::string_view what) {
    if (e.kind == ExprKind::kVectorSelector || e.kind == ExprKind::kSubquery) return &e;
    if (e.kind == ExprKind::kMatrixSelector) return e.inner.get();
    Fail(e.pos,
         absl::StrCat(std::string(what),
                      " modifier must be preceded by an instant vector selector or range vector selector or "
                      "a subquery"));
    return nullptr;
  }

  ExprPtr ParseRange(ExprPtr e) {
    const Token& lb = Next();
    if (Peek().type != Tok::kDuration) {
      Unexpected(Peek(), "", "duration");
      if (Peek().type == Tok::kNumber) {
        fail_.msg = absl::StrCat("bad duration syntax: \"", Peek().text, "\"");
        fail_.pos = Peek().pos;
      }
      return e;
    }
    auto range = ParseDuration(Next().text);
    if (!range) {
      Fail(lb.pos, "invalid duration");
      return e;
    }
    if (Peek().type == Tok::kColon) {
      Next();
      int64_t step = 0;
      if (Peek().type == Tok::kDuration) {
        auto s = ParseDuration(Next().text);
        if (!s) {
          Fail(lb.pos, "invalid duration");
          return e;
        }
        step = *s;
      }
      if (!Expect(Tok::kRightBracket, "subquery selector", "\"]\"")) return e;
      ValueType ty = e->Type();
      if (ty != ValueType::kVector) {
        Fail(e->pos, absl::StrCat("subquery is only allowed on instant vector, got ", ValueTypeName(ty),
                                  " in \"", e->String(), "\" instead"));
        return e;
      }
      auto s = std::make_unique<Expr>();
      s->kind = ExprKind::kSubquery;
      s->pos = e->pos;
      s->range_ms = *range;
      s->step_ms = step;
      s->inner = std::move(e);
      return s;
    }
    if (!Expect(Tok::kRightBracket, "", "\"]\" or \":\"")) return e;
    if (e->kind != ExprKind::kVectorSelector) {
      Fail(e->pos, "ranges only allowed for vector selectors");
      return e;
    }
    if (e->offset_ms != 0 || e->at != AtMode::kNone) {
      Fail(e->pos, "no offset modifiers allowed before range");
      return e;
    }
    auto m = std::make_unique<Expr>();
    m->kind = ExprKind::kMatrixSelector;
    m->pos = e->pos;
    m->range_ms = *range;
    m->inner = std::move(e);
    return m;
  }

  double NumberValue(const Token& t) {
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

  ExprPtr ParsePrimary() {
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
            if (n.type == Tok::kLeftParen || IsWord(n, "by") || IsWord(n, "without"))
              return ParseAggregate(op);
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

  ExprPtr ParseSelector(std::string name, int pos) {
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

  ExprPtr ParseCall() {
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

  ExprPtr ParseAggregate(AggOp op) {
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
      Fail(e->pos, absl::StrCat("wrong number of arguments for aggregate expression provided, expected ",
                                want, ", got ", args.size()));
      return e;
    }
    if (want == 2) e->param = std::move(args[0]);
    e->inner = std::move(args.back());
    CheckAggregate(*e);
    return e;
  }

  void CheckBinary(Expr& e, int op_pos) {
    std::string err = CheckBinaryExpr(e);
    if (!err.empty()) Fail(e.pos, err);
    (void)op_pos;
  }
  void CheckCall(Expr& e) {
    std::string err = CheckCallExpr(e);
    if (!err.empty()) Fail(e.pos, err);
  }
  void CheckAggregate(Expr& e) {
    std::string err = CheckAggregateExpr(e);
    if (!err.empty()) Fail(e.pos, err);
  }

  std::string_view input_;
  std::vector<Token> toks_;
  size_t pos_ = 0;
  int depth_ = 0;
  bool failed_ = false;
  ParseFailure fail_{0, ""};
};

}  // namespace

absl::StatusOr<ExprPtr> ParseExpr(std::string_view input) {
  auto toks = Lex(input);
  if (toks.size() == 1)
    return absl::InvalidArgumentError(ParseErrorText(input, 0, "no expression found in input"));
  Parser p(input, std::move(toks));
  auto e = p.ParseAll();
  if (!e.ok()) return e.status();
  return e;
}

absl::StatusOr<std::vector<Matcher>> ParseMetricSelector(std::string_view input) {
  Parser p(input, Lex(input));
  auto e = p.ParseSelectorOnly();
  if (!e.ok()) return e.status();
  return std::move((*e)->matchers);
}

}  // namespace foresight::query::promql
