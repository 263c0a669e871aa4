// libFuzzer target: the input is decoded as an uncompressed WriteRequest and, as a snappy block, uncompressed
// then decoded. Every view the decoder returns is read to catch out-of-bounds pointers.
// Build with -DFORESIGHT_FUZZ=ON and clang; run e.g. `fuzz_remote_write -max_total_time=60 corpus/`.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "collection/remotewrite/decoder.h"

namespace {

size_t Touch(const foresight::collection::DecodedWriteRequest& req) {
  size_t n = 0;
  for (size_t i = 0; i < req.num_series(); ++i) {
    for (const auto& l : req.labels(i)) {
      for (char c : l.name) n += static_cast<unsigned char>(c);
      for (char c : l.value) n += static_cast<unsigned char>(c);
    }
    for (const auto& s : req.samples(i)) n += static_cast<size_t>(s.t) + (s.v == s.v ? 1 : 0);
  }
  for (const auto& m : req.metadata()) {
    n += static_cast<size_t>(m.type);
    for (std::string_view f : {m.family, m.help, m.unit}) {
      for (char c : f) n += static_cast<unsigned char>(c);
    }
  }
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace foresight::collection;
  static volatile size_t sink = 0;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  DecodedWriteRequest req;
  if (DecodeWriteRequest(in, &req).ok()) sink = sink + Touch(req);
  std::string raw;
  if (SnappyUncompress(in, 1 << 20, &raw).ok() && DecodeWriteRequest(raw, &req).ok())
    sink = sink + Touch(req);
  return 0;
}
