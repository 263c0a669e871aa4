// Range functions evaluated on the engine's worker pool give the serial path's result bit for bit (values,
// series and their order), and keep the serial path's limits and errors.
#include <gtest/gtest.h>

#include <atomic>
#include <bit>
#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "mem_storage.h"
#include "query/engine/engine.h"

namespace foresight::query {
namespace {

using testing::MemStorage;

constexpr int64_t kMin = 60 * 1000;
constexpr int64_t kHour = 60 * kMin;

// Many counters and gauges of uneven shape: resets, gaps, staleness, NaN, series that start late.
void Fill(MemStorage& db, int series) {
  for (int s = 0; s < series; ++s) {
    std::string inst = "host-" + std::to_string(s);
    Labels counter{{"__name__", "req_total"}, {"instance", inst}, {"mode", s % 3 == 0 ? "a" : "b"}};
    Labels gauge{{"__name__", "load"}, {"instance", inst}};
    double c = 0;
    int64_t first = (s % 7) * 10 * kMin;
    for (int64_t t = first; t <= 3 * kHour; t += 15000) {
      if (s % 5 == 1 && t > kHour && t < kHour + 20 * kMin) continue;  // a gap
      c += static_cast<double>((t / 15000 * 31 + s * 17) % 23) / 7;
      if (s % 11 == 2 && t % (40 * kMin) == 0) c = 0;  // a counter reset
      db.Add(counter, t, c);
      double g = std::sin(static_cast<double>(t) / 600000 + s) * 10 + s;
      if (s % 13 == 3 && t == 2 * kHour) g = std::nan("");
      db.Add(gauge, t, g);
    }
    if (s % 9 == 4) db.Add(gauge, 3 * kHour + 15000, storage::StaleNaN());
  }
}

// Equal matrices, with values compared by their bits (NaN included).
void ExpectSameMatrix(const Matrix& a, const Matrix& b, const std::string& q) {
  ASSERT_EQ(a.size(), b.size()) << q;
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].metric, b[i].metric) << q;
    ASSERT_EQ(a[i].points.size(), b[i].points.size()) << q << " " << a[i].metric.ToString();
    for (size_t k = 0; k < a[i].points.size(); ++k) {
      EXPECT_EQ(a[i].points[k].t, b[i].points[k].t) << q;
      EXPECT_EQ(std::bit_cast<uint64_t>(a[i].points[k].v), std::bit_cast<uint64_t>(b[i].points[k].v))
          << q << " " << a[i].metric.ToString() << " at " << a[i].points[k].t;
    }
  }
}

const char* const kQueries[] = {
    "rate(req_total[5m])",
    "increase(req_total[10m])",
    "delta(load[5m])",
    "irate(req_total[5m])",
    "idelta(load[3m])",
    "changes(load[10m])",
    "resets(req_total[30m])",
    "deriv(load[10m])",
    "predict_linear(load[10m], 600)",
    "holt_winters(load[10m], 0.3, 0.6)",
    "avg_over_time(load[7m])",
    "min_over_time(load[7m])",
    "max_over_time(load[7m])",
    "sum_over_time(load[7m])",
    "count_over_time(load[7m])",
    "quantile_over_time(0.9, load[7m])",
    "stddev_over_time(load[7m])",
    "stdvar_over_time(load[7m])",
    "last_over_time(load[7m])",
    "present_over_time(load[7m])",
    "sum by (mode) (rate(req_total[5m]))",
    "sum(rate(req_total[5m]))",  // aggregations folded into the per-series results: same groups, order, bits
    "sum without (instance) ((increase(req_total[10m])))",
    "avg by (mode) (rate(req_total[5m]))",
    "count without (mode) (irate(req_total[5m]))",
    "min(deriv(load[10m]))",
    "max by (instance) (max_over_time(load[7m]))",
    "stddev by (mode) (rate(req_total[5m]))",
    "stdvar(delta(load[5m]))",
    "group by (mode) (changes(req_total[10m]))",
    "avg(sum_over_time(load[7m]))",  // NaN and gaps in the input
    "sum(last_over_time({__name__=~\"load|req_total\"}[7m]))",
    "topk(5, rate(req_total[5m]))",
    "rate(req_total[5m] offset 10m)",
    "max_over_time(rate(req_total[5m])[20m:1m])",  // a subquery: a loaded, not streamed, range input
    "rate(req_total{instance=\"host-3\"}[5m])",    // fewer series than a chunk
};

