// Splits a PromQL query into tokens. Keywords are recognised case-insensitively, as Prometheus does.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace foresight::query::promql {

enum class Tok {
  kEOF,
  kError,             // a lexing error; Token::value holds the message (the parser reports it when reached)
  kIdentifier,        // foo, sum, by (keywords are identifiers; the parser decides)
  kMetricIdentifier,  // an identifier with a colon: job:rate5m
  kNumber,            // 1, 0x1f, 1.5e3, Inf, NaN
  kDuration,          // 5m, 1h30m
  kString,            // the quoted source text; Token::value holds the unquoted value
  kLeftParen,
  kRightParen,
  kLeftBrace,
  kRightBrace,
  kLeftBracket,
  kRightBracket,
  kComma,
  kColon,
  kAt,
  kAssign,  // =
  kEqlRegex,
  kNeqRegex,  // =~ !~
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kEql,
  kNeq,
  kGtr,
  kLss,
  kGte,
  kLte,  // == != > < >= <=
};

struct Token {
  Tok type = Tok::kEOF;
  int pos = 0;        // byte offset
  std::string text;   // source text
  std::string value;  // unquoted value of a string
};

// Prometheus' description of a token in error messages: end of input, identifier "foo", number "5",
// <op:+>, "(" and so on.
std::string DescribeToken(const Token& t);

// Tokens up to EOF, or up to an error token (then EOF), as Prometheus' lexer feeds its parser.
std::vector<Token> Lex(std::string_view input);

// Formats an error as Prometheus does: "1:5: parse error: <msg>" (line:column, 1-based).
std::string ParseErrorText(std::string_view input, int pos, std::string_view msg);

// Unquotes a PromQL string literal ('...', "..." with Go escapes, `...` raw).
absl::StatusOr<std::string> UnquoteString(std::string_view quoted);

}  // namespace foresight::query::promql
