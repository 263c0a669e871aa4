#include "analytics/stats/stats.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "analytics/stats/resample.h"

namespace foresight::analytics {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

TEST(StatsTest, MeanMedianVarianceSkipNaN) {
  const std::vector<double> v = {1, 2, kNaN, 3, 4};
  EXPECT_DOUBLE_EQ(Mean(v), 2.5);
  EXPECT_DOUBLE_EQ(Median(v), 2.5);
  EXPECT_DOUBLE_EQ(Variance(v), 1.25);
  EXPECT_DOUBLE_EQ(SampleVariance(v), 5.0 / 3);
  EXPECT_DOUBLE_EQ(StdDev(v), std::sqrt(1.25));
}

TEST(StatsTest, EmptyOrAllNaNIsNaN) {
  const std::vector<double> none, nans = {kNaN, kNaN};
  EXPECT_TRUE(std::isnan(Mean(none)));
  EXPECT_TRUE(std::isnan(Median(nans)));
  EXPECT_TRUE(std::isnan(Mode(nans)));
  EXPECT_TRUE(std::isnan(Variance(none)));
  EXPECT_TRUE(std::isnan(Mad(nans)));
  EXPECT_TRUE(std::isnan(SampleVariance(std::vector<double>{1})));
}

TEST(StatsTest, VarianceStableWithLargeOffset) {
  std::vector<double> v;
  for (int i = 0; i < 1000; ++i) v.push_back(1e9 + (i % 2 ? 1 : -1));
  EXPECT_NEAR(Variance(v), 1.0, 1e-6);
}

TEST(StatsTest, QuantileFollowsPrometheus) {
  const std::vector<double> v = {4, 1, 3, 2};
  EXPECT_DOUBLE_EQ(Quantile(0, v), 1);
  EXPECT_DOUBLE_EQ(Quantile(1, v), 4);
  EXPECT_DOUBLE_EQ(Quantile(0.5, v), 2.5);
  EXPECT_DOUBLE_EQ(Quantile(0.9, v), 3.7);  // rank 2.7 between 3 and 4
  EXPECT_EQ(Quantile(-0.1, v), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(Quantile(1.1, v), std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(Quantile(kNaN, v)));
}

TEST(StatsTest, ModeFindsDensestRegion) {
  std::mt19937 rng(1);
  std::normal_distribution<double> a(10, 1), b(50, 5);
  std::vector<double> v;
  for (int i = 0; i < 3000; ++i) v.push_back(a(rng));
  for (int i = 0; i < 1000; ++i) v.push_back(b(rng));
  EXPECT_NEAR(Mode(v), 10, 1.0);
  EXPECT_DOUBLE_EQ(Mode(std::vector<double>{7, 7, 7, 1, 2}), 7);  // IQR 0: most frequent value
}

TEST(StatsTest, MadOfKnownData) { EXPECT_DOUBLE_EQ(Mad(std::vector<double>{1, 1, 2, 2, 4, 6, 9}), 1); }

TEST(StatsTest, MovingAverages) {
  const std::vector<double> v = {1, 2, 3, 4, kNaN, 6};
  const auto sma = SimpleMovingAverage(v, 3);
  EXPECT_DOUBLE_EQ(sma[0], 1);
  EXPECT_DOUBLE_EQ(sma[2], 2);
  EXPECT_DOUBLE_EQ(sma[3], 3);
  EXPECT_DOUBLE_EQ(sma[4], 3.5);  // NaN skipped
  EXPECT_DOUBLE_EQ(sma[5], 5);
  const auto ema = ExponentialMovingAverage(v, 0.5);
  EXPECT_DOUBLE_EQ(ema[0], 1);
  EXPECT_DOUBLE_EQ(ema[1], 1.5);
  EXPECT_DOUBLE_EQ(ema[4], ema[3]);  // NaN carries forward
}

TEST(StatsTest, RollingMinMaxStd) {
  const std::vector<double> v = {5, 1, 4, 2, 8, 3};
  const RollingStats r = Rolling(v, 3);
  EXPECT_DOUBLE_EQ(r.min[2], 1);
  EXPECT_DOUBLE_EQ(r.max[2], 5);
  EXPECT_DOUBLE_EQ(r.min[4], 2);
  EXPECT_DOUBLE_EQ(r.max[5], 8);
  EXPECT_NEAR(r.stddev[5], StdDev(std::vector<double>{2, 8, 3}), 1e-12);
  EXPECT_NEAR(r.mean[5], 13.0 / 3, 1e-12);
}

TEST(ResampleTest, LastValueWithinLookback) {
  const std::vector<int64_t> ts = {0, 1000, 2500, 9000};
  const std::vector<double> v = {1, 2, 3, 4};
  ResampleOptions o{.start_ms = 0, .end_ms = 10000, .step_ms = 1000, .lookback_ms = 3000};
  auto r = Resample(ts, v, o);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->values.size(), 11u);
  EXPECT_EQ(r->values[0], 1);
  EXPECT_EQ(r->values[2], 2);
  EXPECT_EQ(r->values[3], 3);
  EXPECT_EQ(r->values[5], 3);             // 2500 is within 3 s of 5000
  EXPECT_TRUE(std::isnan(r->values[6]));  // stale: nothing in (3000, 6000]
  EXPECT_EQ(r->values[9], 4);
}

TEST(ResampleTest, StaleMarkerEndsSeriesAndShortGapsInterpolate) {
  const double stale = std::bit_cast<double>(kStaleNaNBits);
  EXPECT_TRUE(IsStaleMarker(stale));
  EXPECT_FALSE(IsStaleMarker(kNaN));
  const std::vector<int64_t> ts = {0, 1000, 2000, 10000};
  const std::vector<double> v = {0, 10, stale, 20};
  ResampleOptions o{
      .start_ms = 0, .end_ms = 10000, .step_ms = 1000, .lookback_ms = 1500, .max_interpolation_gap_ms = 0};
  auto r = Resample(ts, v, o);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(std::isnan(r->values[2]));  // the stale marker itself
  EXPECT_TRUE(std::isnan(r->values[3]));
  // Interpolation across a short gap between real samples.
  const std::vector<int64_t> ts2 = {0, 4000};
  const std::vector<double> v2 = {0, 40};
  o.max_interpolation_gap_ms = 5000;
  o.end_ms = 4000;
  o.lookback_ms = 500;
  r = Resample(ts2, v2, o);
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->values[1], 10);
  EXPECT_DOUBLE_EQ(r->values[3], 30);
  o.max_interpolation_gap_ms = 3000;  // gap too long now
  r = Resample(ts2, v2, o);
  EXPECT_TRUE(std::isnan(r->values[2]));
}

