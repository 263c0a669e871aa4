#include "analytics/cluster/cluster.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "absl/status/status.h"

namespace foresight::analytics {
namespace {

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  const double hi = v[mid];
  if (v.size() % 2 == 1) return hi;
  return 0.5 * (hi + *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid)));
}

double Dist2(const FeatureVector& a, const FeatureVector& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
  return s;
}

absl::Status CheckPoints(const std::vector<FeatureVector>& p) {
  if (p.empty()) return absl::InvalidArgumentError("no points");
  const size_t d = p[0].size();
  if (d == 0) return absl::InvalidArgumentError("points have no coordinates");
  for (const auto& x : p) {
    if (x.size() != d) return absl::InvalidArgumentError("points differ in dimension");
    for (double v : x) {
      if (!std::isfinite(v)) return absl::InvalidArgumentError("a coordinate is not finite");
    }
  }
  return absl::OkStatus();
}

Clustering LloydOnce(const std::vector<FeatureVector>& p, int64_t k, std::mt19937_64& rng) {
  const size_t n = p.size(), d = p[0].size();
  // k-means++ seeding.
  std::vector<FeatureVector> c;
  c.push_back(p[rng() % n]);
  std::vector<double> best(n, std::numeric_limits<double>::infinity());
  while (static_cast<int64_t>(c.size()) < k) {
    double total = 0;
    for (size_t i = 0; i < n; ++i) total += best[i] = std::min(best[i], Dist2(p[i], c.back()));
    if (!(total > 0)) {  // fewer distinct points than k: duplicate a centroid
      c.push_back(c.back());
      continue;
    }
    double pick = std::uniform_real_distribution<double>(0, total)(rng);
    size_t i = 0;
    for (; i + 1 < n && pick >= best[i]; ++i) pick -= best[i];
    c.push_back(p[i]);
  }
  Clustering out;
  out.k = k;
  out.labels.assign(n, 0);
  for (int iter = 0; iter < 300; ++iter) {
    bool changed = false;
    for (size_t i = 0; i < n; ++i) {
      int64_t arg = 0;
      double bd = Dist2(p[i], c[0]);
      for (int64_t j = 1; j < k; ++j) {
        const double dj = Dist2(p[i], c[j]);
        if (dj < bd) bd = dj, arg = j;
      }
      if (out.labels[i] != arg) {
        out.labels[i] = arg;
        changed = true;
      }
    }
    if (!changed && iter > 0) break;
    std::vector<FeatureVector> sum(static_cast<size_t>(k), FeatureVector(d, 0.0));
    std::vector<double> cnt(static_cast<size_t>(k), 0.0);
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = 0; j < d; ++j) sum[out.labels[i]][j] += p[i][j];
      cnt[out.labels[i]] += 1;
    }
    for (int64_t j = 0; j < k; ++j) {
      if (cnt[j] == 0) continue;  // an empty cluster keeps its centroid
      for (size_t t = 0; t < d; ++t) c[j][t] = sum[j][t] / cnt[j];
    }
  }
  out.centroids = c;
  for (size_t i = 0; i < n; ++i) out.inertia += Dist2(p[i], c[out.labels[i]]);
  return out;
}

}  // namespace

