#include "analytics/api/api.h"

#include <cmath>
#include <string>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "test_db.h"

namespace foresight::analytics {
namespace {

using nlohmann::json;
using testing::Noise;

constexpr int64_t kT0 = 1'700'000'000'000;
constexpr int64_t kStep = 60'000;
constexpr int kN = 480;
const double kPi = std::acos(-1.0);

class AnalyticsApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_.Load({{"__name__", "disk_avail"}, {"mount", "/"}}, kT0, kStep, kN,
             [](int i) { return 1e11 - i * 1e8 + 1e6 * Noise(i); });
    db_.Load({{"__name__", "load"}, {"inst", "a"}}, kT0, kStep, kN,
             [](int i) { return 10 + 5 * std::sin(2 * kPi * i / 24) + 0.3 * Noise(i, 2); });
    db_.Load({{"__name__", "spiky"}, {"inst", "a"}}, kT0, kStep, kN,
             [](int i) { return 50 + Noise(i, 3) + (i == 400 ? 30 : 0); });
    db_.Load({{"__name__", "short"}}, kT0, kStep, 2, [](int i) { return i; });
    db_.Load({{"__name__", "ramp"}}, kT0, kStep, 101, [](int i) { return i; });
    db_.Load({{"__name__", "x"}}, kT0, kStep, kN,
             [](int i) { return std::sin(i / 7.0) + 0.1 * Noise(i, 4); });
    db_.Load({{"__name__", "y"}, {"k", "follows"}}, kT0, kStep, kN,
             [](int i) { return 3 * std::sin((i - 5) / 7.0) + 0.1 * Noise(i, 5); });
    db_.Load({{"__name__", "y"}, {"k", "noise"}}, kT0, kStep, kN, [](int i) { return Noise(i, 6); });
    for (int g = 0; g < 6; ++g) {
      db_.Load({{"__name__", "grp"}, {"inst", std::to_string(g)}, {"tier", "web"}}, kT0, kStep, kN,
               [g](int i) { return (g == 5 ? 500 : 100) + 5 * Noise(i, 10 + g); });
    }
    AnalyticsApiDeps deps{db_.db(), &engine_, [] { return kT0 + (kN - 1) * kStep; }};
    ASSERT_TRUE(RegisterAnalyticsApi(router_, deps).ok());
  }

  // GET path?params with start/end/step of the loaded range unless overridden.
  web::Response Get(const std::string& path, std::vector<std::pair<std::string, std::string>> params,
                    bool range = true) {
    web::Request req;
    req.method = "GET";
    req.path = path;
    req.target = path;
    if (range) {
      req.params.Add("start", std::to_string(kT0 / 1000));
      req.params.Add("end", std::to_string((kT0 + (kN - 1) * kStep) / 1000));
      req.params.Add("step", "60");
    }
    for (auto& [k, v] : params) req.params.Set(k, v);
    return router_.Dispatch(req).response;
  }
  static json Body(const web::Response& r) { return json::parse(r.body); }
  static void ExpectBadParam(const web::Response& r, const std::string& name) {
    EXPECT_EQ(r.status, 400) << r.body;
    const json j = Body(r);
    EXPECT_EQ(j["status"], "error");
    EXPECT_EQ(j["errorType"], "bad_data");
    EXPECT_NE(j["error"].get<std::string>().find("\"" + name + "\""), std::string::npos) << j["error"];
  }

  testing::TestDB db_;
  query::Engine engine_;
  web::Router router_;
};

