#include "analytics/live/live.h"

#include <cmath>
#include <fstream>
#include <string>

#include "analytics/live/state.h"
#include "gtest/gtest.h"
#include "test_db.h"
#include "yaml-cpp/yaml.h"

namespace foresight::analytics {
namespace {

using testing::Noise;

constexpr int64_t kT0 = 1'700'000'040'000;  // on the minute
constexpr int64_t kStep = 60'000;
constexpr int kN = 600;
constexpr int kSpike = 500;

Watch LatencyWatch() {
  Watch w;
  w.name = "latency";
  w.query = "req_latency";
  w.interval_ms = kStep;
  w.warmup = 200;
  w.catchup_ms = 12 * 3600'000;
  return w;
}

// A spike at kSpike, and a drop (below anything seen) after the restart.
double Latency(int i) { return 100 + 5 * Noise(i) + (i == kSpike ? 80 : 0) - (i == kN + 20 ? 80 : 0); }

class LiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_.Load({{"__name__", "req_latency"}, {"svc", "api"}}, kT0, kStep, kN, Latency);
    state_ = db_.dir() + "/analytics/anomaly_state.bin";
  }
  std::unique_ptr<LiveDetector> Make(Watch w) {
    LiveOptions o;
    o.watches = {w};
    o.state_path = state_;
    o.now_ms = [] { return int64_t{0}; };
    return std::make_unique<LiveDetector>(LiveDeps{db_.db(), db_.db(), &engine_}, o);
  }
  // The output series' value at t (NaN when absent).
  double ValueAt(const std::string& name, int64_t t) {
    auto r = engine_.Instant(*db_.db(), name + "{watch=\"latency\",svc=\"api\"}", t);
    EXPECT_TRUE(r.ok()) << r.status();
    const auto& v = std::get<query::Vector>(r->value);
    return v.size() == 1 ? v[0].v : NAN;
  }
  double ScoreAt(int i) {
    auto r = engine_.Instant(*db_.db(), "anomaly_score{watch=\"latency\",svc=\"api\"}[1s]", kT0 + i * kStep);
    EXPECT_TRUE(r.ok()) << r.status();
    const auto& m = std::get<query::Matrix>(r->value);
    return m.size() == 1 && m[0].points.size() == 1 ? m[0].points[0].v : NAN;
  }

  testing::TestDB db_;
  query::Engine engine_;
  std::string state_;
};

TEST_F(LiveTest, ScoresTheSpikeAndSurvivesARestart) {
  {
    auto live = Make(LatencyWatch());
    ASSERT_TRUE(live->Restore().ok());
    ASSERT_TRUE(live->RunOnce(kT0 + (kN - 1) * kStep + 5000).ok());
    auto st = live->Status();
    ASSERT_EQ(st.size(), 1u);
    EXPECT_EQ(st[0].points, kN);
    EXPECT_EQ(st[0].labels.Get("svc"), "api");
    // Running again at the same time does nothing.
    ASSERT_TRUE(live->RunOnce(kT0 + (kN - 1) * kStep + 9000).ok());
    EXPECT_EQ(live->Status()[0].points, kN);
  }
  EXPECT_GT(ScoreAt(kSpike), 0.5);
  double max_other = 0;
  for (int i = 250; i < kN; ++i) {
    if (i != kSpike && i != kSpike + 1) max_other = std::max(max_other, ScoreAt(i));
  }
  EXPECT_LT(max_other, 0.5);
  EXPECT_EQ(ScoreAt(10), 0);  // learning
  const int64_t spike_t = kT0 + kSpike * kStep;
  EXPECT_NEAR(ValueAt("anomaly_expected", spike_t), 100, 10);
  EXPECT_LT(ValueAt("anomaly_upper", spike_t), 180);
  EXPECT_GT(ValueAt("anomaly_upper", spike_t), ValueAt("anomaly_lower", spike_t));

  // Restart: 30 more points with a spike at kN + 20; the restored detector scores it without re-learning.
  db_.Load({{"__name__", "req_latency"}, {"svc", "api"}}, kT0 + kN * kStep, kStep, 30,
           [](int i) { return Latency(kN + i); });
  auto live = Make(LatencyWatch());
  ASSERT_TRUE(live->Restore().ok());
  ASSERT_EQ(live->Status().size(), 1u);
  EXPECT_EQ(live->Status()[0].points, kN);
  ASSERT_TRUE(live->RunOnce(kT0 + (kN + 29) * kStep).ok());
  EXPECT_EQ(live->Status()[0].points, kN + 30);  // only the new points were fed
  EXPECT_GT(ScoreAt(kN + 20), 0.5);

  // Without the state a detector would still be learning on those 30 points.
  auto fresh = std::make_unique<LiveDetector>(LiveDeps{db_.db(), db_.db(), &engine_},
                                              LiveOptions{{[] {
                                                            auto w = LatencyWatch();
                                                            w.name = "fresh";
                                                            w.catchup_ms = 30 * kStep;
                                                            return w;
                                                          }()},
                                                          "",
                                                          nullptr,
                                                          100});
  ASSERT_TRUE(fresh->RunOnce(kT0 + (kN + 29) * kStep).ok());
  EXPECT_LT(fresh->Status()[0].points, 200);
}

