// Helpers shared by the block tests: temporary directories, generated series, brute-force reference
// evaluation and reading a querier into plain containers.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/labels.h"
#include "common/matcher.h"
#include "storage/block/block.h"
#include "storage/block/compact.h"
#include "storage/block/querier.h"
#include "storage/storage.h"

namespace foresight::storage::block::testing {

// All samples of a set of series, in label order (the reference the tests compare against).
using SeriesMap = std::map<Labels, std::vector<Sample>>;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = std::filesystem::temp_directory_path() / "foresight_block_XXXXXX";
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline Matcher M(MatchType t, std::string name, std::string value) {
  auto m = Matcher::Make(t, std::move(name), std::move(value));
  EXPECT_TRUE(m.ok()) << m.status();
  return *m;
}

// Writes `data` (restricted to nothing: every sample must be in [mint, maxt)) as a level-1 block.
inline std::shared_ptr<Block> WriteAndOpen(const std::string& dir, const SeriesMap& data, int64_t mint,
                                           int64_t maxt, int samples_per_chunk = kDefaultMaxSamplesPerChunk) {
  auto it = data.begin();
  WriteSeriesOptions o;
  o.max_samples_per_chunk = samples_per_chunk;
  auto meta = WriteBlockFromSeries(
      dir, mint, maxt,
      [&](Labels* l, std::vector<Sample>* s) -> absl::StatusOr<bool> {
        if (it == data.end()) return false;
        *l = it->first;
        *s = it->second;
        ++it;
        return true;
      },
      o);
  EXPECT_TRUE(meta.ok()) << meta.status();
  if (!meta.ok()) return nullptr;
  auto b = Block::Open(dir + "/" + meta->id);
  EXPECT_TRUE(b.ok()) << b.status();
  return b.ok() ? *b : nullptr;
}

// Reads every series and sample a Select returns, checking label order and iterator errors. Series with
// no sample in the range (a chunk overlapping it, but no sample inside) are left out, as in BruteForce.
inline SeriesMap ReadAll(Querier& q, std::span<const Matcher> matchers, const SelectHints* hints = nullptr) {
  SeriesMap out;
  auto set = q.Select(matchers, hints);
  const Labels* prev = nullptr;
  Labels prev_copy;
  while (set->Next()) {
    const Series& s = set->At();
    if (prev != nullptr) {
      EXPECT_TRUE(prev_copy < s.labels()) << prev_copy.ToString() << " then " << s.labels().ToString();
    }
    prev_copy = s.labels();
    prev = &prev_copy;
    auto it = s.Iterator();
    std::vector<Sample>& samples = out[s.labels()];
    while (it->Next()) samples.push_back(it->At());
    EXPECT_TRUE(it->Err().ok()) << it->Err();
    if (samples.empty()) out.erase(s.labels());
  }
  EXPECT_TRUE(set->Err().ok()) << set->Err();
  return out;
}

// The reference: series of `data` matching every matcher, samples clipped to [mint, maxt], series with
// no sample in range left out.
inline SeriesMap BruteForce(const SeriesMap& data, std::span<const Matcher> matchers, int64_t mint,
                            int64_t maxt) {
  SeriesMap out;
  if (matchers.empty()) return out;
  for (const auto& [labels, samples] : data) {
    bool ok = true;
    for (const Matcher& m : matchers) ok = ok && m.Matches(labels.Get(m.name()));
    if (!ok) continue;
    std::vector<Sample> in;
    for (const Sample& s : samples) {
      if (s.t >= mint && s.t <= maxt) in.push_back(s);
    }
    if (!in.empty()) out[labels] = std::move(in);
  }
  return out;
}

inline bool SameSamples(const std::vector<Sample>& a, const std::vector<Sample>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].t != b[i].t || std::bit_cast<uint64_t>(a[i].v) != std::bit_cast<uint64_t>(b[i].v)) return false;
  }
  return true;
}

inline void ExpectSameSeries(const SeriesMap& got, const SeriesMap& want) {
  ASSERT_EQ(got.size(), want.size());
  auto g = got.begin();
  for (auto w = want.begin(); w != want.end(); ++w, ++g) {
    ASSERT_EQ(g->first, w->first);
    EXPECT_TRUE(SameSamples(g->second, w->second))
        << w->first.ToString() << ": " << g->second.size() << " vs " << w->second.size() << " samples";
  }
}

// Generated data: `n` series over a few metric names and label names with varied cardinalities (some labels
// only on some series, unicode values), each with samples every `step` ms (with jitter and gaps) in
// [mint, maxt).
inline SeriesMap Generate(int n, int64_t mint, int64_t maxt, int64_t step, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const std::vector<std::string> metrics = {"up", "http_requests_total", "node_cpu_seconds_total",
                                            "mémoire_octets", "process_open_fds"};
  const std::vector<std::string> jobs = {"api", "db", "cache", "web", "ジョブ"};
  SeriesMap out;
  for (int i = 0; out.size() < static_cast<size_t>(n); ++i) {
    std::vector<Label> ls;
    ls.push_back({"__name__", metrics[rng() % metrics.size()]});
    ls.push_back({"job", jobs[rng() % jobs.size()]});
    ls.push_back({"instance", "host-" + std::to_string(rng() % (n / 4 + 1)) + ":9100"});
    if (rng() % 3 == 0) ls.push_back({"mode", rng() % 2 ? "idle" : "user"});
    if (rng() % 5 == 0) ls.push_back({"code", std::to_string(200 + rng() % 4 * 100)});
    if (rng() % 7 == 0) ls.push_back({"zone", "eu-" + std::string(1, static_cast<char>('a' + rng() % 3))});
    Labels labels(std::move(ls));
    if (out.count(labels)) continue;
    std::vector<Sample> samples;
    int64_t t = mint + static_cast<int64_t>(rng() % static_cast<uint64_t>(step));
    double v = static_cast<double>(rng() % 1000);
    while (t < maxt) {
      samples.push_back({t, v});
      v += static_cast<double>(rng() % 100) / 4.0;
      t += step + static_cast<int64_t>(rng() % 3) - 1;
      if (rng() % 200 == 0) t += step * 20;  // a gap
    }
    if (i % 11 == 0) samples.resize(samples.size() / 3);  // some series stop early
    if (samples.empty()) samples.push_back({mint, 1});
    out[std::move(labels)] = std::move(samples);
  }
  return out;
}

}  // namespace foresight::storage::block::testing
