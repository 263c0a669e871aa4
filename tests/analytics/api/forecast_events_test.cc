// Known events from the config file to /api/v1/forecast: a series surges on the 15th of every month, the
// config declares that event, and the forecast over the next 15th shows the surge (and does not without it).
#include <cmath>
#include <string>

#include "analytics/api/api.h"
#include "analytics/forecast/events.h"
#include "collection/config/config.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "test_db.h"

namespace foresight::analytics {
namespace {

using nlohmann::json;

constexpr int64_t kHourMs = 3'600'000;
constexpr int64_t kStart = 1'780'272'000'000;  // 2026-06-01T00:00:00Z
constexpr int64_t kEnd = 1'788'998'400'000;    // 2026-09-10T00:00:00Z: the 15th of June, July, August before
constexpr int64_t kSale = 1'789'473'600'000;   // 2026-09-15T12:00:00Z, inside the next occurrence
constexpr double kSurge = 60;
const double kPi = std::acos(-1.0);

constexpr char kConfig[] = R"yaml(
foresight:
  events:
    - name: monthly_sale
      start: 2026-06-15T08:00:00Z
      end: 2026-06-15T20:00:00Z
      recurrence: monthly
)yaml";

double Baseline(int64_t t_ms) {
  return 100 + 10 * std::sin(2 * kPi * static_cast<double>(t_ms / kHourMs) / 24);
}

bool InSale(int64_t t_ms) {
  const int64_t day = t_ms / 86'400'000, hour = (t_ms / kHourMs) % 24;
  // Days since 2026-06-01 of the 15th of June..September.
  for (int64_t d : {14, 44, 75, 106}) {
    if (day == kStart / 86'400'000 + d && hour >= 8 && hour < 20) return true;
  }
  return false;
}

// What the server does with the parsed config (server/services.cc).
void InstallCalendar(const collection::Config& cfg) {
  std::vector<CalendarEvent> events;
  for (const auto& e : cfg.events) {
    events.push_back({e.name, e.start_ms, e.end_ms, ParseRecurrence(e.recurrence).value()});
  }
  SetEventCalendar(std::move(events));
}

class ForecastEventsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const int n = static_cast<int>((kEnd - kStart) / kHourMs) + 1;
    db_.Load({{"__name__", "orders"}}, kStart, kHourMs, n, [](int i) {
      const int64_t t = kStart + i * kHourMs;
      return Baseline(t) + (InSale(t) ? kSurge : 0) + 2 * testing::Noise(i, 7);
    });
    AnalyticsApiDeps deps{db_.db(), &engine_, [] { return kEnd; }};
    ASSERT_TRUE(RegisterAnalyticsApi(router_, deps).ok());
    auto cfg = collection::ParseConfig(kConfig, "foresight.yml");
    ASSERT_TRUE(cfg.ok()) << cfg.status();
    InstallCalendar(*cfg);
  }
  void TearDown() override { SetEventCalendar({}); }

  web::Response Get(const std::string& model, const std::string& events = "") {
    web::Request req;
    req.method = "GET";
    req.path = req.target = "/api/v1/forecast";
    req.params.Add("query", "orders");
    req.params.Add("start", std::to_string(kStart / 1000));
    req.params.Add("end", std::to_string(kEnd / 1000));
    req.params.Add("step", "1h");
    req.params.Add("horizon", "7d");
    req.params.Add("model", model);
    if (!events.empty()) req.params.Add("events", events);
    return router_.Dispatch(req).response;
  }
  // The forecast at time t (seconds in the points array).
  static double At(const json& series, int64_t t_ms) {
    for (const auto& p : series["points"]) {
      if (p[0].get<int64_t>() * 1000 == t_ms) return std::stod(p[1].get<std::string>());
    }
    ADD_FAILURE() << "no point at " << t_ms;
    return NAN;
  }
  json Series(const std::string& model, const std::string& events = "") {
    auto r = Get(model, events);
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body)["data"][0];
  }

  testing::TestDB db_;
  query::Engine engine_;
  web::Router router_;
};

TEST_F(ForecastEventsTest, ProphetForecastsTheSurgeOfAConfiguredEvent) {
  const json s = Series("prophet");
  EXPECT_EQ(s["model"], "prophet");
  ASSERT_TRUE(s.contains("event_effects")) << s;
  EXPECT_NEAR(s["event_effects"]["monthly_sale"].get<double>(), kSurge, 5);
  EXPECT_NEAR(At(s, kSale), Baseline(kSale) + kSurge, 8);
  EXPECT_NEAR(At(s, kSale - 86'400'000), Baseline(kSale - 86'400'000), 8);    // the day before: no surge
  EXPECT_NEAR(At(s, kSale + 9 * kHourMs), Baseline(kSale + 9 * kHourMs), 8);  // 21:00, after the end
}

TEST_F(ForecastEventsTest, WithoutTheEventThereIsNoSurge) {
  // Excluded by the request...
  json s = Series("prophet", "none");
  EXPECT_FALSE(s.contains("event_effects"));
  EXPECT_LT(At(s, kSale), Baseline(kSale) + kSurge / 3);
  // ...or absent from the (reloaded) calendar.
  InstallCalendar(*collection::ParseConfig("foresight:\n  events: []\n", "foresight.yml"));
  s = Series("prophet");
  EXPECT_LT(At(s, kSale), Baseline(kSale) + kSurge / 3);
}

TEST_F(ForecastEventsTest, AutoAndEnsembleSeeTheEvents) {
  for (const char* model : {"auto", "ensemble"}) {
    const json s = Series(model, "monthly_sale");
    EXPECT_NEAR(At(s, kSale), Baseline(kSale) + kSurge, 12) << model << " " << s["model"];
    EXPECT_NEAR(At(s, kSale - 86'400'000), Baseline(kSale - 86'400'000), 10) << model;
  }
}

TEST_F(ForecastEventsTest, UnknownEventNameIsBadData) {
  auto r = Get("prophet", "monthly_sale,black_friday");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("black_friday"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\\\"events\\\""), std::string::npos) << r.body;
}

}  // namespace
}  // namespace foresight::analytics
