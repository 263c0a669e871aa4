#include "analytics/promql/functions.h"

#include <cmath>
#include <string>

#include "analytics/forecast/events.h"
#include "analytics/stats/stats.h"
#include "gtest/gtest.h"
#include "query/engine/engine.h"
#include "query/promql/functions.h"
#include "test_db.h"

namespace foresight::analytics {
namespace {

using testing::Noise;

constexpr int64_t kT0 = 1'700'000'000'000;
constexpr int64_t kStep = 15'000;
constexpr int kN = 6 * 240;  // 6 hours of 15 s samples
constexpr int64_t kNow = kT0 + (kN - 1) * kStep;
const double kPi = std::acos(-1.0);

class FunctionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(RegisterAnalyticsFunctions().ok());
    // "/data" fills by 10 GB an hour and has 30 GB left at the end: full in 3 hours. "/home" is steady.
    db_.Load({{"__name__", "node_filesystem_avail_bytes"}, {"mountpoint", "/data"}}, kT0, kStep, kN,
             [](int i) { return 90e9 - i * (10e9 / 240) + 2e7 * Noise(i); });
    db_.Load({{"__name__", "node_filesystem_avail_bytes"}, {"mountpoint", "/home"}}, kT0, kStep, kN,
             [](int i) { return 50e9 + 2e7 * Noise(i, 2); });
    db_.Load({{"__name__", "spiky"}}, kT0, kStep, kN,
             [](int i) { return 20 + Noise(i, 3) + (i == kN - 1 ? 15 : 0); });
    db_.Load({{"__name__", "calm"}}, kT0, kStep, kN, [](int i) { return 20 + Noise(i, 3); });
    // A 1-hour cycle on a slow rise.
    db_.Load({{"__name__", "cyclic"}}, kT0, kStep, kN,
             [](int i) { return 100 + 0.01 * i + 10 * std::sin(2 * kPi * i / 240.0) + 0.2 * Noise(i, 4); });
    // +30 during the ten minutes after 1:00, 2:30 and 5:00 (the calendar event "burst", below).
    db_.Load({{"__name__", "bursty"}}, kT0, kStep, kN, [](int i) {
      const bool burst = (i >= 240 && i < 280) || (i >= 600 && i < 640) || (i >= 1200 && i < 1240);
      return 20 + 0.5 * Noise(i, 5) + (burst ? 30 : 0);
    });
    db_.Load({{"__name__", "small"}}, kT0, kStep, 5, [](int i) {
      return std::vector<double>{1, 2, 2, 3, 10}[i];
    });
  }

  query::Vector Instant(const std::string& q, int64_t t = kNow) {
    auto r = engine_.Instant(*db_.db(), q, t);
    EXPECT_TRUE(r.ok()) << q << ": " << r.status();
    if (!r.ok()) return {};
    const auto* v = std::get_if<query::Vector>(&r->value);
    EXPECT_NE(v, nullptr) << q;
    return v ? *v : query::Vector{};
  }

  testing::TestDB db_;
  query::Engine engine_;
};

TEST_F(FunctionsTest, RegistrationIsIdempotentAndPrefixed) {
  EXPECT_TRUE(RegisterAnalyticsFunctions().ok());
  for (const char* name :
       {"foresight_forecast", "foresight_forecast_lower", "foresight_forecast_upper",
        "foresight_predict_seasonal", "foresight_median_over_time", "foresight_mode_over_time",
        "foresight_mad_over_time", "foresight_anomaly_score"}) {
    const auto* d = query::promql::LookupFunction(name);
    ASSERT_NE(d, nullptr) << name;
    EXPECT_TRUE(d->extension) << name;
    EXPECT_FALSE(query::promql::IsPrometheusFunction(name)) << name;
  }
}

TEST_F(FunctionsTest, DiskForecastFullWithinFourHoursFires) {
  const auto fired = Instant("foresight_forecast(node_filesystem_avail_bytes[6h], 4*3600) <= 0");
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].metric.Get("mountpoint"), "/data");
  EXPECT_FALSE(fired[0].metric.Has("__name__"));
  // Two hours ahead the disk still has about 10 GB.
  const auto two = Instant("foresight_forecast(node_filesystem_avail_bytes{mountpoint=\"/data\"}[6h], 7200)");
  ASSERT_EQ(two.size(), 1u);
  EXPECT_NEAR(two[0].v, 10e9, 2e9);
  // Within an hour it does not fire.
  EXPECT_TRUE(Instant("foresight_forecast(node_filesystem_avail_bytes[6h], 3600) <= 0").empty());
}

TEST_F(FunctionsTest, BandsSurroundTheForecast) {
  const std::string sel = "node_filesystem_avail_bytes{mountpoint=\"/home\"}[6h], 3600";
  const auto mid = Instant("foresight_forecast(" + sel + ")");
  const auto lo = Instant("foresight_forecast_lower(" + sel + ", 80)");
  const auto hi = Instant("foresight_forecast_upper(" + sel + ")");
  ASSERT_EQ(mid.size(), 1u);
  ASSERT_EQ(lo.size(), 1u);
  ASSERT_EQ(hi.size(), 1u);
  EXPECT_LT(lo[0].v, mid[0].v);
  EXPECT_GT(hi[0].v, mid[0].v);
  EXPECT_NEAR(mid[0].v, 50e9, 1e8);
  const auto drift = Instant("foresight_forecast(" + sel + ", \"drift\")");
  ASSERT_EQ(drift.size(), 1u);
}

