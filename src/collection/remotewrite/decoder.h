// A zero-copy decoder of the remote-write 1.0 WriteRequest (prometheus prompb, see
// docs/format/remote-write.md).
//
// It reads the protobuf wire format directly: every label name and value is a string_view into the input, and
// samples are copied into one flat array, so decoding allocates nothing once a DecodedWriteRequest has grown
// to the request's size (reuse one per thread). It validates what a hand-written decoder must: tags (field
// number > 0, known wire types only, no groups), varints (at most 10 bytes, no overflow), lengths (within the
// enclosing message), the wire type of every known field, and UTF-8 of label names and values. Unknown
// fields are skipped, as protobuf requires. Metric metadata (type, help, unit per family) is decoded into
// views like the labels; exemplars and histograms are counted, not decoded.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "storage/storage.h"

namespace foresight::collection {

struct LabelView {
  std::string_view name;
  std::string_view value;
};

// One MetricMetadata of the request (prompb types.proto): `type` is the MetricType enum value
// (0 UNKNOWN, 1 COUNTER, 2 GAUGE, 3 HISTOGRAM, 4 GAUGEHISTOGRAM, 5 SUMMARY, 6 INFO, 7 STATESET).
struct MetricMetadataView {
  int32_t type = 0;
  std::string_view family;
  std::string_view help;
  std::string_view unit;
};

// The name Prometheus' metadata API uses for a MetricType enum value ("counter", ..., "unknown" for values
// outside the enum).
std::string_view MetricMetadataTypeName(int32_t type);

class DecodedWriteRequest {
 public:
  struct Series {
    uint32_t label_begin, label_end;    // into labels()
    uint32_t sample_begin, sample_end;  // into samples()
  };

  size_t num_series() const { return series_.size(); }
  std::span<const LabelView> labels(size_t series) const {
    const Series& s = series_[series];
    return {labels_.data() + s.label_begin, labels_.data() + s.label_end};
  }
  std::span<const storage::Sample> samples(size_t series) const {
    const Series& s = series_[series];
    return {samples_.data() + s.sample_begin, samples_.data() + s.sample_end};
  }
  size_t total_samples() const { return samples_.size(); }
  uint64_t exemplars() const { return exemplars_; }
  uint64_t histograms() const { return histograms_; }
  std::span<const MetricMetadataView> metadata() const { return metadata_; }

  void Clear();

 private:
  friend class WriteRequestDecoder;
  std::vector<Series> series_;
  std::vector<LabelView> labels_;
  std::vector<storage::Sample> samples_;
  uint64_t exemplars_ = 0;
  uint64_t histograms_ = 0;
  std::vector<MetricMetadataView> metadata_;
};

// Decodes an uncompressed WriteRequest. The views in `out` point into `data`, which must outlive them.
// On error `out` is left in an unspecified state and the status (InvalidArgument) says what and where:
// "protobuf: TimeSeries.labels at offset 17: length 4000000 exceeds the 12 bytes left".
absl::Status DecodeWriteRequest(std::string_view data, DecodedWriteRequest* out);

// Uncompresses a snappy block into `out` (reused), refusing results larger than max_bytes.
absl::Status SnappyUncompress(std::string_view compressed, size_t max_bytes, std::string* out);

}  // namespace foresight::collection
