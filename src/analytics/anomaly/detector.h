// A streaming anomaly detector: scores each new point from the past only, in O(1) time and memory per
// point, and keeps its whole state in a value that can be serialised and restored (so that live detection
// survives a restart). The method is described in docs/analytics/anomaly.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace foresight::analytics {

enum class AnomalyKind : uint8_t { kNone = 0, kSpike, kDrop, kLevelShift, kTrendChange, kVarianceChange };
const char* AnomalyKindName(AnomalyKind k);

// The verdict on one point.
struct AnomalyPoint {
  double score = 0;                       // in [0, 1); 0 while learning
  AnomalyKind kind = AnomalyKind::kNone;  // the likeliest kind of change, when score > 0
  double expected = 0;                    // the value expected from the past
  double lower = 0;                       // the band the value was expected in (about 3 sigma)
  double upper = 0;
};

struct DetectorConfig {
  // The one sensitivity setting, in [0, 1]; higher scores the same evidence higher. The evaluated
  // configuration is 0.5; a user thresholds scores (e.g. alert above 0.5) rather than tuning per series.
  double sensitivity = 0.5;
  // Points used to learn the series before scoring (scores are 0 meanwhile). NAB tells its detectors
  // min(15% of the rows, 750); a live series would use a few hundred points.
  int64_t warmup = 400;
  // Longest season searched for, in points.
  int64_t max_period = 1100;
  // Ask a ContextDetector for a second opinion: the evidence is scaled by 0.5 + 0.5 x the largest share of
  // contexts never seen before among the last few points (this one included), so it counts half when the
  // way the series moves is familiar. false: the bin-surprise evidence alone (the default until version 3).
  bool context_gate = true;
};

class StreamingDetector {
 public:
  explicit StreamingDetector(DetectorConfig config = {});
  // Scores `value` from the past only, then learns from it. NaN and infinities score 0 and are skipped.
  AnomalyPoint Update(double value);
  int64_t count() const;   // points learnt
  int64_t period() const;  // the season found at the end of the warm-up, in points (0: none)

  // A versioned byte string of the whole state (configuration included); Restore() validates it, so a
  // corrupt or truncated state gives an error, never a crash.
  std::string Serialize() const;
  static absl::StatusOr<StreamingDetector> Restore(std::string_view bytes);

  StreamingDetector(const StreamingDetector&);
  StreamingDetector& operator=(const StreamingDetector&);
  StreamingDetector(StreamingDetector&&) noexcept;
  StreamingDetector& operator=(StreamingDetector&&) noexcept;
  ~StreamingDetector();

  struct State;  // defined in detector.cc

 private:
  explicit StreamingDetector(State s);
  State* s_;  // never null except after a move
};

// Scores a whole series with a fresh detector.
std::vector<AnomalyPoint> DetectAll(const std::vector<double>& values, const DetectorConfig& config = {});

}  // namespace foresight::analytics
