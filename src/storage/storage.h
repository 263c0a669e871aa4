// The storage interfaces where every writer and reader of Foresight meets:
//   writers (scrapes, remote-write, JSON push, rules, analytics) append through an Appender;
//   readers (PromQL, the HTTP API, analytics) select series through a Querier.
// Both are implemented by the storage engine (storage/db.h); nothing above storage/ sees its internals.
#pragma once

#include <bit>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/labels.h"
#include "common/matcher.h"

namespace foresight::storage {

// A reference to a series in the head, returned by Appender::Append so that later appends skip the label
// lookup. 0 means "unknown: look the series up by its labels".
using SeriesRef = uint64_t;

// Prometheus' staleness marker: a NaN with this exact bit pattern. It is stored and returned bit-for-bit.
inline constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002ULL;
inline double StaleNaN() { return std::bit_cast<double>(kStaleNaNBits); }
inline bool IsStaleNaN(double v) { return std::bit_cast<uint64_t>(v) == kStaleNaNBits; }

inline constexpr int64_t kMinTime = std::numeric_limits<int64_t>::min();
inline constexpr int64_t kMaxTime = std::numeric_limits<int64_t>::max();

struct Sample {
  int64_t t;  // milliseconds since the Unix epoch
  double v;
};

// Why an append was refused. Each reason is counted by the engine
// (foresight_tsdb_samples_rejected_total{reason}).
enum class RejectReason { kOutOfOrder, kDuplicate, kTooOld, kInvalidLabels };
std::string_view RejectReasonName(RejectReason r);  // "out_of_order", "duplicate_sample", "too_old", ...

// Error statuses for refused samples carry this payload key with the RejectReason name as value.
inline constexpr std::string_view kRejectReasonPayload = "foresight.reject_reason";
// Returns the reason of a status produced by an append, if it was a refused sample.
std::optional<RejectReason> RejectReasonOf(const absl::Status& s);

// A batch of appends that becomes visible and durable at Commit, or is dropped at Rollback.
// Not thread-safe: one appender per thread. Many appenders may be used concurrently.
class Appender {
 public:
  virtual ~Appender() = default;
  // Adds one sample. With ref != 0 (from an earlier Append) the labels are not looked at.
  // Returns the series' ref, or an error: InvalidArgument for a sample refused for its own sake
  // (out of order, duplicate, bad labels; see RejectReasonOf) after which the batch goes on, or
  // another error (e.g. the engine is closed) after which the batch should be rolled back.
  virtual absl::StatusOr<SeriesRef> Append(SeriesRef ref, const Labels& labels, int64_t t, double v) = 0;
  // Writes the batch to the write-ahead log and makes it visible. When it returns OK the samples survive a
  // crash.
  virtual absl::Status Commit() = 0;
  // Discards the batch. The appender may be reused after Commit or Rollback.
  virtual void Rollback() = 0;
};

class Appendable {
 public:
  virtual ~Appendable() = default;
  virtual std::unique_ptr<Appender> NewAppender() = 0;
};

// Iterates the samples of one series in time order.
class SampleIterator {
 public:
  virtual ~SampleIterator() = default;
  // Advances to the next sample; false at the end.
  virtual bool Next() = 0;
  // Advances to the first sample with timestamp >= t (never moves backwards); false if there is none.
  virtual bool Seek(int64_t t) = 0;
  // The current sample; valid after Next or Seek returned true.
  virtual Sample At() const = 0;
  // A read error (e.g. a corrupt chunk) that ended the iteration early.
  virtual absl::Status Err() const { return absl::OkStatus(); }
  // The newest sample with lo <= t <= hi into `out`; false if there is none (or on an error: see Err).
  // For an instant selector, which needs only that sample: implementations that know a chunk's last
  // sample skip decoding it. It uses the iterator up: call it on a fresh iterator, and nothing after it.
  // (Inline: the codec libraries below the engine implement iterators too.)
  virtual bool LastInRange(int64_t lo, int64_t hi, Sample* out) {
    bool found = false;
    if (Seek(lo)) {
      do {
        Sample s = At();
        if (s.t > hi) break;
        *out = s;
        found = true;
      } while (Next());
    }
    return found;
  }
  // Appends every sample with lo <= t <= hi to `out`, in order (stopping early on an error: see Err). For
  // readers that load whole windows: implementations copy decoded runs instead of a few virtual calls per
  // sample. It uses the iterator up, as LastInRange.
  virtual void AppendRange(int64_t lo, int64_t hi, std::vector<Sample>* out) {
    if (!Seek(lo)) return;
    do {
      Sample s = At();
      if (s.t > hi) return;
      out->push_back(s);
    } while (Next());
  }
};

class Series {
 public:
  virtual ~Series() = default;
  virtual const Labels& labels() const = 0;
  // A fresh iterator over the series' samples within the querier's [mint, maxt]. It holds what it needs:
  // it stays valid after the series set moves on, for as long as the Querier lives.
  virtual std::unique_ptr<SampleIterator> Iterator() const = 0;
};

// Series in label order (Prometheus' labels.Compare).
class SeriesSet {
 public:
  virtual ~SeriesSet() = default;
  virtual bool Next() = 0;
  virtual const Series& At() const = 0;  // valid until the next call to Next
  virtual absl::Status Err() const { return absl::OkStatus(); }
  virtual std::vector<std::string> Warnings() const { return {}; }
};

// What the caller of Select intends, so that the engine can skip work (all optional).
struct SelectHints {
  int64_t start = kMinTime;  // ms, the first time the caller reads
  int64_t end = kMaxTime;
  int64_t step = 0;   // query step in ms, 0 for instant queries
  std::string func;   // the PromQL function around the selector, e.g. "rate"; "series" for metadata only
  int64_t range = 0;  // range of a range selector in ms
};

// A read view over [mint, maxt]. It sees the data as it was when created, plus appends committed since
// (but never half a commit); it stays valid while appends, compactions and retention run.
class Querier {
 public:
  virtual ~Querier() = default;
  // Series matching every matcher (at least one matcher must not match the empty string).
  virtual std::unique_ptr<SeriesSet> Select(std::span<const Matcher> matchers,
                                            const SelectHints* hints = nullptr) = 0;
  // Sorted distinct values of a label among series matching `matchers` (all series when empty).
  virtual absl::StatusOr<std::vector<std::string>> LabelValues(std::string_view name,
                                                               std::span<const Matcher> matchers = {}) = 0;
  // Sorted distinct label names among series matching `matchers` (all series when empty).
  virtual absl::StatusOr<std::vector<std::string>> LabelNames(std::span<const Matcher> matchers = {}) = 0;
};

class Queryable {
 public:
  virtual ~Queryable() = default;
  virtual absl::StatusOr<std::unique_ptr<Querier>> NewQuerier(int64_t mint, int64_t maxt) = 0;
};

}  // namespace foresight::storage
