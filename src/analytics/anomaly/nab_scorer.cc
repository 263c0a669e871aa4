#include "analytics/anomaly/nab_scorer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace foresight::analytics {
namespace {

// Rows [left, right] covered by each window; an error when a window covers no row or windows overlap.
absl::StatusOr<std::vector<std::pair<int64_t, int64_t>>> WindowRows(const NabSeries& s) {
  std::vector<std::pair<int64_t, int64_t>> rows;
  const auto& ts = s.timestamps;
  int64_t prev_right = -1;
  for (const NabWindow& w : s.windows) {
    const int64_t left = std::lower_bound(ts.begin(), ts.end(), w.start) - ts.begin();
    const int64_t right = (std::upper_bound(ts.begin(), ts.end(), w.end) - ts.begin()) - 1;
    if (w.end < w.start || left > right) {
      return absl::InvalidArgumentError(absl::StrCat(s.name, ": a window covers no row"));
    }
    if (left <= prev_right) return absl::InvalidArgumentError(absl::StrCat(s.name, ": windows overlap"));
    rows.emplace_back(left, right);
    prev_right = right;
  }
  return rows;
}

double Finite(double v) { return std::isnan(v) ? -std::numeric_limits<double>::infinity() : v; }

}  // namespace

NabProfile NabStandard() { return {"standard", 1.0, 0.11, 1.0}; }
NabProfile NabRewardLowFp() { return {"reward_low_FP_rate", 1.0, 0.22, 1.0}; }
NabProfile NabRewardLowFn() { return {"reward_low_FN_rate", 1.0, 0.11, 2.0}; }
std::vector<NabProfile> NabProfiles() { return {NabStandard(), NabRewardLowFp(), NabRewardLowFn()}; }

double NabScaledSigmoid(double y) {
  if (y > 3.0) return -1.0;
  return 2.0 / (1.0 + std::exp(5.0 * y)) - 1.0;
}

int64_t NabProbationLength(int64_t rows) {
  return std::min<int64_t>(static_cast<int64_t>(std::floor(0.15 * static_cast<double>(rows))), 750);
}

absl::StatusOr<std::vector<NabPoint>> NabSweep(const NabSeries& s, int32_t first_window_id) {
  const size_t n = s.timestamps.size();
  if (s.scores.size() != n) {
    return absl::InvalidArgumentError(
        absl::StrCat(s.name, ": ", n, " timestamps but ", s.scores.size(), " scores"));
  }
  for (size_t i = 1; i < n; ++i) {
    if (s.timestamps[i] < s.timestamps[i - 1]) {
      return absl::InvalidArgumentError(absl::StrCat(s.name, ": timestamps go back at row ", i));
    }
  }
  auto rows = WindowRows(s);
  if (!rows.ok()) return rows.status();
  const double max_tp = NabScaledSigmoid(-1.0);
  const int64_t probation = NabProbationLength(static_cast<int64_t>(n));
  std::vector<NabPoint> out(n);
  size_t w = 0;  // next or current window
  int64_t prev_right = -1, prev_width = 0;
  for (size_t k = 0; k < n; ++k) {
    const int64_t i = static_cast<int64_t>(k);
    NabPoint& p = out[k];
    p.score = Finite(s.scores[k]);
    if (w < rows->size() && i >= (*rows)[w].first) {
      const auto [left, right] = (*rows)[w];
      const double width = static_cast<double>(right - left + 1);
      p.sweep = NabScaledSigmoid(-static_cast<double>(right - i + 1) / width) / max_tp;
      p.window = first_window_id + static_cast<int32_t>(w);
      if (i == right) {
        prev_right = right;
        prev_width = right - left + 1;
        ++w;
      }
    } else if (prev_right < 0) {
      p.sweep = -1.0;
    } else {
      const double y = prev_width > 1
                           ? static_cast<double>(i - prev_right) / static_cast<double>(prev_width - 1)
                           : std::numeric_limits<double>::infinity();
      p.sweep = NabScaledSigmoid(y);
    }
    if (i < probation) p.window = NabPoint::kProbation;
  }
  return out;
}

