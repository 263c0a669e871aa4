#include "collection/remotewrite/decoder.h"

#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "snappy.h"

namespace foresight::collection {
namespace {

absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// Protobuf wire types (https://protobuf.dev/programming-guides/encoding/).
constexpr uint32_t kVarint = 0;
constexpr uint32_t kFixed64 = 1;
constexpr uint32_t kLengthDelimited = 2;
constexpr uint32_t kFixed32 = 5;
constexpr int kMaxVarintBytes = 10;

// Field numbers of prompb (types.proto / remote.proto of Prometheus 2.42).
constexpr uint32_t kWriteRequestTimeseries = 1;
constexpr uint32_t kWriteRequestMetadata = 3;
constexpr uint32_t kTimeSeriesLabels = 1;
constexpr uint32_t kTimeSeriesSamples = 2;
constexpr uint32_t kTimeSeriesExemplars = 3;
constexpr uint32_t kTimeSeriesHistograms = 4;
constexpr uint32_t kLabelName = 1;
constexpr uint32_t kLabelValue = 2;
constexpr uint32_t kSampleValue = 1;
constexpr uint32_t kSampleTimestamp = 2;
constexpr uint32_t kMetadataType = 1;
constexpr uint32_t kMetadataFamilyName = 2;
constexpr uint32_t kMetadataHelp = 4;
constexpr uint32_t kMetadataUnit = 5;

bool ValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    if (end - p >= 8) {  // ASCII fast path, 8 bytes at a time
      uint64_t w;
      std::memcpy(&w, p, 8);
      if ((w & 0x8080808080808080ULL) == 0) {
        p += 8;
        continue;
      }
    }
    unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int n;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1, cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2, cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (end - p <= n) return false;
    for (int i = 1; i <= n; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    p += n + 1;
  }
  return true;
}

// A cursor over one message's bytes. `base` is the start of the whole request, for offsets in errors.
class Reader {
 public:
  Reader(const char* base, const char* p, const char* end, const char* msg)
      : base_(base), p_(p), end_(end), msg_(msg) {}

  bool done() const { return p_ >= end_; }

  absl::Status Varint(uint64_t* v) {
    uint64_t r = 0;
    for (int i = 0; i < kMaxVarintBytes; ++i) {
      if (p_ >= end_) return Error("truncated varint");
      auto b = static_cast<uint8_t>(*p_++);
      if (i == kMaxVarintBytes - 1 && b > 1) return Error("varint overflows 64 bits");
      r |= static_cast<uint64_t>(b & 0x7F) << (7 * i);
      if (b < 0x80) {
        *v = r;
        return absl::OkStatus();
      }
    }
    return Error("varint longer than 10 bytes");
  }

  // Reads a tag; `field` > 0 and a wire type the decoder knows, else an error.
  absl::Status Tag(uint32_t* field, uint32_t* wire) {
    const char* at = p_;
    uint64_t tag = 0;
    if (absl::Status s = Varint(&tag); !s.ok()) return s;
    uint64_t f = tag >> 3;
    *wire = static_cast<uint32_t>(tag & 7);
    if (f == 0 || f > 0x1FFFFFFF) return ErrorAt(at, absl::StrCat("invalid field number ", f));
    if (*wire != kVarint && *wire != kFixed64 && *wire != kLengthDelimited && *wire != kFixed32) {
      return ErrorAt(at, absl::StrCat("field ", f, " has unsupported wire type ", *wire));
    }
    *field = static_cast<uint32_t>(f);
    return absl::OkStatus();
  }

  absl::Status Bytes(std::string_view* out, const char* field) {
    const char* at = p_;
    uint64_t n = 0;
    if (absl::Status s = Varint(&n); !s.ok()) return s;
    auto left = static_cast<uint64_t>(end_ - p_);
    if (n > left)
      return ErrorAt(at, absl::StrCat(field, ": length ", n, " exceeds the ", left, " bytes left"));
    *out = std::string_view(p_, n);
    p_ += n;
    return absl::OkStatus();
  }

  absl::Status Fixed64(uint64_t* v) {
    if (end_ - p_ < 8) return Error("truncated fixed64");
    std::memcpy(v, p_, 8);  // little-endian hosts only (x86-64, aarch64)
    p_ += 8;
    return absl::OkStatus();
  }

  absl::Status Skip(uint32_t wire) {
    uint64_t v = 0;
    std::string_view b;
    switch (wire) {
      case kVarint:
        return Varint(&v);
      case kFixed64:
        return Fixed64(&v);
      case kLengthDelimited:
        return Bytes(&b, "unknown field");
      default:
        if (end_ - p_ < 4) return Error("truncated fixed32");
        p_ += 4;
        return absl::OkStatus();
    }
  }

