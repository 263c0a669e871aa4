#include "analytics/anomaly/nab_scorer.h"

#include <cmath>
#include <filesystem>

#include "analytics/anomaly/nab_corpus.h"
#include "gtest/gtest.h"

namespace foresight::analytics {
namespace {

// A 100-row series (probation: 15 rows) with one window over rows 40..49, timestamps = row index.
NabSeries OneWindow(std::vector<int> detections) {
  NabSeries s;
  s.name = "one";
  for (int i = 0; i < 100; ++i) {
    s.timestamps.push_back(i);
    s.scores.push_back(0.0);
  }
  for (int d : detections) s.scores[d] = 1.0;
  s.windows = {{40, 49}};
  return s;
}

double Raw(const NabSeries& s, const NabProfile& p, double threshold = 0.5) {
  auto pts = NabSweep(s);
  EXPECT_TRUE(pts.ok()) << pts.status();
  return NabScoreAtThreshold(*pts, static_cast<int64_t>(s.windows.size()), threshold, p).score;
}

TEST(NabScorer, ScaledSigmoid) {
  // sigma(y) = -tanh(5y/2)
  EXPECT_NEAR(NabScaledSigmoid(0.0), 0.0, 1e-12);
  EXPECT_NEAR(NabScaledSigmoid(-1.0), 0.98661430, 1e-8);
  EXPECT_NEAR(NabScaledSigmoid(1.0), -0.98661430, 1e-8);
  EXPECT_EQ(NabScaledSigmoid(3.01), -1.0);
}

TEST(NabScorer, ProbationLength) {
  EXPECT_EQ(NabProbationLength(100), 15);
  EXPECT_EQ(NabProbationLength(4032), 604);
  EXPECT_EQ(NabProbationLength(10320), 750);
}

TEST(NabScorer, HandWorkedSingleFile) {
  const NabProfile std_p = NabStandard();
  EXPECT_NEAR(Raw(OneWindow({}), std_p), -1.0, 1e-12);           // missed window
  EXPECT_NEAR(Raw(OneWindow({40}), std_p), 1.0, 1e-12);          // left edge: full credit
  EXPECT_NEAR(Raw(OneWindow({40, 45, 49}), std_p), 1.0, 1e-12);  // only the earliest counts
  // Right edge: y = -1/10, sigma(-0.1)/sigma(-1) = tanh(0.25)/tanh(2.5) = 0.24491866/0.98661430.
  EXPECT_NEAR(Raw(OneWindow({49}), std_p), 0.24824159, 1e-7);
  // FP before any window: -A_FP; in probation: nothing.
  EXPECT_NEAR(Raw(OneWindow({20, 40}), std_p), 1.0 - 0.11, 1e-12);
  EXPECT_NEAR(Raw(OneWindow({5, 40}), std_p), 1.0, 1e-12);
  EXPECT_NEAR(Raw(OneWindow({20, 40}), NabRewardLowFp()), 1.0 - 0.22, 1e-12);
  EXPECT_NEAR(Raw(OneWindow({}), NabRewardLowFn()), -2.0, 1e-12);
  // FP after the window: y = (59 - 49) / (10 - 1) = 1.1111, sigma = -tanh(2.7778) = -0.9922979.
  EXPECT_NEAR(Raw(OneWindow({40, 59}), std_p), 1.0 - 0.11 * 0.9922979, 1e-6);
  // Just after the window: y = 1/9, sigma = -tanh(0.27778) = -0.2708471.
  EXPECT_NEAR(Raw(OneWindow({40, 50}), std_p), 1.0 - 0.11 * 0.2708471, 1e-6);
  // Far after (y > 3): -A_FP.
  EXPECT_NEAR(Raw(OneWindow({40, 90}), std_p), 1.0 - 0.11, 1e-12);
}

TEST(NabScorer, CorpusThresholdAndNormalisation) {
  // File a: window at rows 40..49 with score 0.9 at row 40, and an FP of 0.8 at row 20.
  // File b: no window, FP of 0.7 at row 30.  Thresholds: 0.9 -> 1 + (-1) + 0 = ... per profile below.
  NabSeries a = OneWindow({});
  a.name = "a";
  a.scores[40] = 0.9;
  a.scores[20] = 0.8;
  NabSeries b = OneWindow({});
  b.name = "b";
  b.windows.clear();
  b.scores[30] = 0.7;
  // Standard: thr 0.9 -> +1; thr 0.8 -> 0.89; thr 0.7 -> 0.78; nothing -> -1.  Best 0.9, raw 1 = perfect.
  auto s = NabScoreCorpus({a, b}, NabStandard());
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_DOUBLE_EQ(s->threshold, 0.9);
  EXPECT_NEAR(s->raw, 1.0, 1e-12);
  EXPECT_NEAR(s->normalized, 100.0, 1e-9);
  ASSERT_EQ(s->files.size(), 2u);
  EXPECT_EQ(s->files[0].tp, 1);
  EXPECT_EQ(s->files[1].fp, 0);
  // With the window's best score below the FPs it has to accept both FPs: 1 - 0.11 - 0.11 = 0.78 > -1.
  a.scores[40] = 0.6;
  s = NabScoreCorpus({a, b}, NabStandard());
  ASSERT_TRUE(s.ok());
  EXPECT_DOUBLE_EQ(s->threshold, 0.6);
  EXPECT_NEAR(s->raw, 0.78, 1e-12);
  EXPECT_NEAR(s->normalized, 100.0 * (0.78 + 1.0) / 2.0, 1e-9);
  // Normalisation with 2 windows under reward_low_FN: null -4, perfect 2.
  EXPECT_NEAR(NabNormalize(-1.0, 2, NabRewardLowFn()), 50.0, 1e-12);
}

TEST(NabScorer, RejectsBadInput) {
  NabSeries s = OneWindow({});
  s.scores.pop_back();
  EXPECT_FALSE(NabSweep(s).ok());
  s = OneWindow({});
  s.windows = {{200, 300}};
  EXPECT_FALSE(NabSweep(s).ok());
  s = OneWindow({});
  s.timestamps[10] = 5;
  EXPECT_FALSE(NabSweep(s).ok());
}

// The published Numenta HTM results on the nab-dev subset must score as NAB scores them.
TEST(NabScorer, ReproducesNumentaOnNabDev) {
  const std::string dir = std::string(FORESIGHT_SHARED_DIR) + "/datasets/nab-dev";
  if (!std::filesystem::exists(dir + "/results-numenta")) GTEST_SKIP() << "no nab-dev data set at " << dir;
  auto data = LoadNabData(dir + "/data");
  ASSERT_TRUE(data.ok()) << data.status();
  auto windows = LoadNabWindows(dir + "/labels/combined_windows.json");
  ASSERT_TRUE(windows.ok()) << windows.status();
  std::vector<NabSeries> corpus;
  for (const NabFile& f : *data) {
    NabSeries s;
    s.name = f.key();
    s.windows = (*windows)[f.key()];
    ASSERT_TRUE(LoadNabResultScores(dir + "/results-numenta/" + f.category + "/numenta_" + f.file,
                                    &s.timestamps, &s.scores)
                    .ok());
    ASSERT_EQ(s.timestamps, f.timestamps) << f.key();
    corpus.push_back(std::move(s));
  }
  ASSERT_EQ(corpus.size(), 31u);
  const double want[] = {71.21, 64.99, 75.87};
  const auto profiles = NabProfiles();
  for (size_t i = 0; i < profiles.size(); ++i) {
    auto s = NabScoreCorpus(corpus, profiles[i]);
    ASSERT_TRUE(s.ok()) << s.status();
    EXPECT_NEAR(s->normalized, want[i], 0.05) << profiles[i].name;
    std::printf("%s: %.3f (threshold %.6f)\n", profiles[i].name.c_str(), s->normalized, s->threshold);
  }
}

}  // namespace
}  // namespace foresight::analytics
