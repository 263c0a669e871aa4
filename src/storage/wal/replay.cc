// Replay: the latest checkpoint, then the segments after it; cuts the torn tail of the last segment.
#include "absl/strings/str_format.h"
#include "spdlog/spdlog.h"
#include "storage/wal/dir.h"
#include "storage/wal/reader.h"

namespace foresight::storage::wal {
namespace {

void Warn(const Corruption& c) {
  spdlog::warn("wal: corruption in {} at offset {}: {}; lost {} bytes, {}{} records", c.file, c.offset,
               c.reason, c.bytes_lost, c.to_end ? "at least " : "", c.records_lost);
}

}  // namespace

absl::StatusOr<ReplayReport> Replay(fs::FileSystem& fs, const std::string& dir, RecordFn fn,
                                    ReplayOptions options) {
  ReplayReport report;
  auto contents = ListDir(fs, dir);
  if (!contents.ok()) return contents.status();

  auto read = [&](const std::string& path) -> absl::StatusOr<SegmentResult> {
    auto file = fs.OpenForRead(path);
    if (!file.ok()) return file.status();
    auto r = ReadSegment(**file, fn);
    if (!r.ok()) return r.status();
    report.records += r->records;
    report.bytes += r->bytes;
    return r;
  };

  std::optional<uint32_t> prev = contents->latest_checkpoint();
  if (prev) {
    std::string path = fs::JoinPath(fs::JoinPath(dir, CheckpointName(*prev)), kCheckpointSegment);
    auto r = read(path);
    if (absl::IsNotFound(r.status())) {
      report.corruptions.push_back({.file = path, .to_end = true, .reason = "checkpoint file missing"});
      Warn(report.corruptions.back());
    } else if (!r.ok()) {
      return r.status();
    } else {
      for (Corruption& c : r->corruptions) {
        Warn(c);
        report.corruptions.push_back(std::move(c));
      }
    }
    report.checkpoint = prev;
  }

  std::vector<uint32_t> segments;
  for (uint32_t n : contents->segments) {
    if (!prev || n > *prev) segments.push_back(n);  // older ones are left-overs of an interrupted truncation
  }
  // Damage at the end of the last segment that holds data is a torn tail: empty segments after it only mean
  // that the writer opened a new segment before the crash.
  size_t tail = segments.size();
  for (size_t i = segments.size(); i-- > 0;) {
    auto size = fs.FileSize(fs::JoinPath(dir, SegmentName(segments[i])));
    if (!size.ok()) return size.status();
    if (*size > 0) {
      tail = i;
      break;
    }
  }

  for (size_t i = 0; i < segments.size(); i++) {
    uint32_t n = segments[i];
    std::string path = fs::JoinPath(dir, SegmentName(n));
    if (prev && n != *prev + 1) {
      report.corruptions.push_back(
          {.file = fs::JoinPath(dir, SegmentName(*prev + 1)),
           .reason = absl::StrFormat("segments %08u..%08u are missing", *prev + 1, n - 1)});
      Warn(report.corruptions.back());
    }
    prev = n;
    auto r = read(path);
    if (!r.ok()) return r.status();
    report.segments.push_back(n);
    for (Corruption& c : r->corruptions) {
      if (c.to_end && i == tail) {
        if (!options.truncate_torn_tail) {
          report.torn_tail = std::move(c);
          continue;
        }
        if (absl::Status s = fs.Truncate(path, r->good_end); !s.ok()) {
          spdlog::warn("wal: cannot cut the torn tail of {}: {}", path, std::string(s.message()));
        } else {
          spdlog::warn("wal: torn tail in {}: cut {} bytes at offset {} ({})", path, r->size - r->good_end,
                       r->good_end, c.reason);
          report.truncated_bytes = r->size - r->good_end;
          report.torn_tail = std::move(c);
          continue;
        }
      }
      Warn(c);
      report.corruptions.push_back(std::move(c));
    }
  }
  return report;
}

}  // namespace foresight::storage::wal
