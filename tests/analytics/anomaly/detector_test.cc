#include "analytics/anomaly/detector.h"

#include <cmath>
#include <filesystem>
#include <random>

#include "analytics/anomaly/nab_corpus.h"
#include "analytics/anomaly/nab_scorer.h"
#include "analytics/anomaly/windowed_gaussian.h"
#include "gtest/gtest.h"

namespace foresight::analytics {
namespace {

// A daily-like sine (period 48) with noise.
std::vector<double> Seasonal(int n, uint32_t seed = 1, double sd = 0.5) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0.0, sd);
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back(100 + 10 * std::sin(2 * M_PI * i / 48.0) + noise(rng));
  return v;
}

size_t ArgMax(const std::vector<AnomalyPoint>& p, size_t from = 0) {
  size_t best = from;
  for (size_t i = from + 1; i < p.size(); ++i) {
    if (p[i].score > p[best].score) best = i;
  }
  return best;
}

TEST(Detector, LearnsQuietlyThenScoresInRange) {
  auto v = Seasonal(2000);
  DetectorConfig c;
  c.warmup = 400;
  StreamingDetector d(c);
  for (size_t i = 0; i < v.size(); ++i) {
    const AnomalyPoint p = d.Update(v[i]);
    if (i < 400) {
      EXPECT_EQ(p.score, 0.0) << i;
    }
    EXPECT_GE(p.score, 0.0);
    EXPECT_LT(p.score, 1.0);
  }
  EXPECT_EQ(d.period(), 48);
  EXPECT_EQ(d.count(), 2000);
}

// A season must stand out from short-range correlation: the autocorrelation of a smooth series decays
// from lag 1, and a faint cycle riding on it makes a small bump in that decay, not a season (it used to be
// taken for one, and its arbitrary phases raised false alarms). A clear season is still found.
TEST(Detector, SeasonMustRiseAboveShortRangeCorrelation) {
  for (uint32_t seed = 1; seed <= 8; ++seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<double> noise(0.0, 1.0);
    DetectorConfig c;
    c.warmup = 600;
    StreamingDetector smooth(c);
    double x = 0;
    for (int i = 0; i < 600; ++i) {
      x = 0.95 * x + noise(rng);
      smooth.Update(50 + x + 1.0 * std::sin(2 * M_PI * i / 6.0));
    }
    EXPECT_EQ(smooth.period(), 0) << "seed " << seed;
    StreamingDetector seasonal(c);
    for (double v : Seasonal(600, seed)) seasonal.Update(v);
    EXPECT_EQ(seasonal.period(), 48) << "seed " << seed;
  }
}

TEST(Detector, FindsSpikeAndDropWithKindAndBand) {
  auto v = Seasonal(2000);
  v[1500] += 40;
  auto p = DetectAll(v);
  EXPECT_EQ(ArgMax(p), 1500u);
  EXPECT_EQ(p[1500].kind, AnomalyKind::kSpike);
  EXPECT_GT(p[1500].score, 0.5);
  EXPECT_GT(v[1500], p[1500].upper);
  // A normal point lies inside its band.
  EXPECT_LE(p[1400].lower, v[1400]);
  EXPECT_GE(p[1400].upper, v[1400]);
  v = Seasonal(2000);
  v[1500] -= 40;
  p = DetectAll(v);
  EXPECT_EQ(ArgMax(p), 1500u);
  EXPECT_EQ(p[1500].kind, AnomalyKind::kDrop);
}

TEST(Detector, SeasonalContextCatchesValueAtWrongPhase) {
  // A value that is normal at the peak but appears at the trough (with noise well below the bin width).
  auto v = Seasonal(3000, 1, 0.2);
  const int i = 2400 + 36;  // trough of the sine (sin = -1)
  v[i] = 109;
  auto p = DetectAll(v);
  // The strongest score is at the value or at the return from it (the volatility evidence sees the jump
  // back as well), and the value itself already scores high.
  const size_t top = ArgMax(p, 1000);
  EXPECT_TRUE(top == static_cast<size_t>(i) || top == static_cast<size_t>(i + 1)) << top;
  EXPECT_GT(p[i].score, 0.3);
  EXPECT_LT(p[i - 1].score, 0.3);
}

TEST(Detector, IsCausal) {
  auto a = Seasonal(1500);
  auto b = a;
  for (size_t i = 1000; i < b.size(); ++i) b[i] += 50;  // the future differs
  auto pa = DetectAll(a), pb = DetectAll(b);
  for (size_t i = 0; i < 1000; ++i) ASSERT_EQ(pa[i].score, pb[i].score) << i;
  EXPECT_GT(pb[1000].score, pa[1000].score);
}

TEST(Detector, IgnoresNonFinite) {
  auto v = Seasonal(800);
  StreamingDetector d;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i % 97 == 0) {
      EXPECT_EQ(d.Update(std::nan("")).score, 0.0);
      EXPECT_EQ(d.Update(INFINITY).score, 0.0);
    }
    d.Update(v[i]);
  }
  EXPECT_EQ(d.count(), 800);
}

TEST(Detector, SerializeRestoreContinuesExactly) {
  auto v = Seasonal(3000);
  v[2500] += 30;
  StreamingDetector whole;
  std::vector<double> want;
  for (double x : v) want.push_back(whole.Update(x).score);
  for (size_t cut : {size_t{0}, size_t{100}, size_t{399}, size_t{400}, size_t{2000}}) {
    StreamingDetector first;
    for (size_t i = 0; i < cut; ++i) first.Update(v[i]);
    auto restored = StreamingDetector::Restore(first.Serialize());
    ASSERT_TRUE(restored.ok()) << restored.status();
    for (size_t i = cut; i < v.size(); ++i)
      ASSERT_EQ(restored->Update(v[i]).score, want[i]) << cut << " " << i;
  }
}

