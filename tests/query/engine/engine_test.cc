// Engine tests beyond the conformance scripts: the in-process API, range queries, selection once per
// selector, limits (samples, timeout, cancel, concurrency), error classes and extension functions.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "mem_storage.h"
#include "query/engine/engine.h"
#include "query/promql/parser.h"
#include "test_script.h"

namespace foresight::query {
namespace {

using testing::MemStorage;

constexpr int64_t kMin = 60 * 1000;

// Counts NewQuerier and Select calls of the wrapped storage.
class CountingQueryable : public storage::Queryable {
 public:
  explicit CountingQueryable(storage::Queryable* q) : q_(q) {}
  absl::StatusOr<std::unique_ptr<storage::Querier>> NewQuerier(int64_t mint, int64_t maxt) override {
    queriers++;
    last_mint = mint;
    last_maxt = maxt;
    auto inner = q_->NewQuerier(mint, maxt);
    if (!inner.ok()) return inner.status();
    return std::unique_ptr<storage::Querier>(new Q(this, std::move(*inner)));
  }
  std::atomic<int> queriers{0};
  std::atomic<int> selects{0};
  int64_t last_mint = 0, last_maxt = 0;

 private:
  class Q : public storage::Querier {
   public:
    Q(CountingQueryable* p, std::unique_ptr<storage::Querier> in) : p_(p), in_(std::move(in)) {}
    std::unique_ptr<storage::SeriesSet> Select(std::span<const Matcher> m,
                                               const storage::SelectHints* h) override {
      p_->selects++;
      return in_->Select(m, h);
    }
    absl::StatusOr<std::vector<std::string>> LabelValues(std::string_view n,
                                                         std::span<const Matcher> m) override {
      return in_->LabelValues(n, m);
    }
    absl::StatusOr<std::vector<std::string>> LabelNames(std::span<const Matcher> m) override {
      return in_->LabelNames(m);
    }

   private:
    CountingQueryable* p_;
    std::unique_ptr<storage::Querier> in_;
  };
  storage::Queryable* q_;
};

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Two counters scraped every 15s for an hour; one gauge that goes stale at 30m.
    for (int64_t t = 0; t <= 60 * kMin; t += 15000) {
      db_.Add(Labels{{"__name__", "http_requests_total"}, {"job", "api"}}, t, static_cast<double>(t / 1000));
      db_.Add(Labels{{"__name__", "http_requests_total"}, {"job", "web"}}, t, static_cast<double>(t / 500));
      if (t < 30 * kMin) db_.Add(Labels{{"__name__", "temp"}, {"room", "a"}}, t, 20);
    }
    db_.Add(Labels{{"__name__", "temp"}, {"room", "a"}}, 30 * kMin, storage::StaleNaN());
  }
  MemStorage db_;
  Engine engine_;
};

TEST_F(EngineTest, InstantVectorAndScalarAndString) {
  auto r = engine_.Instant(db_, "sum(rate(http_requests_total[5m]))", 30 * kMin);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->type, ValueType::kVector);
  const auto& v = std::get<Vector>(r->value);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_NEAR(v[0].v, 3.0, 1e-9);  // 1/s + 2/s
  EXPECT_EQ(v[0].t, 30 * kMin);
  EXPECT_TRUE(v[0].metric.empty());

  r = engine_.Instant(db_, "1 + 2 * 3", 0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->type, ValueType::kScalar);
  EXPECT_EQ(std::get<Scalar>(r->value).v, 7);

  r = engine_.Instant(db_, "\"hello\"", 5000);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->type, ValueType::kString);
  EXPECT_EQ(std::get<String>(r->value).v, "hello");
}

TEST_F(EngineTest, InstantRangeSelectorGivesMatrix) {
  auto r = engine_.Instant(db_, "http_requests_total{job=\"api\"}[1m]", 10 * kMin);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->type, ValueType::kMatrix);
  const auto& m = std::get<Matrix>(r->value);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].points.size(), 5u);  // 9m, 9m15s, 9m30s, 9m45s, 10m: both ends included
  EXPECT_EQ(m[0].metric.MetricName(), "http_requests_total");
}

