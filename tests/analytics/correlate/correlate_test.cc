#include "analytics/correlate/correlate.h"

#include <cmath>
#include <random>

#include "gtest/gtest.h"

namespace foresight::analytics {
namespace {

TEST(Correlate, PearsonHandWorked) {
  // x = 1..5, y = 2, 4, 5, 4, 5: mean y 4, sxy = 6, sxx = 10, syy = 6 -> r = 6 / sqrt(60).
  const std::vector<double> x = {1, 2, 3, 4, 5}, y = {2, 4, 5, 4, 5};
  EXPECT_NEAR(*Pearson(x, y), 6 / std::sqrt(60.0), 1e-12);
  const std::vector<double> neg = {10, 8, 6, 4, 2};
  EXPECT_NEAR(*Pearson(x, neg), -1.0, 1e-12);
}

TEST(Correlate, SpearmanUsesRanksWithTies) {
  const std::vector<double> x = {1, 2, 3, 4, 5}, cube = {1, 8, 27, 64, 125};
  EXPECT_NEAR(*Spearman(x, cube), 1.0, 1e-12);
  EXPECT_LT(*Pearson(x, cube), 0.95);
  // Ties: y ranks 1.5, 1.5, 3, 4, 5.
  const std::vector<double> y = {7, 7, 8, 9, 10};
  const std::vector<double> ry = {1.5, 1.5, 3, 4, 5};
  EXPECT_NEAR(*Spearman(x, y), *Pearson(x, ry), 1e-12);
}

TEST(Correlate, ErrorsAndGaps) {
  const std::vector<double> a = {1, 2, 3}, b = {1, 2};
  EXPECT_FALSE(Pearson(a, b).ok());
  const std::vector<double> c = {5, 5, 5};
  EXPECT_FALSE(Pearson(a, c).ok());
  const std::vector<double> x = {1, 2, NAN, 4, 5}, y = {2, 4, 100, 8, 10};
  EXPECT_NEAR(*Pearson(x, y), 1.0, 1e-12);  // the NaN pair is skipped
  EXPECT_NEAR(*Spearman(x, y), 1.0, 1e-12);
  EXPECT_FALSE(BestLag(a, b, 1).ok());
  EXPECT_FALSE(BestLag(a, a, -1).ok());
}

TEST(Correlate, BestLagFindsShift) {
  std::mt19937 rng(1);
  std::normal_distribution<double> noise(0, 1);
  std::vector<double> x(500), y(500, 0.0);
  for (double& v : x) v = noise(rng);
  for (size_t t = 7; t < y.size(); ++t) y[t] = x[t - 7] + 0.1 * noise(rng);  // y follows x by 7
  auto r = BestLag(x, y, 20);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->lag, 7);
  EXPECT_GT(r->r, 0.95);
  auto back = BestLag(y, x, 20);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->lag, -7);
}

TEST(Correlate, TopKMatchesDirectComputation) {
  std::mt19937 rng(2);
  std::normal_distribution<double> noise(0, 1);
  const size_t n = 300;
  std::vector<double> target(n);
  for (double& v : target) v = noise(rng);
  std::vector<std::vector<double>> store;
  for (int c = 0; c < 50; ++c) {
    std::vector<double> s(n);
    const double w = (c % 10) / 10.0 * (c % 2 ? -1 : 1);
    for (size_t i = 0; i < n; ++i) s[i] = 1e6 + w * target[i] + noise(rng);
    store.push_back(s);
  }
  store.push_back(std::vector<double>(n, 3.0));      // constant: skipped
  store.push_back(std::vector<double>(n - 1, 1.0));  // wrong length: skipped
  store[5][3] = NAN;                                 // a gap: the slow path
  std::vector<std::span<const double>> cands(store.begin(), store.end());
  auto top = TopKCorrelated(target, cands, 5);
  ASSERT_EQ(top.size(), 5u);
  for (size_t i = 0; i + 1 < top.size(); ++i) EXPECT_GE(std::abs(top[i].r), std::abs(top[i + 1].r));
  for (const auto& t : top) EXPECT_NEAR(t.r, *Pearson(target, store[t.index]), 1e-9);
  // The strongest weights are 0.9 (indexes 9, 19, ... with alternating sign).
  EXPECT_EQ(top[0].index % 10, 9);
  auto signed_top = TopKCorrelated(target, cands, 3, CorrelationMethod::kPearson, /*absolute=*/false);
  for (const auto& t : signed_top) EXPECT_GT(t.r, 0);
  auto spear = TopKCorrelated(target, cands, 3, CorrelationMethod::kSpearman);
  ASSERT_EQ(spear.size(), 3u);
  EXPECT_NEAR(spear[0].r, *Spearman(target, store[spear[0].index]), 1e-12);
  EXPECT_TRUE(TopKCorrelated(target, cands, 0).empty());
  EXPECT_EQ(TopKCorrelated(target, cands, 1000).size(), 50u);  // all but the constant and the short one
}

}  // namespace
}  // namespace foresight::analytics
