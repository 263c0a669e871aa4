// Descriptive statistics over a window of samples: pure functions, no state.
//
// Missing values: every function skips NaN (and therefore Prometheus stale markers). A function whose input
// has no finite value returns NaN, meaning "undefined", never a made-up number.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace foresight::analytics {

double Mean(std::span<const double> v);
double Median(std::span<const double> v);

// Mode of continuous data: the values are put in equal-width bins and the median of the values in the
// densest bin is returned (ties: the lowest bin). Bin width follows Freedman-Diaconis, 2*IQR/n^(1/3); when
// the IQR is 0 (more than half the values equal) the most frequent exact value is returned instead.
double Mode(std::span<const double> v);

// Population variance (divides by n), as Prometheus' stdvar_over_time; SampleVariance divides by n-1.
double Variance(std::span<const double> v);
double StdDev(std::span<const double> v);
double SampleVariance(std::span<const double> v);

// Prometheus' quantile definition (quantile_over_time): q < 0 gives -Inf, q > 1 gives +Inf, NaN q gives NaN;
// otherwise rank = q*(n-1) over the sorted values, linearly interpolated between neighbours.
double Quantile(double q, std::span<const double> v);

// Median absolute deviation from the median, unscaled (multiply by 1.4826 for a normal-consistent sigma).
double Mad(std::span<const double> v);
inline constexpr double kMadToSigma = 1.4826;

// Trailing moving averages, one output per input. out[i] summarises v[i-window+1..i] (fewer at the start);
// NaN inputs are skipped and an all-NaN window gives NaN.
std::vector<double> SimpleMovingAverage(std::span<const double> v, size_t window);
// out[i] = alpha*v[i] + (1-alpha)*out[i-1], seeded with the first finite value; NaN inputs carry the
// previous average forward. alpha is clamped to (0, 1].
std::vector<double> ExponentialMovingAverage(std::span<const double> v, double alpha);

// Trailing rolling statistics over `window` samples (NaN skipped), one entry per input.
struct RollingStats {
  std::vector<double> mean;
  std::vector<double> stddev;  // population
  std::vector<double> min;
  std::vector<double> max;
};
RollingStats Rolling(std::span<const double> v, size_t window);

}  // namespace foresight::analytics
