#include "analytics/stats/seasonality.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>

#include "analytics/stats/decompose.h"
#include "synthetic.h"

namespace foresight::analytics {
namespace {

std::vector<size_t> Periods(const std::vector<double>& v) {
  std::vector<size_t> out;
  for (const auto& p : DetectSeasonality(v)) out.push_back(p.period);
  return out;
}

TEST(SeasonalityTest, AutocorrelationOfKnownSeries) {
  std::vector<double> v(400);
  for (size_t i = 0; i < v.size(); ++i) v[i] = std::sin(2 * std::numbers::pi * static_cast<double>(i) / 20);
  const auto r = Autocorrelation(v, 40);
  ASSERT_EQ(r.size(), 41u);
  EXPECT_DOUBLE_EQ(r[0], 1);
  EXPECT_GT(r[20], 0.9);
  EXPECT_LT(r[10], -0.9);
  const std::vector<double> flat(50, 3.0);
  EXPECT_EQ(Autocorrelation(flat, 5)[3], 0);
}

TEST(SeasonalityTest, PeriodogramPeaksAtFrequency) {
  std::vector<double> v(256);
  for (size_t i = 0; i < v.size(); ++i) v[i] = std::cos(2 * std::numbers::pi * static_cast<double>(i) / 16);
  const auto p = Periodogram(v);
  const size_t peak = static_cast<size_t>(std::max_element(p.begin(), p.end()) - p.begin());
  EXPECT_EQ(peak, 256u / 16);
}

TEST(SeasonalityTest, FindsDailyPeriod) {
  testing::SyntheticSpec s;
  s.n = 24 * 30;
  EXPECT_EQ(Periods(testing::Synthetic(s)), std::vector<size_t>{24});
}

TEST(SeasonalityTest, FindsDailyAndWeeklyOnHourlyData) {
  testing::SyntheticSpec s;
  s.n = 24 * 7 * 6;
  s.weekly = 15;
  EXPECT_EQ(Periods(testing::Synthetic(s)), (std::vector<size_t>{24, 168}));
}

TEST(SeasonalityTest, FindsDailyAndWeeklyOnFiveMinuteData) {
  // 5-minute data: a day is 288 steps, a week 2016.
  std::mt19937 rng(3);
  std::normal_distribution<double> noise(0, 3);
  std::vector<double> v(2016 * 5);
  for (size_t t = 0; t < v.size(); ++t) {
    const double day = std::sin(2 * std::numbers::pi * static_cast<double>(t) / 288);
    const double weekend = (t / 288) % 7 >= 5 ? -8 : 3;
    v[t] = 50 + 10 * day + weekend + noise(rng);
  }
  EXPECT_EQ(Periods(v), (std::vector<size_t>{288, 2016}));
}

TEST(SeasonalityTest, NoPeriodInNoiseOrTrend) {
  std::mt19937 rng(5);
  std::normal_distribution<double> noise(0, 1);
  std::vector<double> v(1000), trend(1000);
  for (size_t i = 0; i < v.size(); ++i) {
    v[i] = noise(rng);
    trend[i] = 0.1 * static_cast<double>(i) + noise(rng);
  }
  EXPECT_TRUE(Periods(v).empty());
  EXPECT_TRUE(Periods(trend).empty());
  EXPECT_TRUE(Periods(std::vector<double>(100, 1.0)).empty());
  EXPECT_TRUE(Periods(std::vector<double>{1, 2, 3}).empty());
}

TEST(SeasonalityTest, HalfPeriodHarmonicIsNotReported) {
  // A daily shape with a strong second harmonic: the period is 24, not 12.
  std::vector<double> v(24 * 20);
  for (size_t t = 0; t < v.size(); ++t) {
    const double x = 2 * std::numbers::pi * static_cast<double>(t) / 24;
    v[t] = std::sin(x) + 0.8 * std::sin(2 * x + 1);
  }
  EXPECT_EQ(Periods(v), std::vector<size_t>{24});
}

TEST(SeasonalityTest, M4SeasonalityTest) {
  testing::SyntheticSpec s;
  s.n = 24 * 10;
  EXPECT_TRUE(SeasonalityTest(testing::Synthetic(s), 24));
  s.daily = 0;
  s.slope = 0;
  EXPECT_FALSE(SeasonalityTest(testing::Synthetic(s), 24));
  EXPECT_FALSE(SeasonalityTest(std::vector<double>(40, 1.0), 24));  // fewer than 3 periods
}

}  // namespace
}  // namespace foresight::analytics
