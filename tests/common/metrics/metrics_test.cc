#include "common/metrics/metrics.h"

#include <cmath>
#include <limits>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace foresight::metrics {
namespace {

TEST(CounterTest, IncrementsAndIgnoresNegative) {
  Counter c;
  c.Inc();
  c.Inc(2.5);
  c.Inc(-10);
  EXPECT_DOUBLE_EQ(c.Value(), 3.5);
}

TEST(GaugeTest, SetAddIncDec) {
  Gauge g;
  g.Set(10);
  g.Add(-2.5);
  g.Inc();
  g.Dec();
  g.Dec();
  EXPECT_DOUBLE_EQ(g.Value(), 6.5);
}

TEST(HistogramTest, BucketsAreInclusiveAndCumulative) {
  Histogram h({1, 2, 5});
  for (double v : {0.5, 1.0, 1.5, 2.0, 4.0, 7.0, std::numeric_limits<double>::quiet_NaN()}) h.Observe(v);
  Sample s;
  h.Fill(&s);
  ASSERT_EQ(s.buckets.size(), 3u);
  EXPECT_EQ(s.buckets[0], std::make_pair(1.0, uint64_t{2}));  // 0.5, 1.0
  EXPECT_EQ(s.buckets[1], std::make_pair(2.0, uint64_t{4}));  // + 1.5, 2.0
  EXPECT_EQ(s.buckets[2], std::make_pair(5.0, uint64_t{5}));  // + 4.0
  EXPECT_EQ(s.count, 7u);                                     // + 7.0 and NaN in +Inf
  EXPECT_TRUE(std::isnan(s.sum));
  EXPECT_EQ(h.Count(), 7u);
}

TEST(FamilyTest, CellsPerLabelValuesAreStable) {
  Registry r;
  auto fam = r.AddCounter("requests_total", "help", {"handler", "code"});
  ASSERT_TRUE(fam.ok()) << fam.status();
  Counter& a = (*fam)->WithLabelValues({"/a", "200"});
  Counter& a2 = (*fam)->WithLabelValues({"/a", "200"});
  Counter& b = (*fam)->WithLabelValues({"/a", "500"});
  EXPECT_EQ(&a, &a2);
  EXPECT_NE(&a, &b);
  a.Inc();
  a2.Inc();
  FamilySnapshot snap = (*fam)->Snapshot();
  ASSERT_EQ(snap.samples.size(), 2u);
  EXPECT_EQ(snap.samples[0].labels[0], std::make_pair(std::string("handler"), std::string("/a")));
  EXPECT_EQ(snap.samples[0].labels[1].second, "200");
  EXPECT_DOUBLE_EQ(snap.samples[0].value, 2);
}

TEST(FamilyTest, WrongArityIsPaddedNotFatal) {
  Registry r;
  auto fam = r.AddGauge("g", "h", {"a", "b"});
  ASSERT_TRUE(fam.ok());
  Gauge& g1 = (*fam)->WithLabelValues({"x"});
  Gauge& g2 = (*fam)->WithLabelValues({"x", ""});
  Gauge& g3 = (*fam)->WithLabelValues({"x", "", "extra"});
  EXPECT_EQ(&g1, &g2);
  EXPECT_EQ(&g1, &g3);
}

TEST(RegistryTest, GetOrCreateAndConflicts) {
  Registry r;
  auto c1 = r.AddCounter("x_total", "h", {"a"});
  auto c2 = r.AddCounter("x_total", "other help", {"a"});
  ASSERT_TRUE(c1.ok() && c2.ok());
  EXPECT_EQ(*c1, *c2);
  EXPECT_EQ(r.AddGauge("x_total", "h", {"a"}).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(r.AddCounter("x_total", "h", {"b"}).status().code(), absl::StatusCode::kAlreadyExists);
  auto h1 = r.AddHistogram("lat", "h", {}, {1, 2});
  ASSERT_TRUE(h1.ok());
  EXPECT_EQ(r.AddHistogram("lat", "h", {}, {1, 3}).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(r.AddHistogram("lat", "h", {}, {1, 2, std::numeric_limits<double>::infinity()}).ok());
}

TEST(RegistryTest, RejectsInvalidNames) {
  Registry r;
  EXPECT_FALSE(r.AddCounter("1abc", "h").ok());
  EXPECT_FALSE(r.AddCounter("a-b", "h").ok());
  EXPECT_FALSE(r.AddCounter("", "h").ok());
  EXPECT_TRUE(r.AddCounter("ns:sub_name1", "h").ok());
  EXPECT_FALSE(r.AddCounter("c", "h", {"__reserved"}).ok());
  EXPECT_FALSE(r.AddCounter("c", "h", {"a:b"}).ok());
  EXPECT_FALSE(r.AddCounter("c", "h", {"a", "a"}).ok());
  EXPECT_FALSE(r.AddHistogram("hh", "h", {"le"}).ok());
  EXPECT_FALSE(r.AddHistogram("hh", "h", {}, {2, 1}).ok());
  EXPECT_FALSE(r.AddHistogram("hh", "h", {}, {1, 1}).ok());
}

TEST(RegistryTest, GatherSortsAndMergesCollectors) {
  Registry r;
  ASSERT_TRUE(r.AddGauge("b_gauge", "h").ok());
  (*r.AddCounter("a_total", "h"))->Get().Inc();
  uint64_t id = r.AddCollector([](std::vector<FamilySnapshot>* out) {
    out->push_back(FamilySnapshot::Single("c_value", "from collector", MetricType::kGauge, 7));
    out->push_back(FamilySnapshot::Single("b_gauge", "merged", MetricType::kGauge, 3));
    out->push_back(FamilySnapshot::Single("a_total", "wrong type dropped", MetricType::kGauge, 3));
    out->push_back(FamilySnapshot::Single("bad-name", "dropped", MetricType::kGauge, 3));
  });
  auto fams = r.Gather();
  ASSERT_EQ(fams.size(), 3u);
  EXPECT_EQ(fams[0].name, "a_total");
  EXPECT_EQ(fams[0].samples.size(), 1u);
  EXPECT_EQ(fams[1].name, "b_gauge");
  EXPECT_EQ(fams[1].samples.size(), 1u);  // the registered gauge has no cell yet; the collector's merged
  EXPECT_DOUBLE_EQ(fams[1].samples[0].value, 3);
  EXPECT_EQ(fams[2].name, "c_value");
  r.RemoveCollector(id);
  EXPECT_EQ(r.Gather().size(), 2u);
}

TEST(RegistryTest, ConcurrentUpdatesAreNotLost) {
  Registry r;
  auto* fam = *r.AddCounter("n_total", "h", {"t"});
  auto* hist = *r.AddHistogram("d", "h", {}, {0.5});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10000; ++i) {
        fam->WithLabelValues({std::to_string(i % 3)}).Inc();
        hist->Get().Observe(t % 2 ? 0.25 : 1.0);
        if (i % 1000 == 0) (void)r.Gather();
      }
    });
  }
  for (auto& th : threads) th.join();
  double total = 0;
  for (const auto& s : fam->Snapshot().samples) total += s.value;
  EXPECT_DOUBLE_EQ(total, 40000);
  EXPECT_EQ(hist->Get().Count(), 40000u);
  EXPECT_DOUBLE_EQ(hist->Get().Sum(), 20000 * 0.25 + 20000 * 1.0);
}

}  // namespace
}  // namespace foresight::metrics
