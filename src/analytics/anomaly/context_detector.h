// A context anomaly detector: quantises each point into facts (a coarse value level and a change class),
// remembers which short sequences of facts ("contexts") have occurred, and scores a point by the share of
// its active contexts never seen before. A second opinion to StreamingDetector: it ignores how rare a value
// is and asks only whether the way the series arrived at it is new. The method is described in
// docs/analytics/anomaly.md. O(1) time and bounded memory per point; causal.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace foresight::analytics {

struct ContextDetectorConfig {
  // Points used to fix the quantisation (the warm-up's range and typical step) before scoring; they are
  // learnt as contexts too. Scores are 0 meanwhile.
  int64_t warmup = 400;
};

class ContextDetector {
 public:
  static constexpr int kContexts = 6;  // contexts active at every point (see context_detector.cc)
  static constexpr int kHistory = 2;   // past points a context reaches back to

  explicit ContextDetector(ContextDetectorConfig config = {});
  // The share, in [0, 1], of the point's contexts never seen before (0 while learning), from the past
  // only; then learns the point's contexts. NaN and infinities score 0 and are skipped.
  double Update(double value);
  int64_t count() const { return n_; }  // points seen
  int64_t warmup() const { return config_.warmup; }
  // Distinct contexts remembered (bounded: beyond the table's capacity new contexts are not stored).
  int64_t remembered() const { return used_; }

  // A versioned byte string of the whole state; Restore() validates it (an error, never a crash).
  std::string Serialize() const;
  static absl::StatusOr<ContextDetector> Restore(std::string_view bytes);

 private:
  struct Facts {
    int32_t level = 0;   // value level
    int32_t change = 0;  // change class
  };
  Facts Quantise(double x) const;
  void Keys(const Facts& now, std::array<uint32_t, kContexts>& keys) const;
  int64_t Find(uint32_t key) const;  // slot index of key, or of the empty slot where it would go
  void Learn(const std::array<uint32_t, kContexts>& keys);
  void Grow();  // doubles the table, re-placing every fingerprint
  void Push(const Facts& f);
  void FinishWarmup();

  ContextDetectorConfig config_;
  int64_t n_ = 0;
  double last_ = 0;
  std::vector<double> warm_;               // the warm-up values, until the warm-up ends
  double lo_ = 0, step_ = 1, dstep_ = 1;   // quantisation: level origin and width, typical |change|
  std::array<Facts, kHistory> history_{};  // the last kHistory points' facts, newest first
  int64_t used_ = 0;                       // occupied slots
  // Open addressing with linear probing: a 32-bit fingerprint (never 0) of a context per slot, 0 when
  // empty. Only presence matters, so no counts are kept. 64 slots at first, doubled at 3/4 load.
  std::vector<uint32_t> slots_;
};

}  // namespace foresight::analytics