std::vector<NabThresholdScore> NabScoresByThreshold(std::vector<NabPoint> points, int64_t num_windows,
                                                    const NabProfile& profile) {
  std::stable_sort(points.begin(), points.end(),
                   [](const NabPoint& a, const NabPoint& b) { return a.score > b.score; });
  int32_t max_window = -1;
  NabThresholdScore cur;
  cur.threshold = std::numeric_limits<double>::infinity();
  cur.fn = num_windows;
  cur.score = -profile.fn_weight * static_cast<double>(num_windows);
  for (const NabPoint& p : points) {
    max_window = std::max(max_window, p.window);
    if (p.window == NabPoint::kNoWindow) ++cur.tn;
  }
  std::vector<double> best(static_cast<size_t>(max_window + 1), 0.0);
  std::vector<char> hit(best.size(), 0);
  std::vector<NabThresholdScore> out{cur};
  for (size_t k = 0; k < points.size(); ++k) {
    const NabPoint& p = points[k];
    if (p.window >= 0) {
      const size_t w = static_cast<size_t>(p.window);
      if (!hit[w]) {
        hit[w] = 1;
        ++cur.tp;
        --cur.fn;
        cur.score += profile.fn_weight;
      }
      if (p.sweep > best[w]) {
        cur.score += profile.tp_weight * (p.sweep - best[w]);
        best[w] = p.sweep;
      }
    } else if (p.window == NabPoint::kNoWindow) {
      ++cur.fp;
      --cur.tn;
      cur.score += profile.fp_weight * p.sweep;
    }
    if (k + 1 == points.size() || points[k + 1].score != p.score) {
      cur.threshold = p.score;
      out.push_back(cur);
    }
  }
  return out;
}

NabThresholdScore NabScoreAtThreshold(const std::vector<NabPoint>& points, int64_t num_windows,
                                      double threshold, const NabProfile& profile) {
  NabThresholdScore r;
  r.threshold = threshold;
  std::vector<double> best;
  for (const NabPoint& p : points) {
    if (p.window >= 0 && static_cast<size_t>(p.window) >= best.size()) best.resize(p.window + 1, -1.0);
  }
  for (const NabPoint& p : points) {
    const bool detected = p.score >= threshold;
    if (p.window >= 0) {
      if (detected) best[p.window] = std::max(best[p.window], p.sweep);
    } else if (p.window == NabPoint::kNoWindow) {
      if (detected) {
        ++r.fp;
        r.score += profile.fp_weight * p.sweep;
      } else {
        ++r.tn;
      }
    }
  }
  int64_t hits = 0;
  for (double b : best) {
    if (b >= 0) {
      ++hits;
      r.score += profile.tp_weight * b;
    }
  }
  r.tp = hits;
  r.fn = num_windows - hits;
  r.score -= profile.fn_weight * static_cast<double>(r.fn);
  return r;
}

double NabNormalize(double raw, int64_t windows, const NabProfile& profile) {
  const double null_score = -profile.fn_weight * static_cast<double>(windows);
  const double perfect = profile.tp_weight * static_cast<double>(windows);
  if (perfect == null_score) return 0.0;
  return 100.0 * (raw - null_score) / (perfect - null_score);
}

absl::StatusOr<NabCorpusScore> NabScoreCorpus(const std::vector<NabSeries>& corpus,
                                              const NabProfile& profile) {
  std::vector<std::vector<NabPoint>> swept;
  std::vector<NabPoint> all;
  int64_t windows = 0;
  for (const NabSeries& s : corpus) {
    auto pts = NabSweep(s, static_cast<int32_t>(windows));
    if (!pts.ok()) return pts.status();
    windows += static_cast<int64_t>(s.windows.size());
    all.insert(all.end(), pts->begin(), pts->end());
    swept.push_back(*std::move(pts));
  }
  const auto by_threshold = NabScoresByThreshold(std::move(all), windows, profile);
  // The first maximum in descending-threshold order: the highest threshold reaching the best total.
  const auto best = std::max_element(by_threshold.begin(), by_threshold.end(),
                                     [](const auto& a, const auto& b) { return a.score < b.score; });
  NabCorpusScore out;
  out.profile = profile.name;
  out.threshold = best->threshold;
  out.null_score = -profile.fn_weight * static_cast<double>(windows);
  out.perfect = profile.tp_weight * static_cast<double>(windows);
  int64_t first_window = 0;
  for (size_t f = 0; f < corpus.size(); ++f) {
    // Window ids in `swept[f]` start at first_window; rebase them so each file counts only its own.
    std::vector<NabPoint> pts = swept[f];
    for (NabPoint& p : pts) {
      if (p.window >= 0) p.window -= static_cast<int32_t>(first_window);
    }
    const int64_t nw = static_cast<int64_t>(corpus[f].windows.size());
    const NabThresholdScore s = NabScoreAtThreshold(pts, nw, out.threshold, profile);
    out.files.push_back({corpus[f].name, s.score, s.tp, s.fp, s.fn, nw});
    out.raw += s.score;
    first_window += nw;
  }
  out.normalized = NabNormalize(out.raw, windows, profile);
  return out;
}

}  // namespace foresight::analytics
