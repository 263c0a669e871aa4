// The Forecast entry point: automatic selection, bad input, and (when ../shared is present) M4 data.
#include "analytics/forecast/forecast.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>

#include "synthetic.h"

namespace foresight::analytics {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool Finite(const ForecastResult& r) {
  for (double v : r.points) {
    if (!std::isfinite(v)) return false;
  }
  for (const auto& b : r.bands) {
    for (size_t h = 0; h < b.lower.size(); ++h) {
      if (!std::isfinite(b.lower[h]) || !std::isfinite(b.upper[h])) return false;
    }
  }
  return true;
}

TEST(ForecastTest, AutoPicksSeasonalModelAndDetectsPeriods) {
  testing::SyntheticSpec s;
  s.n = 24 * 7 * 6;
  s.weekly = 15;
  const auto y = testing::Synthetic(s);
  auto r = Forecast(y, ForecastOptions{.horizon = 48});  // periods detected
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->periods, (std::vector<size_t>{24, 168}));
  EXPECT_GE(r->validation_error, 0);
  EXPECT_LT(r->validation_error, 1.2);
  EXPECT_TRUE(r->model.find("naive(") == std::string::npos || r->model.find("snaive") != std::string::npos);
  EXPECT_NE(r->model, "naive");
  EXPECT_NE(r->model, "drift");
  double mae = 0;
  for (size_t h = 0; h < 48; ++h) mae += std::fabs(r->points[h] - testing::SyntheticMean(s, s.n + h)) / 48;
  EXPECT_LT(mae, 3.5) << r->model;
  bool reported = false;
  for (const auto& [name, value] : r->params) reported |= name.rfind("mase_", 0) == 0;
  EXPECT_TRUE(reported);
}

TEST(ForecastTest, AutoOnTrendWithoutSeasonPicksTrendingModel) {
  std::mt19937 rng(2);
  std::normal_distribution<double> noise(0, 1);
  std::vector<double> y;
  for (int i = 0; i < 300; ++i) y.push_back(10 + 0.5 * i + noise(rng));
  auto r = Forecast(y, ForecastOptions{.horizon = 20});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->periods.empty());
  EXPECT_NEAR(r->points[19], 10 + 0.5 * 319, 4) << r->model;
}

TEST(ForecastTest, BadInputGivesErrors) {
  const std::vector<double> y = {1, 2, 3, 4, 5, 6};
  EXPECT_FALSE(Forecast(y, ForecastOptions{.horizon = 0}).ok());
  EXPECT_FALSE(Forecast(y, ForecastOptions{.horizon = 3, .model = "nope"}).ok());
  EXPECT_FALSE(Forecast(y, ForecastOptions{.horizon = 3, .levels = {120}}).ok());
  EXPECT_FALSE(Forecast(std::vector<double>{kNaN, kNaN, kNaN}, ForecastOptions{.horizon = 3}).ok());
  EXPECT_FALSE(Forecast(std::vector<double>{1, 2}, ForecastOptions{.horizon = 3}).ok());
  EXPECT_FALSE(
      Forecast(std::vector<double>{1, kNaN, kNaN, kNaN, kNaN, 2}, ForecastOptions{.horizon = 3}).ok());
}

TEST(ForecastTest, ConstantSeriesIsForecastAsConstant) {
  auto r = Forecast(std::vector<double>(50, 7.0), ForecastOptions{.horizon = 5});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->model, "constant");
  for (double v : r->points) EXPECT_EQ(v, 7.0);
  EXPECT_EQ(r->bands[1].lower[4], 7.0);
}

TEST(ForecastTest, PeriodLongerThanDataFallsBackToNonSeasonal) {
  std::vector<double> y;
  for (int i = 0; i < 40; ++i) y.push_back(5 + std::sin(i));
  for (const char* model : {"auto", "ets", "theta", "snaive", "naive2", "mstl", "prophet"}) {
    auto r = Forecast(y, ForecastOptions{.horizon = 10, .periods = {168}, .model = model});
    if (std::string(model) == "mstl") {
      EXPECT_FALSE(r.ok());  // MSTL needs a usable period: a clear error
      continue;
    }
    ASSERT_TRUE(r.ok()) << model << ": " << r.status();
    EXPECT_TRUE(r->periods.empty()) << model;
    EXPECT_TRUE(Finite(*r)) << model;
  }
}

TEST(ForecastTest, ShortNegativeAndGappyDataStayFinite) {
  std::vector<double> y = {-5, 3, kNaN, -2, 8, -1, 4, kNaN, 0, 2};
  for (const auto& model : ForecastModelNames()) {
    auto r = Forecast(y, ForecastOptions{.horizon = 4, .model = model});
    if (!r.ok()) {
      EXPECT_FALSE(r.status().message().empty());
      continue;
    }
    EXPECT_TRUE(Finite(*r)) << model;
  }
}

