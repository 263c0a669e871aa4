// A small, fast JSON writer for API responses (results can hold millions of points, so no DOM).
// Numbers and strings are written exactly as Prometheus 2.42 writes them (Go's strconv and encoding/json).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/labels.h"

namespace foresight::query::api {

// Go's strconv.FormatFloat(v, 'f', -1, 64): shortest round-trip decimal without exponent; "+Inf", "-Inf",
// "NaN".
void AppendFloat(std::string* out, double v);
// A sample timestamp as in vectors and matrices: seconds with three decimals unless they are 0 (1.500, 2).
void AppendSampleTime(std::string* out, int64_t ms);
// A scalar or string result's timestamp: seconds as strconv 'f' -1 (1.5).
void AppendScalarTime(std::string* out, int64_t ms);
// A quoted JSON string with Go's escaping (HTML characters as \u003c, invalid UTF-8 as \ufffd).
void AppendString(std::string* out, std::string_view s);
// {"name":"value",...} in label order.
void AppendLabels(std::string* out, const Labels& labels);

// {"status":"success","data":<data>} plus "warnings" when given.
std::string SuccessBody(std::string_view data_json, const std::vector<std::string>& warnings = {});
// {"status":"error","errorType":"<type>","error":"<msg>"}
std::string ErrorBody(std::string_view error_type, std::string_view message);

}  // namespace foresight::query::api
