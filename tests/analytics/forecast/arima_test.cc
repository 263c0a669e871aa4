// ARIMA: the KPSS test, parameter recovery on simulated processes, differencing choices and intervals.
#include "analytics/forecast/arima.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "analytics/forecast/forecast.h"

namespace foresight::analytics::forecast_internal {
namespace {

// x_t = phi*x_{t-1} + e_t + theta*e_{t-1} (+ seasonal MA at lag m), after a burn-in.
std::vector<double> Simulate(size_t n, double phi, double theta, unsigned seed, double mean = 0) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0, 1);
  std::vector<double> x;
  double prev = 0, prev_e = 0;
  for (size_t t = 0; t < n + 200; ++t) {
    const double e = noise(rng);
    const double v = phi * prev + e + theta * prev_e;
    prev = v, prev_e = e;
    if (t >= 200) x.push_back(v + mean);
  }
  return x;
}

std::vector<double> Integrate(const std::vector<double>& w, size_t lag, double start = 100) {
  std::vector<double> y(lag, start);
  for (double v : w) y.push_back(y[y.size() - lag] + v);
  return y;
}

TEST(Kpss, WhiteNoiseIsStationaryARandomWalkIsNot) {
  const auto noise = Simulate(800, 0, 0, 1);
  EXPECT_LT(KpssStatistic(noise), 0.463);
  const auto walk = Integrate(noise, 1);
  EXPECT_GT(KpssStatistic(walk), 0.463);
}

TEST(FitArima, RecoversArAndMaCoefficients) {
  const auto ar = Simulate(1500, 0.7, 0, 2, 5);
  auto f = FitArima(ar, {.p = 1, .constant = true});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_NEAR(f->ar[1], 0.7, 0.06);
  EXPECT_NEAR(f->mean, 5, 0.3);
  EXPECT_NEAR(f->sigma2, 1, 0.12);
  const auto ma = Simulate(1500, 0, 0.5, 3);
  f = FitArima(ma, {.q = 1});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_NEAR(f->ma[1], 0.5, 0.06);
  // A lower AICc for the right order than for white noise.
  auto wn = FitArima(ma, {}, 1);
  auto right = FitArima(ma, {.q = 1}, 1);
  ASSERT_TRUE(wn.ok() && right.ok());
  EXPECT_LT(right->aicc, wn->aicc);
}

TEST(AutoArima, DifferencesASeasonalRandomWalkAndForecastsIt) {
  // An "airline"-like series: seasonal random walk at lag 24 plus a strong fixed daily shape.
  std::mt19937_64 rng(4);
  std::normal_distribution<double> noise(0, 1);
  std::vector<double> y;
  for (size_t t = 0; t < 24 * 40; ++t) {
    const double shape = 20 * std::sin(2 * M_PI * static_cast<double>(t % 24) / 24);
    y.push_back(t < 24 ? 100 + shape : y[t - 24] + 0.3 * noise(rng));
  }
  auto f = AutoArima(y, 24);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->order.D, 1) << f->order.Name();
  const ModelOutput out = ArimaForecast(y, *f, 48, std::vector<double>{80, 95});
  ASSERT_EQ(out.mean.size(), 48u);
  for (size_t h = 0; h < 48; ++h) {
    // Close to last cycle's value at the same phase; bands widen with the horizon and nest.
    EXPECT_NEAR(out.mean[h], y[y.size() - 24 + h % 24], 3) << h;
    EXPECT_LT(out.bands[1].lower[h], out.bands[0].lower[h]);
    EXPECT_GT(out.bands[1].upper[h], out.bands[0].upper[h]);
  }
  EXPECT_GT(out.bands[1].upper[47] - out.bands[1].lower[47], out.bands[1].upper[0] - out.bands[1].lower[0]);
}

TEST(ArimaForecast, RandomWalkIntervalsGrowWithTheSquareRootOfTheHorizon) {
  const auto walk = Integrate(Simulate(1000, 0, 0, 5), 1);
  auto f = FitArima(walk, {.d = 1});
  ASSERT_TRUE(f.ok()) << f.status();
  const ModelOutput out = ArimaForecast(walk, *f, 16, std::vector<double>{95});
  const double w1 = out.bands[0].upper[0] - out.bands[0].lower[0];
  const double w16 = out.bands[0].upper[15] - out.bands[0].lower[15];
  EXPECT_NEAR(w16 / w1, 4, 1e-6);
  EXPECT_NEAR(out.mean[15], walk.back(), 1e-9);
  EXPECT_NEAR(w1, 2 * 1.96, 0.4);  // sigma 1
}

TEST(ArimaModel, FailsCleanlyOnTooShortData) {
  ForecastOptions o{.horizon = 5, .detect_periods = false, .model = "arima"};
  auto r = Forecast(std::vector<double>{1, 3, 2, 5, 4, 6}, o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("arima"), std::string::npos) << r.status();
}

}  // namespace
}  // namespace foresight::analytics::forecast_internal
