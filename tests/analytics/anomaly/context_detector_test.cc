#include "analytics/anomaly/context_detector.h"

#include <cmath>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace foresight::analytics {
namespace {

// Uniform noise in [0, 10]: every coarse level and every ordinary change is seen in the warm-up.
std::vector<double> Noise(int n, uint32_t seed = 1) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 10.0);
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back(u(rng));
  return v;
}

// A repeating ramp 0, 1, ..., 11: a few contexts, all of them in the warm-up.
std::vector<double> Ramp(int n) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back(static_cast<double>(i % 12));
  return v;
}

std::vector<double> Scores(ContextDetector& d, const std::vector<double>& v) {
  std::vector<double> out;
  for (double x : v) out.push_back(d.Update(x));
  return out;
}

TEST(ContextDetector, LearnsQuietlyThenScoresShares) {
  ContextDetector d(ContextDetectorConfig{200});
  const auto s = Scores(d, Noise(1000));
  for (size_t i = 0; i < s.size(); ++i) {
    if (i < 200) {
      EXPECT_EQ(s[i], 0.0) << i;
    }
    EXPECT_GE(s[i], 0.0);
    EXPECT_LE(s[i], 1.0);
    // A share of the point's contexts.
    const double k = s[i] * ContextDetector::kContexts;
    EXPECT_NEAR(k, std::round(k), 1e-12) << i;
  }
  EXPECT_EQ(d.count(), 1000);
}

TEST(ContextDetector, RepeatedPatternIsNeverNovel) {
  ContextDetector d(ContextDetectorConfig{100});
  const auto s = Scores(d, Ramp(2000));
  for (size_t i = 100; i < s.size(); ++i) ASSERT_EQ(s[i], 0.0) << i;
}

// A value never seen exactly, in a familiar level and reached by a familiar change, is not news to this
// detector (it is to a fine-binned one): that is what makes it a second opinion.
TEST(ContextDetector, FamiliarLevelAndChangeIsNotNovel) {
  ContextDetector d(ContextDetectorConfig{400});
  auto v = Noise(3000);
  const auto s = Scores(d, v);
  int novel = 0;
  for (size_t i = 1000; i < s.size(); ++i) novel += s[i] > 0 ? 1 : 0;
  // Out of 2000 points whose exact values are all new, only rare combinations of change classes (a repeat,
  // about 1 point in 150, after a large change) are.
  EXPECT_LT(novel, 60);
}

TEST(ContextDetector, NewPathScoresHighAndIsThenLearnt) {
  auto v = Ramp(2000);
  v[1000] = 5;   // ... 3, 4, 5 then 5 instead of 4: a familiar level reached by a new change
  v[1500] = 40;  // far beyond the range: new level, new change
  ContextDetector d(ContextDetectorConfig{400});
  const auto s = Scores(d, v);
  EXPECT_GT(s[1000], 0.3);
  EXPECT_EQ(s[1500], 1.0);
  EXPECT_GT(s[1501], 0.0);  // and the return from it
  // The same excursion again is no longer new.
  v = Ramp(2000);
  v[1000] = 40;
  v[1480] = 40;  // after the same values as the first time
  ContextDetector again(ContextDetectorConfig{400});
  const auto t = Scores(again, v);
  EXPECT_EQ(t[1000], 1.0);
  EXPECT_EQ(t[1480], 0.0);
  EXPECT_EQ(t[1481], 0.0);
}

// A value that repeats is a change class of its own: where values never repeat, a stuck series is new.
TEST(ContextDetector, StuckValueIsNovel) {
  auto v = Noise(2000);
  for (size_t i = 1500; i < 1530; ++i) v[i] = v[1499];
  ContextDetector d(ContextDetectorConfig{400});
  const auto s = Scores(d, v);
  double most = 0;
  for (size_t i = 1500; i < 1503; ++i) most = std::max(most, s[i]);
  EXPECT_GE(most, 2.0 / ContextDetector::kContexts);  // "none after none", with and without the levels
}

TEST(ContextDetector, IsCausalAndSkipsNonFinite) {
  auto a = Noise(1500);
  auto b = a;
  for (size_t i = 1000; i < b.size(); ++i) b[i] += 100;
  ContextDetector da(ContextDetectorConfig{300}), db(ContextDetectorConfig{300});
  const auto sa = Scores(da, a), sb = Scores(db, b);
  for (size_t i = 0; i < 1000; ++i) ASSERT_EQ(sa[i], sb[i]) << i;
  EXPECT_EQ(sb[1000], 1.0);
  ContextDetector dn(ContextDetectorConfig{300});
  for (size_t i = 0; i < a.size(); ++i) {
    if (i % 50 == 0) {
      EXPECT_EQ(dn.Update(std::nan("")), 0.0);
    }
    ASSERT_EQ(dn.Update(a[i]), sa[i]) << i;
  }
  EXPECT_EQ(dn.count(), 1500);
}