  // Decodes exactly "09 <fixed64> 10 <varint>" filling the whole message; false (nothing consumed) otherwise.
  bool FastSample(std::vector<storage::Sample>* out) const {
    const char* p = p_;
    if (end_ - p < 11 || p[0] != 0x09 || p[9] != 0x10) return false;
    storage::Sample smp;
    std::memcpy(&smp.v, p + 1, 8);
    p += 10;
    uint64_t t = 0;
    for (int i = 0; i < kMaxVarintBytes && p < end_; ++i) {
      auto b = static_cast<uint8_t>(*p++);
      if (i == kMaxVarintBytes - 1 && b > 1) return false;
      t |= static_cast<uint64_t>(b & 0x7F) << (7 * i);
      if (b < 0x80) {
        if (p != end_) return false;
        smp.t = static_cast<int64_t>(t);
        out->push_back(smp);
        return true;
      }
    }
    return false;
  }

  absl::Status WrongWire(uint32_t field, uint32_t wire, uint32_t want) const {
    return ErrorAt(p_, absl::StrCat("field ", field, " has wire type ", wire, ", want ", want));
  }
  absl::Status Error(std::string_view what) const { return ErrorAt(p_, what); }
  absl::Status ErrorAt(const char* at, std::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat("protobuf: ", msg_, " at offset ", at - base_, ": ", AV(what)));
  }
  Reader Sub(std::string_view bytes, const char* msg) const {
    return Reader(base_, bytes.data(), bytes.data() + bytes.size(), msg);
  }

 private:
  const char* base_;
  const char* p_;
  const char* end_;
  const char* msg_;
};

}  // namespace

class WriteRequestDecoder {
 public:
  explicit WriteRequestDecoder(DecodedWriteRequest* out) : out_(out) {}

  absl::Status Decode(std::string_view data) {
    Reader r(data.data(), data.data(), data.data() + data.size(), "WriteRequest");
    while (!r.done()) {
      uint32_t field, wire;
      if (absl::Status s = r.Tag(&field, &wire); !s.ok()) return s;
      if (field == kWriteRequestTimeseries || field == kWriteRequestMetadata) {
        if (wire != kLengthDelimited) return r.WrongWire(field, wire, kLengthDelimited);
        std::string_view b;
        if (absl::Status s = r.Bytes(&b, field == 1 ? "WriteRequest.timeseries" : "WriteRequest.metadata");
            !s.ok()) {
          return s;
        }
        absl::Status s = field == kWriteRequestMetadata ? Metadata(r.Sub(b, "MetricMetadata"))
                                                        : TimeSeries(r.Sub(b, "TimeSeries"));
        if (!s.ok()) return s;
      } else if (absl::Status s = r.Skip(wire); !s.ok()) {
        return s;
      }
    }
    return absl::OkStatus();
  }

 private:
  absl::Status TimeSeries(Reader r) {
    DecodedWriteRequest::Series series;
    series.label_begin = static_cast<uint32_t>(out_->labels_.size());
    series.sample_begin = static_cast<uint32_t>(out_->samples_.size());
    while (!r.done()) {
      uint32_t field, wire;
      if (absl::Status s = r.Tag(&field, &wire); !s.ok()) return s;
      if (field >= kTimeSeriesLabels && field <= kTimeSeriesHistograms) {
        if (wire != kLengthDelimited) return r.WrongWire(field, wire, kLengthDelimited);
        std::string_view b;
        if (absl::Status s = r.Bytes(&b, "TimeSeries field"); !s.ok()) return s;
        absl::Status s;
        switch (field) {
          case kTimeSeriesLabels:
            s = Label(r.Sub(b, "Label"));
            break;
          case kTimeSeriesSamples:
            s = Sample(r.Sub(b, "Sample"));
            break;
          case kTimeSeriesExemplars:
            ++out_->exemplars_;
            break;
          default:
            ++out_->histograms_;
            break;
        }
        if (!s.ok()) return s;
      } else if (absl::Status s = r.Skip(wire); !s.ok()) {
        return s;
      }
    }
    series.label_end = static_cast<uint32_t>(out_->labels_.size());
    series.sample_end = static_cast<uint32_t>(out_->samples_.size());
    out_->series_.push_back(series);
    return absl::OkStatus();
  }