TEST_F(AnalyticsApiTest, ForecastLinearContinuesTheTrend) {
  auto r = Get("/api/v1/forecast", {{"query", "disk_avail"}, {"horizon", "1h"}, {"model", "drift"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const json j = Body(r);
  EXPECT_EQ(j["status"], "success");
  ASSERT_EQ(j["data"].size(), 1u);
  const json& s = j["data"][0];
  EXPECT_EQ(s["metric"]["mount"], "/");
  EXPECT_EQ(s["model"], "drift");
  ASSERT_EQ(s["points"].size(), 60u);
  EXPECT_EQ(s["points"][0][0].get<int64_t>(), (kT0 + kN * kStep) / 1000);
  // 60 steps after the last value, 1e8 per step lower.
  const double last = std::stod(s["points"][59][1].get<std::string>());
  EXPECT_NEAR(last, 1e11 - 539 * 1e8, 5e8);
  ASSERT_EQ(s["bands"].size(), 2u);
  EXPECT_EQ(s["bands"][0]["level"], 80);
  EXPECT_EQ(s["bands"][1]["level"], 95);
  const double lo95 = std::stod(s["bands"][1]["lower"][59][1].get<std::string>());
  const double hi95 = std::stod(s["bands"][1]["upper"][59][1].get<std::string>());
  const double lo80 = std::stod(s["bands"][0]["lower"][59][1].get<std::string>());
  EXPECT_LE(lo95, lo80);
  EXPECT_LE(lo80, last);
  EXPECT_GE(hi95, last);
}

// A hand-typed URL without start and step: the last hour before `end` (now) on a 15 s grid.
TEST_F(AnalyticsApiTest, RangeDefaultsToTheLastHour) {
  auto r = Get("/api/v1/forecast", {{"query", "disk_avail"}, {"horizon", "30m"}, {"model", "drift"}}, false);
  ASSERT_EQ(r.status, 200) << r.body;
  const json s = Body(r)["data"][0];
  const int64_t now = kT0 + (kN - 1) * kStep;
  ASSERT_EQ(s["points"].size(), 120u);  // 30 min at 15 s
  EXPECT_EQ(s["points"][0][0].get<int64_t>(), (now + 15'000) / 1000);
  // An explicit step is kept; a day's span gets a coarser default step.
  r = Get("/api/v1/forecast",
          {{"query", "disk_avail"}, {"horizon", "30m"}, {"model", "drift"}, {"step", "60"}}, false);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r)["data"][0]["points"].size(), 30u);
  r = Get("/api/v1/forecast",
          {{"query", "disk_avail"},
           {"horizon", "1h"},
           {"model", "drift"},
           {"start", std::to_string((now - 86'400'000) / 1000)}},
          false);
  ASSERT_EQ(r.status, 200) << r.body;
  const json day = Body(r)["data"][0]["points"];
  ASSERT_GE(day.size(), 2u);
  EXPECT_EQ(day[1][0].get<int64_t>() - day[0][0].get<int64_t>(), 346);  // 86,400 s / 250, rounded up
}

TEST_F(AnalyticsApiTest, ForecastAutoFindsTheSeason) {
  auto r = Get("/api/v1/forecast", {{"query", "load"}, {"horizon", "30m"}, {"levels", "90"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const json s = Body(r)["data"][0];
  ASSERT_TRUE(s.contains("model")) << s;
  ASSERT_FALSE(s["periods"].empty()) << s;
  EXPECT_EQ(s["periods"][0]["steps"], 24);
  EXPECT_EQ(s["periods"][0]["seconds"], 1440);
  EXPECT_TRUE(s["validation_error"].is_number());
  ASSERT_EQ(s["bands"].size(), 1u);
  // The forecast follows the sine: compare with the true curve.
  for (int h = 0; h < 30; ++h) {
    const double v = std::stod(s["points"][h][1].get<std::string>());
    EXPECT_NEAR(v, 10 + 5 * std::sin(2 * kPi * (kN + h) / 24), 1.5) << h;
  }
}

TEST_F(AnalyticsApiTest, ForecastParameterErrorsNameTheParameter) {
  ExpectBadParam(Get("/api/v1/forecast", {{"horizon", "1h"}}), "query");
  ExpectBadParam(Get("/api/v1/forecast", {{"query", "load"}}), "horizon");
  ExpectBadParam(Get("/api/v1/forecast", {{"query", "load"}, {"horizon", "soon"}}), "horizon");
  ExpectBadParam(Get("/api/v1/forecast", {{"query", "load"}, {"horizon", "1h"}, {"model", "crystal"}}),
                 "model");
  ExpectBadParam(Get("/api/v1/forecast", {{"query", "load"}, {"horizon", "1h"}, {"levels", "80,120"}}),
                 "levels");
  ExpectBadParam(Get("/api/v1/forecast", {{"query", "load"}, {"horizon", "1h"}, {"periods", "1m"}}),
                 "periods");
  ExpectBadParam(Get("/api/v1/forecast", {{"query", "load"}, {"horizon", "1h"}, {"step", "0"}}), "step");
  ExpectBadParam(Get("/api/v1/forecast", {{"query", "load"}, {"horizon", "1h"}, {"start", "yesterday"}}),
                 "start");
  ExpectBadParam(Get("/api/v1/forecast", {{"query", "load"}, {"horizon", "1h"}, {"end", "1600000000"}}),
                 "end");
  ExpectBadParam(Get("/api/v1/forecast", {{"query", "load"}, {"horizon", "1h"}, {"step", "0.001"}}), "step");
}

TEST_F(AnalyticsApiTest, ForecastOfTooShortSeriesIsAClearError) {
  // At a 10-minute step the two samples (a minute apart) give one point.
  auto r = Get("/api/v1/forecast", {{"query", "short"}, {"horizon", "1h"}, {"step", "600"}});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(Body(r)["error"].get<std::string>().find("too few"), std::string::npos) << r.body;
  // With another series that works, the short one reports its error alone.
  r = Get("/api/v1/forecast", {{"query", "{__name__=~\"short|ramp\"}"}, {"horizon", "1h"}, {"step", "600"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const json d = Body(r)["data"];
  ASSERT_EQ(d.size(), 2u);
  int errors = 0;
  for (const auto& s : d) errors += s.contains("error") ? 1 : 0;
  EXPECT_EQ(errors, 1);
}

TEST_F(AnalyticsApiTest, BadQueryIsBadData) {
  auto r = Get("/api/v1/stats", {{"query", "sum("}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Body(r)["errorType"], "bad_data");
}

TEST_F(AnalyticsApiTest, StatsOfARamp) {
  // Up to the last sample (later grid points would still see it through the 5-minute lookback).
  auto r = Get("/api/v1/stats", {{"query", "ramp"}, {"end", std::to_string((kT0 + 100 * kStep) / 1000)}});
  ASSERT_EQ(r.status, 200) << r.body;
  const json s = Body(r)["data"][0];
  EXPECT_EQ(s["count"], 101);
  EXPECT_DOUBLE_EQ(s["mean"].get<double>(), 50);
  EXPECT_DOUBLE_EQ(s["median"].get<double>(), 50);
  EXPECT_DOUBLE_EQ(s["min"].get<double>(), 0);
  EXPECT_DOUBLE_EQ(s["max"].get<double>(), 100);
  EXPECT_DOUBLE_EQ(s["quantiles"]["0.9"].get<double>(), 90);
  EXPECT_DOUBLE_EQ(s["quantiles"]["0.99"].get<double>(), 99);
  EXPECT_DOUBLE_EQ(s["mad"].get<double>(), 25);
  EXPECT_NEAR(s["variance"].get<double>(), 850, 1e-9);  // (101^2 - 1) / 12
  EXPECT_NEAR(s["stddev"].get<double>(), std::sqrt(850.0), 1e-9);
  EXPECT_TRUE(s["mode"].is_number());
}

TEST_F(AnalyticsApiTest, StatsOfNothingIsNull) {
  auto r = Get("/api/v1/stats", {{"query", "ramp > 1000 or vector(0) > 1"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(Body(r)["data"].empty());
}

TEST_F(AnalyticsApiTest, AnomaliesFindTheSpike) {
  for (const char* method : {"stream", "esd"}) {
    auto r = Get("/api/v1/anomalies", {{"query", "spiky"}, {"method", method}});
    ASSERT_EQ(r.status, 200) << r.body;
    const json s = Body(r)["data"][0];
    ASSERT_FALSE(s["anomalies"].empty()) << method << " " << s;
    bool found = false;
    for (const auto& a : s["anomalies"]) {
      if (a["t"].get<int64_t>() == (kT0 + 400 * kStep) / 1000) {
        found = true;
        EXPECT_EQ(a["kind"], "spike");
        EXPECT_GT(a["score"].get<double>(), 0.5);
        EXPECT_GT(std::stod(a["value"].get<std::string>()), 75) << a;
        EXPECT_LT(std::stod(a["upper"].get<std::string>()), 80);
      }
    }
    EXPECT_TRUE(found) << method << " " << s;
    EXPECT_LE(s["anomalies"].size(), 5u) << method;
  }
  ExpectBadParam(Get("/api/v1/anomalies", {{"query", "spiky"}, {"sensitivity", "2"}}), "sensitivity");
  ExpectBadParam(Get("/api/v1/anomalies", {{"query", "spiky"}, {"method", "magic"}}), "method");
}

TEST_F(AnalyticsApiTest, DecomposeSeparatesTheSeason) {
  auto r = Get("/api/v1/decompose", {{"query", "load"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const json s = Body(r)["data"][0];
  ASSERT_EQ(s["periods"].size(), 1u) << s["periods"];
  EXPECT_EQ(s["periods"][0]["steps"], 24);
  ASSERT_EQ(s["seasonal"].size(), 1u);
  EXPECT_GT(s["seasonal"][0]["strength"].get<double>(), 0.9);
  EXPECT_EQ(s["trend"].size(), static_cast<size_t>(kN));
  EXPECT_EQ(s["remainder"].size(), static_cast<size_t>(kN));
  // Given periods are used as given.
  r = Get("/api/v1/decompose", {{"query", "load"}, {"periods", "24m,2h"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r)["data"][0]["periods"].size(), 2u);
  r = Get("/api/v1/decompose", {{"query", "short"}});
  EXPECT_EQ(r.status, 400) << r.body;
}

TEST_F(AnalyticsApiTest, CorrelatePairsAndTopK) {
  auto r = Get("/api/v1/correlate", {{"query", "x"}, {"with", "y{k=\"follows\"}"}, {"max_lag", "10m"}});
  ASSERT_EQ(r.status, 200) << r.body;
  json d = Body(r)["data"];
  ASSERT_EQ(d["pairs"].size(), 1u);
  EXPECT_NEAR(d["pairs"][0]["coefficient"].get<double>(), std::cos(5 / 7.0), 0.05);
  EXPECT_EQ(d["pairs"][0]["best_lag"]["steps"], 5);
  EXPECT_GT(d["pairs"][0]["best_lag"]["coefficient"].get<double>(), 0.99);

  r = Get("/api/v1/correlate", {{"query", "x"}, {"match", "y"}, {"k", "1"}, {"method", "spearman"}});
  ASSERT_EQ(r.status, 200) << r.body;
  d = Body(r)["data"];
  ASSERT_EQ(d["top"].size(), 1u);
  EXPECT_EQ(d["top"][0]["metric"]["k"], "follows");

  ExpectBadParam(Get("/api/v1/correlate", {{"query", "x"}}), "with");
  ExpectBadParam(Get("/api/v1/correlate", {{"query", "x"}, {"with", "y"}, {"method", "kendall"}}), "method");
  r = Get("/api/v1/correlate", {{"query", "y"}, {"match", "x"}});
  EXPECT_EQ(r.status, 400) << r.body;  // top-k needs exactly one series in `query`
}

TEST_F(AnalyticsApiTest, ClusterVectorsAndPeerOutliers) {
  auto r = Get(
      "/api/v1/cluster",
      {{"vectors", R"({"a":[0,0],"b":[0.1,0],"c":[0,0.1],"d":[10,10],"e":[10.1,10],"f":[10,10.1]})"}}, false);
  ASSERT_EQ(r.status, 200) << r.body;
  json d = Body(r)["data"];
  EXPECT_EQ(d["k"], 2);
  ASSERT_EQ(d["members"].size(), 6u);
  EXPECT_EQ(d["members"][0]["cluster"], d["members"][1]["cluster"]);
  EXPECT_NE(d["members"][0]["cluster"], d["members"][3]["cluster"]);

  // Series: the one at another level gets a cluster of its own.
  r = Get("/api/v1/cluster", {{"query", "grp"}, {"group_by", "tier"}});
  ASSERT_EQ(r.status, 200) << r.body;
  d = Body(r)["data"];
  ASSERT_EQ(d["members"].size(), 6u);
  EXPECT_EQ(d["members"][5]["metric"]["inst"], "5");
  EXPECT_NE(d["members"][5]["cluster"], d["members"][0]["cluster"]);
  EXPECT_TRUE(d["outliers"].is_array());

  // Peer outliers within one cluster.
  r = Get(
      "/api/v1/cluster",
      {{"k", "1"},
       {"vectors",
        R"({"a":[0,0],"b":[0.1,0],"c":[0,0.1],"d":[0.1,0.1],"e":[0.05,0.05],"f":[0.08,0.02],"g":[5,5]})"}},
      false);
  ASSERT_EQ(r.status, 200) << r.body;
  d = Body(r)["data"];
  ASSERT_EQ(d["outliers"].size(), 1u) << d;
  EXPECT_EQ(d["outliers"][0]["id"], "g");
  EXPECT_EQ(d["outliers"][0]["cluster"], 0);

  ExpectBadParam(Get("/api/v1/cluster", {{"vectors", "[1,2]"}}, false), "vectors");
  ExpectBadParam(Get("/api/v1/cluster", {{"vectors", R"({"a":[1],"b":[1,2]})"}}, false), "vectors");
  ExpectBadParam(Get("/api/v1/cluster", {{"query", "grp"}, {"method", "spectral"}}), "method");
  r = Get("/api/v1/cluster", {{"vectors", R"({"a":[1],"b":[2]})"}}, false);
  EXPECT_EQ(r.status, 400) << r.body;
}

TEST(AnalyticsApiRegister, NeedsDependencies) {
  web::Router router;
  EXPECT_FALSE(RegisterAnalyticsApi(router, {}).ok());
}

}  // namespace
}  // namespace foresight::analytics