TEST_F(LiveTest, ChangedWatchOrCorruptStateStartsFresh) {
  {
    auto live = Make(LatencyWatch());
    ASSERT_TRUE(live->RunOnce(kT0 + (kN - 1) * kStep).ok());
  }
  Watch changed = LatencyWatch();
  changed.sensitivity = 0.9;
  auto live = Make(changed);
  ASSERT_TRUE(live->Restore().ok());
  EXPECT_TRUE(live->Status().empty());

  // Truncate the file: Restore fails cleanly and Start still runs.
  auto bytes = live::ReadWholeFile(state_);
  ASSERT_TRUE(bytes.ok());
  for (size_t cut : {size_t{0}, size_t{3}, size_t{30}, bytes->size() / 2, bytes->size() - 1}) {
    std::ofstream(state_, std::ios::binary | std::ios::trunc)
        .write(bytes->data(), static_cast<std::streamsize>(cut));
    auto again = Make(LatencyWatch());
    EXPECT_FALSE(again->Restore().ok()) << cut;
    EXPECT_TRUE(again->Status().empty());
  }
  std::string flipped = *bytes;
  flipped[flipped.size() - 10] ^= 0x5a;
  EXPECT_FALSE(live::DecodeState(flipped).ok());
  auto ok = live::DecodeState(*bytes);
  ASSERT_TRUE(ok.ok()) << ok.status();
  ASSERT_EQ(ok->size(), 1u);
  EXPECT_EQ((*ok)[0].name, "latency");
  ASSERT_EQ((*ok)[0].series.size(), 1u);
  EXPECT_EQ((*ok)[0].series[0].last_t, kT0 + (kN - 1) * kStep);
}

TEST_F(LiveTest, StartAndStopRunTheLoop) {
  Watch w = LatencyWatch();
  LiveOptions o;
  o.watches = {w};
  o.state_path = state_;
  o.now_ms = [] { return kT0 + (kN - 1) * kStep; };
  LiveDetector live(LiveDeps{db_.db(), db_.db(), &engine_}, o);
  ASSERT_TRUE(live.Start().ok());
  for (int i = 0; i < 200 && live.Status().empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  live.Stop();
  ASSERT_EQ(live.Status().size(), 1u);
  EXPECT_EQ(live.Status()[0].points, kN);
  EXPECT_TRUE(live::ReadWholeFile(state_).ok());
  EXPECT_FALSE(LiveDetector(LiveDeps{}, o).Start().ok());
}

TEST(ParseWatches, ReadsTheConfigSection) {
  const YAML::Node n = YAML::Load(R"(
watches:
  - name: latency
    query: req_latency
    sensitivity: 0.7
    interval: 30s
    warmup: 100
    catchup: 2h
  - name: errors
    query: rate(errors_total[5m])
)");
  auto w = ParseWatches(n);
  ASSERT_TRUE(w.ok()) << w.status();
  ASSERT_EQ(w->size(), 2u);
  EXPECT_EQ((*w)[0].name, "latency");
  EXPECT_DOUBLE_EQ((*w)[0].sensitivity, 0.7);
  EXPECT_EQ((*w)[0].interval_ms, 30'000);
  EXPECT_EQ((*w)[0].warmup, 100);
  EXPECT_EQ((*w)[0].catchup_ms, 2 * 3600'000);
  EXPECT_EQ((*w)[1].interval_ms, 60'000);
  EXPECT_DOUBLE_EQ((*w)[1].sensitivity, 0.5);
  EXPECT_TRUE(ParseWatches(YAML::Node()).ok());
  EXPECT_TRUE(ParseWatches(YAML::Load("watches:"))->empty());
}

TEST(ParseWatches, ErrorsNameTheField) {
  const std::pair<const char*, const char*> cases[] = {
      {"watches: [{name: a}]", "query"},
      {"watches: [{query: up}]", "name"},
      {"watches: [{name: a, query: 'sum('}]", "query"},
      {"watches: [{name: a, query: up, interval: soon}]", "interval"},
      {"watches: [{name: a, query: up, sensitivity: 2}]", "sensitivity"},
      {"watches: [{name: a, query: up, sensitivity: high}]", "sensitivity"},
      {"watches: [{name: a, query: up, warmup: 3}]", "warmup"},
      {"watches: [{name: a, query: up, colour: red}]", "colour"},
      {"watches: [{name: a, query: up}, {name: a, query: up}]", "duplicate"},
      {"watches: {name: a}", "list"},
  };
  for (const auto& [yaml, word] : cases) {
    auto w = ParseWatches(YAML::Load(yaml));
    ASSERT_FALSE(w.ok()) << yaml;
    EXPECT_NE(std::string(w.status().message()).find(word), std::string::npos) << yaml << ": " << w.status();
  }
}

}  // namespace
}  // namespace foresight::analytics