absl::StatusOr<SeriesFeatures> ComputeSeriesFeatures(const std::vector<double>& values, int64_t period) {
  std::vector<double> x, t;
  for (size_t i = 0; i < values.size(); ++i) {
    if (std::isfinite(values[i])) x.push_back(values[i]), t.push_back(static_cast<double>(i));
  }
  const int64_t n = static_cast<int64_t>(x.size());
  if (n < 8) return absl::InvalidArgumentError("features need at least 8 finite values");
  if (period < 0 || period > n / 2) return absl::InvalidArgumentError("period must be in [0, n/2]");
  SeriesFeatures f;
  f.level = Median(x);
  std::vector<double> dev;
  for (double v : x) dev.push_back(std::abs(v - f.level));
  const double mad = Median(dev);
  f.variability = mad > 0 ? mad / (std::abs(f.level) + mad) : 0.0;
  // Straight-line fit.
  double mt = 0, mx = 0;
  for (int64_t i = 0; i < n; ++i) mt += t[i], mx += x[i];
  mt /= static_cast<double>(n);
  mx /= static_cast<double>(n);
  double stt = 0, sxx = 0, stx = 0;
  for (int64_t i = 0; i < n; ++i) {
    stt += (t[i] - mt) * (t[i] - mt);
    sxx += (x[i] - mx) * (x[i] - mx);
    stx += (t[i] - mt) * (x[i] - mx);
  }
  if (sxx > 0 && stt > 0) f.trend = (stx > 0 ? 1 : -1) * stx * stx / (stt * sxx);
  // Seasonality: autocorrelation of the residual of the fit.
  const double slope = stt > 0 ? stx / stt : 0;
  std::vector<double> r(static_cast<size_t>(n));
  double var = 0;
  for (int64_t i = 0; i < n; ++i) {
    r[i] = x[i] - mx - slope * (t[i] - mt);
    var += r[i] * r[i];
  }
  if (var > 1e-12 * (sxx + 1e-300)) {
    auto acf = [&](int64_t lag) {
      double s = 0;
      for (int64_t i = lag; i < n; ++i) s += r[i] * r[i - lag];
      return s / var * static_cast<double>(n) / static_cast<double>(n - lag);
    };
    double best = 0;
    if (period > 0) {
      best = acf(period);
    } else {
      for (int64_t lag = 2; lag <= n / 2; ++lag) best = std::max(best, acf(lag));
    }
    f.seasonality = std::clamp(best, 0.0, 1.0);
  }
  return f;
}

absl::StatusOr<std::vector<FeatureVector>> Standardize(const std::vector<FeatureVector>& rows) {
  if (auto st = CheckPoints(rows); !st.ok()) return st;
  const size_t d = rows[0].size();
  const double n = static_cast<double>(rows.size());
  std::vector<FeatureVector> out = rows;
  for (size_t j = 0; j < d; ++j) {
    double m = 0, ss = 0;
    for (const auto& r : rows) m += r[j];
    m /= n;
    for (const auto& r : rows) ss += (r[j] - m) * (r[j] - m);
    const double sd = std::sqrt(ss / n);
    for (auto& r : out) r[j] = sd > 0 ? (r[j] - m) / sd : 0.0;
  }
  return out;
}

double Silhouette(const std::vector<FeatureVector>& p, const std::vector<int64_t>& labels) {
  const size_t n = p.size();
  if (n == 0 || labels.size() != n) return 0;
  int64_t k = 0;
  for (int64_t l : labels) k = std::max(k, l + 1);
  std::vector<double> size(static_cast<size_t>(k), 0.0);
  for (int64_t l : labels) {
    if (l >= 0) size[l] += 1;
  }
  double total = 0;
  for (size_t i = 0; i < n; ++i) {
    const int64_t li = labels[i];
    if (li < 0 || size[li] <= 1) continue;
    std::vector<double> sum(static_cast<size_t>(k), 0.0);
    for (size_t j = 0; j < n; ++j) {
      if (labels[j] >= 0 && j != i) sum[labels[j]] += std::sqrt(Dist2(p[i], p[j]));
    }
    const double a = sum[li] / (size[li] - 1);
    double b = std::numeric_limits<double>::infinity();
    for (int64_t c = 0; c < k; ++c) {
      if (c != li && size[c] > 0) b = std::min(b, sum[c] / size[c]);
    }
    if (std::isfinite(b) && std::max(a, b) > 0) total += (b - a) / std::max(a, b);
  }
  return total / static_cast<double>(n);
}

absl::StatusOr<Clustering> KMeans(const std::vector<FeatureVector>& points, int64_t k, uint64_t seed,
                                  int64_t restarts) {
  if (auto st = CheckPoints(points); !st.ok()) return st;
  if (k < 1 || k > static_cast<int64_t>(points.size()))
    return absl::InvalidArgumentError("k must be in [1, n]");
  std::mt19937_64 rng(seed);
  Clustering best;
  for (int64_t r = 0; r < std::max<int64_t>(restarts, 1); ++r) {
    Clustering c = LloydOnce(points, k, rng);
    if (r == 0 || c.inertia < best.inertia) best = std::move(c);
  }
  best.silhouette = Silhouette(points, best.labels);
  return best;
}

