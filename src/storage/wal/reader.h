// Reading the WAL back: Replay delivers every record of the latest checkpoint and of the segments after it,
// in order, recovering from damage as docs/format/wal.md describes (a torn tail is cut, a corruption in the
// middle is reported and skipped). It never fails for damaged content; only I/O errors and the callback stop
// it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "storage/fs/fs.h"

namespace foresight::storage::wal {

// A damaged region of a segment or checkpoint.
struct Corruption {
  std::string file;         // path of the segment or checkpoint file
  uint64_t offset = 0;      // where the damage was detected
  uint64_t bytes_lost = 0;  // from the end of the last good record to the start of the next one (or the end)
  uint64_t records_lost = 0;  // exact unless to_end (then a lower bound)
  bool to_end = false;        // the damage reaches the end of the file
  std::string reason;
};

// Called for each record in order; the view is valid during the call only. A non-OK status stops the replay.
using RecordFn = absl::FunctionRef<absl::Status(std::string_view record)>;

struct SegmentResult {
  uint64_t records = 0;
  uint64_t bytes = 0;     // payload bytes delivered
  uint64_t size = 0;      // file size
  uint64_t good_end = 0;  // offset just after the last delivered record
  std::vector<Corruption> corruptions;
};

// Reads one segment file from start to end.
absl::StatusOr<SegmentResult> ReadSegment(const fs::ReadableFile& file, RecordFn fn);

struct ReplayReport {
  uint64_t records = 0;
  uint64_t bytes = 0;                   // record payload bytes delivered
  std::optional<uint32_t> checkpoint;   // the checkpoint read first, if any
  std::vector<uint32_t> segments;       // segments read after it, in order
  uint64_t truncated_bytes = 0;         // cut from the torn tail of the last segment
  std::optional<Corruption> torn_tail;  // where that tail was
  std::vector<Corruption> corruptions;  // damage elsewhere (not counting the torn tail)
};

struct ReplayOptions {
  // Cut a torn tail off the last segment (the writer opens a new segment after it, so a tail left in place
  // would be reported as a corruption by every later replay). Off for read-only inspection.
  bool truncate_torn_tail = true;
};

// Replays the log in `dir` (a missing directory is an empty log).
absl::StatusOr<ReplayReport> Replay(fs::FileSystem& fs, const std::string& dir, RecordFn fn,
                                    ReplayOptions options = {});

}  // namespace foresight::storage::wal
