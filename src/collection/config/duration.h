// Durations in Prometheus' syntax: a sequence of <number><unit> with units y, w, d, h, m, s, ms in that
// order, each at most once ("1h30m", "15s", "500ms", "0").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace foresight::collection {

// Milliseconds, or InvalidArgument ("not a valid duration string: \"x\"").
absl::StatusOr<int64_t> ParseDuration(std::string_view s);
// The shortest form Prometheus prints: 90000 -> "1m30s", 0 -> "0s".
std::string FormatDuration(int64_t ms);

}  // namespace foresight::collection
