#include "collection/config/duration.h"

#include <array>
#include <limits>

#include "collection/relabel/strcat.h"

namespace foresight::collection {
namespace {

struct Unit {
  std::string_view name;
  int64_t ms;
};
constexpr std::array<Unit, 7> kUnits = {{{"y", 365LL * 24 * 3600 * 1000},
                                         {"w", 7LL * 24 * 3600 * 1000},
                                         {"d", 24LL * 3600 * 1000},
                                         {"h", 3600LL * 1000},
                                         {"m", 60LL * 1000},
                                         {"s", 1000},
                                         {"ms", 1}}};

}  // namespace

absl::StatusOr<int64_t> ParseDuration(std::string_view s) {
  auto bad = [&] { return absl::InvalidArgumentError(Cat("not a valid duration string: \"", s, "\"")); };
  if (s == "0") return 0;
  if (s.empty()) return bad();
  int64_t total = 0;
  size_t next_unit = 0;  // units must appear in decreasing order, each once
  size_t i = 0;
  while (i < s.size()) {
    int64_t n = 0;
    const size_t digits = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (n > (std::numeric_limits<int64_t>::max() - 9) / 10) return bad();
      n = n * 10 + (s[i] - '0');
      ++i;
    }
    if (i == digits) return bad();
    size_t j = i;
    while (j < s.size() && (s[j] < '0' || s[j] > '9')) ++j;
    const std::string_view unit = s.substr(i, j - i);
    size_t k = next_unit;
    while (k < kUnits.size() && kUnits[k].name != unit) ++k;
    if (k == kUnits.size()) return bad();
    if (n > std::numeric_limits<int64_t>::max() / kUnits[k].ms) return bad();
    total += n * kUnits[k].ms;
    if (total < 0) return bad();
    next_unit = k + 1;
    i = j;
  }
  return total;
}

std::string FormatDuration(int64_t ms) {
  if (ms == 0) return "0s";
  std::string out;
  for (const Unit& u : kUnits) {
    if (ms >= u.ms) {
      CatTo(&out, ms / u.ms, u.name);
      ms %= u.ms;
    }
  }
  return out;
}

}  // namespace foresight::collection
