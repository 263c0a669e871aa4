// The /api/v1 endpoints through a web::Router over a real temporary storage::DB. Expected bodies were checked
// against Prometheus 2.42 given the same data and requests.
#include "query/api/api.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "query/api/json.h"
#include "query/api/params.h"
#include "storage/db.h"
#include "web/http/router.h"

namespace foresight::query {
namespace {

constexpr int64_t kT0 = 1700000000000;

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("foresight_api_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    storage::DBOptions o;
    o.dir = dir_.string();
    o.background_maintenance = false;
    auto db = storage::DB::Open(o);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    auto app = db_->NewAppender();
    for (int i = 0; i <= 20; ++i) {
      int64_t t = kT0 + i * 15000;
      ASSERT_TRUE(app->Append(0, {{"__name__", "up"}, {"job", "api"}, {"instance", "a:1"}}, t, 1).ok());
      ASSERT_TRUE(app->Append(0, {{"__name__", "up"}, {"job", "node"}, {"instance", "b:2"}}, t, 0).ok());
      ASSERT_TRUE(
          app->Append(0, {{"__name__", "reqs_total"}, {"job", "api"}, {"code", "200"}}, t, 10.0 * i).ok());
    }
    ASSERT_TRUE(app->Commit().ok());
    deps_.queryable = db_.get();
    deps_.engine = &engine_;
    deps_.db_stats = [this] { return db_->Stats(); };
    deps_.now_ms = [] { return kT0 + 300000; };
    deps_.flags = {{"query.timeout", "2m"}};
    ASSERT_TRUE(RegisterQueryApi(router_, deps_).ok());
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  web::Response Get(const std::string& path, std::vector<std::pair<std::string, std::string>> params = {}) {
    web::Request req;
    req.method = "GET";
    req.path = path;
    req.target = path;
    for (auto& [k, v] : params) req.params.Add(k, v);
    return router_.Dispatch(req).response;
  }
  web::Response Post(const std::string& path, std::vector<std::pair<std::string, std::string>> params) {
    web::Request req;
    req.method = "POST";
    req.path = path;
    req.target = path;
    req.headers.Add("Content-Type", "application/x-www-form-urlencoded");
    for (auto& [k, v] : params) req.params.Add(k, v);
    return router_.Dispatch(req).response;
  }
  // Expects a 400 bad_data error whose message mentions `param`.
  void ExpectBadParam(const web::Response& r, const std::string& message) {
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.body, api::ErrorBody("bad_data", message));
  }

