#include "query/promql/lexer.h"

#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "query/promql/ast.h"

namespace foresight::query::promql {
namespace {

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsAlpha(c) || IsDigit(c); }

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Length of a duration at s (e.g. "1h30m"), or 0 when s does not start with one followed by a non-alnum.
size_t ScanDuration(std::string_view s) {
  size_t i = 0;
  bool any = false;
  while (i < s.size() && IsDigit(s[i])) {
    size_t j = i;
    while (j < s.size() && IsDigit(s[j])) ++j;
    if (j >= s.size()) return 0;
    size_t unit = 0;
    if (s.substr(j, 2) == "ms") {
      unit = 2;
    } else if (std::string_view("smhdwy").find(s[j]) != std::string_view::npos) {
      unit = 1;
    } else {
      return 0;
    }
    i = j + unit;
    any = true;
  }
  if (!any) return 0;
  if (i < s.size() && IsAlnum(s[i])) return 0;
  return i;
}

// Length of a number at s as Prometheus' lexer scans it, or 0 when followed by an alphanumeric.
size_t ScanNumber(std::string_view s) {
  size_t i = 0;
  std::string_view digits = "0123456789";
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    digits = "0123456789abcdefABCDEF";
    i = 2;
  }
  auto run = [&](std::string_view set) {
    while (i < s.size() && set.find(s[i]) != std::string_view::npos) ++i;
  };
  run(digits);
  if (i < s.size() && s[i] == '.') {
    ++i;
    run(digits);
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    run("0123456789");
  }
  if (i < s.size() && IsAlnum(s[i])) return 0;
  return i;
}

}  // namespace

std::string ParseErrorText(std::string_view input, int pos, std::string_view msg) {
  int line = 1;
  int last_break = -1;
  if (pos < 0 || pos > static_cast<int>(input.size()))
    return "invalid position: parse error: " + std::string(msg);
  for (int i = 0; i < pos; ++i) {
    if (input[i] == '\n') {
      line++;
      last_break = i;
    }
  }
  return absl::StrCat(line, ":", pos - last_break, ": parse error: ") + std::string(msg);
}

absl::StatusOr<std::string> UnquoteString(std::string_view q) {
  if (q.size() < 2 || q.front() != q.back()) return absl::InvalidArgumentError("invalid syntax");
  char quote = q.front();
  std::string_view s = q.substr(1, q.size() - 2);
  if (quote == '`') {
    if (s.find('`') != std::string_view::npos) return absl::InvalidArgumentError("invalid syntax");
    return std::string(s);
  }
  if (quote != '"' && quote != '\'') return absl::InvalidArgumentError("invalid syntax");
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == quote || c == '\n') return absl::InvalidArgumentError("invalid syntax");
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i >= s.size()) return absl::InvalidArgumentError("invalid syntax");
    char e = s[i];
    switch (e) {
      case 'a':
        out += '\a';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case '\\':
        out += '\\';
        break;
      case '\'':
      case '"':
        if (e != quote) return absl::InvalidArgumentError("invalid syntax");
        out += e;
        break;
      case 'x':
      case 'u':
      case 'U': {
        size_t n = e == 'x' ? 2 : (e == 'u' ? 4 : 8);
        uint32_t v = 0;
        for (size_t k = 1; k <= n; ++k) {
          if (i + k >= s.size()) return absl::InvalidArgumentError("invalid syntax");
          int h = HexVal(s[i + k]);
          if (h < 0) return absl::InvalidArgumentError("invalid syntax");
          v = v * 16 + static_cast<uint32_t>(h);
        }
        i += n;
        if (e == 'x') {
          out += static_cast<char>(v);
        } else {
          if (v > 0x10FFFF || (v >= 0xD800 && v < 0xE000))
            return absl::InvalidArgumentError("invalid syntax");
          AppendUtf8(out, v);
        }
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          uint32_t v = 0;
          for (size_t k = 0; k < 3; ++k) {
            if (i + k >= s.size() || s[i + k] < '0' || s[i + k] > '7') {
              return absl::InvalidArgumentError("invalid syntax");
            }
            v = v * 8 + static_cast<uint32_t>(s[i + k] - '0');
          }
          if (v > 255) return absl::InvalidArgumentError("invalid syntax");
          i += 2;
          out += static_cast<char>(v);
          break;
        }
        return absl::InvalidArgumentError("invalid syntax");
    }
  }
  return out;
}

