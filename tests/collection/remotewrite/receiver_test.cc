// POST /api/v1/write through a web::Router into a real storage::DB: round trips, refused samples, malformed
// bodies (nothing committed), storage failures (5xx). Requests are encoded with libprotobuf and snappy.
#include <bit>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "collection/remotewrite/receiver.h"
#include "common/matcher.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prompb.pb.h"
#include "snappy.h"
#include "storage/db.h"
#include "web/http/router.h"

namespace foresight::collection {
namespace {

using ::testing::HasSubstr;

struct S {
  int64_t t;
  double v;
};

void AddSeries(testpb::WriteRequest* req, std::vector<std::pair<std::string, std::string>> labels,
               std::vector<S> samples) {
  auto* ts = req->add_timeseries();
  for (auto& [n, v] : labels) {
    auto* l = ts->add_labels();
    l->set_name(n);
    l->set_value(v);
  }
  for (auto s : samples) {
    auto* p = ts->add_samples();
    p->set_timestamp(s.t);
    p->set_value(s.v);
  }
}

std::string Snappy(const std::string& raw) {
  std::string out;
  snappy::Compress(raw.data(), raw.size(), &out);
  return out;
}

class ReceiverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("rw_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    storage::DBOptions o;
    o.dir = dir_.string();
    o.background_maintenance = false;
    auto db = storage::DB::Open(o);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    RemoteWriteOptions options;
    options.metadata = &metadata_;
    ASSERT_TRUE(RegisterRemoteWriteRoute(router_, *db_, &stats_, options).ok());
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  web::Response PostBody(std::string body) {
    web::Request r;
    r.method = "POST";
    r.path = r.target = "/api/v1/write";
    r.headers.Add("Content-Encoding", "snappy");
    r.headers.Add("Content-Type", "application/x-protobuf");
    r.body = std::move(body);
    return router_.Dispatch(r).response;
  }
  web::Response Post(const testpb::WriteRequest& req) { return PostBody(Snappy(req.SerializeAsString())); }

  // Every stored series (by its label string) with its samples.
  std::map<std::string, std::vector<S>> All() {
    std::map<std::string, std::vector<S>> out;
    auto q = db_->NewQuerier(storage::kMinTime, storage::kMaxTime);
    EXPECT_TRUE(q.ok());
    auto m = Matcher::Make(MatchType::kRegexMatch, "__name__", ".+");
    std::vector<Matcher> ms{*m};
    auto set = (*q)->Select(ms);
    while (set->Next()) {
      auto it = set->At().Iterator();
      auto& v = out[set->At().labels().ToString()];
      while (it->Next()) v.push_back({it->At().t, it->At().v});
    }
    return out;
  }

  std::filesystem::path dir_;
  std::unique_ptr<storage::DB> db_;
  RemoteWriteStats stats_;
  MetadataStore metadata_;
  web::Router router_;
};

TEST_F(ReceiverTest, RoundTripsSeriesAndSamples) {
  testpb::WriteRequest req;
  AddSeries(&req, {{"__name__", "up"}, {"instance", "a:9100"}, {"job", "node"}},
            {{1000, 1}, {2000, 0}, {3000, 1}});
  AddSeries(&req, {{"__name__", "node_load1"}, {"instance", "a:9100"}}, {{1000, 0.25}});
  req.mutable_timeseries(1)->add_exemplars()->set_value(1);
  req.add_metadata()->set_help("x");
  web::Response r = Post(req);
  EXPECT_EQ(r.status, 204) << r.body;
  auto all = All();
  ASSERT_EQ(all.size(), 2u);
  ASSERT_EQ(all[R"(up{instance="a:9100", job="node"})"].size(), 3u);
  EXPECT_EQ(all[R"(up{instance="a:9100", job="node"})"][1].v, 0);
  EXPECT_EQ(all[R"(node_load1{instance="a:9100"})"][0].v, 0.25);
  EXPECT_EQ(stats_.samples_ingested.load(), 4u);
  EXPECT_EQ(stats_.exemplars_ignored.load(), 1u);
  EXPECT_EQ(stats_.metadata_ignored.load(), 1u);
  // A later request continues the series.
  testpb::WriteRequest next;
  AddSeries(&next, {{"__name__", "up"}, {"instance", "a:9100"}, {"job", "node"}}, {{4000, 1}});
  EXPECT_EQ(Post(next).status, 204);
  EXPECT_EQ(All()[R"(up{instance="a:9100", job="node"})"].size(), 4u);
}

void AddMetadata(testpb::WriteRequest* req, int type, const std::string& family, const std::string& help,
                 const std::string& unit) {
  auto* md = req->add_metadata();
  md->set_type(type);
  md->set_metric_family_name(family);
  md->set_help(help);
  md->set_unit(unit);
}

TEST_F(ReceiverTest, StoresMetadataForTheMetadataApi) {
  // As Prometheus sends it: a request of metadata only, from its targets' scrape caches.
  testpb::WriteRequest req;
  AddMetadata(&req, 1, "http_requests_total", "Requests served.", "");
  AddMetadata(&req, 3, "rpc_duration_seconds", "RPC latency.", "seconds");
  AddMetadata(&req, 2, "", "no family name", "");
  EXPECT_EQ(Post(req).status, 204);
  auto md = metadata_.Get();
  ASSERT_EQ(md.size(), 2u);
  ASSERT_EQ(md["http_requests_total"].size(), 1u);
  EXPECT_EQ(md["http_requests_total"][0], (FamilyMetadata{"counter", "Requests served.", ""}));
  EXPECT_EQ(md["rpc_duration_seconds"][0], (FamilyMetadata{"histogram", "RPC latency.", "seconds"}));
  EXPECT_EQ(stats_.metadata_stored.load(), 2u);
  EXPECT_EQ(stats_.metadata_ignored.load(), 1u);

  // Sent again (every send_interval) it is not duplicated; a changed help is a second variant, newest first.
  testpb::WriteRequest again;
  AddMetadata(&again, 1, "http_requests_total", "Requests served.", "");
  AddMetadata(&again, 1, "http_requests_total", "HTTP requests served.", "");
  AddSeries(&again, {{"__name__", "http_requests_total"}}, {{1000, 5}});
  EXPECT_EQ(Post(again).status, 204);
  md = metadata_.Get("http_requests_total");
  ASSERT_EQ(md.size(), 1u);
  ASSERT_EQ(md["http_requests_total"].size(), 2u);
  EXPECT_EQ(md["http_requests_total"][0].help, "HTTP requests served.");
  EXPECT_EQ(md["http_requests_total"][1].help, "Requests served.");

  // Metadata is kept even when samples of the same request are refused.
  testpb::WriteRequest refused;
  AddMetadata(&refused, 2, "temperature_celsius", "Temperature.", "celsius");
  AddSeries(&refused, {{"__name__", "http_requests_total"}}, {{500, 1}});  // out of order
  EXPECT_EQ(Post(refused).status, 400);
  EXPECT_EQ(metadata_.Get("temperature_celsius")["temperature_celsius"][0].unit, "celsius");

  // A malformed request stores nothing.
  std::string bad = std::string("\x1a\x07\x12\x01x\x22\x02\xc3\x28", 9);
  EXPECT_EQ(PostBody(Snappy(bad)).status, 400);
  EXPECT_TRUE(metadata_.Get("x").empty());
}

TEST(MetadataStore, BoundsFamiliesAndVariants) {
  MetadataStore store({.max_families = 2, .max_variants = 2});
  EXPECT_TRUE(store.Put("a", {"counter", "1", ""}));
  EXPECT_TRUE(store.Put("b", {"gauge", "1", ""}));
  EXPECT_FALSE(store.Put("c", {"gauge", "1", ""}));  // full: new families are refused
  EXPECT_FALSE(store.Put("", {"gauge", "1", ""}));
  EXPECT_TRUE(store.Put("a", {"counter", "2", ""}));
  EXPECT_TRUE(store.Put("a", {"counter", "1", ""}));  // seen again: now the newest
  EXPECT_TRUE(store.Put("a", {"counter", "3", ""}));  // replaces "2", the least recently seen
  auto all = store.Get();
  EXPECT_EQ(store.families(), 2u);
  ASSERT_EQ(all["a"].size(), 2u);
  EXPECT_EQ(all["a"][0].help, "3");
  EXPECT_EQ(all["a"][1].help, "1");
}

TEST_F(ReceiverTest, KeepsStaleMarkersBitForBit) {
  testpb::WriteRequest req;
  AddSeries(&req, {{"__name__", "up"}}, {{1000, 1}, {2000, storage::StaleNaN()}});
  ASSERT_EQ(Post(req).status, 204);
  auto s = All()["up"];
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(std::bit_cast<uint64_t>(s[1].v), storage::kStaleNaNBits);
}

TEST_F(ReceiverTest, DropsOutOfOrderAndDuplicateSamplesCommitsTheRestAndAnswers400) {
  testpb::WriteRequest first;
  AddSeries(&first, {{"__name__", "a"}}, {{5000, 1}});
  ASSERT_EQ(Post(first).status, 204);
  testpb::WriteRequest req;
  AddSeries(&req, {{"__name__", "a"}}, {{4000, 9}, {5000, 2}, {6000, 3}});  // out of order, duplicate, good
  AddSeries(&req, {{"__name__", "b"}}, {{1000, 1}});
  web::Response r = Post(req);
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("2 samples rejected"));
  EXPECT_THAT(r.body, HasSubstr("out_of_order: 1"));
  EXPECT_THAT(r.body, HasSubstr("out of order sample"));
  auto all = All();
  ASSERT_EQ(all["a"].size(), 2u);
  EXPECT_EQ(all["a"][0].v, 1);
  EXPECT_EQ(all["a"][1].v, 3);
  EXPECT_EQ(all["b"].size(), 1u);
  EXPECT_EQ(stats_.rejected_out_of_order.load(), 1u);
  EXPECT_EQ(stats_.rejected_duplicate.load(), 1u);
  EXPECT_EQ(stats_.samples_ingested.load(), 3u);
}

TEST_F(ReceiverTest, RefusesSeriesWithBadLabelSets) {
  testpb::WriteRequest req;
  AddSeries(&req, {{"job", "x"}, {"__name__", "unsorted"}}, {{1000, 1}});
  AddSeries(&req, {{"__name__", "dup"}, {"a", "1"}, {"a", "2"}}, {{1000, 1}});
  AddSeries(&req, {{"", "v"}, {"__name__", "emptyname"}}, {{1000, 1}});
  AddSeries(&req, {{"__name__", "good"}}, {{1000, 1}});
  web::Response r = Post(req);
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("invalid_labels: 3"));
  EXPECT_THAT(r.body, HasSubstr("labels not sorted"));
  auto all = All();
  EXPECT_EQ(all.size(), 1u);
  EXPECT_EQ(all.count("good"), 1u);
}

