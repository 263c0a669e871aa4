// Correlation of series: Pearson, Spearman, the best lag between two series, and the top-k of many series
// by correlation with one. Series are equal-length vectors on a common step (align them before).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"

namespace foresight::analytics {

// Pearson's r over the pairs where both values are finite. Errors: lengths differ, fewer than 3 such pairs,
// or either side constant over them.
absl::StatusOr<double> Pearson(std::span<const double> x, std::span<const double> y);
// Spearman's rho: Pearson's r of the ranks (ties get their average rank), same pairs and errors.
absl::StatusOr<double> Spearman(std::span<const double> x, std::span<const double> y);

struct LagCorrelation {
  int64_t lag = 0;  // y[t + lag] pairs with x[t]: a positive lag means y follows x
  double r = 0;     // Pearson's r at that lag
};
// The lag in [-max_lag, max_lag] with the largest |r| (overlaps of at least 3 points and of at least half
// the series are considered). Errors when no lag qualifies.
absl::StatusOr<LagCorrelation> BestLag(std::span<const double> x, std::span<const double> y, int64_t max_lag);

struct Correlated {
  int64_t index = 0;  // into the candidates
  double r = 0;
};
enum class CorrelationMethod { kPearson, kSpearman };
// The k candidates most correlated with `target` (by |r| when `absolute`, else by r), best first.
// Candidates of another length, or for which r is undefined, are skipped.
std::vector<Correlated> TopKCorrelated(std::span<const double> target,
                                       const std::vector<std::span<const double>>& candidates, int64_t k,
                                       CorrelationMethod method = CorrelationMethod::kPearson,
                                       bool absolute = true);

}  // namespace foresight::analytics
