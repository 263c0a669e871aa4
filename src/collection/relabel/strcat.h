// Cat(...): string concatenation that takes std::string_view, absl::string_view (Debian's abseil has its own
// type, which absl::StrCat requires) and numbers. Internal to src/collection/{config,relabel,scrape,host}.
#pragma once

#include <charconv>
#include <concepts>
#include <string>
#include <string_view>

#include "absl/strings/string_view.h"

namespace foresight::collection {

inline void CatOne(std::string& out, std::string_view s) { out.append(s); }
inline void CatOne(std::string& out, absl::string_view s) { out.append(s.data(), s.size()); }
inline void CatOne(std::string& out, const char* s) { out.append(s); }
inline void CatOne(std::string& out, const std::string& s) { out.append(s); }
inline void CatOne(std::string& out, char c) { out.push_back(c); }
inline void CatOne(std::string& out, bool b) { out.append(b ? "true" : "false"); }
template <std::integral T>
requires(!std::same_as<T, char> && !std::same_as<T, bool>) void CatOne(std::string& out, T v) {
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, p);
}
inline void CatOne(std::string& out, double v) {
  char buf[32];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, p);
}

template <typename... T>
void CatTo(std::string* out, const T&... parts) {
  (CatOne(*out, parts), ...);
}

template <typename... T>
std::string Cat(const T&... parts) {
  std::string out;
  (CatOne(out, parts), ...);
  return out;
}

}  // namespace foresight::collection

namespace foresight::collection {
// absl::string_view (e.g. Status::message()) as std::string_view.
inline std::string_view SV(absl::string_view s) { return std::string_view(s.data(), s.size()); }
}  // namespace foresight::collection
