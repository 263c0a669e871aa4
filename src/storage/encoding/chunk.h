// Chunk codecs: how a run of one series' samples is stored, in the head (appendable) and in blocks (compact).
// The engine and the block format treat chunk bytes as opaque and reach them only through this header.
// Formats: docs/format/chunks.md.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "storage/storage.h"

namespace foresight::storage::encoding {

enum class ChunkEncoding : uint8_t {
  kXor = 1,      // Gorilla: delta-of-delta timestamps, XOR floats; appendable (the head's chunks)
  kCompact = 2,  // denser, not appendable: written when the head is cut into blocks and at compaction
};

// The most samples one chunk holds (either encoding); the engine cuts chunks far sooner (~120-480).
// EncodeChunk encodes only the first kMaxChunkSamples of a longer span.
inline constexpr int kMaxChunkSamples = 0xffff;

// An appendable chunk in the head. Samples must come in strictly increasing time order (the engine checks).
// Holds at most kMaxSamples samples; further appends are ignored.
// Kept to one small allocation plus 48 bytes of state, since the head holds one per series.
class XorChunkAppender {
 public:
  static constexpr int kMaxSamples = kMaxChunkSamples;  // the header's 16-bit count

  XorChunkAppender() = default;
  // A moved-from appender is empty and may be reused.
  XorChunkAppender(XorChunkAppender&& other) noexcept;
  XorChunkAppender& operator=(XorChunkAppender&& other) noexcept;

  void Append(int64_t t, double v);
  int num_samples() const { return num_samples_; }
  // The encoded bytes so far (valid until the next Append).
  std::string_view bytes() const;
  size_t byte_size() const { return bytes().size(); }
  // Bytes allocated (for the head's memory accounting).
  size_t capacity() const { return capacity_; }
  // Asks the CPU to fetch the byte the next Append writes (a commit applying many series does this ahead).
  void PrefetchTail() const {
    if (buf_) __builtin_prefetch(buf_.get() + bit_len_ / 8, 1);
  }

 private:
  void Reserve(size_t min_bytes);

  std::unique_ptr<uint8_t[]> buf_;  // zero past the written bits (the bit writer ORs into it)
  uint32_t capacity_ = 0;
  uint32_t bit_len_ = 0;
  int64_t t_ = 0;       // last timestamp
  uint64_t delta_ = 0;  // last timestamp delta (modulo 2^64, so any int64 jump round-trips)
  uint64_t v_ = 0;      // last value's bits
  uint16_t num_samples_ = 0;
  uint8_t leading_ = 0xff;  // XOR window of the last value that opened one; 0xff: none yet
  uint8_t trailing_ = 0;
};

// Encodes samples (strictly increasing timestamps) as one chunk of the given encoding.
std::string EncodeChunk(std::span<const Sample> samples, ChunkEncoding encoding);

// Iterates a chunk's samples. `bytes` must outlive the iterator. A malformed chunk ends the iteration
// with Err() set, never reads out of bounds.
std::unique_ptr<SampleIterator> NewChunkIterator(ChunkEncoding encoding, std::string_view bytes);

// Number of samples stored in a chunk (cheap: read from its header), or an error for a malformed one.
absl::StatusOr<int> ChunkNumSamples(ChunkEncoding encoding, std::string_view bytes);

}  // namespace foresight::storage::encoding