TEST(ForecastTest, RegularSeriesWithGapsAndCustomLevels) {
  testing::SyntheticSpec s;
  s.n = 24 * 14;
  RegularSeries series{.start_ms = 0, .step_ms = 3600 * 1000, .values = testing::Synthetic(s)};
  for (size_t t = 100; t < 110; ++t) series.values[t] = kNaN;  // a 10-hour gap
  ForecastOptions o{.horizon = 24, .periods = {24}, .model = "ets", .levels = {50, 99}};
  auto r = Forecast(series, o);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->bands.size(), 2u);
  EXPECT_EQ(r->bands[0].level, 50);
  EXPECT_EQ(r->bands[1].level, 99);
  for (size_t h = 0; h < 24; ++h) {
    EXPECT_LT(r->bands[1].lower[h], r->bands[0].lower[h]);
    EXPECT_GT(r->bands[1].upper[h], r->bands[0].upper[h]);
  }
  EXPECT_TRUE(Finite(*r));
}

TEST(ForecastTest, NonNegativeHistoryGivesNonNegativeBounds) {
  std::vector<double> y;
  for (int i = 0; i < 24 * 10; ++i) y.push_back(i % 24 < 12 ? 0.0 : 5.0 + (i % 7));
  auto r = Forecast(y, ForecastOptions{.horizon = 24, .periods = {24}});
  ASSERT_TRUE(r.ok()) << r.status();
  for (const auto& b : r->bands) {
    for (double v : b.lower) EXPECT_GE(v, 0);
  }
}

TEST(ForecastTest, RandomInputsGiveFiniteResultsOrErrors) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> len(3, 120), kind(0, 5);
  std::normal_distribution<double> noise(0, 1);
  for (int c = 0; c < 60; ++c) {
    std::vector<double> y(static_cast<size_t>(len(rng)));
    const int k = kind(rng);
    for (size_t i = 0; i < y.size(); ++i) {
      const double x = noise(rng);
      switch (k) {
        case 0:
          y[i] = x;
          break;  // centred noise
        case 1:
          y[i] = 1e12 * (5 + x);
          break;  // huge values
        case 2:
          y[i] = 1e-9 * std::fabs(x);
          break;  // tiny positive values
        case 3:
          y[i] = i % 5 == 0 ? 100 * std::fabs(x) : 0;
          break;  // sparse counts
        case 4:
          y[i] = x > 1.5 ? kNaN : static_cast<double>(i % 12) + x;
          break;  // seasonal with gaps
        default:
          y[i] = std::exp(std::min(i * 0.3, 200.0));
          break;  // explosive growth
      }
    }
    const size_t horizon = 1 + static_cast<size_t>(c % 30);
    for (const auto& model : ForecastModelNames()) {
      auto r = Forecast(y, ForecastOptions{.horizon = horizon, .model = model});
      if (!r.ok()) {
        EXPECT_FALSE(r.status().message().empty());
        continue;
      }
      EXPECT_EQ(r->points.size(), horizon);
      EXPECT_TRUE(Finite(*r)) << "case " << c << " kind " << k << " model " << model;
    }
  }
}

TEST(ForecastTest, M4HourlySampleBeatsNaive2) {
  const std::filesystem::path path =
      std::filesystem::path(FORESIGHT_SHARED_DIR) / "datasets/m4-hourly/Hourly-train.csv";
  std::ifstream in(path);
  if (!in) GTEST_SKIP() << "no " << path;
  std::string line;
  std::getline(in, line);
  // Every 20th series; hold out the last 48 points and compare mean MASE (period 24).
  double mase_auto = 0, mase_naive2 = 0;
  for (int series = 0; std::getline(in, line); ++series) {
    if (series % 20 != 0) continue;
    std::stringstream ss(line);
    std::string cell;
    std::getline(ss, cell, ',');
    std::vector<double> v;
    while (std::getline(ss, cell, ',')) {
      if (cell.size() > 2) v.push_back(std::stod(cell.substr(1, cell.size() - 2)));
    }
    const std::vector<double> train(v.begin(), v.end() - 48), actual(v.end() - 48, v.end());
    double scale = 0;
    for (size_t i = 24; i < train.size(); ++i) scale += std::fabs(train[i] - train[i - 24]);
    scale /= static_cast<double>(train.size() - 24);
    for (const char* model : {"auto", "naive2"}) {
      auto r = Forecast(train, ForecastOptions{.horizon = 48, .periods = {24}, .model = model});
      ASSERT_TRUE(r.ok()) << r.status();
      double e = 0;
      for (size_t h = 0; h < 48; ++h) e += std::fabs(actual[h] - r->points[h]) / 48 / scale;
      (std::string(model) == "auto" ? mase_auto : mase_naive2) += e;
    }
  }
  EXPECT_LT(mase_auto, 0.8 * mase_naive2);
}

}  // namespace
}  // namespace foresight::analytics
