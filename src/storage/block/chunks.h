// Chunk segment files of a block (chunks/000001, ...): chunk bytes appended back to back, addressed by
// ChunkRef. The codec of the bytes is storage/encoding's business. Format: docs/format/block.md.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/block/file.h"
#include "storage/encoding/chunk.h"

namespace foresight::storage::block {

inline constexpr uint32_t kChunkSegmentMagic = 0x85BD40DD;
inline constexpr uint8_t kChunkSegmentVersion = 1;
inline constexpr size_t kChunkSegmentHeaderSize = 8;  // magic u32, version u8, 3 zero bytes
inline constexpr uint64_t kDefaultMaxSegmentBytes = 512ULL << 20;

// Where a chunk lives: segment number (1-based, as in the file name) in the high 32 bits, byte offset of
// the chunk record in that segment in the low 32.
using ChunkRef = uint64_t;
inline ChunkRef MakeChunkRef(uint32_t segment, uint32_t offset) { return (uint64_t{segment} << 32) | offset; }
inline uint32_t ChunkRefSegment(ChunkRef ref) { return static_cast<uint32_t>(ref >> 32); }
inline uint32_t ChunkRefOffset(ChunkRef ref) { return static_cast<uint32_t>(ref); }

// What the index says about one chunk of a series: its time range (inclusive both ends) and location.
struct ChunkMeta {
  int64_t mint = 0;
  int64_t maxt = 0;
  ChunkRef ref = 0;
  friend bool operator==(const ChunkMeta&, const ChunkMeta&) = default;
};

struct ChunkView {
  encoding::ChunkEncoding encoding;
  std::string_view bytes;  // points into the mapped segment
};

// "000042": the file name of segment 42.
std::string SegmentFileName(uint32_t segment);

// Appends chunks to segment files in `dir`, starting a new segment when the current one would pass
// max_segment_bytes. A chunk never spans segments.
class ChunkSegmentWriter {
 public:
  ChunkSegmentWriter(fs::FileSystem& fs, std::string dir, uint64_t max_segment_bytes);
  ~ChunkSegmentWriter();

  absl::StatusOr<ChunkRef> Write(encoding::ChunkEncoding enc, std::string_view bytes);
  // Syncs and closes the last segment and syncs the directory.
  absl::Status Finish();
  uint64_t bytes_written() const { return total_bytes_; }

 private:
  absl::Status CutSegment();
  absl::Status CloseSegment();

  fs::FileSystem& fs_;
  std::string dir_;
  uint64_t max_segment_bytes_;
  std::unique_ptr<BufferedFile> file_;
  uint32_t segment_ = 0;
  uint64_t segment_size_ = 0;
  uint64_t total_bytes_ = 0;
  std::string record_;  // scratch
};

// The mapped segments of one block. Thread-safe (read-only).
class ChunkSegmentReader {
 public:
  // Maps every segment in `dir`: they must be named 000001.. without gaps and start with a valid header.
  static absl::StatusOr<std::unique_ptr<ChunkSegmentReader>> Open(const std::string& dir);

  // The chunk at `ref`, its checksum verified. Any inconsistency (a ref past the end of a truncated file,
  // a bad checksum, an unknown encoding) is a DataLoss error naming the segment file.
  absl::StatusOr<ChunkView> Chunk(ChunkRef ref) const;
  uint64_t size_bytes() const;
  size_t num_segments() const { return segments_.size(); }

 private:
  std::vector<std::unique_ptr<MappedFile>> segments_;
};

}  // namespace foresight::storage::block
