#include "analytics/correlate/correlate.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "absl/status/status.h"

namespace foresight::analytics {
namespace {

bool AllFinite(std::span<const double> x) {
  for (double v : x) {
    if (!std::isfinite(v)) return false;
  }
  return true;
}

// Ranks (1-based, ties averaged) of the finite values; non-finite values keep NaN.
std::vector<double> Ranks(std::span<const double> x) {
  std::vector<size_t> order;
  for (size_t i = 0; i < x.size(); ++i) {
    if (std::isfinite(x[i])) order.push_back(i);
  }
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return x[a] < x[b]; });
  std::vector<double> r(x.size(), NAN);
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && x[order[j + 1]] == x[order[i]]) ++j;
    const double avg = 0.5 * static_cast<double>(i + j) + 1.0;
    for (size_t k = i; k <= j; ++k) r[order[k]] = avg;
    i = j + 1;
  }
  return r;
}

// Pearson's r of x[a..] and y[b..] over n pairs, using only pairs where both are finite.
absl::StatusOr<double> PearsonAt(std::span<const double> x, std::span<const double> y) {
  double n = 0, mx = 0, my = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(y[i])) continue;
    n += 1;
    mx += x[i];
    my += y[i];
  }
  if (n < 3) return absl::InvalidArgumentError("fewer than 3 finite pairs");
  mx /= n;
  my /= n;
  double sxx = 0, syy = 0, sxy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(y[i])) continue;
    const double dx = x[i] - mx, dy = y[i] - my;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  if (!(sxx > 0) || !(syy > 0)) return absl::InvalidArgumentError("a series is constant");
  return std::clamp(sxy / std::sqrt(sxx * syy), -1.0, 1.0);
}

}  // namespace

absl::StatusOr<double> Pearson(std::span<const double> x, std::span<const double> y) {
  if (x.size() != y.size()) return absl::InvalidArgumentError("series differ in length");
  return PearsonAt(x, y);
}

absl::StatusOr<double> Spearman(std::span<const double> x, std::span<const double> y) {
  if (x.size() != y.size()) return absl::InvalidArgumentError("series differ in length");
  // Rank only the pairs where both are finite, so that a gap on one side does not shift the other's ranks.
  std::vector<double> a, b;
  for (size_t i = 0; i < x.size(); ++i) {
    if (std::isfinite(x[i]) && std::isfinite(y[i])) a.push_back(x[i]), b.push_back(y[i]);
  }
  const std::vector<double> ra = Ranks(a), rb = Ranks(b);
  return PearsonAt(ra, rb);
}

absl::StatusOr<LagCorrelation> BestLag(std::span<const double> x, std::span<const double> y,
                                       int64_t max_lag) {
  if (x.size() != y.size()) return absl::InvalidArgumentError("series differ in length");
  if (max_lag < 0) return absl::InvalidArgumentError("max_lag must be >= 0");
  const int64_t n = static_cast<int64_t>(x.size());
  const int64_t limit = std::min(max_lag, n / 2);
  bool found = false;
  LagCorrelation best;
  for (int64_t lag = -limit; lag <= limit; ++lag) {
    const int64_t len = n - std::abs(lag);
    if (len < 3) continue;
    const auto xs = lag >= 0 ? x.subspan(0, len) : x.subspan(static_cast<size_t>(-lag), len);
    const auto ys = lag >= 0 ? y.subspan(static_cast<size_t>(lag), len) : y.subspan(0, len);
    auto r = PearsonAt(xs, ys);
    if (!r.ok()) continue;
    if (!found || std::abs(*r) > std::abs(best.r) + 1e-12 ||
        (std::abs(*r) > std::abs(best.r) - 1e-12 && std::abs(lag) < std::abs(best.lag))) {
      best = {lag, *r};
      found = true;
    }
  }
  if (!found) return absl::InvalidArgumentError("no lag with a defined correlation");
  return best;
}

std::vector<Correlated> TopKCorrelated(std::span<const double> target,
                                       const std::vector<std::span<const double>>& candidates, int64_t k,
                                       CorrelationMethod method, bool absolute) {
  std::vector<Correlated> all;
  if (k <= 0) return all;
  // Fast path: a finite target is centred and scaled once; each finite candidate costs one pass.
  const bool target_finite = AllFinite(target);
  const size_t n = target.size();
  std::vector<double> zt;
  if (target_finite && method == CorrelationMethod::kPearson && n >= 3) {
    const double m = std::accumulate(target.begin(), target.end(), 0.0) / static_cast<double>(n);
    double ss = 0;
    for (double v : target) ss += (v - m) * (v - m);
    if (ss > 0) {
      zt.resize(n);
      for (size_t i = 0; i < n; ++i) zt[i] = (target[i] - m) / std::sqrt(ss);
    }
  }
  for (size_t c = 0; c < candidates.size(); ++c) {
    const auto cand = candidates[c];
    if (cand.size() != n) continue;
    absl::StatusOr<double> r;
    if (!zt.empty() && AllFinite(cand)) {
      // r = sum(zt * y) / sqrt(sum((y - my)^2)), with sum(zt) = 0 so the mean of y drops out of the dot.
      // y is shifted by its first value so that a large offset does not cancel digits away.
      double sy = 0, syy = 0, dot = 0;
      const double y0 = cand[0];
      for (size_t i = 0; i < n; ++i) {
        const double y = cand[i] - y0;
        sy += y;
        syy += y * y;
        dot += zt[i] * y;
      }
      const double var = syy - sy * sy / static_cast<double>(n);
      if (!(var > 1e-300) || !(var > 1e-12 * syy)) {
        r = Pearson(target, cand);  // nearly constant: the two-pass form decides
      } else {
        r = std::clamp(dot / std::sqrt(var), -1.0, 1.0);
      }
    } else if (method == CorrelationMethod::kSpearman) {
      r = Spearman(target, cand);
    } else {
      r = Pearson(target, cand);
    }
    if (r.ok()) all.push_back({static_cast<int64_t>(c), *r});
  }
  auto key = [absolute](const Correlated& a) { return absolute ? std::abs(a.r) : a.r; };
  const size_t kk = std::min(all.size(), static_cast<size_t>(k));
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(kk), all.end(),
                    [&](const Correlated& a, const Correlated& b) {
                      return key(a) > key(b) || (key(a) == key(b) && a.index < b.index);
                    });
  all.resize(kk);
  return all;
}

}  // namespace foresight::analytics
