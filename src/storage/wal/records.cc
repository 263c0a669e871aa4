#include "storage/wal/records.h"

#include <bit>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace foresight::storage::wal {
namespace {

static_assert(std::endian::native == std::endian::little, "values are copied as little-endian bytes");

// The largest encodings, to size the output once instead of growing it per byte.
constexpr size_t kMaxVarint = 10;
constexpr size_t kMaxSampleBytes = 2 * kMaxVarint + 8;
constexpr size_t kMinSampleBytes = 1 + 1 + 8;

inline char* PutUvarint(char* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

inline uint64_t Zigzag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
inline int64_t Unzigzag(uint64_t u) { return static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1); }

// Reads a varint from [*p, end); false when truncated or longer than 64 bits.
inline bool GetUvarint(const char** p, const char* end, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64 && *p < end; shift += 7) {
    uint64_t byte = static_cast<uint8_t>(*(*p)++);
    if (shift == 63 && byte > 1) return false;  // bits beyond 64
    result |= (byte & 0x7f) << shift;
    if (byte < 0x80) {
      *v = result;
      return true;
    }
  }
  return false;
}

void AppendUvarint(uint64_t v, std::string* out) {
  char buf[kMaxVarint];
  out->append(buf, static_cast<size_t>(PutUvarint(buf, v) - buf));
}

absl::Status Malformed(std::string_view what, std::string_view record, const char* at) {
  return absl::InvalidArgumentError(absl::StrCat("wal record: ", absl::string_view(what.data(), what.size()),
                                                 " at byte ", at - record.data(), " of ", record.size()));
}

}  // namespace

absl::StatusOr<RecordType> PeekType(std::string_view record) {
  if (record.empty()) return absl::InvalidArgumentError("wal record: empty");
  auto t = static_cast<uint8_t>(record[0]);
  if (t != static_cast<uint8_t>(RecordType::kSeries) && t != static_cast<uint8_t>(RecordType::kSamples)) {
    return absl::InvalidArgumentError(absl::StrCat("wal record: unknown type ", t));
  }
  return static_cast<RecordType>(t);
}

void StartSeriesRecord(std::string* out) { out->push_back(static_cast<char>(RecordType::kSeries)); }

void AppendSeries(SeriesRef ref, const Labels& labels, std::string* out) {
  AppendUvarint(ref, out);
  AppendUvarint(labels.size(), out);
  for (const Label& l : labels) {
    AppendUvarint(l.name.size(), out);
    out->append(l.name);
    AppendUvarint(l.value.size(), out);
    out->append(l.value);
  }
}

void EncodeSeries(std::span<const SeriesRecord> series, std::string* out) {
  StartSeriesRecord(out);
  for (const SeriesRecord& s : series) AppendSeries(s.ref, s.labels, out);
}

absl::Status DecodeSeries(std::string_view record, std::vector<SeriesRecord>* out) {
  auto type = PeekType(record);
  if (!type.ok()) return type.status();
  if (*type != RecordType::kSeries) return absl::InvalidArgumentError("wal record: not a series record");
  const char* p = record.data() + 1;
  const char* end = record.data() + record.size();
  auto get_string = [&](std::string* s) {
    uint64_t len;
    if (!GetUvarint(&p, end, &len) || len > static_cast<uint64_t>(end - p)) return false;
    s->assign(p, static_cast<size_t>(len));
    p += len;
    return true;
  };
  while (p < end) {
    uint64_t ref, n;
    if (!GetUvarint(&p, end, &ref)) return Malformed("bad series ref", record, p);
    // Each label takes at least two bytes, which bounds n before anything is allocated for it.
    if (!GetUvarint(&p, end, &n) || n > static_cast<uint64_t>(end - p) / 2) {
      return Malformed("bad label count", record, p);
    }
    std::vector<Label> labels(static_cast<size_t>(n));
    for (Label& l : labels) {
      if (!get_string(&l.name) || !get_string(&l.value)) return Malformed("bad label", record, p);
    }
    out->push_back(SeriesRecord{.ref = ref, .labels = Labels(std::move(labels))});
  }
  return absl::OkStatus();
}

void EncodeSamples(std::span<const RefSample> samples, std::string* out) {
  size_t start = out->size();
  out->resize(start + 1 + 3 * kMaxVarint + samples.size() * kMaxSampleBytes);
  char* p = out->data() + start;
  *p++ = static_cast<char>(RecordType::kSamples);
  p = PutUvarint(p, samples.size());
  if (!samples.empty()) {
    const uint64_t ref0 = samples[0].ref;
    const uint64_t t0 = static_cast<uint64_t>(samples[0].t);
    p = PutUvarint(p, ref0);
    p = PutUvarint(p, Zigzag(static_cast<int64_t>(t0)));
    for (const RefSample& s : samples) {
      // Unsigned subtraction wraps instead of overflowing; the decoder adds back with the same wrap.
      p = PutUvarint(p, Zigzag(static_cast<int64_t>(s.ref - ref0)));
      p = PutUvarint(p, Zigzag(static_cast<int64_t>(static_cast<uint64_t>(s.t) - t0)));
      std::memcpy(p, &s.v, 8);
      p += 8;
    }
  }
  out->resize(static_cast<size_t>(p - out->data()));
}

absl::Status DecodeSamples(std::string_view record, std::vector<RefSample>* out) {
  auto type = PeekType(record);
  if (!type.ok()) return type.status();
  if (*type != RecordType::kSamples) return absl::InvalidArgumentError("wal record: not a samples record");
  const char* p = record.data() + 1;
  const char* end = record.data() + record.size();
  uint64_t count;
  if (!GetUvarint(&p, end, &count) || count > static_cast<uint64_t>(end - p) / kMinSampleBytes) {
    return Malformed("bad sample count", record, p);
  }
  if (count == 0) {
    if (p != end) return Malformed("trailing bytes", record, p);
    return absl::OkStatus();
  }
  uint64_t ref0, zt0;
  if (!GetUvarint(&p, end, &ref0) || !GetUvarint(&p, end, &zt0))
    return Malformed("bad first sample", record, p);
  const uint64_t t0 = static_cast<uint64_t>(Unzigzag(zt0));
  const size_t old = out->size();
  out->resize(old + static_cast<size_t>(count));
  RefSample* o = out->data() + old;
  for (uint64_t i = 0; i < count; i++, o++) {
    uint64_t dref, dt;
    if (!GetUvarint(&p, end, &dref) || !GetUvarint(&p, end, &dt) || end - p < 8) {
      out->resize(old);
      return Malformed("truncated sample", record, p);
    }
    o->ref = ref0 + static_cast<uint64_t>(Unzigzag(dref));
    o->t = static_cast<int64_t>(t0 + static_cast<uint64_t>(Unzigzag(dt)));
    std::memcpy(&o->v, p, 8);
    p += 8;
  }
  if (p != end) {
    out->resize(old);
    return Malformed("trailing bytes", record, p);
  }
  return absl::OkStatus();
}

}  // namespace foresight::storage::wal
