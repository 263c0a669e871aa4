// anomaly_eval: runs Foresight's streaming detector and a windowed-Gaussian baseline over a corpus in NAB's
// layout, writes per-file results in NAB's results layout, and prints the NAB scores of both.
//
//   anomaly_eval --data DIR [--out RESULTS_DIR] [--per-file] [--windows] [--quiet]
//                [--detector default|surprise|context] [--name NAME]
//
// DIR holds data/<category>/<file>.csv and labels/combined_windows.json. Detection runs first, over the data
// only; the labels are read afterwards, by the scoring step.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "CLI/CLI.hpp"
#include "analytics/anomaly/context_detector.h"
#include "analytics/anomaly/detector.h"
#include "analytics/anomaly/nab_corpus.h"
#include "analytics/anomaly/nab_scorer.h"
#include "analytics/anomaly/windowed_gaussian.h"

namespace fa = foresight::analytics;

namespace {

struct Detected {
  std::string name;
  std::vector<std::vector<double>> scores;  // per file
};

void Report(const Detected& det, const std::vector<fa::NabFile>& files,
            const std::map<std::string, std::vector<fa::NabWindow>>& windows, bool per_category) {
  std::vector<fa::NabSeries> corpus;
  for (size_t i = 0; i < files.size(); ++i) {
    fa::NabSeries s;
    s.name = files[i].key();
    s.timestamps = files[i].timestamps;
    s.scores = det.scores[i];
    auto it = windows.find(files[i].key());
    if (it != windows.end()) s.windows = it->second;
    corpus.push_back(std::move(s));
  }
  std::printf("%-18s", det.name.c_str());
  std::vector<fa::NabCorpusScore> all;
  for (const auto& p : fa::NabProfiles()) {
    auto r = fa::NabScoreCorpus(corpus, p);
    if (!r.ok()) {
      std::printf("\nerror: %s\n", std::string(r.status().message()).c_str());
      return;
    }
    std::printf("  %s %6.2f (thr %.4f)", p.name.c_str(), r->normalized, r->threshold);
    all.push_back(*r);
  }
  std::printf("\n");
  if (!per_category) return;
  std::map<std::string, std::vector<size_t>> cats;
  for (size_t i = 0; i < files.size(); ++i) cats[files[i].category].push_back(i);
  const auto profiles = fa::NabProfiles();
  for (const auto& [cat, idx] : cats) {
    std::printf("  %-22s", cat.c_str());
    for (size_t p = 0; p < all.size(); ++p) {
      double raw = 0;
      int64_t nw = 0, tp = 0, fp = 0;
      for (size_t i : idx) {
        raw += all[p].files[i].raw;
        nw += all[p].files[i].windows;
        tp += all[p].files[i].tp;
        fp += all[p].files[i].fp;
      }
      if (nw > 0) {
        std::printf("  %6.2f (tp %lld/%lld fp %lld)", fa::NabNormalize(raw, nw, profiles[p]), (long long)tp,
                    (long long)nw, (long long)fp);
      } else {
        std::printf("  raw %6.3f (fp %lld)      ", raw, (long long)fp);
      }
    }
    std::printf("\n");
  }
}

// For each file, at the corpus threshold of `profile`: where each window is first detected (row, position
// in the window from 0 at its start to 1 at its end, and NAB's reward factor there) or the highest score
// inside it when missed, and every false positive (row and its cost factor). The sigmoid rewards detecting
// early in a window, and false positives decide the low-FP profile, so this shows where the score is lost.
void PrintWindows(const std::vector<fa::NabSeries>& corpus, const fa::NabProfile& profile) {
  auto r = fa::NabScoreCorpus(corpus, profile);
  if (!r.ok()) return;
  std::printf(
      "%s at threshold %.4f: window (rows) detected @ position (factor) | missed (max score); FP rows\n",
      profile.name.c_str(), r->threshold);
  for (const fa::NabSeries& s : corpus) {
    auto points = fa::NabSweep(s);
    if (!points.ok()) continue;
    struct Window {
      int64_t first = -1, last = -1, hit = -1;
      double max_score = 0;
    };
    std::vector<Window> w(s.windows.size());
    std::string fps;
    for (size_t k = 0; k < points->size(); ++k) {
      const fa::NabPoint& p = (*points)[k];
      const int64_t i = static_cast<int64_t>(k);
      if (p.window >= 0 && static_cast<size_t>(p.window) < w.size()) {
        Window& win = w[static_cast<size_t>(p.window)];
        if (win.first < 0) win.first = i;
        win.last = i;
        win.max_score = std::max(win.max_score, p.score);
        if (win.hit < 0 && p.score >= r->threshold) win.hit = i;
      } else if (p.window == fa::NabPoint::kNoWindow && p.score >= r->threshold) {
        char buf[48];
        std::snprintf(buf, sizeof buf, " %lld(%+.2f)", static_cast<long long>(i), p.sweep);
        fps += buf;
      }
    }
    std::printf("  %s\n   ", s.name.c_str());
    for (size_t k = 0; k < w.size(); ++k) {
      const Window& win = w[k];
      if (win.hit >= 0) {
        const double pos =
            static_cast<double>(win.hit - win.first) / static_cast<double>(win.last - win.first + 1);
        std::printf(" W%zu(%lld-%lld) @%.2f (%.2f) |", k, (long long)win.first, (long long)win.last, pos,
                    (*points)[static_cast<size_t>(win.hit)].sweep);
      } else {
        std::printf(" W%zu(%lld-%lld) missed (%.3f) |", k, (long long)win.first, (long long)win.last,
                    win.max_score);
      }
    }
    std::printf(" FP%s\n", fps.empty() ? " none" : fps.c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Scores Foresight's anomaly detector on a corpus in NAB's layout"};
  std::string data_dir, out_dir, name, detector = "default";
  bool per_file = false, windows_dump = false, quiet = false;
  app.add_option("--data", data_dir, "directory with data/ and labels/")->required();
  app.add_option("--out", out_dir, "results directory (NAB layout); empty: do not write");
  app.add_option("--name", name,
                 "detector name used in the results layout (default: foresight, or foresight_<detector>)");
  app.add_option(
         "--detector", detector,
         "default: the streaming detector as configured by default; surprise: without its context gate; "
         "context: the context detector alone")
      ->check(CLI::IsMember({"default", "surprise", "context"}));
  app.add_flag("--per-file", per_file, "print per-file counts");
  app.add_flag("--windows", windows_dump,
               "per window: where it is first detected or its best score; per file: false-positive rows");
  app.add_flag("--quiet", quiet, "only the overall scores");
  CLI11_PARSE(app, argc, argv);
  if (name.empty()) name = detector == "default" ? "foresight" : "foresight_" + detector;
  auto files = fa::LoadNabData(data_dir + "/data");
  if (!files.ok()) {
    std::fprintf(stderr, "%s\n", std::string(files.status().message()).c_str());
    return 1;
  }
  // 1. Detection, from the data alone.
  Detected fore{name, {}}, base{"windowedGaussian", {}};
  int64_t points = 0;
  double seconds = 0;
  for (const fa::NabFile& f : *files) {
    fa::DetectorConfig cfg;
    cfg.warmup = fa::NabProbationLength(static_cast<int64_t>(f.values.size()));  // as NAB tells its detectors
    cfg.context_gate = detector != "surprise";
    std::vector<double> s;
    const auto t0 = std::chrono::steady_clock::now();
    if (detector == "context") {
      fa::ContextDetector d(fa::ContextDetectorConfig{cfg.warmup});
      s.reserve(f.values.size());
      for (double v : f.values) s.push_back(d.Update(v));
    } else {
      for (const auto& p : fa::DetectAll(f.values, cfg)) s.push_back(p.score);
    }
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    points += static_cast<int64_t>(f.values.size());
    fore.scores.push_back(std::move(s));
    base.scores.push_back(fa::WindowedGaussianScores(f.values));
  }
  // 2. Scoring, with the labels.
  auto windows = fa::LoadNabWindows(data_dir + "/labels/combined_windows.json");
  if (!windows.ok()) {
    std::fprintf(stderr, "%s\n", std::string(windows.status().message()).c_str());
    return 1;
  }
  if (!out_dir.empty()) {
    for (size_t i = 0; i < files->size(); ++i) {
      const auto& f = (*files)[i];
      const auto& w = (*windows)[f.key()];
      for (const Detected* d : {&fore, &base}) {
        auto st = fa::WriteNabResults(out_dir, d->name, f, d->scores[i], w);
        if (!st.ok()) {
          std::fprintf(stderr, "%s\n", std::string(st.message()).c_str());
          return 1;
        }
      }
    }
  }
  std::printf("%zu files, %lld points, detector %.1f M points/s\n", files->size(), (long long)points,
              seconds > 0 ? static_cast<double>(points) / seconds / 1e6 : 0.0);
  Report(fore, *files, *windows, !quiet);
  Report(base, *files, *windows, !quiet);
  if (per_file) {
    auto r = fa::NabScoreCorpus(
        [&] {
          std::vector<fa::NabSeries> c;
          for (size_t i = 0; i < files->size(); ++i) {
            c.push_back(
                {(*files)[i].key(), (*files)[i].timestamps, fore.scores[i], (*windows)[(*files)[i].key()]});
          }
          return c;
        }(),
        fa::NabStandard());
    if (r.ok()) {
      for (const auto& f : r->files) {
        std::printf("  %-55s raw %7.3f tp %lld/%lld fp %lld\n", f.name.c_str(), f.raw, (long long)f.tp,
                    (long long)f.windows, (long long)f.fp);
      }
    }
  }
  if (windows_dump) {
    std::vector<fa::NabSeries> c;
    for (size_t i = 0; i < files->size(); ++i) {
      c.push_back({(*files)[i].key(), (*files)[i].timestamps, fore.scores[i], (*windows)[(*files)[i].key()]});
    }
    PrintWindows(c, fa::NabStandard());
    PrintWindows(c, fa::NabRewardLowFp());
  }
  return 0;
}
