#include "storage/head/mem_series.h"

#include <bit>
#include <mutex>

namespace foresight::storage::head {

MemSeries::MemSeries(SeriesId id, uint64_t hash, std::string packed_labels)
    : id_(id), hash_(hash), packed_labels_(std::move(packed_labels)) {}

bool MemSeries::Reserve(int64_t t, int64_t* previous) {
  int64_t cur = reserved_t_.load(std::memory_order_relaxed);
  while (true) {
    // t == cur passes here; AppendLocked tells a duplicate from a bit-identical repeat.
    if (t < cur) {
      *previous = cur;
      return false;
    }
    if (reserved_t_.compare_exchange_weak(cur, t, std::memory_order_seq_cst)) {
      *previous = cur;
      return true;
    }
  }
}

void MemSeries::Unreserve(int64_t t, int64_t previous) {
  int64_t expected = t;
  reserved_t_.compare_exchange_strong(expected, previous, std::memory_order_relaxed);
}

AppendOutcome MemSeries::AppendLocked(int64_t t, double v, uint64_t* chunks_opened) {
  if (removed_.load(std::memory_order_relaxed)) return AppendOutcome::kRemoved;
  if (t <= last_t_) {
    if (t < last_t_) return AppendOutcome::kOutOfOrder;
    if (std::bit_cast<uint64_t>(v) == std::bit_cast<uint64_t>(last_v_)) return AppendOutcome::kSameSample;
    return AppendOutcome::kDuplicate;
  }
  if (open_.num_samples() >= kSamplesPerChunk) SealOpenChunkLocked();
  if (open_.num_samples() == 0) {
    open_mint_ = t;
    prev_t_ = kMinTime;
    if (chunks_opened != nullptr) ++*chunks_opened;
  } else {
    prev_t_ = last_t_;
    prev_v_ = last_v_;
  }
  open_.Append(t, v);
  last_t_ = t;
  last_v_ = v;
  // Keep reservations monotonic after replay or a commit that skipped Reserve.
  int64_t cur = reserved_t_.load(std::memory_order_relaxed);
  while (cur < t && !reserved_t_.compare_exchange_weak(cur, t, std::memory_order_relaxed)) {
  }
  return AppendOutcome::kAppended;
}

bool MemSeries::SameAsLastLocked(int64_t t, double v) const {
  return t == last_t_ && std::bit_cast<uint64_t>(v) == std::bit_cast<uint64_t>(last_v_);
}

void MemSeries::SealOpenChunkLocked() {
  auto bytes = std::make_shared<const std::string>(open_.bytes());
  sealed_.push_back(ChunkRef{open_mint_, last_t_, encoding::ChunkEncoding::kXor, std::move(bytes), last_v_,
                             prev_t_, prev_v_});
  open_ = encoding::XorChunkAppender();
  open_mint_ = kMaxTime;
}

void MemSeries::ChunksLocked(int64_t mint, int64_t maxt, std::vector<ChunkRef>* out) const {
  // Sealed chunks end before the open one starts: when it starts by mint none of them is needed, and their
  // array (a cache miss per series) is not read. That is the common case of a recent instant query.
  bool open_covers = open_.num_samples() > 0 && open_mint_ <= mint;
  if (!open_covers) {
    for (const auto& c : sealed_) {
      if (c.maxt >= mint && c.mint <= maxt) out->push_back(c);
    }
  }
  if (open_.num_samples() > 0 && last_t_ >= mint && open_mint_ <= maxt) {
    out->push_back(ChunkRef{open_mint_, last_t_, encoding::ChunkEncoding::kXor,
                            std::make_shared<const std::string>(open_.bytes()), last_v_, prev_t_, prev_v_});
  }
}

int MemSeries::TruncateBeforeLocked(int64_t t) {
  size_t n = 0;
  while (n < sealed_.size() && sealed_[n].maxt < t) ++n;
  sealed_.erase(sealed_.begin(), sealed_.begin() + static_cast<std::ptrdiff_t>(n));
  if (open_.num_samples() > 0 && last_t_ < t) {
    open_ = encoding::XorChunkAppender();
    open_mint_ = kMaxTime;
    ++n;
  }
  return static_cast<int>(n);
}

size_t MemSeries::MemoryBytesLocked() const {
  size_t n = sizeof(*this) + packed_labels_.capacity() + sealed_.capacity() * sizeof(ChunkRef);
  for (const auto& c : sealed_) n += c.bytes->capacity() + 48;  // shared control block and string header
  return n + open_.byte_size();
}

}  // namespace foresight::storage::head