absl::StatusOr<Clustering> KMeansAuto(const std::vector<FeatureVector>& points, int64_t k_min, int64_t k_max,
                                      uint64_t seed) {
  if (auto st = CheckPoints(points); !st.ok()) return st;
  k_min = std::max<int64_t>(k_min, 2);
  k_max = std::min<int64_t>(k_max, static_cast<int64_t>(points.size()) - 1);
  if (k_min > k_max) return KMeans(points, 1, seed);  // too few points to compare partitions
  absl::StatusOr<Clustering> best = absl::InternalError("unset");
  for (int64_t k = k_min; k <= k_max; ++k) {
    auto c = KMeans(points, k, seed);
    if (!c.ok()) return c.status();
    if (!best.ok() || c->silhouette > best->silhouette + 1e-12) best = std::move(c);
  }
  return best;
}

absl::StatusOr<Clustering> Dbscan(const std::vector<FeatureVector>& points, double eps, int64_t min_points) {
  if (auto st = CheckPoints(points); !st.ok()) return st;
  if (!(eps > 0) || min_points < 1) return absl::InvalidArgumentError("eps must be > 0 and min_points >= 1");
  const size_t n = points.size();
  const double eps2 = eps * eps;
  auto neighbours = [&](size_t i) {
    std::vector<size_t> out;
    for (size_t j = 0; j < n; ++j) {
      if (Dist2(points[i], points[j]) <= eps2) out.push_back(j);
    }
    return out;
  };
  constexpr int64_t kUnseen = -2;
  Clustering out;
  out.labels.assign(n, kUnseen);
  for (size_t i = 0; i < n; ++i) {
    if (out.labels[i] != kUnseen) continue;
    auto nb = neighbours(i);
    if (static_cast<int64_t>(nb.size()) < min_points) {
      out.labels[i] = -1;
      continue;
    }
    const int64_t c = out.k++;
    out.labels[i] = c;
    std::vector<size_t> queue = nb;
    for (size_t q = 0; q < queue.size(); ++q) {
      const size_t j = queue[q];
      if (out.labels[j] == -1) out.labels[j] = c;  // a border point
      if (out.labels[j] != kUnseen) continue;
      out.labels[j] = c;
      auto nj = neighbours(j);
      if (static_cast<int64_t>(nj.size()) >= min_points) queue.insert(queue.end(), nj.begin(), nj.end());
    }
  }
  out.silhouette = Silhouette(points, out.labels);
  return out;
}

std::vector<PeerOutlier> PeerOutliers(const std::vector<FeatureVector>& points,
                                      const std::vector<int64_t>& labels, double threshold) {
  std::vector<PeerOutlier> out;
  if (!CheckPoints(points).ok() || labels.size() != points.size()) return out;
  int64_t k = 0;
  for (int64_t l : labels) k = std::max(k, l + 1);
  const size_t d = points[0].size();
  for (int64_t c = 0; c < k; ++c) {
    std::vector<size_t> members;
    for (size_t i = 0; i < labels.size(); ++i) {
      if (labels[i] == c) members.push_back(i);
    }
    if (members.size() < 4) continue;
    FeatureVector centre(d);
    for (size_t j = 0; j < d; ++j) {
      std::vector<double> col;
      for (size_t i : members) col.push_back(points[i][j]);
      centre[j] = Median(col);
    }
    std::vector<double> dist;
    for (size_t i : members) dist.push_back(std::sqrt(Dist2(points[i], centre)));
    const double med = Median(dist);
    std::vector<double> dev;
    for (double v : dist) dev.push_back(std::abs(v - med));
    const double mad = std::max(1.4826 * Median(dev), 1e-9 * (1.0 + med));
    for (size_t m = 0; m < members.size(); ++m) {
      const double z = (dist[m] - med) / mad;
      if (z > threshold) out.push_back({static_cast<int64_t>(members[m]), c, z});
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.score > b.score; });
  return out;
}

}  // namespace foresight::analytics
