// Every model on synthetic series with known structure: accuracy and interval coverage.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "analytics/forecast/forecast.h"
#include "synthetic.h"

namespace foresight::analytics {
namespace {

struct ModelCase {
  std::string model;
  double max_mae;  // of the point forecast against the noise-free truth (noise sd 2, daily amplitude 20)
  bool calibrated = true;  // false: the model is misspecified here, only a lower coverage bound holds
};

class ModelTest : public ::testing::TestWithParam<ModelCase> {};

TEST_P(ModelTest, RecoversTrendAndDailySeason) {
  testing::SyntheticSpec s;
  s.n = 24 * 7 * 4;
  const auto y = testing::Synthetic(s);
  ForecastOptions o;
  o.horizon = 48;
  o.periods = {24};
  o.detect_periods = false;
  o.model = GetParam().model;
  auto r = Forecast(y, o);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->points.size(), 48u);
  ASSERT_EQ(r->bands.size(), 2u);
  double mae = 0;
  for (size_t h = 0; h < 48; ++h) {
    mae += std::fabs(r->points[h] - testing::SyntheticMean(s, s.n + h)) / 48;
    EXPECT_LE(r->bands[1].lower[h], r->bands[0].lower[h]);
    EXPECT_LE(r->bands[0].lower[h], r->points[h] + 1e-9);
    EXPECT_GE(r->bands[0].upper[h], r->points[h] - 1e-9);
    EXPECT_GE(r->bands[1].upper[h], r->bands[0].upper[h]);
  }
  EXPECT_LT(mae, GetParam().max_mae) << r->model;
  EXPECT_FALSE(r->model.empty());
}

TEST_P(ModelTest, IntervalsHaveRoughlyNominalCoverage) {
  size_t in80 = 0, in95 = 0, total = 0;
  for (unsigned seed = 1; seed <= 12; ++seed) {
    testing::SyntheticSpec s;
    s.n = 24 * 7 * 3;
    s.seed = seed;
    const auto y = testing::Synthetic(s, 24);
    ForecastOptions o;
    o.horizon = 24;
    o.periods = {24};
    o.detect_periods = false;
    o.model = GetParam().model;
    auto r = Forecast(std::span<const double>(y).first(s.n), o);
    ASSERT_TRUE(r.ok()) << r.status();
    for (size_t h = 0; h < 24; ++h) {
      const double a = y[s.n + h];
      in80 += a >= r->bands[0].lower[h] && a <= r->bands[0].upper[h];
      in95 += a >= r->bands[1].lower[h] && a <= r->bands[1].upper[h];
      ++total;
    }
  }
  const double c80 = static_cast<double>(in80) / static_cast<double>(total);
  const double c95 = static_cast<double>(in95) / static_cast<double>(total);
  EXPECT_GT(c80, 0.65) << GetParam().model;
  if (GetParam().calibrated) {
    EXPECT_LT(c80, 0.95) << GetParam().model;
  }
  EXPECT_GT(c95, 0.85) << GetParam().model;
  EXPECT_LE(c95, 1.0) << GetParam().model;
}

INSTANTIATE_TEST_SUITE_P(Models, ModelTest,
                         ::testing::Values(ModelCase{"snaive", 4.5}, ModelCase{"naive2", 5, false},
                                           ModelCase{"ets", 3}, ModelCase{"theta", 3}, ModelCase{"mstl", 3},
                                           ModelCase{"prophet", 3}, ModelCase{"arima", 3},
                                           ModelCase{"auto", 3}, ModelCase{"ensemble", 3}),
                         [](const auto& info) { return info.param.model; });

TEST(NonSeasonalModels, DriftFollowsALine) {
  std::vector<double> y;
  for (int i = 0; i < 100; ++i) y.push_back(3 + 2 * i + (i % 2 ? 0.5 : -0.5));
  ForecastOptions o{.horizon = 10, .detect_periods = false, .model = "drift"};
  auto r = Forecast(y, o);
  ASSERT_TRUE(r.ok());
  EXPECT_NEAR(r->points[9], 3 + 2 * 109, 2);
  o.model = "naive";
  r = Forecast(y, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->points[0], y.back());
  EXPECT_GT(r->bands[1].upper[9] - r->bands[1].lower[9], r->bands[1].upper[0] - r->bands[1].lower[0]);
}

TEST(ProphetModel, LearnsAKnownEventAndAppliesItInTheFuture) {
  // Daily season plus +30 during recurring 6-step events; one event lies in the forecast horizon.
  testing::SyntheticSpec s;
  s.n = 24 * 21;
  s.slope = 0;
  auto y = testing::Synthetic(s, 48);
  ForecastOptions o{.horizon = 48, .periods = {24}, .detect_periods = false, .model = "prophet"};
  for (size_t start = 50; start < y.size(); start += 97) {
    o.events.push_back({start, start + 6, "sale"});
    for (size_t t = start; t < start + 6 && t < y.size(); ++t) y[t] += 30;
  }
  auto r = Forecast(std::span<const double>(y).first(s.n), o);
  ASSERT_TRUE(r.ok()) << r.status();
  double effect = 0;
  for (const auto& [name, value] : r->params) {
    if (name == "event_effect:sale") effect = value;
  }
  EXPECT_NEAR(effect, 30, 3);
  size_t in_horizon = 0;
  for (const auto& e : o.events) {
    if (e.begin >= s.n && e.begin + 6 <= s.n + 48) in_horizon = e.begin;
  }
  ASSERT_GT(in_horizon, 0u);
  const size_t h = in_horizon - s.n + 2;
  EXPECT_NEAR(r->points[h], testing::SyntheticMean(s, in_horizon + 2) + 30, 5);
}

}  // namespace
}  // namespace foresight::analytics
