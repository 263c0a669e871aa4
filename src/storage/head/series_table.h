// Series by id without a lock on the read path: a two-level array of atomic pointers, grown by segments.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <mutex>

#include "storage/head/mem_series.h"

namespace foresight::storage::head {

class SeriesTable {
 public:
  static constexpr int kSegmentBits = 16;
  static constexpr size_t kSegmentSize = size_t{1} << kSegmentBits;
  static constexpr size_t kMaxSegments = size_t{1} << (32 - kSegmentBits);

  SeriesTable() { segments_ = std::make_unique<std::atomic<Segment*>[]>(kMaxSegments); }
  ~SeriesTable() {
    for (size_t i = 0; i < kMaxSegments; ++i) delete segments_[i].load();
  }

  MemSeries* Get(SeriesId id) const {
    Segment* seg = segments_[id >> kSegmentBits].load(std::memory_order_acquire);
    if (seg == nullptr) return nullptr;
    return (*seg)[id & (kSegmentSize - 1)].load(std::memory_order_acquire);
  }

  void Set(SeriesId id, MemSeries* s) {
    auto& slot = segments_[id >> kSegmentBits];
    Segment* seg = slot.load(std::memory_order_acquire);
    if (seg == nullptr) {
      std::lock_guard lock(grow_mu_);
      seg = slot.load(std::memory_order_acquire);
      if (seg == nullptr) {
        seg = new Segment();
        for (auto& p : *seg) p.store(nullptr, std::memory_order_relaxed);
        slot.store(seg, std::memory_order_release);
      }
    }
    (*seg)[id & (kSegmentSize - 1)].store(s, std::memory_order_release);
    SeriesId cur = max_id_.load(std::memory_order_relaxed);
    while (cur < id && !max_id_.compare_exchange_weak(cur, id)) {
    }
  }

  SeriesId MaxId() const { return max_id_.load(std::memory_order_acquire); }

 private:
  using Segment = std::array<std::atomic<MemSeries*>, kSegmentSize>;
  std::unique_ptr<std::atomic<Segment*>[]> segments_;
  std::mutex grow_mu_;
  std::atomic<SeriesId> max_id_{0};
};

}  // namespace foresight::storage::head