TEST(Detector, RestoreRejectsCorruptState) {
  StreamingDetector d;
  for (double x : Seasonal(600)) d.Update(x);
  const std::string good = d.Serialize();
  EXPECT_FALSE(StreamingDetector::Restore("").ok());
  EXPECT_FALSE(StreamingDetector::Restore("garbage").ok());
  EXPECT_FALSE(StreamingDetector::Restore(good.substr(0, good.size() - 1)).ok());
  EXPECT_FALSE(StreamingDetector::Restore(good + "x").ok());
  // Random corruption must give an error or a usable detector, never a crash.
  std::mt19937 rng(7);
  for (int trial = 0; trial < 300; ++trial) {
    std::string bad = good;
    for (int k = 0; k < 3; ++k) bad[rng() % bad.size()] = static_cast<char>(rng());
    auto r = StreamingDetector::Restore(bad);
    if (r.ok()) {
      for (double x : Seasonal(200, trial)) r->Update(x);
    }
  }
}

// The context gate: when the context detector saw nothing new in the last few points, the evidence counts
// half (score s is evidence e / (e + 10)); a spike that makes new contexts keeps more of it.
TEST(Detector, ContextGateHalvesFamiliarEvidence) {
  auto v = Seasonal(3000, 2);
  v[2500] += 40;
  DetectorConfig on, off;
  off.context_gate = false;
  const auto pon = DetectAll(v, on), poff = DetectAll(v, off);
  const auto evidence = [](double s) { return 10 * s / (1 - s); };
  int halved = 0;
  for (size_t i = 400; i < v.size(); ++i) {
    ASSERT_LE(pon[i].score, poff[i].score) << i;
    if (poff[i].score > 0 &&
        std::abs(evidence(pon[i].score) - 0.5 * evidence(poff[i].score)) < 1e-9 * evidence(poff[i].score)) {
      ++halved;
    }
  }
  EXPECT_GT(halved, 2000);  // ordinary points: familiar contexts
  EXPECT_GT(evidence(pon[2500].score), 0.75 * evidence(poff[2500].score));
  EXPECT_EQ(ArgMax(pon, 400), 2500u);
}

// The level and volatility evidence grows for tens of points after a change, so the gate looks back as far
// for new contexts: a value stuck for 30 points keeps more than the floor (half) of its evidence, though its
// contexts are new only at its start and its evidence peaks 25 points later.
TEST(Detector, ContextGateLooksBackOverSlowEvidence) {
  auto v = Seasonal(3000, 3, 1.0);
  for (size_t i = 2000; i < 2030; ++i) v[i] = v[1999];
  DetectorConfig on, off;
  off.context_gate = false;
  const auto pon = DetectAll(v, on), poff = DetectAll(v, off);
  const auto evidence = [](double s) { return 10 * s / (1 - s); };
  double most_on = 0, most_off = 0;
  for (size_t i = 2000; i < 2030; ++i) {
    most_on = std::max(most_on, evidence(pon[i].score));
    most_off = std::max(most_off, evidence(poff[i].score));
  }
  EXPECT_GT(most_off, 5.0);  // the ungated detector does see it (volatility evidence)
  EXPECT_GT(most_on, 0.6 * most_off);
}

TEST(Detector, RestoreRefusesOtherVersions) {
  StreamingDetector d;
  for (double x : Seasonal(600)) d.Update(x);
  std::string state = d.Serialize();
  ASSERT_TRUE(StreamingDetector::Restore(state).ok());
  for (char version : {1, 2, 4}) {
    state[4] = version;
    EXPECT_FALSE(StreamingDetector::Restore(state).ok()) << int{version};
  }
}

TEST(WindowedGaussian, ScoresOutliersHigh) {
  std::vector<double> v = Seasonal(500);
  v[450] = 300;
  auto s = WindowedGaussianScores(v);
  EXPECT_EQ(s[0], 0.0);
  EXPECT_GT(s[450], 0.999);
  EXPECT_LT(s[449], 0.99);
}

// The detector's NAB score on the development subset must not fall below the targets (standard >= 78.2,
// reward_low_FP >= 71.7; measured 79.77 / 73.15 / 84.18, in-sample: see docs/analytics/anomaly.md).
TEST(Detector, NabDevScore) {
  const std::string dir = std::string(FORESIGHT_SHARED_DIR) + "/datasets/nab-dev";
  if (!std::filesystem::exists(dir + "/data")) GTEST_SKIP() << "no nab-dev data set at " << dir;
  auto data = LoadNabData(dir + "/data");
  ASSERT_TRUE(data.ok()) << data.status();
  std::vector<NabSeries> corpus;
  for (const NabFile& f : *data) {
    DetectorConfig c;
    c.warmup = NabProbationLength(static_cast<int64_t>(f.values.size()));
    NabSeries s{f.key(), f.timestamps, {}, {}};
    for (const auto& p : DetectAll(f.values, c)) s.scores.push_back(p.score);
    corpus.push_back(std::move(s));
  }
  auto windows = LoadNabWindows(dir + "/labels/combined_windows.json");  // read only after detection
  ASSERT_TRUE(windows.ok()) << windows.status();
  for (NabSeries& s : corpus) s.windows = (*windows)[s.name];
  auto standard = NabScoreCorpus(corpus, NabStandard());
  auto low_fp = NabScoreCorpus(corpus, NabRewardLowFp());
  ASSERT_TRUE(standard.ok() && low_fp.ok());
  EXPECT_GE(standard->normalized, 78.2);
  EXPECT_GE(low_fp->normalized, 71.7);
}

}  // namespace
}  // namespace foresight::analytics
