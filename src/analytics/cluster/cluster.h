// Clustering of series (or of any feature vectors): features that describe a series' behaviour, k-means
// with k chosen by silhouette, DBSCAN, and peer outliers (members far from the rest of their group).
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"

namespace foresight::analytics {

using FeatureVector = std::vector<double>;

// level: median; variability: MAD / (|median| + MAD), in [0, 1); trend: R^2 of a straight-line fit times
// its sign; seasonality: the strongest autocorrelation over lags in [2, n/2] of the detrended series
// (or at `period` when given), clamped to [0, 1]. Non-finite values are skipped; needs >= 8 of them.
struct SeriesFeatures {
  double level = 0, variability = 0, trend = 0, seasonality = 0;
  FeatureVector vector() const { return {level, variability, trend, seasonality}; }
};
absl::StatusOr<SeriesFeatures> ComputeSeriesFeatures(const std::vector<double>& values, int64_t period = 0);

// Scales every column to mean 0 and standard deviation 1 (constant columns become 0). Errors on ragged
// rows or non-finite values.
absl::StatusOr<std::vector<FeatureVector>> Standardize(const std::vector<FeatureVector>& rows);

struct Clustering {
  std::vector<int64_t> labels;           // per point; -1 is noise (DBSCAN only)
  std::vector<FeatureVector> centroids;  // k-means only
  int64_t k = 0;
  double inertia = 0;     // k-means: sum of squared distances to the centroid
  double silhouette = 0;  // mean silhouette of the clustered points
};

// Lloyd's k-means with k-means++ seeding (deterministic for a seed), best of `restarts`.
absl::StatusOr<Clustering> KMeans(const std::vector<FeatureVector>& points, int64_t k, uint64_t seed = 1,
                                  int64_t restarts = 4);
// k-means with k in [k_min, k_max] chosen by the highest mean silhouette.
absl::StatusOr<Clustering> KMeansAuto(const std::vector<FeatureVector>& points, int64_t k_min = 2,
                                      int64_t k_max = 10, uint64_t seed = 1);
// DBSCAN: clusters of points with >= min_points neighbours (itself included) within eps; others noise.
absl::StatusOr<Clustering> Dbscan(const std::vector<FeatureVector>& points, double eps, int64_t min_points);
// Mean silhouette (points labelled -1 and singleton clusters count 0). Euclidean distance.
double Silhouette(const std::vector<FeatureVector>& points, const std::vector<int64_t>& labels);

struct PeerOutlier {
  int64_t index = 0;
  int64_t cluster = 0;
  double score = 0;  // robust z of its distance to its group's median point
};
// Members whose distance to their group's (coordinate-wise) median is more than `threshold` robust
// z-scores above the group's typical distance. Groups of fewer than 4 members are not judged.
std::vector<PeerOutlier> PeerOutliers(const std::vector<FeatureVector>& points,
                                      const std::vector<int64_t>& labels, double threshold = 3.5);

}  // namespace foresight::analytics
