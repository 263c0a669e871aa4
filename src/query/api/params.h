// Parsing of the Prometheus HTTP API's timestamps and durations, with Prometheus 2.42's error wording.
#pragma once

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"

namespace foresight::query::api {

// The defaults of start/end for series and labels: Prometheus' minTime and maxTime in milliseconds.
inline constexpr int64_t kApiMinTimeMs = -9223309901258974000LL;
inline constexpr int64_t kApiMaxTimeMs = 9223309901258974999LL;

// Unix seconds with an optional fraction (rounded to milliseconds) or RFC 3339 with optional fraction and
// zone. Error: `cannot parse "<s>" to a valid timestamp`.
absl::StatusOr<int64_t> ParseTimeMs(std::string_view s);

// Seconds as a float ("15", "0.5") or a Prometheus duration ("1h30m", "15s", "100ms"), in nanoseconds.
// Errors: `cannot parse "<s>" to a valid duration` (and `. It overflows int64`).
absl::StatusOr<int64_t> ParseDurationNs(std::string_view s);

}  // namespace foresight::query::api
