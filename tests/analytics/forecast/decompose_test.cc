#include "analytics/stats/decompose.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>

#include "analytics/stats/stats.h"
#include "synthetic.h"

namespace foresight::analytics {
namespace {

TEST(StlTest, ReconstructsAndRecoversComponents) {
  testing::SyntheticSpec s;
  s.n = 24 * 20;
  s.noise = 1;
  const auto y = testing::Synthetic(s);
  auto r = Stl(y, 24);
  ASSERT_TRUE(r.ok()) << r.status();
  double max_err = 0, season_err = 0, trend_err = 0;
  for (size_t t = 0; t < y.size(); ++t) {
    max_err = std::max(max_err, std::fabs(r->trend[t] + r->seasonal[t] + r->remainder[t] - y[t]));
    if (t < 48 || t + 48 >= y.size()) continue;  // ends are extrapolated
    const double x = static_cast<double>(t);
    season_err =
        std::max(season_err, std::fabs(r->seasonal[t] - 20 * std::sin(2 * std::numbers::pi * x / 24)));
    trend_err = std::max(trend_err, std::fabs(r->trend[t] - (100 + 0.05 * x)));
  }
  EXPECT_LT(max_err, 1e-9);
  EXPECT_LT(season_err, 2.5);
  EXPECT_LT(trend_err, 1.5);
  EXPECT_GT(SeasonalStrength(r->seasonal, r->remainder), 0.95);
  EXPECT_GT(TrendStrength(r->trend, r->remainder), 0.8);
}

TEST(StlTest, RobustFitIgnoresOutliers) {
  testing::SyntheticSpec s;
  s.n = 24 * 14;
  s.noise = 0.5;
  auto y = testing::Synthetic(s);
  for (size_t t = 30; t < y.size(); t += 50) y[t] += 500;
  auto r = Stl(y, 24, StlOptions::Robust());
  ASSERT_TRUE(r.ok());
  EXPECT_GT(r->remainder[130], 400);  // the outlier stays in the remainder
  EXPECT_LT(r->weights[130], 0.01);
  EXPECT_NEAR(r->trend[200], 110, 3);
  auto periodic = Stl(y, 24, StlOptions{.seasonal_window = 0});
  ASSERT_TRUE(periodic.ok());
  EXPECT_NEAR(periodic->seasonal[6], periodic->seasonal[6 + 24 * 5], 1e-3);
}

TEST(StlTest, BadInput) {
  EXPECT_FALSE(Stl(std::vector<double>(30, 1.0), 24).ok());  // fewer than two periods
  EXPECT_FALSE(Stl(std::vector<double>(100, 1.0), 1).ok());
  std::vector<double> y(100, 1.0);
  y[5] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(Stl(y, 10).ok());
  auto flat = Stl(std::vector<double>(100, 4.0), 10);  // constant: all in the trend
  ASSERT_TRUE(flat.ok());
  EXPECT_NEAR(flat->trend[50], 4, 1e-9);
  EXPECT_NEAR(flat->seasonal[50], 0, 1e-9);
}

TEST(MstlTest, SeparatesDailyAndWeekly) {
  testing::SyntheticSpec s;
  s.n = 24 * 7 * 6;
  s.weekly = 15;
  s.slope = 0;
  const auto y = testing::Synthetic(s);
  auto r = Mstl(y, {168, 24});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->periods, (std::vector<size_t>{24, 168}));
  ASSERT_EQ(r->seasonals.size(), 2u);
  double max_err = 0;
  for (size_t t = 0; t < y.size(); ++t) {
    max_err = std::max(
        max_err, std::fabs(r->trend[t] + r->seasonals[0][t] + r->seasonals[1][t] + r->remainder[t] - y[t]));
  }
  EXPECT_LT(max_err, 1e-9);
  // Mid-series weekday vs weekend difference shows in the weekly part, the daily sine in the daily part.
  const size_t mid = 24 * 7 * 3;
  EXPECT_GT(r->seasonals[1][mid + 24 * 2 + 12] - r->seasonals[1][mid + 24 * 5 + 12], 12);
  EXPECT_NEAR(r->seasonals[0][mid + 6], 20, 4);
  EXPECT_LT(StdDev(r->remainder), 3);
}

TEST(MstlTest, DropsTooLongPeriods) {
  auto r = Mstl(std::vector<double>(100, 1.0), {80});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->periods.empty());
  EXPECT_EQ(r->trend.size(), 100u);
}

TEST(ClassicalTest, MultiplicativeIndices) {
  std::vector<double> y;
  const double pattern[4] = {0.5, 1.0, 1.5, 1.0};
  for (int c = 0; c < 6; ++c) {
    for (int k = 0; k < 4; ++k) y.push_back(100 * pattern[k]);
  }
  auto idx = ClassicalSeasonalIndices(y, 4, true);
  ASSERT_TRUE(idx.ok());
  for (int k = 0; k < 4; ++k) EXPECT_NEAR((*idx)[k], pattern[k], 1e-9);
  EXPECT_FALSE(ClassicalSeasonalIndices(std::vector<double>{1, -1, 1, -1, 1, -1, 1, -1}, 2, true).ok());
}

}  // namespace
}  // namespace foresight::analytics