TEST(ResampleTest, BadInputIsAnError) {
  const std::vector<int64_t> ts = {2, 1};
  const std::vector<double> v = {1, 2};
  EXPECT_FALSE(Resample(ts, v, {.start_ms = 0, .end_ms = 10, .step_ms = 1}).ok());
  const std::vector<int64_t> ok_ts = {1, 2};
  EXPECT_FALSE(Resample(ok_ts, v, {.start_ms = 0, .end_ms = 10, .step_ms = 0}).ok());
  EXPECT_FALSE(Resample(ok_ts, v, {.start_ms = 10, .end_ms = 0, .step_ms = 1}).ok());
  EXPECT_FALSE(Resample(ok_ts, std::vector<double>{1}, {.start_ms = 0, .end_ms = 10, .step_ms = 1}).ok());
}

TEST(FillGapsTest, TrimsAndInterpolates) {
  auto r = FillGaps(std::vector<double>{kNaN, 1, kNaN, 3, kNaN});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (std::vector<double>{1, 2, 3}));
  EXPECT_FALSE(FillGaps(std::vector<double>{kNaN, kNaN}).ok());
  EXPECT_FALSE(FillGaps(std::vector<double>{1, kNaN, kNaN, kNaN, 5}, 2, 0.5).ok());
}

}  // namespace
}  // namespace foresight::analytics
