#include "web/http/gzip.h"
#include "web/http/strings.h"

#include <zlib.h>

#include <algorithm>

namespace foresight::web {

namespace {
constexpr int kGzipWindowBits = 15 + 16;        // 32 KiB window, gzip wrapper
constexpr int kGzipOrZlibWindowBits = 15 + 32;  // inflate: detect the wrapper
}  // namespace

std::string GzipCompress(std::string_view data, int level) {
  z_stream zs{};
  if (deflateInit2(&zs, level, Z_DEFLATED, kGzipWindowBits, 8, Z_DEFAULT_STRATEGY) != Z_OK) return {};
  std::string out;
  out.resize(deflateBound(&zs, static_cast<uLong>(data.size())) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  size_t written = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return {};
  out.resize(written);
  return out;
}

absl::StatusOr<std::string> GzipDecompress(std::string_view data, size_t max_bytes) {
  std::string out;
  z_stream zs{};
  if (inflateInit2(&zs, kGzipOrZlibWindowBits) != Z_OK) return absl::InternalError("inflateInit2 failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  char buf[64 * 1024];
  absl::Status status;
  while (true) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    int rc = inflate(&zs, Z_NO_FLUSH);
    size_t produced = sizeof(buf) - zs.avail_out;
    if (out.size() + produced > max_bytes) {
      status = absl::ResourceExhaustedError(Cat("decompressed body exceeds ", max_bytes, " bytes"));
      break;
    }
    out.append(buf, produced);
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      if (inflateReset(&zs) != Z_OK) {  // another gzip member follows
        status = absl::InvalidArgumentError("invalid gzip stream");
        break;
      }
      continue;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
      status = absl::InvalidArgumentError("truncated gzip stream");
      break;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      status = absl::InvalidArgumentError(Cat("invalid gzip stream: ", zs.msg ? zs.msg : "error"));
      break;
    }
  }
  inflateEnd(&zs);
  if (!status.ok()) return status;
  return out;
}

bool AcceptsGzip(std::string_view accept_encoding) {
  for (std::string_view item : Split(accept_encoding, ',')) {
    std::vector<std::string_view> parts = Split(item, ';');
    std::string_view coding = TrimSpace(parts[0]);
    if (!EqualsIgnoreCase(coding, "gzip") && !EqualsIgnoreCase(coding, "x-gzip") && coding != "*") {
      continue;
    }
    bool zero = false;
    for (size_t i = 1; i < parts.size(); ++i) {
      std::string_view p = TrimSpace(parts[i]);
      if (StartsWithIgnoreCase(p, "q=")) {
        std::string_view q = p.substr(2);
        zero = !q.empty() && std::all_of(q.begin(), q.end(), [](char c) { return c == '0' || c == '.'; });
      }
    }
    if (!zero) return true;
  }
  return false;
}

}  // namespace foresight::web