// Memory is bounded: a series that keeps making new contexts fills the table to its load limit and no
// further, and the detector keeps working.
TEST(ContextDetector, MemoryIsBounded) {
  std::mt19937 rng(3);
  std::normal_distribution<double> step(0.0, 1.0);
  ContextDetector d(ContextDetectorConfig{100});
  double x = 0;
  for (int i = 0; i < 100; ++i) d.Update(std::sin(i));
  for (int i = 0; i < 200000; ++i) {
    x += step(rng);
    d.Update(std::sin(i) + 0.3 * x * std::sin(i / 7.0));
  }
  EXPECT_GT(d.remembered(), 1000);
  EXPECT_LE(d.remembered(), 3072);
  EXPECT_LE(d.Serialize().size(), size_t{17000});
}

TEST(ContextDetector, SerializeRestoreContinuesExactly) {
  auto v = Noise(2000);
  v[1500] = 30;
  ContextDetector whole(ContextDetectorConfig{300});
  const auto want = Scores(whole, v);
  for (size_t cut : {size_t{0}, size_t{10}, size_t{299}, size_t{300}, size_t{1200}}) {
    ContextDetector first(ContextDetectorConfig{300});
    for (size_t i = 0; i < cut; ++i) first.Update(v[i]);
    auto restored = ContextDetector::Restore(first.Serialize());
    ASSERT_TRUE(restored.ok()) << restored.status();
    EXPECT_EQ(restored->count(), static_cast<int64_t>(cut));
    for (size_t i = cut; i < v.size(); ++i) ASSERT_EQ(restored->Update(v[i]), want[i]) << cut << " " << i;
  }
}

// The table starts small and grows with the contexts seen; a restored detector continues identically.
TEST(ContextDetector, TableGrowsWithUseAndRoundTrips) {
  ContextDetector small(ContextDetectorConfig{100});
  Scores(small, std::vector<double>(300, 5.0));  // a constant series: a handful of contexts
  ContextDetector busy(ContextDetectorConfig{100});
  Scores(busy, Noise(3000));
  EXPECT_LT(small.Serialize().size(), 2048u);
  EXPECT_GT(busy.remembered(), small.remembered());
  EXPECT_GT(busy.Serialize().size(), small.Serialize().size());
  auto copy = ContextDetector::Restore(busy.Serialize());
  ASSERT_TRUE(copy.ok()) << copy.status();
  const std::vector<double> more = Noise(500, 3);
  EXPECT_EQ(Scores(*copy, more), Scores(busy, more));
}

TEST(ContextDetector, RestoreRejectsCorruptState) {
  ContextDetector d(ContextDetectorConfig{300});
  Scores(d, Noise(600));
  const std::string good = d.Serialize();
  EXPECT_FALSE(ContextDetector::Restore("").ok());
  EXPECT_FALSE(ContextDetector::Restore("garbage").ok());
  EXPECT_FALSE(ContextDetector::Restore(good.substr(0, good.size() - 1)).ok());
  EXPECT_FALSE(ContextDetector::Restore(good + "x").ok());
  std::string other_version = good;
  other_version[4] = 2;
  EXPECT_FALSE(ContextDetector::Restore(other_version).ok());
  // A slot cleared in the table (the state's tail) no longer matches the recorded occupancy.
  std::string cleared = good;
  for (size_t i = cleared.size() - 4; i > 0; i -= 4) {
    if (cleared.compare(i, 4, std::string(4, '\0')) != 0) {
      cleared.replace(i, 4, std::string(4, '\0'));
      break;
    }
  }
  ASSERT_NE(cleared, good);
  EXPECT_FALSE(ContextDetector::Restore(cleared).ok());
  // Random corruption gives an error or a usable detector, never a crash.
  std::mt19937 rng(7);
  for (int trial = 0; trial < 300; ++trial) {
    std::string bad = good;
    for (int k = 0; k < 3; ++k) bad[rng() % 120] = static_cast<char>(rng());  // the header and scalars
    auto r = ContextDetector::Restore(bad);
    if (r.ok()) Scores(*r, Noise(100, trial));
  }
}

}  // namespace
}  // namespace foresight::analytics
