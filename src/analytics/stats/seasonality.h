// Finding seasonal periods: autocorrelation, periodogram, automatic period detection and the M4 seasonality
// test. Inputs must be free of NaN (see FillGaps).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace foresight::analytics {

// Sample autocorrelation r[0..max_lag] (r[0] = 1), computed by FFT in O(n log n). Constant input gives all 0
// after lag 0. max_lag is clamped to n-1.
std::vector<double> Autocorrelation(std::span<const double> v, size_t max_lag);

// Periodogram |FFT|^2 / n of the mean-removed series zero-padded to a power of two; entry k is frequency
// k / padded_size cycles per sample, for k = 0..padded_size/2.
std::vector<double> Periodogram(std::span<const double> v);

struct SeasonalityOptions {
  size_t min_period = 2;
  size_t max_period = 0;        // 0: n/2 (at least two full cycles must be seen)
  size_t max_periods = 2;       // how many periods to return at most
  double min_acf = 0.1;         // the autocorrelation peak must reach at least this ...
  double min_prominence = 0.1;  // ... and stand this far above the trough before it
};

struct DetectedPeriod {
  size_t period = 0;
  double acf = 0;  // autocorrelation of the linearly detrended series at that lag
};

// Dominant periods, sorted by period. Method: autocorrelation of the linearly detrended series; a lag is a
// candidate when it is the highest point within +-10% of itself, stands min_prominence above the lowest
// autocorrelation between half of it and it, exceeds min_acf and the 90% Bartlett bound. A candidate must
// repeat: the autocorrelation near 2x and 3x the lag (when observable) is again a peak, which rejects
// half-period harmonics. A multiple of an accepted period is kept only if it beats its neighbouring
// multiples (a weekly cycle on top of a daily one). Each candidate is refined within +-3% to the lag whose
// folding of the whole series explains most variance, and that folding must pass an F test (phase means vs
// the rest, at 6 standard deviations; for a multiple, over the accepted divisor's phase means). The
// strongest max_periods are returned.
std::vector<DetectedPeriod> DetectSeasonality(std::span<const double> v,
                                              const SeasonalityOptions& options = {});

// The M4 competition's seasonality test: true when |r_m| > z * sqrt((1 + 2*sum_{k<m} r_k^2) / n), with z the
// two-sided 90% normal quantile (1.645), and the series has at least 3 periods.
bool SeasonalityTest(std::span<const double> v, size_t period);

}  // namespace foresight::analytics