TEST_F(EngineTest, RangeQueryMatchesInstantAtEveryStep) {
  const char* queries[] = {"rate(http_requests_total[5m])",
                           "http_requests_total / on(job) group_left sum by (job) (http_requests_total)",
                           "max_over_time(rate(http_requests_total[2m])[10m:1m])",
                           "temp",
                           "absent(temp)",
                           "http_requests_total offset 3m",
                           "http_requests_total @ 1500",
                           "time() - scalar(count(http_requests_total))",
                           "topk(1, http_requests_total)"};
  for (const char* q : queries) {
    auto range = engine_.Range(db_, q, 20 * kMin, 50 * kMin, 90 * 1000);
    ASSERT_TRUE(range.ok()) << q << ": " << range.status();
    ASSERT_EQ(range->type, ValueType::kMatrix);
    const auto& m = std::get<Matrix>(range->value);
    for (size_t i = 1; i < m.size(); ++i) EXPECT_TRUE(m[i - 1].metric < m[i].metric) << q;
    for (int64_t t = 20 * kMin; t <= 50 * kMin; t += 90 * 1000) {
      auto inst = engine_.Instant(db_, q, t);
      ASSERT_TRUE(inst.ok()) << q;
      Vector want;
      if (inst->type == ValueType::kScalar) {
        want.push_back(Sample{Labels{}, t, std::get<Scalar>(inst->value).v});
      } else {
        want = std::get<Vector>(inst->value);
      }
      size_t found = 0;
      for (const auto& s : m) {
        for (const auto& p : s.points) {
          if (p.t != t) continue;
          found++;
          bool matched = false;
          for (const auto& w : want) {
            if (w.metric == s.metric) matched = testing::AlmostEqual(w.v, p.v);
          }
          EXPECT_TRUE(matched) << q << " at " << t << ": " << s.metric.ToString();
        }
      }
      EXPECT_EQ(found, want.size()) << q << " at " << t;
    }
  }
}

TEST_F(EngineTest, RangeQuerySelectsEachSelectorOnce) {
  CountingQueryable counting(&db_);
  auto r = engine_.Range(counting, "rate(http_requests_total[5m]) + on(job) http_requests_total offset 1m",
                         10 * kMin, 60 * kMin, 15000);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(counting.queriers.load(), 1);
  EXPECT_EQ(counting.selects.load(), 2);                       // one per selector, not per step
  EXPECT_EQ(counting.last_mint, 10 * kMin - kMin - 5 * kMin);  // start - offset - lookback (> the 5m range)
  EXPECT_EQ(counting.last_maxt, 60 * kMin);
  const auto& m = std::get<Matrix>(r->value);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].points.size(), 201u);
}

TEST_F(EngineTest, AtEndIsTheRangeEnd) {
  auto r = engine_.Range(db_, "http_requests_total{job=\"api\"} @ end()", 10 * kMin, 20 * kMin, kMin);
  ASSERT_TRUE(r.ok()) << r.status();
  const auto& m = std::get<Matrix>(r->value);
  ASSERT_EQ(m.size(), 1u);
  ASSERT_EQ(m[0].points.size(), 11u);
  for (const auto& p : m[0].points) EXPECT_EQ(p.v, 1200);
}

TEST_F(EngineTest, StalenessEndsSeriesInRangeQuery) {
  auto r = engine_.Range(db_, "temp", 29 * kMin, 31 * kMin, 30000);
  ASSERT_TRUE(r.ok());
  const auto& m = std::get<Matrix>(r->value);
  ASSERT_EQ(m.size(), 1u);
  ASSERT_FALSE(m[0].points.empty());
  EXPECT_LT(m[0].points.back().t, 30 * kMin);  // the stale marker at 30m ends it at once, not after 5m
}