  absl::Status Metadata(Reader r) {
    MetricMetadataView md;
    while (!r.done()) {
      uint32_t field, wire;
      if (absl::Status s = r.Tag(&field, &wire); !s.ok()) return s;
      if (field == kMetadataType) {
        if (wire != kVarint) return r.WrongWire(field, wire, kVarint);
        uint64_t v = 0;
        if (absl::Status s = r.Varint(&v); !s.ok()) return s;
        md.type = static_cast<int32_t>(v);  // int32 enum: a negative value is sign-extended to 10 bytes
      } else if (field == kMetadataFamilyName || field == kMetadataHelp || field == kMetadataUnit) {
        if (wire != kLengthDelimited) return r.WrongWire(field, wire, kLengthDelimited);
        const char* what = field == kMetadataFamilyName ? "MetricMetadata.metric_family_name"
                           : field == kMetadataHelp     ? "MetricMetadata.help"
                                                        : "MetricMetadata.unit";
        std::string_view* dst = field == kMetadataFamilyName ? &md.family
                                : field == kMetadataHelp     ? &md.help
                                                             : &md.unit;
        if (absl::Status s = r.Bytes(dst, what); !s.ok()) return s;
        if (!ValidUtf8(*dst)) return r.Error(absl::StrCat(what, " is not valid UTF-8"));
      } else if (absl::Status s = r.Skip(wire); !s.ok()) {
        return s;
      }
    }
    out_->metadata_.push_back(md);
    return absl::OkStatus();
  }

  absl::Status Label(Reader r) {
    LabelView l;
    while (!r.done()) {
      uint32_t field, wire;
      if (absl::Status s = r.Tag(&field, &wire); !s.ok()) return s;
      if (field == kLabelName || field == kLabelValue) {
        if (wire != kLengthDelimited) return r.WrongWire(field, wire, kLengthDelimited);
        std::string_view* dst = field == kLabelName ? &l.name : &l.value;
        if (absl::Status s = r.Bytes(dst, field == kLabelName ? "Label.name" : "Label.value"); !s.ok())
          return s;
        if (!ValidUtf8(*dst)) {
          return r.Error(
              absl::StrCat(field == kLabelName ? "label name" : "label value", " is not valid UTF-8"));
        }
      } else if (absl::Status s = r.Skip(wire); !s.ok()) {
        return s;
      }
    }
    out_->labels_.push_back(l);
    return absl::OkStatus();
  }

  absl::Status Sample(Reader r) {
    // Fast path for the shape every sender writes: value (tag 0x09, 8 bytes) then timestamp (tag 0x10,
    // varint).
    if (r.FastSample(&out_->samples_)) return absl::OkStatus();
    storage::Sample smp{0, 0};
    while (!r.done()) {
      uint32_t field, wire;
      if (absl::Status s = r.Tag(&field, &wire); !s.ok()) return s;
      if (field == kSampleValue) {
        if (wire != kFixed64) return r.WrongWire(field, wire, kFixed64);
        uint64_t bits = 0;
        if (absl::Status s = r.Fixed64(&bits); !s.ok()) return s;
        std::memcpy(&smp.v, &bits, 8);  // bit-exact: keeps the stale NaN
      } else if (field == kSampleTimestamp) {
        if (wire != kVarint) return r.WrongWire(field, wire, kVarint);
        uint64_t t = 0;
        if (absl::Status s = r.Varint(&t); !s.ok()) return s;
        smp.t = static_cast<int64_t>(t);  // int64: two's complement in 10 bytes when negative
      } else if (absl::Status s = r.Skip(wire); !s.ok()) {
        return s;
      }
    }
    out_->samples_.push_back(smp);
    return absl::OkStatus();
  }

  DecodedWriteRequest* out_;
};

void DecodedWriteRequest::Clear() {
  series_.clear();
  labels_.clear();
  samples_.clear();
  metadata_.clear();
  exemplars_ = histograms_ = 0;
}

std::string_view MetricMetadataTypeName(int32_t type) {
  static constexpr std::string_view kNames[] = {"unknown",        "counter", "gauge", "histogram",
                                                "gaugehistogram", "summary", "info",  "stateset"};
  return type >= 0 && type < 8 ? kNames[type] : kNames[0];
}

absl::Status DecodeWriteRequest(std::string_view data, DecodedWriteRequest* out) {
  out->Clear();
  return WriteRequestDecoder(out).Decode(data);
}

absl::Status SnappyUncompress(std::string_view compressed, size_t max_bytes, std::string* out) {
  size_t n = 0;
  if (!snappy::GetUncompressedLength(compressed.data(), compressed.size(), &n)) {
    return absl::InvalidArgumentError("snappy: corrupt input (bad length header)");
  }
  if (n > max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("snappy: decoded size ", n, " exceeds the limit of ", max_bytes, " bytes"));
  }
  out->resize(n);
  if (!snappy::RawUncompress(compressed.data(), compressed.size(), out->data())) {
    return absl::InvalidArgumentError("snappy: corrupt input");
  }
  return absl::OkStatus();
}

}  // namespace foresight::collection
