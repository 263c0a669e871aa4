// The Numenta Anomaly Benchmark (NAB v1.1) scoring rules: windows, the scaled sigmoid, application profiles,
// probation, one corpus-wide threshold, and normalisation between the null and the perfect detector.
// The rules are described in prose in docs/analytics/anomaly.md; this is an independent implementation.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace foresight::analytics {

// Weights of one NAB application profile.
struct NabProfile {
  std::string name;
  double tp_weight = 1.0;
  double fp_weight = 0.11;
  double fn_weight = 1.0;
};
NabProfile NabStandard();               // A_TP 1, A_FP 0.11, A_FN 1
NabProfile NabRewardLowFp();            // A_FP 0.22
NabProfile NabRewardLowFn();            // A_FN 2
std::vector<NabProfile> NabProfiles();  // the three above, in that order

// An anomaly window, inclusive at both ends, in the same time unit as the series' timestamps.
struct NabWindow {
  int64_t start = 0;
  int64_t end = 0;
};

// One data file: per-row timestamps (non-decreasing; NAB data has duplicates) and detector scores, and its
// labelled windows.
struct NabSeries {
  std::string name;
  std::vector<int64_t> timestamps;
  std::vector<double> scores;
  std::vector<NabWindow> windows;  // sorted, non-overlapping
};

// sigma(y) = 2 / (1 + e^(5y)) - 1, and -1 for y > 3 (as NAB does).
double NabScaledSigmoid(double y);
// min(floor(0.15 * rows), 750): the leading rows that are not scored.
int64_t NabProbationLength(int64_t rows);

// A row after the sweep: its detector score, its unweighted contribution if detected, and which window it
// lies in (kNoWindow outside any window; kProbation when in the probation period and not scored).
struct NabPoint {
  static constexpr int32_t kNoWindow = -1;
  static constexpr int32_t kProbation = -2;
  double score = 0;
  double sweep = 0;            // in a window: sigma(y)/sigma(-1) in (0, 1]; outside: an FP factor in [-1, 0]
  int32_t window = kNoWindow;  // corpus-wide window id when >= 0
};

// Assigns every row its unweighted contribution. Window ids start at `first_window_id`.
absl::StatusOr<std::vector<NabPoint>> NabSweep(const NabSeries& series, int32_t first_window_id = 0);

// The outcome of detecting every row whose score >= threshold.
struct NabThresholdScore {
  double threshold = 0;
  double score = 0;                        // raw weighted total
  int64_t tp = 0, fp = 0, fn = 0, tn = 0;  // tp/fn count windows; fp/tn count rows
};
// Scores at every distinct threshold (descending), starting with "nothing detected" (threshold +inf).
// `num_windows` windows are counted as missed until detected.
std::vector<NabThresholdScore> NabScoresByThreshold(std::vector<NabPoint> points, int64_t num_windows,
                                                    const NabProfile& profile);
// The score when rows with score >= threshold are detections.
NabThresholdScore NabScoreAtThreshold(const std::vector<NabPoint>& points, int64_t num_windows,
                                      double threshold, const NabProfile& profile);

struct NabFileScore {
  std::string name;
  double raw = 0;
  int64_t tp = 0, fp = 0, fn = 0;
  int64_t windows = 0;
};
struct NabCorpusScore {
  std::string profile;
  double threshold = 0;  // the corpus-wide optimum
  double raw = 0;
  double null_score = 0;  // -A_FN * windows
  double perfect = 0;     // A_TP * windows
  double normalized = 0;  // 100 * (raw - null) / (perfect - null)
  std::vector<NabFileScore> files;
};
// Chooses one threshold for the whole corpus to maximise the total, then scores every file with it.
absl::StatusOr<NabCorpusScore> NabScoreCorpus(const std::vector<NabSeries>& corpus,
                                              const NabProfile& profile);
// Normalised score of a subset of files (e.g. one category) at the corpus threshold already chosen.
double NabNormalize(double raw, int64_t windows, const NabProfile& profile);

}  // namespace foresight::analytics
