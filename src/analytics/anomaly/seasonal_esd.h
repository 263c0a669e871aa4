// Seasonal hybrid ESD: a batch detector for investigating a range after the fact. The season is removed
// with per-phase medians, then the generalised extreme Studentised deviate test, with the median and the
// MAD in place of the mean and standard deviation, finds up to max_fraction of the points as anomalies.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"

namespace foresight::analytics {

struct EsdConfig {
  int64_t period = 0;         // season in points; 0: none (only the median is removed)
  double max_fraction = 0.1;  // at most this share of points can be anomalies (<= 0.49)
  double alpha = 0.05;        // significance of the test
};

struct EsdAnomaly {
  int64_t index = 0;
  double value = 0;
  double expected = 0;   // season + median
  double statistic = 0;  // the test statistic when it was removed
};

// Anomalies sorted by index. Errors on fewer than 8 finite points or a bad configuration; non-finite values
// are skipped (never reported).
absl::StatusOr<std::vector<EsdAnomaly>> SeasonalHybridEsd(const std::vector<double>& values,
                                                          const EsdConfig& config = {});

// Student's t quantile (Cornish-Fisher expansion around the normal quantile), and the normal quantile.
double NormalQuantile(double p);
double StudentTQuantile(double p, double dof);

}  // namespace foresight::analytics