std::string DescribeToken(const Token& t) {
  switch (t.type) {
    case Tok::kEOF:
      return "end of input";
    case Tok::kIdentifier: {
      static const char* kKeywords[] = {"by",          "without", "on",     "ignoring", "group_left",
                                        "group_right", "bool",    "offset", "start",    "end"};
      static const char* kAggs[] = {"sum",    "avg",    "count", "min",     "max",          "group",
                                    "stddev", "stdvar", "topk",  "bottomk", "count_values", "quantile"};
      std::string lower = absl::AsciiStrToLower(t.text);
      for (const char* k : kKeywords) {
        if (lower == k) return absl::StrCat("<", t.text, ">");
      }
      for (const char* k : kAggs) {
        if (lower == k) return absl::StrCat("<aggr:", t.text, ">");
      }
      if (lower == "and" || lower == "or" || lower == "unless" || lower == "atan2") {
        return absl::StrCat("<op:", t.text, ">");
      }
      return absl::StrCat("identifier \"", t.text, "\"");
    }
    case Tok::kMetricIdentifier:
      return absl::StrCat("metric identifier \"", t.text, "\"");
    case Tok::kNumber:
      return absl::StrCat("number \"", t.text, "\"");
    case Tok::kDuration:
      return absl::StrCat("duration \"", t.text, "\"");
    case Tok::kString: {
      std::string q = QuoteString(t.text);
      if (t.text.size() > 10) q = QuoteString(t.text.substr(0, 10)) + "...";
      return absl::StrCat("string ", q);
    }
    case Tok::kAssign:
      return "\"=\"";
    case Tok::kEqlRegex:
      return "\"=~\"";
    case Tok::kNeqRegex:
      return "\"!~\"";
    case Tok::kAdd:
    case Tok::kSub:
    case Tok::kMul:
    case Tok::kDiv:
    case Tok::kMod:
    case Tok::kPow:
    case Tok::kEql:
    case Tok::kNeq:
    case Tok::kGtr:
    case Tok::kLss:
    case Tok::kGte:
    case Tok::kLte:
      return absl::StrCat("<op:", t.text, ">");
    default:
      return absl::StrCat("\"", t.text, "\"");
  }
}

