#include "query/promql/parser.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "query/promql/check.h"
#include "query/promql/functions.h"
#include "query/promql/lexer.h"
#include "query/promql/parser_impl.h"

namespace foresight::query::promql {

namespace internal {

void Parser::Unexpected(const Token& t, std::string_view context, std::string_view expected) {
  if (t.type == Tok::kError) {
    Fail(t.pos, t.value);
    return;
  }
  std::string msg = "unexpected " + DescribeToken(t);
  if (!context.empty()) msg += " in " + std::string(context);
  if (!expected.empty()) msg += ", expected " + std::string(expected);
  Fail(t.pos, msg);
}

bool Parser::Expect(Tok type, std::string_view context, std::string_view expected) {
  if (failed_) return false;
  if (Peek().type != type) {
    Unexpected(Peek(), context, expected);
    return false;
  }
  Next();
  return true;
}

bool Parser::PeekBinOp(BinOp* op, int* prec) const {
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

ExprPtr Parser::ParseBinary(int min_prec) {
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
    e->op_pos = op_tok.pos;
    if (IsWord(Peek(), "bool")) {
      Next();
      e->return_bool = true;
    }
    ParseMatching(*e);
    if (failed_) break;
    e->lhs = std::move(lhs);
    e->rhs = ParseBinary(op == BinOp::kPow ? prec : prec + 1);
    if (failed_) break;
    lhs = std::move(e);
  }
  return lhs;
}

std::vector<std::string> Parser::ParseLabelList(std::string_view context) {
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

void Parser::ParseMatching(Expr& e) {
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

ExprPtr Parser::ParseUnary() {
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
    auto e = std::make_unique<Expr>();
    e->kind = ExprKind::kUnary;
    e->op = neg ? BinOp::kSub : BinOp::kAdd;
    e->pos = pos;
    e->inner = std::move(operand);
    return e;
  }
  return ParsePostfix(ParsePrimary());
}

ExprPtr Parser::ParsePostfix(ExprPtr e) {
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
      if (target->offset_ms != 0) {
        Fail(e->pos, "offset may not be set multiple times");
        return e;
      }
      target->offset_ms = neg ? -*d : *d;
    } else if (t.type == Tok::kAt) {
      Next();
      Expr* target = ModifierTarget(*e, "@");
      if (!target) return e;
      if (target->at != AtMode::kNone) {
        Fail(e->pos, "@ <timestamp> may not be set multiple times");
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
          // Go's %f: +Inf, -Inf, NaN, else fixed with six decimals.
          char b[400];
          if (std::isnan(v)) {
            std::snprintf(b, sizeof(b), "NaN");
          } else if (std::isinf(v)) {
            std::snprintf(b, sizeof(b), v > 0 ? "+Inf" : "-Inf");
          } else {
            std::snprintf(b, sizeof(b), "%f", v);
          }
          Fail(e->pos, absl::StrCat("timestamp out of bounds for @ modifier: ", b));
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

Expr* Parser::ModifierTarget(Expr& e, std::string_view what) {
  if (e.kind == ExprKind::kVectorSelector || e.kind == ExprKind::kSubquery) return &e;
  if (e.kind == ExprKind::kMatrixSelector) return e.inner.get();
  Fail(e.pos,
       absl::StrCat(std::string(what),
                    " modifier must be preceded by an instant vector selector or range vector selector or "
                    "a subquery"));
  return nullptr;
}

ExprPtr Parser::ParseRange(ExprPtr e) {
  const Token& lb = Next();
  if (Peek().type != Tok::kDuration) {
    Unexpected(Peek(), "", "duration");
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
    if (!Expect(Tok::kRightBracket, "subquery selector", "duration or \"]\"")) return e;
    auto s = std::make_unique<Expr>();
    s->kind = ExprKind::kSubquery;
    s->pos = e->pos;
    s->range_ms = *range;
    s->step_ms = step;
    s->inner = std::move(e);
    return s;
  }
  if (!Expect(Tok::kRightBracket, "subquery or range", "\":\" or \"]\"")) return e;
  // Prometheus points these at the brackets.
  if (e->kind != ExprKind::kVectorSelector) {
    Fail(lb.pos, "ranges only allowed for vector selectors");
    return e;
  }
  if (e->offset_ms != 0 || e->at != AtMode::kNone) {
    Fail(lb.pos, "no offset modifiers allowed before range");
    return e;
  }
  auto m = std::make_unique<Expr>();
  m->kind = ExprKind::kMatrixSelector;
  m->pos = e->pos;
  m->range_ms = *range;
  m->inner = std::move(e);
  return m;
}

}  // namespace internal

using internal::Parser;

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