TEST_F(ReceiverTest, MalformedBodiesAre400WithAReasonAndCommitNothing) {
  testpb::WriteRequest req;
  AddSeries(&req, {{"__name__", "up"}}, {{1000, 1}});
  std::string wire = req.SerializeAsString();
  struct Case {
    std::string body;
    std::string reason;
  };
  std::string bad_utf8 = std::string("\x0a\x0d\x0a\x0b\x0a\x01") + "a" + "\x12\x06" + "ok\xff\xfe!!";
  std::vector<Case> cases = {
      {"\x01\x02garbage", "snappy"},
      {wire, "snappy"},  // not compressed
      {Snappy(wire.substr(0, wire.size() - 3)), "exceeds"},
      {Snappy(wire + "\x0b"), "unsupported wire type 3"},
      {Snappy(std::string("\x0a\xff\xff\xff\xff\x07", 6) + wire), "length 2147483647 exceeds"},
      {Snappy(std::string("\x08\x01", 2) + wire), "wire type 0, want 2"},
      {Snappy(wire + bad_utf8), "not valid UTF-8"},
  };
  for (const Case& c : cases) {
    web::Response r = PostBody(c.body);
    EXPECT_EQ(r.status, 400) << c.reason;
    EXPECT_THAT(r.body, HasSubstr(c.reason));
  }
  EXPECT_TRUE(All().empty());
  EXPECT_EQ(db_->Stats().head_samples_appended, 0u);
  EXPECT_EQ(stats_.requests_invalid.load(), cases.size());
}

TEST_F(ReceiverTest, StorageFailureIsRetryable5xx) {
  ASSERT_TRUE(db_->Close().ok());
  testpb::WriteRequest req;
  AddSeries(&req, {{"__name__", "up"}}, {{1000, 1}});
  web::Response r = Post(req);
  EXPECT_GE(r.status, 500);
  EXPECT_LT(r.status, 600);
  EXPECT_THAT(r.body, HasSubstr("closed"));
  EXPECT_EQ(stats_.requests_failed.load(), 1u);
}

TEST_F(ReceiverTest, EmptyRequestIs204) { EXPECT_EQ(PostBody(Snappy("")).status, 204); }

}  // namespace
}  // namespace foresight::collection
