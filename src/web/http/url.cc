#include "web/http/url.h"
#include "web/http/strings.h"

namespace foresight::web {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

absl::StatusOr<std::string> PercentDecode(std::string_view s, bool plus_as_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      int hi = i + 2 < s.size() ? HexValue(s[i + 1]) : -1;
      int lo = i + 2 < s.size() ? HexValue(s[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return absl::InvalidArgumentError(
            Cat("invalid URL escape \"", s.substr(i, std::min<size_t>(3, s.size() - i)), "\""));
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_as_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

absl::Status ParseUrlEncoded(std::string_view s, Params* out) {
  Params parsed;
  while (!s.empty()) {
    size_t amp = s.find('&');
    std::string_view piece = s.substr(0, amp);
    s = amp == std::string_view::npos ? std::string_view() : s.substr(amp + 1);
    if (piece.empty()) continue;
    size_t eq = piece.find('=');
    auto name = PercentDecode(piece.substr(0, eq), true);
    if (!name.ok()) return absl::InvalidArgumentError(Cat(name.status().message(), " in \"", piece, "\""));
    std::string value;
    if (eq != std::string_view::npos) {
      auto v = PercentDecode(piece.substr(eq + 1), true);
      if (!v.ok()) return absl::InvalidArgumentError(Cat(v.status().message(), " in \"", piece, "\""));
      value = *std::move(v);
    }
    parsed.Add(*std::move(name), std::move(value));
  }
  for (const auto& [n, v] : parsed.entries()) out->Add(n, v);
  return absl::OkStatus();
}

absl::Status ParseTarget(std::string_view target, std::string* path, Params* params) {
  // Absolute form: drop "scheme://authority", keep what follows (a bare authority means "/").
  if (size_t scheme = target.find("://"); scheme != std::string_view::npos && !target.starts_with("/")) {
    std::string_view rest = target.substr(scheme + 3);
    size_t slash = rest.find_first_of("/?");
    target = slash == std::string_view::npos ? std::string_view("/") : rest.substr(slash);
    if (target.starts_with("?")) {
      // "http://host?x": the path is "/".
      path->clear();
      path->push_back('/');
      return ParseUrlEncoded(target.substr(1), params);
    }
  }
  if (!target.starts_with("/")) {
    return absl::InvalidArgumentError(Cat("invalid request target \"", target.substr(0, 64), "\""));
  }
  size_t q = target.find('?');
  std::string_view raw_path = target.substr(0, q);
  if (size_t hash = raw_path.find('#'); hash != std::string_view::npos) raw_path = raw_path.substr(0, hash);
  auto decoded = PercentDecode(raw_path, false);
  if (!decoded.ok()) return absl::InvalidArgumentError(Cat("invalid path: ", decoded.status().message()));
  *path = *std::move(decoded);
  if (q == std::string_view::npos) return absl::OkStatus();
  std::string_view query = target.substr(q + 1);
  if (size_t hash = query.find('#'); hash != std::string_view::npos) query = query.substr(0, hash);
  if (auto s = ParseUrlEncoded(query, params); !s.ok()) {
    return absl::InvalidArgumentError(Cat("invalid query string: ", s.message()));
  }
  return absl::OkStatus();
}

}  // namespace foresight::web
