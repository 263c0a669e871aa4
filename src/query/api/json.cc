#include "query/api/json.h"

#include <charconv>
#include <cmath>
#include <vector>

namespace foresight::query::api {

void AppendFloat(std::string* out, double v) {
  if (std::isnan(v)) {
    out->append("NaN");
    return;
  }
  if (std::isinf(v)) {
    out->append(v > 0 ? "+Inf" : "-Inf");
    return;
  }
  char buf[400];  // the longest fixed form of a double is ~330 characters
  auto r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed);
  out->append(buf, r.ptr);
}

void AppendSampleTime(std::string* out, int64_t ms) {
  uint64_t u = ms < 0 ? -static_cast<uint64_t>(ms) : static_cast<uint64_t>(ms);
  if (ms < 0) out->push_back('-');
  char digits[24];
  auto r = std::to_chars(digits, digits + sizeof(digits), u / 1000);
  out->append(digits, r.ptr);
  uint64_t frac = u % 1000;
  if (frac != 0) {
    char buf[5] = {'.', static_cast<char>('0' + frac / 100), static_cast<char>('0' + frac / 10 % 10),
                   static_cast<char>('0' + frac % 10), 0};
    out->append(buf, 4);
  }
}

void AppendScalarTime(std::string* out, int64_t ms) { AppendFloat(out, static_cast<double>(ms) / 1000.0); }

namespace {

// Length of a valid UTF-8 sequence at s[i], or 0 when invalid.
size_t Utf8Len(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  size_t n;
  uint32_t cp;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
    return 0;
  if (cp >= 0xD800 && cp <= 0xDFFF) return 0;
  return n;
}

}  // namespace

void AppendString(std::string* out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t n = Utf8Len(s, i);
      if (n == 0) {
        out->append("\\ufffd");
        ++i;
        continue;
      }
      // U+2028 and U+2029 are escaped by Go (E2 80 A8 / E2 80 A9).
      if (n == 3 && c == 0xE2 && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
          (static_cast<unsigned char>(s[i + 2]) & 0xFE) == 0xA8) {
        out->append(static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029");
      } else {
        out->append(s.substr(i, n));
      }
      i += n;
      continue;
    }
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (c < 0x20 || c == '<' || c == '>' || c == '&') {
          char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
          out->append(esc, 6);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out->push_back('"');
}

void AppendLabels(std::string* out, const Labels& labels) {
  out->push_back('{');
  bool first = true;
  for (const Label& l : labels) {
    if (!first) out->push_back(',');
    first = false;
    AppendString(out, l.name);
    out->push_back(':');
    AppendString(out, l.value);
  }
  out->push_back('}');
}

std::string SuccessBody(std::string_view data_json, const std::vector<std::string>& warnings) {
  std::string out;
  out.reserve(data_json.size() + 64);
  out.append(R"({"status":"success","data":)");
  out.append(data_json);
  if (!warnings.empty()) {
    out.append(R"(,"warnings":[)");
    for (size_t i = 0; i < warnings.size(); ++i) {
      if (i) out.push_back(',');
      AppendString(&out, warnings[i]);
    }
    out.push_back(']');
  }
  out.push_back('}');
  return out;
}

std::string ErrorBody(std::string_view error_type, std::string_view message) {
  std::string out(R"({"status":"error","errorType":)");
  AppendString(&out, error_type);
  out.append(R"(,"error":)");
  AppendString(&out, message);
  out.push_back('}');
  return out;
}

}  // namespace foresight::query::api
