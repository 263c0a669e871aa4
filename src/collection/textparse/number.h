// Numbers of the exposition formats: parsing as Prometheus does (Go's strconv.ParseFloat without hex floats
// or digit separators) and formatting as Go's strconv.FormatFloat(v, 'g', -1, 64) does.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace foresight::collection {

// A sample value: [+-]digits[.digits][(e|E)[+-]digits], or (case-insensitively) [+-]Inf, [+-]Infinity, NaN.
// Returns false on any other text and on overflow (as Go does; underflow rounds to zero). NaN is returned
// with the bits of kNormalNaNBits.
bool ParseExpositionFloat(std::string_view s, double* out);

// A text-format timestamp: decimal milliseconds with an optional sign, within int64.
bool ParseTextTimestamp(std::string_view s, int64_t* out);

// An OpenMetrics timestamp: seconds as a float, converted to milliseconds (truncated, as Prometheus does).
// Returns false for NaN, infinities and values outside int64 milliseconds.
bool ParseOpenMetricsTimestamp(std::string_view s, int64_t* out);

// Appends v as Go's strconv.FormatFloat(v, 'g', -1, 64) with Prometheus' spellings of the specials: the
// shortest text that reads back to v, exponent form when the decimal exponent is < -4 or >= 6
// (190932, 1e+06, 1.7518624e+07, 0.0001, 1e-05), "+Inf", "-Inf", "NaN", and "0" for both zeros.
// With `openmetrics`, a value that reads as an integer gets ".0" (as the Go client writes OpenMetrics).
void AppendExpositionFloat(std::string& out, double v, bool openmetrics = false);
std::string FormatExpositionFloat(double v, bool openmetrics = false);

}  // namespace foresight::collection
