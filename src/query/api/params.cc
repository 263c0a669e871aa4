#include "query/api/params.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <string>

#include "absl/time/time.h"

namespace foresight::query::api {

namespace {

absl::Status CannotParse(std::string_view s, std::string_view what, std::string_view suffix = "") {
  std::string msg = "cannot parse \"";
  msg.append(s);
  msg.append("\" to a valid ");
  msg.append(what);
  msg.append(suffix);
  return absl::InvalidArgumentError(msg);
}

// Go's strconv.ParseFloat accepts a few forms from_chars does not (a leading '+', "Inf"); the API only needs
// ordinary numbers.
bool ParseFloat(std::string_view s, double* v) {
  std::string_view body = s;
  if (!body.empty() && body.front() == '+') {
    body.remove_prefix(1);
    if (!body.empty() && body.front() == '-') return false;
  }
  if (body.empty()) return false;
  auto r = std::from_chars(body.data(), body.data() + body.size(), *v);
  return r.ec == std::errc() && r.ptr == body.data() + body.size();
}

}  // namespace

absl::StatusOr<int64_t> ParseTimeMs(std::string_view s) {
  double f;
  if (ParseFloat(s, &f)) {
    if (!std::isfinite(f) || std::fabs(f) > 9.2e15) return CannotParse(s, "timestamp");
    double secs;
    double frac = std::modf(f, &secs);
    return static_cast<int64_t>(secs) * 1000 + static_cast<int64_t>(std::round(frac * 1000));
  }
  // RFC 3339 with an optional fraction: 2023-11-14T22:13:20.5Z, 2023-11-14T22:13:20+01:00.
  absl::Time t;
  std::string err;
  if (s.size() >= 20 && s[10] == 'T' &&
      absl::ParseTime(absl::RFC3339_full, absl::string_view(s.data(), s.size()), &t, &err)) {
    return absl::ToUnixMillis(t);
  }
  return CannotParse(s, "timestamp");
}

absl::StatusOr<int64_t> ParseDurationNs(std::string_view s) {
  double f;
  if (ParseFloat(s, &f)) {
    double ns = f * 1e9;
    if (!(ns < 9.223372036854775807e18 && ns > -9.223372036854775808e18))
      return CannotParse(s, "duration", ". It overflows int64");
    return static_cast<int64_t>(ns);
  }
  // Prometheus durations: [Ny][Nw][Nd][Nh][Nm][Ns][Nms], units in this order, each at most once.
  static constexpr struct {
    std::string_view unit;
    int64_t ms;
  } kUnits[] = {{"y", 365LL * 24 * 3600 * 1000},
                {"w", 7LL * 24 * 3600 * 1000},
                {"d", 24LL * 3600 * 1000},
                {"h", 3600LL * 1000},
                {"m", 60LL * 1000},
                {"s", 1000},
                {"ms", 1}};
  if (s.empty()) return CannotParse(s, "duration");
  std::string_view rest = s;
  size_t next_unit = 0;
  int64_t total_ms = 0;
  while (!rest.empty()) {
    size_t digits = 0;
    while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') ++digits;
    if (digits == 0) return CannotParse(s, "duration");
    int64_t n = 0;
    auto r = std::from_chars(rest.data(), rest.data() + digits, n);
    if (r.ec != std::errc()) return CannotParse(s, "duration");
    rest.remove_prefix(digits);
    size_t u = next_unit;
    // "ms" must be tried before "m".
    size_t found = std::size(kUnits);
    for (; u < std::size(kUnits); ++u) {
      std::string_view name = kUnits[u].unit;
      if (rest.substr(0, name.size()) != name) continue;
      if (name == "m" && rest.substr(0, 2) == "ms") continue;
      found = u;
      break;
    }
    if (found == std::size(kUnits)) return CannotParse(s, "duration");
    rest.remove_prefix(kUnits[found].unit.size());
    if (n > std::numeric_limits<int64_t>::max() / kUnits[found].ms / 1'000'000)
      return CannotParse(s, "duration");
    total_ms += n * kUnits[found].ms;
    if (total_ms > std::numeric_limits<int64_t>::max() / 1'000'000) return CannotParse(s, "duration");
    next_unit = found + 1;
  }
  return total_ms * 1'000'000;
}

}  // namespace foresight::query::api