TEST_F(EngineTest, ScalarRangeQueryIsOneSeries) {
  auto r = engine_.Range(db_, "time()", 0, 120000, 60000);
  ASSERT_TRUE(r.ok());
  const auto& m = std::get<Matrix>(r->value);
  ASSERT_EQ(m.size(), 1u);
  ASSERT_EQ(m[0].points.size(), 3u);
  EXPECT_EQ(m[0].points[2].v, 120);
}

TEST_F(EngineTest, ErrorsAreTypedAndWordedAsPrometheus) {
  auto r = engine_.Instant(db_, "rate(http_requests_total)", 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(ErrorTypeOf(r.status()), ErrorType::kBadData);
  EXPECT_EQ(r.status().message(),
            "1:6: parse error: expected type range vector in call to function \"rate\", got instant vector");

  r = engine_.Range(db_, "http_requests_total[5m]", 0, 60000, 1000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(ErrorTypeOf(r.status()), ErrorType::kBadData);
  EXPECT_EQ(r.status().message(),
            "invalid expression type \"range vector\" for range query, must be Scalar or instant Vector");

  r = engine_.Range(db_, "up", 0, 60000, 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(ErrorTypeOf(r.status()), ErrorType::kBadData);

  // Both series match the single (empty) group on the right: many-to-many.
  r = engine_.Instant(db_, "http_requests_total + on() http_requests_total", 10 * kMin);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(ErrorTypeOf(r.status()), ErrorType::kExecution);
  EXPECT_EQ(
      r.status().message(),
      "found duplicate series for the match group {} on the right hand-side of the operation: "
      "[{__name__=\"http_requests_total\", job=\"web\"}, {__name__=\"http_requests_total\", job=\"api\"}];"
      "many-to-many matching not allowed: matching labels must be unique on one side");

  r = engine_.Instant(db_, "sum(http_requests_total) * on() group_left http_requests_total", 10 * kMin);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(ErrorTypeOf(r.status()), ErrorType::kExecution);

  r = engine_.Instant(db_, "label_replace(http_requests_total, \"job\", \"x\", \"job\", \".*\")", 10 * kMin);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "vector cannot contain metrics with the same labelset");
}

// Ties in topk/bottomk: which series are kept and their order, as Prometheus 2.42 answered for these values
// (observed with the Debian package; the differential test re-checks ties against the running binary).
TEST(EngineTies, TopkAndBottomkFollowPrometheusHeap) {
  // A first-come order (a stable sort) would answer topk(5) with 05 07 11 04 06: another set.
  const double values[] = {1, 1, 1, 0, 2, 3, 2, 3, 2, 0, 0, 3};
  MemStorage db;
  for (int i = 0; i < 12; ++i) {
    char id[3];
    std::snprintf(id, sizeof(id), "%02d", i);
    for (int64_t t = 0; t <= 10 * kMin; t += 15000)
      db.Add(Labels{{"__name__", "m"}, {"i", id}}, t, values[i]);
  }
  Engine engine;
  auto ids = [&](const std::string& q) {
    std::vector<std::string> out;
    auto r = engine.Instant(db, q, 5 * kMin);
    EXPECT_TRUE(r.ok()) << r.status();
    if (r.ok()) {
      for (const auto& s : std::get<Vector>(r->value)) out.emplace_back(s.metric.Get("i"));
    }
    return out;
  };
  EXPECT_EQ(ids("topk(4, m)"), (std::vector<std::string>{"07", "05", "11", "04"}));
  EXPECT_EQ(ids("topk(5, m)"), (std::vector<std::string>{"07", "05", "11", "08", "06"}));
  EXPECT_EQ(ids("bottomk(5, m)"), (std::vector<std::string>{"09", "03", "10", "00", "02"}));
  // A range query keeps the same series at every step (the matrix is sorted by labels).
  auto range = engine.Range(db, "topk(5, m)", 0, 10 * kMin, kMin);
  ASSERT_TRUE(range.ok()) << range.status();
  std::vector<std::string> kept;
  for (const auto& s : std::get<Matrix>(range->value)) {
    kept.emplace_back(s.metric.Get("i"));
    EXPECT_EQ(s.points.size(), 11u);
  }
  EXPECT_EQ(kept, (std::vector<std::string>{"05", "06", "07", "08", "11"}));
}

// As Prometheus' API: (end - start) / step may be 11,000 (11,001 points) but not 11,001.
TEST_F(EngineTest, MaximumResolutionIsElevenThousandSteps) {
  auto r = engine_.Range(db_, "time()", 0, 11000 * 1000, 1000);
  ASSERT_TRUE(r.ok()) << r.status();
  const auto& m = std::get<Matrix>(r->value);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].points.size(), 11001u);
  r = engine_.Range(db_, "time()", 0, 11001 * 1000, 1000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(ErrorTypeOf(r.status()), ErrorType::kBadData);
  EXPECT_EQ(r.status().message(),
            "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
            "resolution (?step=XX)");
  // A step that does not divide the span: 11,000.999 steps are 11,000 whole steps, allowed.
  EXPECT_TRUE(engine_.Range(db_, "time()", 0, 11000 * 1000 + 999, 1000).ok());
}

TEST_F(EngineTest, SampleLimit) {
  Engine small(EngineOptions{.max_samples = 100});
  auto r = small.Range(db_, "http_requests_total", 0, 60 * kMin, 15000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(ErrorTypeOf(r.status()), ErrorType::kExecution);
  EXPECT_EQ(r.status().message(),
            "query processing would load too many samples into memory in query execution");
  EXPECT_TRUE(small.Instant(db_, "http_requests_total", 0).ok());
}

TEST_F(EngineTest, TimeoutAndCancel) {
  Engine quick(EngineOptions{.timeout_ms = 0});
  auto r = quick.Instant(db_, "http_requests_total", 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(ErrorTypeOf(r.status()), ErrorType::kTimeout);

  std::atomic<bool> cancel{true};
  r = engine_.Instant(db_, "http_requests_total", 0, QueryOptions{.cancel = &cancel});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(ErrorTypeOf(r.status()), ErrorType::kCanceled);
  EXPECT_EQ(r.status().message(), "query was canceled in expression evaluation");
}

// A storage whose querier creation blocks until released, to hold a query slot.
class BlockingQueryable : public storage::Queryable {
 public:
  explicit BlockingQueryable(storage::Queryable* q) : q_(q) {}
  absl::StatusOr<std::unique_ptr<storage::Querier>> NewQuerier(int64_t mint, int64_t maxt) override {
    entered = true;
    while (!release) std::this_thread::yield();
    return q_->NewQuerier(mint, maxt);
  }
  std::atomic<bool> entered{false}, release{false};

 private:
  storage::Queryable* q_;
};

TEST_F(EngineTest, ConcurrencyCap) {
  Engine one(EngineOptions{.timeout_ms = 200, .max_concurrent = 1});
  BlockingQueryable blocking(&db_);
  // The first query holds the only slot (it times out itself once released; the timeout covers queueing
  // and evaluation, as in Prometheus).
  std::thread t([&] { (void)one.Instant(blocking, "temp", 0); });
  while (!blocking.entered) std::this_thread::yield();
  auto r = one.Instant(db_, "temp", 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(ErrorTypeOf(r.status()), ErrorType::kTimeout);
  EXPECT_EQ(r.status().message(), "query timed out in query queue");
  blocking.release = true;
  t.join();
  EXPECT_TRUE(one.Instant(db_, "temp", 0).ok());
}

TEST_F(EngineTest, ExtensionFunctions) {
  ASSERT_TRUE(RegisterExtensionFunction({"test_twice", {ValueType::kVector}, 0, ValueType::kVector},
                                        [](const FunctionCall& c) -> absl::StatusOr<Vector> {
                                          Vector out;
                                          for (const auto& s : c.args[0].vector)
                                            out.push_back({s.metric, c.t, 2 * s.v});
                                          return out;
                                        })
                  .ok());
  ASSERT_TRUE(
      RegisterExtensionFunction({"test_points", {ValueType::kMatrix}, 0, ValueType::kVector},
                                [](const FunctionCall& c) -> absl::StatusOr<Vector> {
                                  Vector out;
                                  for (const auto& s : c.args[0].matrix) {
                                    out.push_back({s.metric, c.t, static_cast<double>(s.points.size())});
                                  }
                                  return out;
                                })
          .ok());
  EXPECT_EQ(RegisterExtensionFunction({"rate", {ValueType::kMatrix}, 0, ValueType::kVector},
                                      [](const FunctionCall&) -> absl::StatusOr<Vector> { return Vector{}; })
                .code(),
            absl::StatusCode::kAlreadyExists);
  auto r = engine_.Instant(db_, "test_twice(http_requests_total{job=\"api\"})", 10 * kMin);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(std::get<Vector>(r->value).size(), 1u);
  EXPECT_EQ(std::get<Vector>(r->value)[0].v, 1200);
  r = engine_.Range(db_, "test_points(http_requests_total{job=\"api\"}[1m])", 10 * kMin, 12 * kMin, kMin);
  ASSERT_TRUE(r.ok()) << r.status();
  const auto& m = std::get<Matrix>(r->value);
  ASSERT_EQ(m.size(), 1u);
  ASSERT_EQ(m[0].points.size(), 3u);
  EXPECT_EQ(m[0].points[0].v, 5);
}

TEST(TestScript, SeriesValues) {
  auto v = testing::ParseSeriesValues({"0+10x2", "_", "stale", "1e3", "-2-1x1", "_x2", "Inf", "3x1"});
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_EQ(v->size(), 13u);
  EXPECT_EQ(*(*v)[2], 20);
  EXPECT_FALSE((*v)[3]);
  EXPECT_TRUE(storage::IsStaleNaN(*(*v)[4]));
  EXPECT_EQ(*(*v)[5], 1000);
  EXPECT_EQ(*(*v)[7], -3);
  EXPECT_FALSE((*v)[8]);
  EXPECT_FALSE((*v)[9]);
  EXPECT_TRUE(std::isinf(*(*v)[10]));
  EXPECT_EQ(*(*v)[12], 3);
}

TEST(TestScript, RunnerCatchesWrongExpectations) {
  class Mem : public testing::ScriptStorage {
   public:
    absl::Status Clear() override {
      m.Clear();
      return absl::OkStatus();
    }
    absl::Status Load(const std::vector<std::pair<Labels, std::vector<storage::Sample>>>& s) override {
      for (const auto& [l, ss] : s) {
        for (const auto& x : ss) m.Add(l, x.t, x.v);
      }
      return absl::OkStatus();
    }
    storage::Queryable& queryable() override { return m; }
    MemStorage m;
  } mem;
  Engine engine;
  auto r = testing::RunTestScript(
      "load 1m\n  foo{a=\"b\"} 1 2 3\n\neval instant at 1m foo\n  foo{a=\"b\"} 2\n\n"
      "eval instant at 1m foo\n  foo{a=\"b\"} 3\n\neval_fail instant at 0 foo\n\neval instant at 2m 1 + 1\n  "
      "2\n",
      mem, engine);
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.evals.size(), 4u);
  EXPECT_TRUE(r.evals[0].passed);
  EXPECT_FALSE(r.evals[1].passed);
  EXPECT_FALSE(r.evals[2].passed);
  EXPECT_TRUE(r.evals[3].passed) << r.evals[3].error;
}

}  // namespace
}  // namespace foresight::query
