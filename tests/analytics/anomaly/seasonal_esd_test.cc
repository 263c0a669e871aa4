#include "analytics/anomaly/seasonal_esd.h"

#include <cmath>
#include <random>

#include "gtest/gtest.h"

namespace foresight::analytics {
namespace {

TEST(SeasonalEsd, Quantiles) {
  EXPECT_NEAR(NormalQuantile(0.975), 1.959964, 1e-6);
  EXPECT_NEAR(NormalQuantile(0.5), 0.0, 1e-12);
  EXPECT_NEAR(StudentTQuantile(0.975, 30), 2.042272, 1e-3);
  EXPECT_NEAR(StudentTQuantile(0.995, 100), 2.625891, 1e-3);
}

TEST(SeasonalEsd, FindsInjectedAnomaliesInSeasonalSeries) {
  std::mt19937 rng(3);
  std::normal_distribution<double> noise(0, 1);
  std::vector<double> v;
  for (int i = 0; i < 24 * 30; ++i) v.push_back(50 + 20 * std::sin(2 * M_PI * i / 24) + noise(rng));
  v[100] += 15;  // a spike
  v[400] -= 15;  // a drop
  // A value normal overall but wrong for its phase: the season must be removed to see it.
  v[606] = 70;  // 606 % 24 = 6 -> the peak is ~70 at phase 6; use the trough instead
  v[618] = 70;  // phase 18: the trough (~30)
  EsdConfig c;
  c.period = 24;
  c.max_fraction = 0.02;
  auto a = SeasonalHybridEsd(v, c);
  ASSERT_TRUE(a.ok()) << a.status();
  std::vector<int64_t> idx;
  for (const auto& x : *a) idx.push_back(x.index);
  EXPECT_NE(std::find(idx.begin(), idx.end(), 100), idx.end());
  EXPECT_NE(std::find(idx.begin(), idx.end(), 400), idx.end());
  EXPECT_NE(std::find(idx.begin(), idx.end(), 618), idx.end());
  EXPECT_EQ(std::find(idx.begin(), idx.end(), 606), idx.end());
  EXPECT_LE(idx.size(), 6u);
  // Without the season the phase anomaly is invisible.
  c.period = 0;
  a = SeasonalHybridEsd(v, c);
  ASSERT_TRUE(a.ok());
  for (const auto& x : *a) EXPECT_NE(x.index, 618);
}

TEST(SeasonalEsd, CleanSeriesHasFewOrNoAnomalies) {
  std::mt19937 rng(5);
  std::normal_distribution<double> noise(0, 1);
  std::vector<double> v;
  for (int i = 0; i < 1000; ++i) v.push_back(noise(rng));
  auto a = SeasonalHybridEsd(v);
  ASSERT_TRUE(a.ok());
  EXPECT_LE(a->size(), 2u);
}

TEST(SeasonalEsd, RejectsBadInput) {
  EXPECT_FALSE(SeasonalHybridEsd({1, 2, 3}).ok());
  std::vector<double> v(100, 1.0);
  EsdConfig c;
  c.max_fraction = 0.9;
  EXPECT_FALSE(SeasonalHybridEsd(v, c).ok());
  c = {};
  c.period = 80;
  EXPECT_FALSE(SeasonalHybridEsd(v, c).ok());
  // Constant series and NaNs: no crash, no anomaly at a NaN.
  v[10] = NAN;
  auto a = SeasonalHybridEsd(v);
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->empty());
}

}  // namespace
}  // namespace foresight::analytics
