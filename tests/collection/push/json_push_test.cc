// POST /metrics (JSON push) through a web::Router into a real storage::DB: every accepted form and each
// error.
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "collection/push/push.h"
#include "common/matcher.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "storage/db.h"
#include "web/http/router.h"

namespace foresight::collection {
namespace {

using ::testing::HasSubstr;
constexpr int64_t kNow = 1700000000123;

struct S {
  int64_t t;
  double v;
};

class JsonPushTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("push_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    storage::DBOptions o;
    o.dir = dir_.string();
    o.background_maintenance = false;
    auto db = storage::DB::Open(o);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    JsonPushOptions jo;
    jo.now_ms = [] { return kNow; };
    ASSERT_TRUE(RegisterPushRoutes(router_, *db_, &stats_, {}, jo).ok());
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  web::Response Post(std::string body) {
    web::Request r;
    r.method = "POST";
    r.path = r.target = "/metrics";
    r.headers.Add("Content-Type", "application/json");
    r.body = std::move(body);
    return router_.Dispatch(r).response;
  }

  std::map<std::string, std::vector<S>> All() {
    std::map<std::string, std::vector<S>> out;
    auto q = db_->NewQuerier(storage::kMinTime, storage::kMaxTime);
    std::vector<Matcher> ms{*Matcher::Make(MatchType::kRegexMatch, "__name__", ".+")};
    auto set = (*q)->Select(ms);
    while (set->Next()) {
      auto it = set->At().Iterator();
      auto& v = out[set->At().labels().ToString()];
      while (it->Next()) v.push_back({it->At().t, it->At().v});
    }
    return out;
  }

  void ExpectBad(const std::string& body, const std::string& reason) {
    web::Response r = Post(body);
    EXPECT_EQ(r.status, 400) << body;
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    ASSERT_TRUE(j.is_object()) << r.body;
    EXPECT_EQ(j["status"], "error");
    EXPECT_EQ(j["errorType"], "bad_data");
    EXPECT_THAT(j["error"].get<std::string>(), HasSubstr(reason)) << body;
  }

  std::filesystem::path dir_;
  std::unique_ptr<storage::DB> db_;
  PushStats stats_;
  web::Router router_;
};

TEST_F(JsonPushTest, SingleObjectFromTheDowntimeService) {
  web::Response r = Post(
      R"({"cpu_usage": 75.5, "memory_usage": 82.3, "network_latency": 120.0, "error_rate": 0.05,
          "labels": {"host": "web-1", "service": "checkout"}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(nlohmann::json::parse(r.body),
            nlohmann::json::parse(R"({"status":"success","data":{"samples":4}})"));
  auto all = All();
  ASSERT_EQ(all.size(), 4u);
  auto cpu = all[R"(cpu_usage{host="web-1", job="push", service="checkout"})"];
  ASSERT_EQ(cpu.size(), 1u);
  EXPECT_EQ(cpu[0].t, kNow);
  EXPECT_EQ(cpu[0].v, 75.5);
  EXPECT_EQ(all[R"(error_rate{host="web-1", job="push", service="checkout"})"][0].v, 0.05);
  EXPECT_EQ(stats_.json.samples_ingested.load(), 4u);
}

TEST_F(JsonPushTest, TopLevelHostAndServiceAndNoLabels) {
  ASSERT_EQ(Post(R"({"cpu_usage": 1, "host": "h", "service": "s"})").status, 200);
  ASSERT_EQ(Post(R"({"memory_usage": 2})").status, 200);
  auto all = All();
  EXPECT_EQ(all.count(R"(cpu_usage{host="h", job="push", service="s"})"), 1u);
  EXPECT_EQ(all.count(R"(memory_usage{job="push"})"), 1u);
}

TEST_F(JsonPushTest, LabelsMaySetTheJob) {
  ASSERT_EQ(Post(R"({"x": 1, "labels": {"job": "api", "tier": "web"}})").status, 200);
  EXPECT_EQ(All().count(R"(x{job="api", tier="web"})"), 1u);
}

TEST_F(JsonPushTest, TimestampAsUnixSecondsOrRfc3339) {
  ASSERT_EQ(Post(R"({"a": 1, "timestamp": 1700000000.5})").status, 200);
  ASSERT_EQ(Post(R"({"a": 2, "timestamp": "2023-11-14T22:13:21.25Z"})").status, 200);
  ASSERT_EQ(Post(R"({"a": 3, "timestamp": "2023-11-14T23:13:22+01:00"})").status, 200);
  auto a = All()[R"(a{job="push"})"];
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0].t, 1700000000500);
  EXPECT_EQ(a[1].t, 1700000001250);
  EXPECT_EQ(a[2].t, 1700000002000);
}

TEST_F(JsonPushTest, BatchAsArrayOrMetricsField) {
  web::Response r = Post(R"([{"cpu_usage": 1, "host": "a", "timestamp": 1700000000},
                             {"cpu_usage": 2, "host": "a", "timestamp": 1700000015},
                             {"cpu_usage": 3, "host": "b"}])");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(nlohmann::json::parse(r.body)["data"]["samples"], 3);
  r = Post(R"({"metrics": [{"mem": 1, "labels": {"host": "c"}}, {"mem": 2, "labels": {"host": "d"}}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto all = All();
  EXPECT_EQ(all[R"(cpu_usage{host="a", job="push"})"].size(), 2u);
  EXPECT_EQ(all[R"(cpu_usage{host="b", job="push"})"][0].t, kNow);
  EXPECT_EQ(all.count(R"(mem{host="d", job="push"})"), 1u);
}

TEST_F(JsonPushTest, ErrorsNameTheFieldAndCommitNothing) {
  ExpectBad(R"({"cpu_usage": 75.5,)", "invalid JSON");
  ExpectBad("", "invalid JSON");
  ExpectBad(R"({"cpu_usage": "high"})", "cpu_usage: value is not a number (got string)");
  ExpectBad(R"({"cpu_usage": 1, "memory_usage": null})", "memory_usage: value is not a number (got null)");
  ExpectBad(R"({"cpu_usage": true})", "cpu_usage: value is not a number");
  ExpectBad(R"({"cpu_usage": {"v": 1}})", "cpu_usage: value is not a number");
  ExpectBad(R"([{"a": 1}, {"b": "x"}])", "[1].b: value is not a number");
  ExpectBad(R"({"metrics": [{"a": 1}, {"labels": {"host": 3}, "a": 1}]})",
            "metrics[1].labels: label \"host\" must be a string");
  ExpectBad(R"({"metrics": {"a": 1}})", "metrics: must be an array");
  ExpectBad(R"({"cpu-usage": 1})", "cpu-usage: not a valid metric name");
  ExpectBad(R"({"a": 1, "labels": {"bad-name": "x"}})", "invalid label name \"bad-name\"");
  ExpectBad(R"({"a": 1, "labels": ["x"]})", "labels: must be an object");
  ExpectBad(R"({"a": 1, "host": 7})", "label \"host\" must be a string");
  ExpectBad(R"({"a": 1, "timestamp": "yesterday"})", "timestamp: timestamp \"yesterday\" is not RFC 3339");
  ExpectBad(R"({"a": 1, "timestamp": true})", "timestamp must be Unix seconds");
  ExpectBad(R"({"labels": {"host": "x"}})", "no numeric metric fields");
  ExpectBad(R"([])", "empty batch");
  ExpectBad(R"(42)", "expected an object");
  EXPECT_TRUE(All().empty());
  EXPECT_EQ(stats_.json.requests_invalid.load(), 18u);
}

TEST_F(JsonPushTest, RefusedSamplesAre400AndTheOthersKept) {
  ASSERT_EQ(Post(R"({"a": 1, "timestamp": 1700000100})").status, 200);
  ExpectBad(R"([{"a": 2, "timestamp": 1700000000}, {"b": 1, "timestamp": 1700000000}])", "out of order");
  auto all = All();
  EXPECT_EQ(all[R"(a{job="push"})"].size(), 1u);
  EXPECT_EQ(all.count(R"(b{job="push"})"), 1u);
}

TEST_F(JsonPushTest, GetMetricsIsNotTaken) {
  web::Request r;
  r.method = "GET";
  r.path = r.target = "/metrics";
  EXPECT_EQ(router_.Dispatch(r).response.status, 405);
}

}  // namespace
}  // namespace foresight::collection
