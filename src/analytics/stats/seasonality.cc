#include "analytics/stats/seasonality.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>

#include "analytics/stats/stats.h"

namespace foresight::analytics {
namespace {

using Complex = std::complex<double>;

// In-place iterative radix-2 FFT; a.size() must be a power of two.
void Fft(std::vector<Complex>& a, bool inverse) {
  const size_t n = a.size();
  for (size_t i = 1, j = 0; i < n; ++i) {
    size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(a[i], a[j]);
  }
  for (size_t len = 2; len <= n; len <<= 1) {
    const double ang = 2 * std::numbers::pi / static_cast<double>(len) * (inverse ? 1 : -1);
    const Complex wl(std::cos(ang), std::sin(ang));
    for (size_t i = 0; i < n; i += len) {
      Complex w(1);
      for (size_t k = 0; k < len / 2; ++k) {
        const Complex u = a[i + k], t = a[i + k + len / 2] * w;
        a[i + k] = u + t;
        a[i + k + len / 2] = u - t;
        w *= wl;
      }
    }
  }
  if (inverse) {
    for (auto& x : a) x /= static_cast<double>(n);
  }
}

size_t NextPow2(size_t n) {
  size_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

std::vector<double> LinearDetrend(std::span<const double> v) {
  const double n = static_cast<double>(v.size());
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    const double x = static_cast<double>(i);
    sx += x, sy += v[i], sxx += x * x, sxy += x * v[i];
  }
  const double den = n * sxx - sx * sx;
  const double b = den > 0 ? (n * sxy - sx * sy) / den : 0;
  const double a = (sy - b * sx) / n;
  std::vector<double> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) out[i] = v[i] - a - b * static_cast<double>(i);
  return out;
}

double MaxNear(const std::vector<double>& r, size_t lag, size_t radius) {
  double m = -2;
  for (size_t k = lag > radius ? lag - radius : 1; k <= std::min(lag + radius, r.size() - 1); ++k) {
    m = std::max(m, r[k]);
  }
  return m;
}

double MinBetween(const std::vector<double>& r, size_t a, size_t b) {
  double m = 2;
  for (size_t k = std::max<size_t>(a, 1); k <= std::min(b, r.size() - 1); ++k) m = std::min(m, r[k]);
  return m;
}

// Fraction of the variance of x explained by the phase means when x is folded with period p. Over many
// cycles this is sharply peaked at the true period, unlike the autocorrelation whose peak is pulled
// towards shorter lags by other components.
double FoldedVarianceExplained(const std::vector<double>& x, size_t p) {
  std::vector<double> sum(p, 0.0);
  std::vector<size_t> count(p, 0);
  double total = 0, mean = 0;
  for (double v : x) mean += v;
  mean /= static_cast<double>(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    const double d = x[i] - mean;
    sum[i % p] += d;
    ++count[i % p];
    total += d * d;
  }
  if (!(total > 0)) return 0;
  double explained = 0;
  for (size_t k = 0; k < p; ++k) {
    if (count[k]) explained += sum[k] * sum[k] / static_cast<double>(count[k]);
  }
  return explained / total;
}

}  // namespace

std::vector<double> Autocorrelation(std::span<const double> v, size_t max_lag) {
  const size_t n = v.size();
  if (n == 0) return {};
  max_lag = std::min(max_lag, n - 1);
  const double mean = Mean(v);
  std::vector<Complex> a(NextPow2(2 * n), Complex(0));
  for (size_t i = 0; i < n; ++i) a[i] = v[i] - mean;
  Fft(a, false);
  for (auto& x : a) x = Complex(std::norm(x), 0);
  Fft(a, true);
  std::vector<double> r(max_lag + 1, 0.0);
  const double c0 = a[0].real();
  r[0] = 1;
  if (!(c0 > 1e-12 * (1 + mean * mean) * static_cast<double>(n))) return r;  // constant series
  for (size_t k = 1; k <= max_lag; ++k) r[k] = a[k].real() / c0;
  return r;
}

std::vector<double> Periodogram(std::span<const double> v) {
  const size_t n = v.size();
  if (n == 0) return {};
  const double mean = Mean(v);
  std::vector<Complex> a(NextPow2(n), Complex(0));
  for (size_t i = 0; i < n; ++i) a[i] = v[i] - mean;
  Fft(a, false);
  std::vector<double> p(a.size() / 2 + 1);
  for (size_t k = 0; k < p.size(); ++k) p[k] = std::norm(a[k]) / static_cast<double>(n);
  return p;
}

