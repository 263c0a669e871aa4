// Dispatch from the public chunk API to the two encodings.
#include "storage/encoding/chunk.h"

#include "absl/status/status.h"
#include "storage/encoding/compact_chunk.h"
#include "storage/encoding/xor_chunk.h"

namespace foresight::storage::encoding {
namespace {

// An iterator over nothing that reports why (an unknown encoding byte read from disk, say).
class ErrorIterator final : public SampleIterator {
 public:
  explicit ErrorIterator(absl::Status s) : s_(std::move(s)) {}
  bool Next() override { return false; }
  bool Seek(int64_t) override { return false; }
  Sample At() const override { return Sample{0, 0}; }
  absl::Status Err() const override { return s_; }

 private:
  absl::Status s_;
};

}  // namespace

std::string EncodeChunk(std::span<const Sample> samples, ChunkEncoding encoding) {
  if (encoding == ChunkEncoding::kCompact) return EncodeCompact(samples);
  XorChunkAppender app;
  for (const Sample& s : samples.first(std::min<size_t>(samples.size(), kMaxChunkSamples)))
    app.Append(s.t, s.v);
  return std::string(app.bytes());
}

std::unique_ptr<SampleIterator> NewChunkIterator(ChunkEncoding encoding, std::string_view bytes) {
  switch (encoding) {
    case ChunkEncoding::kXor:
      return NewXorIterator(bytes);
    case ChunkEncoding::kCompact:
      return NewCompactIterator(bytes);
  }
  return std::make_unique<ErrorIterator>(absl::InvalidArgumentError("unknown chunk encoding"));
}

absl::StatusOr<int> ChunkNumSamples(ChunkEncoding encoding, std::string_view bytes) {
  switch (encoding) {
    case ChunkEncoding::kXor:
      return XorNumSamples(bytes);
    case ChunkEncoding::kCompact:
      return CompactNumSamples(bytes);
  }
  return absl::InvalidArgumentError("unknown chunk encoding");
}

}  // namespace foresight::storage::encoding
