// gzip (RFC 1952) for HTTP bodies, on zlib.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace foresight::web {

// level: 1 (fast) .. 9 (small), or -1 for zlib's default (6).
std::string GzipCompress(std::string_view data, int level = -1);

// Decodes one or more concatenated gzip members. Errors: InvalidArgument for a corrupt or truncated stream,
// ResourceExhausted when the output would exceed max_bytes (a "zip bomb" never allocates more than that).
absl::StatusOr<std::string> GzipDecompress(std::string_view data, size_t max_bytes);

// True when an Accept-Encoding header value accepts gzip ("gzip", "x-gzip" or "*", without q=0).
bool AcceptsGzip(std::string_view accept_encoding);

}  // namespace foresight::web