  std::filesystem::path dir_;
  std::unique_ptr<storage::DB> db_;
  Engine engine_;
  QueryApiDeps deps_;
  web::Router router_;
};

TEST(JsonTest, FloatsAsGoFormatsThem) {
  auto f = [](double v) {
    std::string s;
    api::AppendFloat(&s, v);
    return s;
  };
  EXPECT_EQ(f(1.5), "1.5");
  EXPECT_EQ(f(1e21), "1000000000000000000000");
  EXPECT_EQ(f(1e-7), "0.0000001");
  EXPECT_EQ(f(0.1), "0.1");
  EXPECT_EQ(f(-0.0), "-0");
  EXPECT_EQ(f(1.0 / 0.0), "+Inf");
  EXPECT_EQ(f(-1.0 / 0.0), "-Inf");
  EXPECT_EQ(f(std::nan("")), "NaN");
  EXPECT_EQ(f(123456789.0), "123456789");
}

TEST(JsonTest, TimestampsAndStrings) {
  auto st = [](int64_t ms) {
    std::string s;
    api::AppendSampleTime(&s, ms);
    return s;
  };
  EXPECT_EQ(st(1500), "1.500");
  EXPECT_EQ(st(1050), "1.050");
  EXPECT_EQ(st(2000), "2");
  EXPECT_EQ(st(-1500), "-1.500");
  std::string sc;
  api::AppendScalarTime(&sc, 1700000000500);
  EXPECT_EQ(sc, "1700000000.5");
  std::string s;
  api::AppendString(&s, "a<b>&\"\\\n\x01\xff\xe2\x80\xa8");
  EXPECT_EQ(s, R"("a\u003cb\u003e\u0026\"\\\n\u0001\ufffd\u2028")");
}

TEST(ParamsTest, Timestamps) {
  EXPECT_EQ(*api::ParseTimeMs("1700000000.5"), 1700000000500);
  EXPECT_EQ(*api::ParseTimeMs("-1.5"), -1500);
  EXPECT_EQ(*api::ParseTimeMs("1e3"), 1000000);
  EXPECT_EQ(*api::ParseTimeMs("1.0004"), 1000);
  EXPECT_EQ(*api::ParseTimeMs("2023-11-14T22:13:20.5+01:00"), 1699996400500);
  EXPECT_EQ(*api::ParseTimeMs("2023-11-14T22:13:20Z"), 1700000000000);
  EXPECT_EQ(api::ParseTimeMs("abc").status().message(), "cannot parse \"abc\" to a valid timestamp");
  EXPECT_FALSE(api::ParseTimeMs("").ok());
  EXPECT_FALSE(api::ParseTimeMs("NaN").ok());
}

TEST(ParamsTest, Durations) {
  EXPECT_EQ(*api::ParseDurationNs("15"), 15'000'000'000);
  EXPECT_EQ(*api::ParseDurationNs("0.5"), 500'000'000);
  EXPECT_EQ(*api::ParseDurationNs("15s"), 15'000'000'000);
  EXPECT_EQ(*api::ParseDurationNs("1h30m"), 5400'000'000'000);
  EXPECT_EQ(*api::ParseDurationNs("100ms"), 100'000'000);
  EXPECT_EQ(*api::ParseDurationNs("1d2h"), 93600'000'000'000);
  EXPECT_EQ(api::ParseDurationNs("x").status().message(), "cannot parse \"x\" to a valid duration");
  EXPECT_FALSE(api::ParseDurationNs("5m1h").ok());
  EXPECT_FALSE(api::ParseDurationNs("").ok());
  EXPECT_EQ(api::ParseDurationNs("1e30").status().message(),
            "cannot parse \"1e30\" to a valid duration. It overflows int64");
}

TEST_F(ApiTest, InstantVector) {
  auto r = Get("/api/v1/query", {{"query", "up"}, {"time", "1700000000.5"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body,
            R"({"status":"success","data":{"resultType":"vector","result":[)"
            R"({"metric":{"__name__":"up","instance":"a:1","job":"api"},"value":[1700000000.500,"1"]},)"
            R"({"metric":{"__name__":"up","instance":"b:2","job":"node"},"value":[1700000000.500,"0"]}]}})");
}

TEST_F(ApiTest, ScalarStringAndDefaultTime) {
  EXPECT_EQ(Get("/api/v1/query", {{"query", "1.5"}, {"time", "1700000000.5"}}).body,
            R"({"status":"success","data":{"resultType":"scalar","result":[1700000000.5,"1.5"]}})");
  EXPECT_EQ(Get("/api/v1/query", {{"query", "\"a<b\""}, {"time", "1"}}).body,
            R"({"status":"success","data":{"resultType":"string","result":[1,"a\u003cb"]}})");
  EXPECT_EQ(Get("/api/v1/query", {{"query", "1/0"}}).body,
            R"({"status":"success","data":{"resultType":"scalar","result":[1700000300,"+Inf"]}})");
}

TEST_F(ApiTest, InstantMatrix) {
  auto r = Get("/api/v1/query", {{"query", "reqs_total[30s]"}, {"time", "1700000030"}});
  EXPECT_EQ(r.body, R"({"status":"success","data":{"resultType":"matrix","result":[)"
                    R"({"metric":{"__name__":"reqs_total","code":"200","job":"api"},"values":)"
                    R"([[1700000000,"0"],[1700000015,"10"],[1700000030,"20"]]}]}})");
}

TEST_F(ApiTest, RangeQueryGetAndPostAgree) {
  std::vector<std::pair<std::string, std::string>> p = {{"query", "sum by (job) (rate(reqs_total[1m]))"},
                                                        {"start", "1700000060"},
                                                        {"end", "1700000090"},
                                                        {"step", "15s"}};
  auto g = Get("/api/v1/query_range", p);
  EXPECT_EQ(g.status, 200);
  EXPECT_EQ(g.body, R"({"status":"success","data":{"resultType":"matrix","result":[)"
                    R"({"metric":{"job":"api"},"values":[[1700000060,"0.6666666666666666"],)"
                    R"([1700000075,"0.6666666666666666"],[1700000090,"0.6666666666666666"]]}]}})");
  EXPECT_EQ(Post("/api/v1/query_range", p).body, g.body);
  auto q = Get("/api/v1/query_range", {{"query", "time()"}, {"start", "1"}, {"end", "3"}, {"step", "1.5"}});
  EXPECT_EQ(q.body, R"({"status":"success","data":{"resultType":"matrix","result":[)"
                    R"({"metric":{},"values":[[1,"1"],[2.500,"2.5"]]}]}})");
}

TEST_F(ApiTest, QueryBadParameters) {
  ExpectBadParam(Get("/api/v1/query", {{"query", "1"}, {"time", "abc"}}),
                 "invalid parameter \"time\": Invalid time value for 'time': cannot parse \"abc\" to a valid "
                 "timestamp");
  ExpectBadParam(Get("/api/v1/query", {{"query", "sum("}, {"time", "1"}}),
                 "invalid parameter \"query\": 1:5: parse error: unclosed left parenthesis");
  ExpectBadParam(Get("/api/v1/query", {}),
                 "invalid parameter \"query\": 1:1: parse error: no expression found in input");
  ExpectBadParam(Get("/api/v1/query", {{"query", "1"}, {"timeout", "x"}}),
                 "invalid parameter \"timeout\": cannot parse \"x\" to a valid duration");
}

TEST_F(ApiTest, QueryRangeBadParameters) {
  auto qr = [this](std::string start, std::string end, std::string step, std::string q = "1") {
    std::vector<std::pair<std::string, std::string>> p = {{"query", q}};
    if (!start.empty()) p.emplace_back("start", start);
    if (!end.empty()) p.emplace_back("end", end);
    if (!step.empty()) p.emplace_back("step", step);
    return Get("/api/v1/query_range", p);
  };
  ExpectBadParam(qr("", "2", "1"), "invalid parameter \"start\": cannot parse \"\" to a valid timestamp");
  ExpectBadParam(qr("1", "", "1"), "invalid parameter \"end\": cannot parse \"\" to a valid timestamp");
  ExpectBadParam(qr("1", "2", ""), "invalid parameter \"step\": cannot parse \"\" to a valid duration");
  ExpectBadParam(qr("2", "1", "1"), "invalid parameter \"end\": end timestamp must not be before start time");
  ExpectBadParam(qr("1", "2", "x"), "invalid parameter \"step\": cannot parse \"x\" to a valid duration");
  ExpectBadParam(
      qr("1", "2", "0"),
      "invalid parameter \"step\": zero or negative query resolution step widths are not accepted. "
      "Try a positive integer");
  ExpectBadParam(
      qr("1", "2", "-1"),
      "invalid parameter \"step\": zero or negative query resolution step widths are not accepted. "
      "Try a positive integer");
  ExpectBadParam(qr("1", "2", "1e30"),
                 "invalid parameter \"step\": cannot parse \"1e30\" to a valid duration. It overflows int64");
  // (end - start) / step = 11,000 is allowed (11,001 points), 11,001 is not, as in Prometheus.
  auto at_limit = qr("1", "11001", "1");
  EXPECT_EQ(at_limit.status, 200) << at_limit.body.substr(0, 200);
  ExpectBadParam(qr("1", "11002", "1"),
                 "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
                 "resolution (?step=XX)");
  ExpectBadParam(
      qr("1", "2", "1", "up[5m]"),
      "invalid expression type \"range vector\" for range query, must be Scalar or instant Vector");
  ExpectBadParam(qr("1", "2", "1", "up{"),
                 "invalid parameter \"query\": 1:4: parse error: unexpected end of input inside braces");
}

TEST_F(ApiTest, Series) {
  auto r = Get("/api/v1/series", {{"match[]", "up"}, {"match[]", "reqs_total{job=\"api\"}"}});
  EXPECT_EQ(r.body, R"({"status":"success","data":[{"__name__":"reqs_total","code":"200","job":"api"},)"
                    R"({"__name__":"up","instance":"a:1","job":"api"},)"
                    R"({"__name__":"up","instance":"b:2","job":"node"}]})");
  EXPECT_EQ(Post("/api/v1/series", {{"match[]", "up"}, {"match[]", "reqs_total{job=\"api\"}"}}).body, r.body);
  EXPECT_EQ(Get("/api/v1/series", {{"match[]", "up"}, {"start", "1800000000"}}).body,
            R"({"status":"success","data":[]})");
  ExpectBadParam(Get("/api/v1/series", {}), "no match[] parameter provided");
  ExpectBadParam(Get("/api/v1/series", {{"match[]", "up"}, {"start", "x"}}),
                 "invalid parameter \"start\": Invalid time value for 'start': cannot parse \"x\" to a valid "
                 "timestamp");
  ExpectBadParam(Get("/api/v1/series", {{"match[]", "up"}, {"end", "x"}}),
                 "invalid parameter \"end\": Invalid time value for 'end': cannot parse \"x\" to a valid "
                 "timestamp");
  ExpectBadParam(Get("/api/v1/series", {{"match[]", "up{"}}),
                 "invalid parameter \"match[]\": 1:4: parse error: unexpected end of input inside braces");
}

TEST_F(ApiTest, LabelsAndValues) {
  EXPECT_EQ(Get("/api/v1/labels").body,
            R"({"status":"success","data":["__name__","code","instance","job"]})");
  EXPECT_EQ(Get("/api/v1/labels", {{"match[]", "up"}}).body,
            R"({"status":"success","data":["__name__","instance","job"]})");
  EXPECT_EQ(Get("/api/v1/label/job/values").body, R"({"status":"success","data":["api","node"]})");
  EXPECT_EQ(Get("/api/v1/label/__name__/values").body, R"({"status":"success","data":["reqs_total","up"]})");
  EXPECT_EQ(Get("/api/v1/label/job/values", {{"match[]", "reqs_total"}, {"match[]", "up{job=\"api\"}"}}).body,
            R"({"status":"success","data":["api"]})");
  EXPECT_EQ(Get("/api/v1/label/nope/values").body, R"({"status":"success","data":[]})");
  EXPECT_EQ(Post("/api/v1/labels", {{"match[]", "up"}}).body,
            Get("/api/v1/labels", {{"match[]", "up"}}).body);
  ExpectBadParam(Get("/api/v1/label/a-b/values"), "invalid label name: \"a-b\"");
  ExpectBadParam(Get("/api/v1/labels", {{"start", "x"}}),
                 "invalid parameter \"start\": Invalid time value for 'start': cannot parse \"x\" to a valid "
                 "timestamp");
  ExpectBadParam(Get("/api/v1/label/job/values", {{"end", "q"}}),
                 "invalid parameter \"end\": Invalid time value for 'end': cannot parse \"q\" to a valid "
                 "timestamp");
  ExpectBadParam(Get("/api/v1/labels", {{"match[]", "up{"}}),
                 "1:4: parse error: unexpected end of input inside braces");
}

TEST_F(ApiTest, StatusAndCallbacks) {
  EXPECT_EQ(Get("/api/v1/query_exemplars", {{"query", "up"}}).body, R"({"status":"success","data":[]})");
  EXPECT_EQ(Get("/api/v1/metadata").body, R"({"status":"success","data":{}})");
  EXPECT_EQ(Get("/api/v1/targets").body,
            R"({"status":"success","data":{"activeTargets":[],"droppedTargets":[]}})");
  EXPECT_EQ(Get("/api/v1/status/flags").body, R"({"status":"success","data":{"query.timeout":"2m"}})");
  EXPECT_EQ(Get("/api/v1/status/config").body, R"({"status":"success","data":{"yaml":""}})");
  EXPECT_EQ(Get("/api/v1/status/buildinfo").body,
            R"({"status":"success","data":{"version":"0.1.0","revision":"unknown","branch":"main",)"
            R"("buildUser":"foresight","buildDate":"unknown","goVersion":"none"}})");
  EXPECT_NE(Get("/api/v1/status/runtimeinfo").body.find(R"("reloadConfigSuccess":true)"), std::string::npos);
  auto stats = db_->Stats();
  EXPECT_EQ(
      Get("/api/v1/status/tsdb").body,
      R"({"status":"success","data":{"headStats":{"numSeries":3,"numLabelPairs":7,"chunkCount":)" +
          std::to_string(stats.head_chunks) +
          R"(,"minTime":1700000000000,"maxTime":1700000300000},)"
          R"("seriesCountByMetricName":[{"name":"up","value":2},{"name":"reqs_total","value":1}],)"
          R"("labelValueCountByLabelName":[{"name":"__name__","value":2},{"name":"instance","value":2},)"
          R"({"name":"job","value":2},{"name":"code","value":1}],)"
          R"("memoryInBytesByLabelName":[{"name":"__name__","value":12},{"name":"job","value":7},)"
          R"({"name":"instance","value":6},{"name":"code","value":3}],)"
          R"("seriesCountByLabelValuePair":[{"name":"__name__=up","value":2},)"
          R"({"name":"job=api","value":2},{"name":"__name__=reqs_total","value":1},)"
          R"({"name":"code=200","value":1},{"name":"instance=a:1","value":1},)"
          R"({"name":"instance=b:2","value":1},{"name":"job=node","value":1}]}})");
}

TEST_F(ApiTest, RegisterNeedsDeps) {
  web::Router r;
  EXPECT_FALSE(RegisterQueryApi(r, QueryApiDeps{}).ok());
}

}  // namespace
}  // namespace foresight::query
