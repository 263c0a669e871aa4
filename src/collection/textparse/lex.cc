#include "collection/textparse/lex.h"

#include <cstring>

namespace foresight::collection::textparse_internal {

bool IsValidMetricName(std::string_view s) {
  return !s.empty() && Is(s[0], kNameStart) && ScanWhile(s, 1, kNameChar) == s.size();
}

bool IsValidLabelName(std::string_view s) {
  return !s.empty() && Is(s[0], kLabelStart) && ScanWhile(s, 1, kLabelChar) == s.size();
}

bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    // Eight ASCII bytes at a time.
    if (end - p >= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      if ((w & 0x8080808080808080ULL) == 0) {
        p += 8;
        continue;
      }
    }
    unsigned c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int n;
    unsigned lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      if (c == 0xE0) lo = 0xA0;  // overlong
      if (c == 0xED) hi = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      if (c == 0xF0) lo = 0x90;  // overlong
      if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
    } else {
      return false;
    }
    if (end - p <= n) return false;
    if (p[1] < lo || p[1] > hi) return false;
    for (int i = 2; i <= n; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
    }
    p += n + 1;
  }
  return true;
}

void AppendUnescaped(std::string& out, std::string_view s, bool quote) {
  size_t i = 0;
  while (i < s.size()) {
    size_t j = s.find('\\', i);
    if (j == std::string_view::npos || j + 1 >= s.size()) {
      out.append(s.substr(i));
      return;
    }
    out.append(s.substr(i, j - i));
    char c = s[j + 1];
    if (c == '\\') {
      out.push_back('\\');
    } else if (c == 'n') {
      out.push_back('\n');
    } else if (c == '"' && quote) {
      out.push_back('"');
    } else {
      out.append(s.substr(j, 2));
    }
    i = j + 2;
  }
}

void AppendEscaped(std::string& out, std::string_view s, bool quote) {
  for (char c : s) {
    switch (c) {
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '"':
        if (quote) {
          out.append("\\\"");
        } else {
          out.push_back(c);
        }
        break;
      default:
        out.push_back(c);
    }
  }
}

std::string_view StripBlanks(std::string_view s) {
  auto blank = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

std::string Snippet(std::string_view s) {
  constexpr size_t kMax = 40;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char ch : s.substr(0, kMax)) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c >= 0x7f) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += ch;
    }
  }
  if (s.size() > kMax) out += "...";
  out += "\"";
  return out;
}

}  // namespace foresight::collection::textparse_internal
