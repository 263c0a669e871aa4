#include "analytics/cluster/cluster.h"

#include <cmath>
#include <random>

#include "gtest/gtest.h"

namespace foresight::analytics {
namespace {

// Three well separated blobs of 30 points in 2-D.
std::vector<FeatureVector> Blobs(uint32_t seed = 1) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0, 0.3);
  std::vector<FeatureVector> p;
  const double centres[3][2] = {{0, 0}, {5, 5}, {10, 0}};
  for (const auto& c : centres) {
    for (int i = 0; i < 30; ++i) p.push_back({c[0] + noise(rng), c[1] + noise(rng)});
  }
  return p;
}

TEST(Cluster, KMeansAutoFindsThreeBlobs) {
  auto p = Blobs();
  auto c = KMeansAuto(p, 2, 6);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->k, 3);
  EXPECT_GT(c->silhouette, 0.8);
  for (int b = 0; b < 3; ++b) {
    for (int i = 1; i < 30; ++i) EXPECT_EQ(c->labels[b * 30 + i], c->labels[b * 30]);
  }
  EXPECT_NE(c->labels[0], c->labels[30]);
  EXPECT_NE(c->labels[30], c->labels[60]);
}

TEST(Cluster, KMeansHandWorked) {
  // Two pairs: centroids (0, 0.5) and (10, 0.5), inertia 4 * 0.25 = 1.
  std::vector<FeatureVector> p = {{0, 0}, {0, 1}, {10, 0}, {10, 1}};
  auto c = KMeans(p, 2);
  ASSERT_TRUE(c.ok());
  EXPECT_NEAR(c->inertia, 1.0, 1e-12);
  EXPECT_EQ(c->labels[0], c->labels[1]);
  EXPECT_NE(c->labels[0], c->labels[2]);
  // Silhouette of point (0,0): a = 1, b = (10 + sqrt(101)) / 2.
  const double b = (10 + std::sqrt(101.0)) / 2;
  EXPECT_NEAR(c->silhouette, (b - 1) / b, 1e-12);
}

TEST(Cluster, DbscanSeparatesNoise) {
  auto p = Blobs();
  p.push_back({20, 20});
  auto c = Dbscan(p, 1.0, 4);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->k, 3);
  EXPECT_EQ(c->labels.back(), -1);
}

TEST(Cluster, PeerOutliersWithinGroup) {
  auto p = Blobs();
  p[5] = {2.5, 0.0};  // still nearest blob 0, but far from its peers
  auto c = KMeans(p, 3);
  ASSERT_TRUE(c.ok());
  auto out = PeerOutliers(p, c->labels);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out[0].index, 5);
  EXPECT_GT(out[0].score, 3.5);
}

TEST(Cluster, SeriesFeatures) {
  std::vector<double> flat(200, 10.0), trend, seasonal;
  for (int i = 0; i < 200; ++i) {
    trend.push_back(i * 2.0);
    seasonal.push_back(100 + 10 * std::sin(2 * M_PI * i / 20));
  }
  auto f = ComputeSeriesFeatures(flat);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->level, 10.0);
  EXPECT_EQ(f->variability, 0.0);
  EXPECT_EQ(f->trend, 0.0);
  EXPECT_EQ(f->seasonality, 0.0);
  f = ComputeSeriesFeatures(trend);
  ASSERT_TRUE(f.ok());
  EXPECT_NEAR(f->trend, 1.0, 1e-12);
  f = ComputeSeriesFeatures(seasonal, 20);
  ASSERT_TRUE(f.ok());
  EXPECT_GT(f->seasonality, 0.95);
  EXPECT_LT(std::abs(f->trend), 0.1);
  EXPECT_FALSE(ComputeSeriesFeatures({1, 2, 3}).ok());
  EXPECT_EQ(f->vector().size(), 4u);
}

TEST(Cluster, RejectsBadInput) {
  EXPECT_FALSE(KMeans({}, 2).ok());
  EXPECT_FALSE(KMeans({{1, 2}, {1}}, 1).ok());
  EXPECT_FALSE(KMeans({{1, 2}}, 2).ok());
  EXPECT_FALSE(KMeans({{NAN, 2}}, 1).ok());
  EXPECT_FALSE(Dbscan({{1, 2}}, 0.0, 2).ok());
  EXPECT_FALSE(Standardize({{1}, {1, 2}}).ok());
  // Duplicate points: fewer distinct points than k must not crash.
  auto c = KMeans({{1, 1}, {1, 1}, {1, 1}}, 3);
  ASSERT_TRUE(c.ok());
  auto s = Standardize({{1, 5}, {3, 5}});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*s)[0], (FeatureVector{-1, 0}));
  EXPECT_TRUE(PeerOutliers({{1}}, {0, 1}).empty());
}

}  // namespace
}  // namespace foresight::analytics
