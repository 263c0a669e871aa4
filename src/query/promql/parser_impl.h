// Internal: the PromQL parser class, split over parser.cc (operators, modifiers) and parser_terms.cc
// (literals, selectors, calls, aggregations).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "query/promql/ast.h"
#include "query/promql/check.h"
#include "query/promql/lexer.h"

namespace foresight::query::promql::internal {

// Deeper expressions are refused so that evaluation and printing (both recursive) stay within the stack.
constexpr int kMaxDepth = 400;

// Binding power of binary operators: or < and/unless < comparisons < +- < */% atan2 < ^.
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
    return Finish(std::move(e));
  }

  absl::StatusOr<ExprPtr> ParseSelectorOnly() {
    ExprPtr e = ParsePrimary();
    if (!failed_ && Peek().type != Tok::kEOF) Unexpected(Peek());
    if (!failed_ && e->kind != ExprKind::kVectorSelector) Fail(e->pos, "expected a series selector");
    return Finish(std::move(e));
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
  void Unexpected(const Token& t, std::string_view context = "", std::string_view expected = "");
  bool Expect(Tok type, std::string_view context, std::string_view expected);
  ExprPtr Dummy() {
    auto e = std::make_unique<Expr>();
    e->kind = ExprKind::kNumber;
    return e;
  }

  // Returns the binary operator at the current token, if any, with its precedence.
  bool PeekBinOp(BinOp* op, int* prec) const;

  ExprPtr ParseBinary(int min_prec);

  std::vector<std::string> ParseLabelList(std::string_view context);

  void ParseMatching(Expr& e);

  ExprPtr ParseUnary();

  // Range, subquery, offset and @ after an expression.
  ExprPtr ParsePostfix(ExprPtr e);

  Expr* ModifierTarget(Expr& e, std::string_view what);

  ExprPtr ParseRange(ExprPtr e);

  double NumberValue(const Token& t);
  ExprPtr ParsePrimary();
  ExprPtr ParseSelector(std::string name, int pos);
  ExprPtr ParseCall();
  ExprPtr ParseAggregate(AggOp op);
  // Type checks run only on a query that parsed (Prometheus' order); the first error is reported.
  absl::StatusOr<ExprPtr> Finish(ExprPtr e) {
    if (!failed_) {
      std::vector<CheckError> errors;
      CheckAst(*e, &errors);
      if (!errors.empty()) Fail(errors.front().pos, errors.front().msg);
    }
    if (failed_) return absl::InvalidArgumentError(ParseErrorText(input_, fail_.pos, fail_.msg));
    return e;
  }
  // A regular expression error worded as Go's regexp package does.
  static std::string RegexpError(const std::string& value);

  std::string_view input_;
  std::vector<Token> toks_;
  size_t pos_ = 0;
  int depth_ = 0;
  bool failed_ = false;
  ParseFailure fail_{0, ""};
};

}  // namespace foresight::query::promql::internal
