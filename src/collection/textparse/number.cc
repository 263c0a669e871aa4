#include "collection/textparse/number.h"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "collection/textparse/textparse.h"

namespace foresight::collection {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool EqualsIgnoreCase(std::string_view s, std::string_view lower) {
  if (s.size() != lower.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((s[i] | 0x20) != lower[i]) return false;
  }
  return true;
}

// Checks digits[.digits][(e|E)[+-]digits] with at least one mantissa digit.
bool IsDecimal(std::string_view s) {
  size_t i = 0, digits = 0;
  while (i < s.size() && IsDigit(s[i])) ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && IsDigit(s[i])) ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < s.size() && (s[i] | 0x20) == 'e') {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exp_digits = 0;
    while (i < s.size() && IsDigit(s[i])) ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  return i == s.size();
}

}  // namespace

bool ParseExpositionFloat(std::string_view s, double* out) {
  if (s.empty()) return false;
  bool neg = false;
  size_t i = 0;
  if (s[0] == '+' || s[0] == '-') {
    neg = s[0] == '-';
    i = 1;
  }
  std::string_view rest = s.substr(i);
  if (rest.empty()) return false;
  char first = static_cast<char>(rest[0] | 0x20);
  if (first == 'i') {
    if (!EqualsIgnoreCase(rest, "inf") && !EqualsIgnoreCase(rest, "infinity")) return false;
    *out = neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    return true;
  }
  if (first == 'n') {
    if (i != 0 || !EqualsIgnoreCase(rest, "nan")) return false;  // Go takes no sign on NaN
    *out = std::bit_cast<double>(kNormalNaNBits);
    return true;
  }
  if (!IsDecimal(rest)) return false;
  double v = 0;
  auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), v, std::chars_format::general);
  if (ec == std::errc::result_out_of_range) {
    // from_chars reports both overflow and underflow; strtod tells them apart (HUGE_VAL vs. 0 or subnormal).
    std::string copy(rest);
    v = std::strtod(copy.c_str(), nullptr);
    if (std::isinf(v)) return false;
  } else if (ec != std::errc() || ptr != rest.data() + rest.size()) {
    return false;
  }
  *out = neg ? -v : v;
  return true;
}

bool ParseTextTimestamp(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  size_t i = 0;
  bool neg = false;
  if (s[0] == '+' || s[0] == '-') {
    neg = s[0] == '-';
    i = 1;
  }
  if (i == s.size()) return false;
  // Accumulate negatively so that INT64_MIN fits.
  int64_t v = 0;
  for (; i < s.size(); ++i) {
    if (!IsDigit(s[i])) return false;
    int64_t d = s[i] - '0';
    if (v < (std::numeric_limits<int64_t>::min() + d) / 10) return false;
    v = v * 10 - d;
  }
  if (!neg) {
    if (v == std::numeric_limits<int64_t>::min()) return false;
    v = -v;
  }
  *out = v;
  return true;
}

bool ParseOpenMetricsTimestamp(std::string_view s, int64_t* out) {
  // Plain decimals (the usual "1520879607.789") are converted exactly: float seconds times 1000 can land just
  // below the intended millisecond and truncate to the one before.
  {
    size_t i = s.empty() || (s[0] != '-' && s[0] != '+') ? 0 : 1;
    size_t int_start = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    size_t int_digits = i - int_start;
    if (int_digits > 0 && int_digits <= 15 && (i == s.size() || s[i] == '.')) {
      int64_t ms = 0;
      for (size_t k = int_start; k < int_start + int_digits; ++k) ms = ms * 10 + (s[k] - '0');
      int frac = 0, frac_digits = 0;
      bool plain = true;
      if (i < s.size()) {
        for (++i; i < s.size(); ++i) {
          if (!IsDigit(s[i])) {
            plain = false;
            break;
          }
          if (frac_digits < 3) frac = frac * 10 + (s[i] - '0'), ++frac_digits;
        }
      }
      if (plain) {
        for (; frac_digits < 3; ++frac_digits) frac *= 10;
        ms = ms * 1000 + frac;
        *out = s[0] == '-' ? -ms : ms;
        return true;
      }
    }
  }
  double sec;
  if (!ParseExpositionFloat(s, &sec) || !std::isfinite(sec)) return false;
  double ms = sec * 1000;
  // 2^63 is exactly representable; anything at or beyond it does not fit.
  constexpr double kLimit = 9223372036854775808.0;
  if (!(ms > -kLimit && ms < kLimit)) return false;
  *out = static_cast<int64_t>(ms);
  return true;
}

void AppendExpositionFloat(std::string& out, double v, bool openmetrics) {
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  if (v == 0) {
    out += openmetrics ? "0.0" : "0";
    return;
  }
  // Shortest round-trip digits in scientific form, e.g. "-1.2345e+07".
  char sci[40];
  auto res = std::to_chars(sci, sci + sizeof(sci), v, std::chars_format::scientific);
  std::string_view t(sci, static_cast<size_t>(res.ptr - sci));
  if (t[0] == '-') {
    out.push_back('-');
    t.remove_prefix(1);
  }
  size_t e = t.find('e');
  std::string_view mant = t.substr(0, e);
  int exp = 0;
  std::from_chars(t.data() + e + 1 + (t[e + 1] == '+'), t.data() + t.size(), exp);
  char digits[24];
  size_t nd = 0;
  for (char c : mant) {
    if (c != '.') digits[nd++] = c;
  }
  if (exp < -4 || exp >= 6) {
    out.push_back(digits[0]);
    if (nd > 1) {
      out.push_back('.');
      out.append(digits + 1, nd - 1);
    }
    out.push_back('e');
    out.push_back(exp < 0 ? '-' : '+');
    int a = exp < 0 ? -exp : exp;
    if (a < 10) out.push_back('0');
    char eb[8];
    auto er = std::to_chars(eb, eb + sizeof(eb), a);
    out.append(eb, er.ptr);
    return;
  }
  bool integral;
  if (exp < 0) {
    out += "0.";
    out.append(static_cast<size_t>(-exp - 1), '0');
    out.append(digits, nd);
    integral = false;
  } else {
    size_t int_digits = static_cast<size_t>(exp) + 1;
    if (nd <= int_digits) {
      out.append(digits, nd);
      out.append(int_digits - nd, '0');
      integral = true;
    } else {
      out.append(digits, int_digits);
      out.push_back('.');
      out.append(digits + int_digits, nd - int_digits);
      integral = false;
    }
  }
  if (openmetrics && integral) out += ".0";
}

std::string FormatExpositionFloat(double v, bool openmetrics) {
  std::string s;
  AppendExpositionFloat(s, v, openmetrics);
  return s;
}

}  // namespace foresight::collection
