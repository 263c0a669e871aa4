// The engine's WAL records (docs/format/wal.md, "Records"): a type byte, then series definitions or samples.
// Encoders append to a string; decoders validate every length and never read past the input.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/labels.h"
#include "storage/storage.h"

namespace foresight::storage::wal {

enum class RecordType : uint8_t { kSeries = 1, kSamples = 2 };

struct SeriesRecord {
  SeriesRef ref = 0;
  Labels labels;
  friend bool operator==(const SeriesRecord&, const SeriesRecord&) = default;
};

struct RefSample {
  SeriesRef ref = 0;
  int64_t t = 0;
  double v = 0;
};

// The type of a record; InvalidArgument when empty or unknown.
absl::StatusOr<RecordType> PeekType(std::string_view record);

// A series record of many series: StartSeriesRecord once, then AppendSeries per series.
void StartSeriesRecord(std::string* out);
void AppendSeries(SeriesRef ref, const Labels& labels, std::string* out);
void EncodeSeries(std::span<const SeriesRecord> series, std::string* out);
// Appends the series of `record` to *out. On error *out may hold some of them.
absl::Status DecodeSeries(std::string_view record, std::vector<SeriesRecord>* out);

// A samples record. Values keep their exact bits (the stale NaN included).
void EncodeSamples(std::span<const RefSample> samples, std::string* out);
// Appends the samples of `record` to *out; on error *out is as it was.
absl::Status DecodeSamples(std::string_view record, std::vector<RefSample>* out);

}  // namespace foresight::storage::wal
