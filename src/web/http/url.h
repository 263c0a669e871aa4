// URL pieces: percent-decoding, query strings and form bodies (application/x-www-form-urlencoded), and the
// request target. Invalid percent-escapes are errors (the server answers 400), as in Go's net/url.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "web/http/http.h"

namespace foresight::web {

// Decodes %XX escapes (either hex case); with plus_as_space, '+' becomes ' ' (query strings and forms).
absl::StatusOr<std::string> PercentDecode(std::string_view s, bool plus_as_space);
// Escapes everything but unreserved characters (A-Z a-z 0-9 - _ . ~) as %XX; spaces as %20.
std::string PercentEncode(std::string_view s);

// Appends the pairs of "a=1&b=2&a=3" to *out in order. Empty pieces are skipped, a piece without '=' is a
// name with an empty value. On an invalid escape nothing is appended and the error names the piece.
absl::Status ParseUrlEncoded(std::string_view s, Params* out);

// Splits an origin-form target ("/path?query") or an absolute-form one ("http://host/path?query") into
// the decoded path and the query parameters (appended to *params).
absl::Status ParseTarget(std::string_view target, std::string* path, Params* params);

}  // namespace foresight::web