TEST(ParallelEval, RangeQueriesEqualSerialOverManySeries) {
  MemStorage db;
  Fill(db, 300);
  Engine serial(EngineOptions{.eval_threads = 1});
  Engine parallel(EngineOptions{.eval_threads = 4});
  for (const char* q : kQueries) {
    auto want = serial.Range(db, q, 20 * kMin, 3 * kHour + 5 * kMin, 45000);
    auto got = parallel.Range(db, q, 20 * kMin, 3 * kHour + 5 * kMin, 45000);
    ASSERT_TRUE(want.ok()) << q << ": " << want.status();
    ASSERT_TRUE(got.ok()) << q << ": " << got.status();
    const auto& wm = std::get<Matrix>(want->value);
    ASSERT_FALSE(wm.empty()) << q;
    ExpectSameMatrix(std::get<Matrix>(got->value), wm, q);
  }
}

TEST(ParallelEval, InstantQueriesEqualSerial) {
  MemStorage db;
  Fill(db, 300);
  Engine serial(EngineOptions{.eval_threads = 1});
  Engine parallel(EngineOptions{.eval_threads = 4});
  for (const char* q : kQueries) {
    auto want = serial.Instant(db, q, 2 * kHour);
    auto got = parallel.Instant(db, q, 2 * kHour);
    ASSERT_TRUE(want.ok()) << q << ": " << want.status();
    ASSERT_TRUE(got.ok()) << q << ": " << got.status();
    const auto& wv = std::get<Vector>(want->value);
    const auto& gv = std::get<Vector>(got->value);
    ASSERT_EQ(gv.size(), wv.size()) << q;
    for (size_t i = 0; i < wv.size(); ++i) {
      EXPECT_EQ(gv[i].metric, wv[i].metric) << q;
      EXPECT_EQ(std::bit_cast<uint64_t>(gv[i].v), std::bit_cast<uint64_t>(wv[i].v)) << q;
    }
  }
}

