// Builds remote-write 1.0 WriteRequests (the wire format of prompb, see docs/format/remote-write.md), for
// load generators and remote-write out. Output is byte-identical to libprotobuf's serialization of the same
// message (proto3: zero values, empty strings and +0.0 are omitted), which the tests check.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "common/labels.h"
#include "storage/storage.h"

namespace foresight::collection {

class WriteRequestEncoder {
 public:
  // Appends one TimeSeries. Labels should be sorted by name (Labels are).
  void AddSeries(const Labels& labels, std::span<const storage::Sample> samples);
  // The serialized WriteRequest so far (uncompressed).
  const std::string& proto() const { return buf_; }
  // The request body as sent: snappy block compressed.
  std::string SnappyBody() const;
  size_t num_samples() const { return samples_; }
  void Clear() {
    buf_.clear();
    samples_ = 0;
  }

 private:
  std::string buf_;
  size_t samples_ = 0;
};

// Snappy block compression of any bytes (a thin wrapper so callers need not include snappy).
std::string SnappyCompress(std::string_view data);

}  // namespace foresight::collection
