#include "analytics/stats/stats.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>

namespace foresight::analytics {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<double> Finite(std::span<const double> v) {
  std::vector<double> out;
  out.reserve(v.size());
  for (double x : v) {
    if (!std::isnan(x)) out.push_back(x);
  }
  return out;
}

// Prometheus-style quantile over already sorted, NaN-free values.
double SortedQuantile(double q, const std::vector<double>& s) {
  if (s.empty() || std::isnan(q)) return kNaN;
  if (q < 0) return -std::numeric_limits<double>::infinity();
  if (q > 1) return std::numeric_limits<double>::infinity();
  const double rank = q * static_cast<double>(s.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(rank));
  const size_t hi = std::min(lo + 1, s.size() - 1);
  const double w = rank - std::floor(rank);
  return s[lo] * (1 - w) + s[hi] * w;
}

}  // namespace

double Mean(std::span<const double> v) {
  // Kahan summation keeps long windows of large counters accurate.
  double sum = 0, c = 0;
  size_t n = 0;
  for (double x : v) {
    if (std::isnan(x)) continue;
    const double y = x - c;
    const double t = sum + y;
    c = (t - sum) - y;
    sum = t;
    ++n;
  }
  return n == 0 ? kNaN : sum / static_cast<double>(n);
}

double Median(std::span<const double> v) { return Quantile(0.5, v); }

double Quantile(double q, std::span<const double> v) {
  std::vector<double> s = Finite(v);
  std::sort(s.begin(), s.end());
  return SortedQuantile(q, s);
}

double Mode(std::span<const double> v) {
  std::vector<double> s = Finite(v);
  if (s.empty()) return kNaN;
  std::sort(s.begin(), s.end());
  const double iqr = SortedQuantile(0.75, s) - SortedQuantile(0.25, s);
  if (!(iqr > 0) || !std::isfinite(iqr)) {
    // Degenerate spread: the most frequent exact value (lowest on ties).
    double best = s[0];
    size_t best_count = 0;
    for (size_t i = 0; i < s.size();) {
      size_t j = i;
      while (j < s.size() && s[j] == s[i]) ++j;
      if (j - i > best_count) best_count = j - i, best = s[i];
      i = j;
    }
    return best;
  }
  const double width = 2 * iqr / std::cbrt(static_cast<double>(s.size()));
  const double lo = s.front();
  const size_t bins = static_cast<size_t>(std::floor((s.back() - lo) / width)) + 1;
  std::vector<size_t> count(std::min<size_t>(bins, 1 << 20), 0);
  auto bin_of = [&](double x) {
    return std::min(count.size() - 1, static_cast<size_t>(std::floor((x - lo) / width)));
  };
  for (double x : s) ++count[bin_of(x)];
  const size_t best = static_cast<size_t>(std::max_element(count.begin(), count.end()) - count.begin());
  std::vector<double> in_bin;
  for (double x : s) {
    if (bin_of(x) == best) in_bin.push_back(x);
  }
  return SortedQuantile(0.5, in_bin);
}

double Variance(std::span<const double> v) {
  // Welford's algorithm: numerically stable for values with a large common offset.
  double mean = 0, m2 = 0;
  size_t n = 0;
  for (double x : v) {
    if (std::isnan(x)) continue;
    ++n;
    const double d = x - mean;
    mean += d / static_cast<double>(n);
    m2 += d * (x - mean);
  }
  return n == 0 ? kNaN : m2 / static_cast<double>(n);
}

double SampleVariance(std::span<const double> v) {
  size_t n = 0;
  for (double x : v) n += std::isnan(x) ? 0 : 1;
  if (n < 2) return kNaN;
  return Variance(v) * static_cast<double>(n) / static_cast<double>(n - 1);
}

double StdDev(std::span<const double> v) { return std::sqrt(Variance(v)); }

double Mad(std::span<const double> v) {
  const double med = Median(v);
  if (std::isnan(med)) return kNaN;
  std::vector<double> dev;
  dev.reserve(v.size());
  for (double x : v) {
    if (!std::isnan(x)) dev.push_back(std::fabs(x - med));
  }
  return Median(dev);
}

std::vector<double> SimpleMovingAverage(std::span<const double> v, size_t window) {
  return Rolling(v, window).mean;
}

std::vector<double> ExponentialMovingAverage(std::span<const double> v, double alpha) {
  if (!(alpha > 0)) alpha = std::numeric_limits<double>::min();
  alpha = std::min(alpha, 1.0);
  std::vector<double> out(v.size(), kNaN);
  double level = kNaN;
  for (size_t i = 0; i < v.size(); ++i) {
    if (!std::isnan(v[i])) level = std::isnan(level) ? v[i] : alpha * v[i] + (1 - alpha) * level;
    out[i] = level;
  }
  return out;
}

RollingStats Rolling(std::span<const double> v, size_t window) {
  window = std::max<size_t>(window, 1);
  RollingStats r;
  const size_t n = v.size();
  r.mean.assign(n, kNaN);
  r.stddev.assign(n, kNaN);
  r.min.assign(n, kNaN);
  r.max.assign(n, kNaN);
  // Running sums for mean/variance (re-centred on the first value to limit cancellation) and monotonic
  // deques of indices for min/max: O(n) overall.
  double shift = kNaN;
  double sum = 0, sum2 = 0;
  size_t count = 0;
  std::deque<size_t> mins, maxs;
  for (size_t i = 0; i < n; ++i) {
    if (!std::isnan(v[i])) {
      if (std::isnan(shift)) shift = v[i];
      const double x = v[i] - shift;
      sum += x, sum2 += x * x, ++count;
      while (!mins.empty() && v[mins.back()] >= v[i]) mins.pop_back();
      while (!maxs.empty() && v[maxs.back()] <= v[i]) maxs.pop_back();
      mins.push_back(i), maxs.push_back(i);
    }
    if (i >= window && !std::isnan(v[i - window])) {
      const double x = v[i - window] - shift;
      sum -= x, sum2 -= x * x, --count;
    }
    while (!mins.empty() && mins.front() + window <= i) mins.pop_front();
    while (!maxs.empty() && maxs.front() + window <= i) maxs.pop_front();
    if (count == 0) {
      sum = sum2 = 0;  // drop accumulated rounding
      continue;
    }
    const double m = sum / static_cast<double>(count);
    r.mean[i] = m + shift;
    r.stddev[i] = std::sqrt(std::max(0.0, sum2 / static_cast<double>(count) - m * m));
    r.min[i] = v[mins.front()];
    r.max[i] = v[maxs.front()];
  }
  return r;
}

}  // namespace foresight::analytics