TEST(ParallelEval, ConcurrentQueriesShareThePool) {
  MemStorage db;
  Fill(db, 120);
  Engine serial(EngineOptions{.eval_threads = 1});
  Engine parallel(EngineOptions{.eval_threads = 3});
  auto want = serial.Range(db, "rate(req_total[5m])", 0, 3 * kHour, 60000);
  ASSERT_TRUE(want.ok());
  std::vector<std::thread> clients;
  std::atomic<int> same{0};
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&] {
      for (int k = 0; k < 3; ++k) {
        auto got = parallel.Range(db, "rate(req_total[5m])", 0, 3 * kHour, 60000);
        if (!got.ok()) continue;
        const auto& a = std::get<Matrix>(got->value);
        const auto& b = std::get<Matrix>(want->value);
        bool eq = a.size() == b.size();
        for (size_t i = 0; eq && i < a.size(); ++i) {
          eq = a[i].metric == b[i].metric && a[i].points.size() == b[i].points.size();
          for (size_t p = 0; eq && p < a[i].points.size(); ++p) {
            eq = std::bit_cast<uint64_t>(a[i].points[p].v) == std::bit_cast<uint64_t>(b[i].points[p].v);
          }
        }
        if (eq) same++;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(same.load(), 12);
}

// Sets `cancel` when the n-th series' samples are read: the query is canceled while workers evaluate.
class CancelingQueryable : public storage::Queryable {
 public:
  CancelingQueryable(storage::Queryable* q, int n) : q_(q), left_(n) {}
  absl::StatusOr<std::unique_ptr<storage::Querier>> NewQuerier(int64_t mint, int64_t maxt) override {
    auto in = q_->NewQuerier(mint, maxt);
    if (!in.ok()) return in.status();
    return std::unique_ptr<storage::Querier>(new Q(this, std::move(*in)));
  }
  std::atomic<bool> cancel{false};

 private:
  struct It : storage::SampleIterator {
    It(CancelingQueryable* p, std::unique_ptr<storage::SampleIterator> in) : p(p), in(std::move(in)) {}
    bool Next() override { return in->Next(); }
    bool Seek(int64_t t) override {
      if (p->left_.fetch_sub(1) == 1) p->cancel = true;
      return in->Seek(t);
    }
    storage::Sample At() const override { return in->At(); }
    CancelingQueryable* p;
    std::unique_ptr<storage::SampleIterator> in;
  };
  struct S : storage::Series {
    const Labels& labels() const override { return in->labels(); }
    std::unique_ptr<storage::SampleIterator> Iterator() const override {
      return std::make_unique<It>(p, in->Iterator());
    }
    CancelingQueryable* p = nullptr;
    const storage::Series* in = nullptr;
  };
  struct Set : storage::SeriesSet {
    bool Next() override {
      if (!in->Next()) return false;
      cur.in = &in->At();
      return true;
    }
    const storage::Series& At() const override { return cur; }
    std::unique_ptr<storage::SeriesSet> in;
    S cur;
  };
  struct Q : storage::Querier {
    Q(CancelingQueryable* p, std::unique_ptr<storage::Querier> in) : p(p), in(std::move(in)) {}
    std::unique_ptr<storage::SeriesSet> Select(std::span<const Matcher> m,
                                               const storage::SelectHints* h) override {
      auto set = std::make_unique<Set>();
      set->in = in->Select(m, h);
      set->cur.p = p;
      return set;
    }
    absl::StatusOr<std::vector<std::string>> LabelValues(std::string_view n,
                                                         std::span<const Matcher> m) override {
      return in->LabelValues(n, m);
    }
    absl::StatusOr<std::vector<std::string>> LabelNames(std::span<const Matcher> m) override {
      return in->LabelNames(m);
    }
    CancelingQueryable* p;
    std::unique_ptr<storage::Querier> in;
  };
  storage::Queryable* q_;
  std::atomic<int> left_;
};

TEST(ParallelEval, LimitsAndErrorsAsSerial) {
  MemStorage db;
  Fill(db, 200);
  for (int threads : {1, 4}) {
    SCOPED_TRACE(threads);
    // About 720 samples per series are loaded: 200 series need far more than 20,000.
    Engine small(EngineOptions{.max_samples = 20000, .eval_threads = threads});
    auto r = small.Range(db, "rate(req_total[5m])", 0, 3 * kHour, 60000);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(ErrorTypeOf(r.status()), ErrorType::kExecution);
    EXPECT_EQ(r.status().message(),
              "query processing would load too many samples into memory in query execution");

    Engine engine(EngineOptions{.eval_threads = threads});
    r = engine.Range(db, "holt_winters(load[10m], 1.5, 0.5)", 0, 3 * kHour, 60000);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().message(), "invalid smoothing factor. Expected: 0 < sf < 1, got: 1.500000");

    // Canceled after 50 of 200 series were read: the workers see it between series.
    CancelingQueryable canceling(&db, 50);
    r = engine.Range(canceling, "rate(req_total[5m])", 0, 3 * kHour, 60000,
                     QueryOptions{.cancel = &canceling.cancel});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(ErrorTypeOf(r.status()), ErrorType::kCanceled);
    EXPECT_EQ(r.status().message(), "query was canceled in expression evaluation");
  }
}

}  // namespace
}  // namespace foresight::query
