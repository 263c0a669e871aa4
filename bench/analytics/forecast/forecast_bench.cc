// Micro-benchmarks of the forecasting pieces on a synthetic hourly series (4 weeks, daily + weekly cycle).
#include <benchmark/benchmark.h>

#include <cmath>
#include <numbers>
#include <random>

#include "analytics/forecast/forecast.h"
#include "analytics/stats/decompose.h"
#include "analytics/stats/seasonality.h"

namespace fa = foresight::analytics;

namespace {

std::vector<double> Hourly(size_t n) {
  std::mt19937 rng(1);
  std::normal_distribution<double> noise(0, 2);
  std::vector<double> v(n);
  for (size_t t = 0; t < n; ++t) {
    v[t] = 100 + 20 * std::sin(2 * std::numbers::pi * static_cast<double>(t) / 24) +
           ((t / 24) % 7 >= 5 ? -10 : 3) + noise(rng);
  }
  return v;
}

void BM_DetectSeasonality(benchmark::State& state) {
  const auto y = Hourly(static_cast<size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(fa::DetectSeasonality(y));
}
BENCHMARK(BM_DetectSeasonality)->Arg(700)->Arg(8928);

void BM_Mstl(benchmark::State& state) {
  const auto y = Hourly(static_cast<size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(fa::Mstl(y, {24, 168}));
}
BENCHMARK(BM_Mstl)->Arg(700);

void BM_Forecast(benchmark::State& state, const char* model) {
  const auto y = Hourly(700);
  fa::ForecastOptions o;
  o.horizon = 48;
  o.periods = {24};
  o.model = model;
  for (auto _ : state) benchmark::DoNotOptimize(fa::Forecast(y, o));
}
BENCHMARK_CAPTURE(BM_Forecast, snaive, "snaive");
BENCHMARK_CAPTURE(BM_Forecast, ets, "ets");
BENCHMARK_CAPTURE(BM_Forecast, theta, "theta");
BENCHMARK_CAPTURE(BM_Forecast, mstl, "mstl");
BENCHMARK_CAPTURE(BM_Forecast, prophet, "prophet");
BENCHMARK_CAPTURE(BM_Forecast, auto, "auto");

}  // namespace

BENCHMARK_MAIN();
