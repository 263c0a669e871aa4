// Character classes, names, UTF-8 and escapes shared by the exposition parsers and writer (internal).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace foresight::collection::textparse_internal {

enum CharClass : uint8_t {
  kNameStart = 1,      // [a-zA-Z_:]   first character of a metric name
  kNameChar = 2,       // [a-zA-Z0-9_:]
  kLabelStart = 4,     // [a-zA-Z_]    first character of a label name
  kLabelChar = 8,      // [a-zA-Z0-9_]
  kValueSpecial = 16,  // '"', '\\', '\n' and bytes >= 0x80: the label value scanner stops on them
};

constexpr std::array<uint8_t, 256> MakeCharClasses() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    bool digit = c >= '0' && c <= '9';
    uint8_t v = 0;
    if (alpha || c == ':') v |= kNameStart | kNameChar;
    if (digit) v |= kNameChar | kLabelChar;
    if (alpha) v |= kLabelStart | kLabelChar;
    if (c == '"' || c == '\\' || c == '\n' || c >= 0x80) v |= kValueSpecial;
    t[c] = v;
  }
  return t;
}
inline constexpr std::array<uint8_t, 256> kCharClasses = MakeCharClasses();

inline bool Is(char c, CharClass cls) { return kCharClasses[static_cast<unsigned char>(c)] & cls; }

// Returns the end of the run of `cls` characters starting at `pos` of `s`.
inline size_t ScanWhile(std::string_view s, size_t pos, CharClass cls) {
  while (pos < s.size() && Is(s[pos], cls)) ++pos;
  return pos;
}

bool IsValidMetricName(std::string_view s);  // [a-zA-Z_:][a-zA-Z0-9_:]*
bool IsValidLabelName(std::string_view s);   // [a-zA-Z_][a-zA-Z0-9_]*
bool IsValidUtf8(std::string_view s);        // as Go's utf8.Valid: no overlongs, surrogates or > U+10FFFF

// Appends `s` with the escapes \\, \n and (when `quote`) \" replaced. Unknown escapes are kept verbatim.
void AppendUnescaped(std::string& out, std::string_view s, bool quote);
// Appends `s` with \, newline and (when `quote`) " escaped.
void AppendEscaped(std::string& out, std::string_view s, bool quote);

// Concatenates strings and integers into error messages. (absl::StrCat does not take std::string_view when
// absl is built with its own string_view, as Debian's is.)
inline void AppendPart(std::string& out, std::string_view s) { out.append(s); }
inline void AppendPart(std::string& out, int v) { out.append(std::to_string(v)); }
template <typename... T>
std::string Cat(const T&... parts) {
  std::string out;
  (AppendPart(out, parts), ...);
  return out;
}

// Removes leading and trailing ASCII whitespace.
std::string_view StripBlanks(std::string_view s);

// Quotes a piece of input for an error message: at most 40 bytes, non-printable bytes as \xNN.
std::string Snippet(std::string_view s);

}  // namespace foresight::collection::textparse_internal