TEST_F(FunctionsTest, BadArgumentsAreErrors) {
  EXPECT_FALSE(engine_.Instant(*db_.db(), "foresight_forecast(calm[1h], -5)", kNow).ok());
  EXPECT_FALSE(engine_.Instant(*db_.db(), "foresight_forecast(calm[1h], 60, \"nope\")", kNow).ok());
  EXPECT_FALSE(engine_.Instant(*db_.db(), "foresight_forecast_upper(calm[1h], 60, 100)", kNow).ok());
  EXPECT_FALSE(engine_.Instant(*db_.db(), "foresight_anomaly_score(calm[1h], 3)", kNow).ok());
  EXPECT_FALSE(engine_.Instant(*db_.db(), "foresight_forecast(calm, 60)", kNow).ok());  // not a range vector
  // Too little data is no output, not an error.
  EXPECT_TRUE(Instant("foresight_forecast(small[20s], 60)", kT0 + 4 * kStep).empty());
}

TEST_F(FunctionsTest, OverTimeStatistics) {
  const int64_t t = kT0 + 4 * kStep;
  auto v = Instant("foresight_median_over_time(small[5m])", t);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_DOUBLE_EQ(v[0].v, 2);
  v = Instant("foresight_mode_over_time(small[5m])", t);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_DOUBLE_EQ(v[0].v, 2);
  v = Instant("foresight_mad_over_time(small[5m])", t);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_DOUBLE_EQ(v[0].v, 1);  // deviations 1,0,0,1,8
  // A range query gives one value per step.
  auto r = engine_.Range(*db_.db(), "foresight_median_over_time(calm[10m])", kNow - 3600'000, kNow, 60'000);
  ASSERT_TRUE(r.ok()) << r.status();
  const auto& m = std::get<query::Matrix>(r->value);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].points.size(), 61u);
  for (const auto& p : m[0].points) EXPECT_NEAR(p.v, 20, 0.5);
}

TEST_F(FunctionsTest, AnomalyScoreOfTheLastPoint) {
  const auto spiky = Instant("foresight_anomaly_score(spiky[2h])");
  const auto calm = Instant("foresight_anomaly_score(calm[2h])");
  ASSERT_EQ(spiky.size(), 1u);
  ASSERT_EQ(calm.size(), 1u);
  EXPECT_GT(spiky[0].v, 0.5);
  EXPECT_LT(calm[0].v, 0.5);
  // One point earlier the spike has not happened.
  const auto before = Instant("foresight_anomaly_score(spiky[2h])", kNow - kStep);
  ASSERT_EQ(before.size(), 1u);
  EXPECT_LT(before[0].v, 0.5);
  EXPECT_TRUE(Instant("foresight_anomaly_score(small[5m])", kT0 + 4 * kStep).empty());
}

TEST_F(FunctionsTest, PredictSeasonalFollowsTheCycle) {
  // 15 minutes ahead is a quarter cycle: the truth has the sine's phase, which predict_linear misses.
  const double target_i = kN - 1 + 60;
  const double truth = 100 + 0.01 * target_i + 10 * std::sin(2 * kPi * target_i / 240.0);
  const auto seasonal = Instant("foresight_predict_seasonal(cyclic[6h], 900)");
  ASSERT_EQ(seasonal.size(), 1u);
  EXPECT_NEAR(seasonal[0].v, truth, 1.0);
  const auto given = Instant("foresight_predict_seasonal(cyclic[6h], 900, 3600)");
  ASSERT_EQ(given.size(), 1u);
  EXPECT_NEAR(given[0].v, truth, 1.0);
  const auto linear = Instant("predict_linear(cyclic[6h], 900)");
  ASSERT_EQ(linear.size(), 1u);
  EXPECT_GT(std::fabs(linear[0].v - truth), 3 * std::fabs(seasonal[0].v - truth));
}

TEST_F(FunctionsTest, ForecastUsesTheEventCalendar) {
  // The bursts of the window and one more 30 minutes after its end.
  std::vector<CalendarEvent> calendar;
  for (int64_t start : {3600'000LL, 9000'000LL, 5 * 3600'000LL, 6 * 3600'000LL + 30 * 60'000LL}) {
    calendar.push_back({"burst", kT0 + start, kT0 + start + 10 * 60'000, Recurrence::kNone});
  }
  SetEventCalendar(calendar);
  const std::string inside = "foresight_forecast(bursty[6h], 35*60, \"prophet\")";
  const std::string after = "foresight_forecast(bursty[6h], 50*60, \"prophet\")";
  auto v = Instant(inside);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_NEAR(v[0].v, 50, 5);
  v = Instant(after);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_NEAR(v[0].v, 20, 5);
  // The band follows the surge too.
  v = Instant("foresight_forecast_lower(bursty[6h], 35*60)");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_GT(v[0].v, 35);
  // Without the calendar the burst is not foreseen.
  SetEventCalendar({});
  v = Instant(inside);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_LT(v[0].v, 35);
}

}  // namespace
}  // namespace foresight::analytics
