// STL and MSTL. Follows the structure of the original STL paper: an inner loop (detrend, cycle-subseries
// smoothing, low-pass filter, deseasonalise, trend smoothing) inside an outer loop computing robustness
// weights from the remainder.
#include <algorithm>
#include <cmath>
#include <optional>

#include "absl/strings/str_cat.h"
#include "analytics/stats/decompose.h"
#include "analytics/stats/stats.h"

namespace foresight::analytics {
namespace {

size_t NextOdd(double x) {
  size_t v = static_cast<size_t>(std::ceil(x));
  return v % 2 == 0 ? v + 1 : v;
}

// Loess estimate at position x0 (may lie outside [0, n-1]) from the q nearest points. Returns nullopt when
// all weights vanish.
std::optional<double> LoessAt(std::span<const double> y, std::span<const double> rw, double x0, size_t q,
                              int degree) {
  const size_t n = y.size();
  size_t left = 0, right = n - 1;
  if (q < n) {
    // The q-point window nearest x0.
    const double start =
        std::clamp(std::round(x0 - static_cast<double>(q - 1) / 2), 0.0, static_cast<double>(n - q));
    left = static_cast<size_t>(start);
    right = left + q - 1;
  }
  double h = std::max(x0 - static_cast<double>(left), static_cast<double>(right) - x0);
  if (q > n) h += static_cast<double>(q - n) / 2;
  if (h <= 0) h = 1;
  double sw = 0, sx = 0;
  thread_local std::vector<double> w;
  w.assign(right - left + 1, 0.0);
  for (size_t i = left; i <= right; ++i) {
    const double d = std::fabs(static_cast<double>(i) - x0) / h;
    if (d >= 1) continue;
    double t = d <= 0.001 ? 1 : 1 - d * d * d;
    t = t * t * t;
    if (!rw.empty()) t *= rw[i];
    w[i - left] = t;
    sw += t;
    sx += t * static_cast<double>(i);
  }
  if (sw <= 0) return std::nullopt;
  double est = 0;
  if (degree >= 1) {
    const double xm = sx / sw;
    double c = 0;
    for (size_t i = left; i <= right; ++i) {
      const double dx = static_cast<double>(i) - xm;
      c += w[i - left] * dx * dx;
    }
    const double range = static_cast<double>(n - 1);
    if (std::sqrt(c / sw) > 0.001 * range) {
      const double b = (x0 - xm) / c;
      for (size_t i = left; i <= right; ++i) {
        const double wi = w[i - left] / sw * (1 + b * (static_cast<double>(i) - xm));
        est += wi * y[i];
      }
      return est;
    }
  }
  for (size_t i = left; i <= right; ++i) est += w[i - left] / sw * y[i];
  return est;
}

// Trailing moving average of length len: out[i] = mean(x[i..i+len-1]); out has x.size()-len+1 entries.
std::vector<double> MovingAverage(std::span<const double> x, size_t len) {
  std::vector<double> out(x.size() - len + 1);
  double s = 0;
  for (size_t i = 0; i < len; ++i) s += x[i];
  out[0] = s / static_cast<double>(len);
  for (size_t i = 1; i < out.size(); ++i) {
    s += x[i + len - 1] - x[i - 1];
    out[i] = s / static_cast<double>(len);
  }
  return out;
}

}  // namespace

std::vector<double> LoessSmooth(std::span<const double> y, std::span<const double> rw, size_t q, int degree,
                                size_t jump) {
  const size_t n = y.size();
  std::vector<double> out(n, 0.0);
  if (n == 0) return out;
  if (n == 1) return {y[0]};
  q = std::max<size_t>(q, 2);
  jump = std::clamp<size_t>(jump, 1, n - 1);
  std::vector<size_t> at;
  for (size_t i = 0; i < n; i += jump) at.push_back(i);
  if (at.back() != n - 1) at.push_back(n - 1);
  for (size_t i : at) out[i] = LoessAt(y, rw, static_cast<double>(i), q, degree).value_or(y[i]);
  for (size_t k = 0; k + 1 < at.size(); ++k) {
    const size_t a = at[k], b = at[k + 1];
    for (size_t i = a + 1; i < b; ++i) {
      const double t = static_cast<double>(i - a) / static_cast<double>(b - a);
      out[i] = out[a] + t * (out[b] - out[a]);
    }
  }
  return out;
}

absl::StatusOr<StlResult> Stl(std::span<const double> y, size_t np, const StlOptions& o) {
  const size_t n = y.size();
  if (np < 2) return absl::InvalidArgumentError("stl: period must be at least 2");
  if (n < 2 * np) {
    return absl::InvalidArgumentError(absl::StrCat("stl: ", n, " points are fewer than two periods of ", np));
  }
  for (double v : y) {
    if (!std::isfinite(v)) return absl::InvalidArgumentError("stl: data has NaN or Inf");
  }
  const bool periodic = o.seasonal_window == 0;
  const size_t ns =
      periodic ? 10 * n + 1 : NextOdd(std::max<double>(3, static_cast<double>(o.seasonal_window)));
  const size_t nt = o.trend_window
                        ? NextOdd(static_cast<double>(o.trend_window))
                        : NextOdd(1.5 * static_cast<double>(np) / (1 - 1.5 / static_cast<double>(ns)));
  const size_t nl = o.lowpass_window ? NextOdd(static_cast<double>(o.lowpass_window)) : NextOdd(np);
  constexpr int seasonal_degree = 0;  // as R's stl default (s.degree = 0)
  const size_t sjump = periodic ? 1 : std::max<size_t>(1, (ns + 9) / 10);
  const size_t tjump = std::max<size_t>(1, (nt + 9) / 10), ljump = std::max<size_t>(1, (nl + 9) / 10);

  StlResult r;
  r.trend.assign(n, 0.0);
  r.seasonal.assign(n, 0.0);
  r.weights.assign(n, 1.0);
  const bool robust = o.outer_iterations > 0;
  std::vector<double> detrended(n), cycle(n + 2 * np), sub, subw, deseason(n);
  for (int outer = 0; outer <= std::max(0, o.outer_iterations); ++outer) {
    for (int inner = 0; inner < std::max(1, o.inner_iterations); ++inner) {
      for (size_t i = 0; i < n; ++i) detrended[i] = y[i] - r.trend[i];
      // Cycle-subseries smoothing, each subseries extended by one point at either end.
      for (size_t j = 0; j < np; ++j) {
        sub.clear();
        subw.clear();
        for (size_t i = j; i < n; i += np) {
          sub.push_back(detrended[i]);
          subw.push_back(r.weights[i]);
        }
        const size_t m = sub.size();
        std::span<const double> w = robust ? std::span<const double>(subw) : std::span<const double>();
        const std::vector<double> sm = LoessSmooth(sub, w, ns, seasonal_degree, sjump);
        const auto before = LoessAt(sub, w, -1, ns, seasonal_degree);
        const auto after = LoessAt(sub, w, static_cast<double>(m), ns, seasonal_degree);
        cycle[j] = before.value_or(sm.front());
        for (size_t k = 0; k < m; ++k) cycle[np + j + k * np] = sm[k];
        cycle[np + j + m * np] = after.value_or(sm.back());
      }
      // Low-pass filter of the cycle-subseries: MA(np), MA(np), MA(3), loess(nl).
      std::vector<double> lp = MovingAverage(cycle, np);
      lp = MovingAverage(lp, np);
      lp = MovingAverage(lp, 3);
      lp = LoessSmooth(lp, {}, nl, 1, ljump);
      for (size_t i = 0; i < n; ++i) {
        r.seasonal[i] = cycle[np + i] - lp[i];
        deseason[i] = y[i] - r.seasonal[i];
      }
      r.trend = LoessSmooth(deseason, robust ? std::span<const double>(r.weights) : std::span<const double>(),
                            nt, 1, tjump);
    }
    if (outer == o.outer_iterations) break;
    // Robustness weights: bisquare of |remainder| / (6 * median |remainder|).
    std::vector<double> absr(n);
    for (size_t i = 0; i < n; ++i) absr[i] = std::fabs(y[i] - r.trend[i] - r.seasonal[i]);
    const double h = 6 * Median(absr);
    for (size_t i = 0; i < n; ++i) {
      const double u = h > 0 ? absr[i] / h : 0;
      r.weights[i] = u < 0.001 ? 1 : (u >= 0.999 ? 0 : (1 - u * u) * (1 - u * u));
    }
  }
  r.remainder.resize(n);
  for (size_t i = 0; i < n; ++i) r.remainder[i] = y[i] - r.trend[i] - r.seasonal[i];
  return r;
}

absl::StatusOr<MstlResult> Mstl(std::span<const double> y, std::vector<size_t> periods, int iterations) {
  const size_t n = y.size();
  if (n < 4) return absl::InvalidArgumentError("mstl: fewer than 4 points");
  for (double v : y) {
    if (!std::isfinite(v)) return absl::InvalidArgumentError("mstl: data has NaN or Inf");
  }
  std::sort(periods.begin(), periods.end());
  periods.erase(std::unique(periods.begin(), periods.end()), periods.end());
  std::erase_if(periods, [&](size_t p) { return p < 2 || 2 * p > n; });
  MstlResult out;
  out.periods = periods;
  std::vector<double> deseason(y.begin(), y.end());
  if (periods.empty()) {
    out.trend = LoessSmooth(deseason, {}, NextOdd(std::max<double>(7, static_cast<double>(n) / 10)), 1, 1);
    out.remainder.resize(n);
    for (size_t i = 0; i < n; ++i) out.remainder[i] = y[i] - out.trend[i];
    return out;
  }
  out.seasonals.assign(periods.size(), std::vector<double>(n, 0.0));
  iterations = periods.size() == 1 ? 1 : std::max(1, iterations);
  for (int it = 0; it < iterations; ++it) {
    for (size_t k = 0; k < periods.size(); ++k) {
      for (size_t i = 0; i < n; ++i) deseason[i] += out.seasonals[k][i];
      StlOptions o;
      o.seasonal_window = 7 + 4 * (k + 1);
      auto fit = Stl(deseason, periods[k], o);
      if (!fit.ok()) return fit.status();
      out.seasonals[k] = std::move(fit->seasonal);
      out.trend = std::move(fit->trend);
      for (size_t i = 0; i < n; ++i) deseason[i] -= out.seasonals[k][i];
    }
  }
  out.remainder.resize(n);
  for (size_t i = 0; i < n; ++i) out.remainder[i] = deseason[i] - out.trend[i];
  return out;
}

}  // namespace foresight::analytics