std::vector<DetectedPeriod> DetectSeasonality(std::span<const double> v, const SeasonalityOptions& o) {
  const size_t n = v.size();
  const size_t max_period = std::min(o.max_period == 0 ? n / 2 : o.max_period, n / 2);
  if (n < 8 || max_period < std::max<size_t>(o.min_period, 2)) return {};
  const std::vector<double> x = LinearDetrend(v);
  const std::vector<double> r = Autocorrelation(x, std::min(n - 1, 3 * max_period + 3));
  const size_t top = r.size() - 1;
  // Bartlett standard error of r_k under "no correlation beyond k", at the 90% level.
  std::vector<double> bound(r.size(), 0);
  double acc = 1;
  for (size_t k = 1; k <= top; ++k) {
    bound[k] = 1.645 * std::sqrt(acc / static_cast<double>(n));
    acc += 2 * r[k] * r[k];
  }
  auto is_peak = [&](size_t lag, double prominence) {
    const size_t radius = std::max<size_t>(1, lag / 10);
    if (r[lag] < MaxNear(r, lag, radius)) return false;
    return r[lag] - MinBetween(r, lag / 2, lag) >= prominence;
  };
  std::vector<DetectedPeriod> accepted;
  for (size_t lag = std::max<size_t>(o.min_period, 2); lag <= max_period; ++lag) {
    if (r[lag] < o.min_acf || r[lag] < bound[lag] || !is_peak(lag, o.min_prominence)) continue;
    // It must repeat at 2x and 3x the lag where those are observable.
    bool repeats = true;
    for (size_t k = 2; k <= 3 && k * lag + lag / 2 <= top; ++k) {
      const size_t radius = std::max<size_t>(1, lag / 20);
      const double peak = MaxNear(r, k * lag, radius);
      const double trough = MinBetween(r, (2 * k - 1) * lag / 2 - radius, (2 * k - 1) * lag / 2 + radius);
      if (peak - trough < o.min_prominence / 2) repeats = false;
    }
    if (!repeats) continue;
    // Multiples of an accepted period only when they beat the neighbouring multiples.
    bool keep = true;
    for (const auto& p : accepted) {
      const size_t k = (lag + p.period / 2) / p.period;
      if (k < 2) continue;
      const size_t tol = std::max<size_t>(1, lag / 50);
      if (lag + tol < k * p.period || lag > k * p.period + tol) {
        // Not a multiple; reject lags too close to an accepted one (the same peak).
        if (lag < p.period + std::max<size_t>(1, p.period / 10)) keep = false;
        continue;
      }
      const double margin = 0.02;
      const double prev = MaxNear(r, (k - 1) * p.period, tol);
      const double next = (k + 1) * p.period <= top ? MaxNear(r, (k + 1) * p.period, tol) : -2;
      if (!(r[lag] > prev + margin && r[lag] > next + margin)) keep = false;
    }
    if (!keep) continue;
    // Refine within +-3% to the lag whose folding of the whole series explains most variance, then require
    // that folding to be significant: an F test of the phase means (over those of the largest accepted
    // divisor, if any) against the rest, at six standard deviations of the F statistic (many lags are tried).
    const size_t d = std::max<size_t>(1, lag * 3 / 100);
    // A cycle on top of an accepted one (weekly on daily) is an exact multiple of it.
    size_t multiple_of = 0;
    for (const auto& p : accepted) {
      const size_t k = (lag + p.period / 2) / p.period;
      if (k >= 2 && k * p.period + d >= lag && k * p.period <= lag + d) multiple_of = p.period;
    }
    const double at_lag = FoldedVarianceExplained(x, lag);
    double explained = at_lag, best = at_lag;
    size_t period = lag;
    for (size_t l = std::max(lag - d, o.min_period); l <= std::min(lag + d, max_period); ++l) {
      if (multiple_of && l % multiple_of != 0) continue;
      const double e = FoldedVarianceExplained(x, l);
      // Move off the ACF peak only for a clear gain (2%), or onto the exact multiple.
      if ((multiple_of && (period % multiple_of != 0 || e > best)) || e > std::max(best, at_lag * 1.02)) {
        best = e, explained = e, period = l;
      }
    }
    double base_explained = 0;
    size_t base_period = 1;
    for (const auto& p : accepted) {
      if (period % p.period == 0 && p.period > base_period) {
        base_period = p.period;
        base_explained = FoldedVarianceExplained(x, p.period);
      }
    }
    const double df1 = static_cast<double>(period - base_period), df2 = static_cast<double>(n - period);
    if (df1 <= 0 || df2 <= 0 || explained >= 1) {
      if (explained < 1) continue;
    } else {
      const double f = ((explained - base_explained) / df1) / ((1 - explained) / df2);
      if (f < 1 + 6 * std::sqrt(2 / df1 + 2 / df2)) continue;
    }
    bool duplicate = false;
    for (const auto& p : accepted) duplicate |= p.period == period;
    if (!duplicate) accepted.push_back({period, r[std::min(period, top)]});
  }
  std::sort(accepted.begin(), accepted.end(), [](const auto& a, const auto& b) { return a.acf > b.acf; });
  if (accepted.size() > o.max_periods) accepted.resize(o.max_periods);
  std::sort(accepted.begin(), accepted.end(),
            [](const auto& a, const auto& b) { return a.period < b.period; });
  return accepted;
}

bool SeasonalityTest(std::span<const double> v, size_t period) {
  const size_t n = v.size();
  if (period < 2 || n < 3 * period) return false;
  const std::vector<double> r = Autocorrelation(v, period);
  double acc = 0;
  for (size_t k = 1; k < period; ++k) acc += r[k] * r[k];
  const double limit = 1.645 * std::sqrt((1 + 2 * acc) / static_cast<double>(n));
  return std::fabs(r[period]) > limit;
}

}  // namespace foresight::analytics