std::vector<Token> Lex(std::string_view in) {
  std::vector<Token> out;
  size_t i = 0;
  int bracket_depth = 0;
  int paren_depth = 0;
  bool brace_open = false;
  bool after_left_bracket = false;
  auto err = [&](size_t pos, std::string msg) {
    Token t;
    t.type = Tok::kError;
    t.pos = static_cast<int>(pos);
    t.value = std::move(msg);
    out.push_back(std::move(t));
    Token eof;
    eof.type = Tok::kEOF;
    eof.pos = static_cast<int>(in.size());
    out.push_back(eof);
    return out;
  };
  while (true) {
    while (i < in.size() && (in[i] == ' ' || in[i] == '\t' || in[i] == '\n' || in[i] == '\r')) ++i;
    if (i >= in.size()) {
      if (brace_open) return err(in.size(), "unexpected end of input inside braces");
      if (paren_depth > 0) return err(in.size(), "unclosed left parenthesis");
      if (bracket_depth > 0) return err(in.size(), "unclosed left bracket");
      break;
    }
    char c = in[i];
    if (c == '#') {
      while (i < in.size() && in[i] != '\n') ++i;
      continue;
    }
    Token t;
    t.pos = static_cast<int>(i);
    auto single = [&](Tok type, size_t len) {
      t.type = type;
      t.text = std::string(in.substr(i, len));
      i += len;
    };
    std::string_view rest = in.substr(i);
    if (after_left_bracket) {
      // Prometheus lexes a duration right after '[' and words its failures so.
      after_left_bracket = false;
      if (IsDigit(c) && ScanDuration(rest) == 0) {
        if (ScanNumber(rest) > 0) return err(i, "missing unit character in duration");
        size_t j = i;
        while (j < in.size() && (IsAlnum(in[j]) || in[j] == '.')) ++j;
        return err(i, absl::StrCat("bad duration syntax: \"", std::string(in.substr(i, j - i)), "\""));
      }
      if (IsAlpha(c)) return err(i, "bad duration syntax: \"\"");
      if (!IsDigit(c)) return err(i, "missing unit character in duration");
    }
    if (IsDigit(c) || (c == '.' && rest.size() > 1 && IsDigit(rest[1]))) {
      if (size_t n = ScanNumber(rest); n > 0) {
        single(Tok::kNumber, n);
      } else if (size_t d = ScanDuration(rest); d > 0) {
        single(Tok::kDuration, d);
      } else {
        // Prometheus quotes the number scanned so far, or the whole word when a unit letter follows it
        // ("12abc" -> "12", "5mm" -> "5mm").
        size_t j = i;
        while (j < in.size() && (IsDigit(in[j]) || in[j] == '.')) ++j;
        if (j < in.size() && std::string_view("smhdwy").find(in[j]) != std::string_view::npos) {
          while (j < in.size() && (IsAlnum(in[j]) || in[j] == '.')) ++j;
        }
        return err(i,
                   absl::StrCat("bad number or duration syntax: \"", std::string(in.substr(i, j - i)), "\""));
      }
    } else if (IsAlpha(c) || c == ':') {
      size_t j = i;
      bool colon = false;
      while (j < in.size() && (IsAlnum(in[j]) || in[j] == ':')) {
        colon |= in[j] == ':';
        ++j;
      }
      if (c == ':' && bracket_depth > 0) {
        single(Tok::kColon, 1);
      } else if (colon && bracket_depth > 0) {
        // Inside brackets a colon separates range and step: lex only the identifier part.
        size_t k = i;
        while (k < in.size() && IsAlnum(in[k])) ++k;
        single(Tok::kIdentifier, k - i);
      } else {
        std::string word(in.substr(i, j - i));
        std::string lower = absl::AsciiStrToLower(word);
        single(colon ? Tok::kMetricIdentifier : Tok::kIdentifier, j - i);
        if (!colon && (lower == "inf" || lower == "nan")) t.type = Tok::kNumber;
      }
    } else if (c == '"' || c == '\'' || c == '`') {
      size_t j = i + 1;
      while (j < in.size() && in[j] != c) {
        if (c != '`' && in[j] == '\\') ++j;
        if (c != '`' && j < in.size() && in[j] == '\n') break;
        ++j;
      }
      if (j >= in.size() || in[j] != c) return err(i, "unterminated quoted string");
      single(Tok::kString, j + 1 - i);
      auto v = UnquoteString(t.text);
      if (!v.ok()) return err(t.pos, std::string(v.status().message()));  // invalid escape
      t.value = std::move(*v);
    } else {
      std::string_view two = rest.substr(0, 2);
      if (two == "==")
        single(Tok::kEql, 2);
      else if (two == "!=")
        single(Tok::kNeq, 2);
      else if (two == ">=")
        single(Tok::kGte, 2);
      else if (two == "<=")
        single(Tok::kLte, 2);
      else if (two == "=~")
        single(Tok::kEqlRegex, 2);
      else if (two == "!~")
        single(Tok::kNeqRegex, 2);
      else {
        switch (c) {
          case '(':
            single(Tok::kLeftParen, 1);
            paren_depth++;
            break;
          case ')':
            // Prometheus' lexer has already moved past the parenthesis when it reports it.
            if (--paren_depth < 0) return err(i + 1, "unexpected right parenthesis ')'");
            single(Tok::kRightParen, 1);
            break;
          case '{':
            if (brace_open) return err(i, "unexpected left brace '{'");
            brace_open = true;
            single(Tok::kLeftBrace, 1);
            break;
          case '}':
            if (!brace_open) return err(i, "unexpected character: '}'");
            brace_open = false;
            single(Tok::kRightBrace, 1);
            break;
          case '[':
            if (bracket_depth > 0) return err(i, "unexpected left bracket '['");
            single(Tok::kLeftBracket, 1);
            bracket_depth++;
            after_left_bracket = true;
            break;
          case ']':
            if (bracket_depth == 0) return err(i, "unexpected right bracket ']'");
            single(Tok::kRightBracket, 1);
            bracket_depth--;
            break;
          case ',':
            single(Tok::kComma, 1);
            break;
          case '@':
            single(Tok::kAt, 1);
            break;
          case '=':
            single(Tok::kAssign, 1);
            break;
          case '+':
            single(Tok::kAdd, 1);
            break;
          case '-':
            single(Tok::kSub, 1);
            break;
          case '*':
            single(Tok::kMul, 1);
            break;
          case '/':
            single(Tok::kDiv, 1);
            break;
          case '%':
            single(Tok::kMod, 1);
            break;
          case '^':
            single(Tok::kPow, 1);
            break;
          case '>':
            single(Tok::kGtr, 1);
            break;
          case '<':
            single(Tok::kLss, 1);
            break;
          case '!':
            return err(i, "unexpected character after '!': '" + std::string(rest.substr(1, 1)) + "'");
          default:
            return err(i, "unexpected character: '" + std::string(rest.substr(0, 1)) + "'");
        }
      }
    }
    out.push_back(std::move(t));
  }
  Token eof;
  eof.type = Tok::kEOF;
  eof.pos = static_cast<int>(in.size());
  out.push_back(eof);
  return out;
}

}  // namespace foresight::query::promql
