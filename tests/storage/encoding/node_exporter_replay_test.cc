// The replay generator that the codec benchmarks (and load generators) run on: deterministic, counters
// monotonic across the recording's wrap, gauges on the recorded grid.
#include "bench/common/node_exporter_replay.h"

#include <cmath>
#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace foresight::bench {
namespace {

std::unique_ptr<NodeExporterReplay> LoadOrSkip(ReplayOptions o) {
  if (!std::ifstream(NodeExporterReplay::DefaultRecordingPath())) return nullptr;
  auto r = NodeExporterReplay::Load(o);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *std::move(r) : nullptr;
}

#define LOAD_OR_SKIP(var, opts) \
  auto var = LoadOrSkip(opts);  \
  if (!var) GTEST_SKIP() << "no recording at " << NodeExporterReplay::DefaultRecordingPath()

// Instance 0's series with this metric name and, if given, these label values.
size_t Find(const NodeExporterReplay& r, std::string_view name,
            std::initializer_list<std::pair<std::string_view, std::string_view>> labels = {}) {
  for (size_t s = 0; s < r.series_per_instance(); ++s) {
    Labels l = r.SeriesLabels(s);
    bool match = l.MetricName() == name;
    for (const auto& [k, v] : labels) match &= l.Get(k) == v;
    if (match) return s;
  }
  ADD_FAILURE() << "no series " << name;
  return 0;
}

TEST(NodeExporterReplayTest, LabelsAndShape) {
  ReplayOptions o;
  o.instances = 3;
  LOAD_OR_SKIP(r, o);
  EXPECT_EQ(r->series_per_instance(), 507u);
  EXPECT_EQ(r->num_series(), 3 * 507u);
  Labels l = r->SeriesLabels(507 + 3);  // instance 1, the fourth recorded series
  EXPECT_EQ(l.Get("instance"), "host-1:9100");
  EXPECT_EQ(l.Get("job"), "node");
  EXPECT_EQ(l.MetricName(), "go_gc_duration_seconds");
  EXPECT_EQ(l.Get("quantile"), "0.25");
  EXPECT_TRUE(r->IsCounter(0));  // go_gc_duration_seconds_count
  EXPECT_FALSE(r->IsCounter(Find(*r, "node_load1")));
  EXPECT_TRUE(r->IsCounter(Find(*r, "node_cpu_seconds_total", {{"cpu", "0"}, {"mode", "idle"}})));
}

TEST(NodeExporterReplayTest, DeterministicAndStepsMatchInstanceSeries) {
  ReplayOptions o;
  o.instances = 2;
  LOAD_OR_SKIP(a, o);
  LOAD_OR_SKIP(b, o);
  o.seed = 2;
  LOAD_OR_SKIP(c, o);
  auto sa = a->InstanceSeries(1, 20);
  auto sb = b->InstanceSeries(1, 20);
  auto sc = c->InstanceSeries(1, 20);
  bool differs = false;
  for (size_t s = 0; s < sa.size(); ++s) {
    for (size_t k = 0; k < 20; ++k) {
      ASSERT_EQ(sa[s][k].t, sb[s][k].t);
      ASSERT_EQ(sa[s][k].v, sb[s][k].v);
      differs |= sa[s][k].v != sc[s][k].v;
    }
  }
  EXPECT_TRUE(differs) << "another seed must give other data";
  std::vector<ReplaySample> step;
  for (int k = 0; k < 20; ++k) {
    step.clear();
    a->NextStep(&step);
    ASSERT_EQ(step.size(), a->num_series());
    for (const ReplaySample& x : step) {
      if (x.series < a->series_per_instance()) continue;  // instance 1 only
      const auto& want = sa[x.series - a->series_per_instance()][k];
      ASSERT_EQ(x.t, want.t);
      ASSERT_EQ(x.v, want.v);
    }
  }
  EXPECT_EQ(a->next_step(), 20);
}

TEST(NodeExporterReplayTest, CountersStayMonotonicAcrossTheWrap) {
  ReplayOptions o;
  o.instances = 2;
  LOAD_OR_SKIP(r, o);
  const int steps = 700;  // wraps the 300 recorded scrapes twice
  for (int i = 0; i < 2; ++i) {
    auto series = r->InstanceSeries(i, steps);
    int grew = 0;
    for (size_t s = 0; s < series.size(); ++s) {
      ASSERT_EQ(series[s].size(), static_cast<size_t>(steps));
      for (int k = 1; k < steps; ++k) {
        ASSERT_EQ(series[s][k].t - series[s][k - 1].t, o.interval_ms);
      }
      if (!r->IsCounter(s)) continue;
      for (int k = 1; k < steps; ++k) {
        ASSERT_GE(series[s][k].v, series[s][k - 1].v) << r->SeriesLabels(s).ToString() << " step " << k;
      }
      grew += series[s].back().v > series[s].front().v;
    }
    EXPECT_GT(grew, 50);
  }
}

TEST(NodeExporterReplayTest, GaugesKeepTheRecordedGrid) {
  ReplayOptions o;
  o.instances = 3;
  LOAD_OR_SKIP(r, o);
  for (int i = 0; i < 3; ++i) {
    auto series = r->InstanceSeries(i, 100);
    const auto& mem = series[Find(*r, "node_memory_MemFree_bytes")];
    const auto& load = series[Find(*r, "node_load1")];
    const auto& dur = series[Find(*r, "node_scrape_collector_duration_seconds", {{"collector", "cpu"}})];
    bool mem_varies = false;
    for (size_t k = 0; k < 100; ++k) {
      EXPECT_EQ(std::fmod(mem[k].v, 4096.0), 0.0);  // pages, as recorded
      mem_varies |= mem[k].v != mem[0].v;
      EXPECT_EQ(std::nearbyint(load[k].v * 100) / 100, load[k].v);  // two decimals, as recorded
      EXPECT_EQ(std::nearbyint(dur[k].v * 1e9) / 1e9, dur[k].v);
      EXPECT_GT(dur[k].v, 0);
    }
    EXPECT_TRUE(mem_varies);
  }
  // Instances differ from each other.
  EXPECT_NE(r->InstanceSeries(0, 5)[Find(*r, "node_memory_MemFree_bytes")][0].v,
            r->InstanceSeries(1, 5)[Find(*r, "node_memory_MemFree_bytes")][0].v);
}

TEST(NodeExporterReplayTest, MissingRecordingIsAnError) {
  ReplayOptions o;
  o.path = "/nonexistent/recording.tsv";
  EXPECT_FALSE(NodeExporterReplay::Load(o).ok());
  o.instances = 0;
  EXPECT_FALSE(NodeExporterReplay::Load(o).ok());
}

}  // namespace
}  // namespace foresight::bench
