#include "analytics/anomaly/windowed_gaussian.h"

#include <algorithm>
#include <cmath>
#include <deque>

namespace foresight::analytics {

std::vector<double> WindowedGaussianScores(const std::vector<double>& values,
                                           const WindowedGaussianConfig& c) {
  const size_t window = static_cast<size_t>(std::max<int64_t>(c.window, 1));
  const size_t step = static_cast<size_t>(std::max<int64_t>(c.step, 1));
  std::vector<double> out;
  out.reserve(values.size());
  std::deque<double> win;
  std::vector<double> pending;
  double mean = 0, sd = 1e-6;
  auto refit = [&] {
    double s = 0, ss = 0;
    for (double v : win) s += v;
    mean = s / static_cast<double>(win.size());
    for (double v : win) ss += (v - mean) * (v - mean);
    sd = std::sqrt(ss / static_cast<double>(win.size()));
    if (sd == 0.0) sd = 1e-6;
  };
  for (double x : values) {
    double score = 0;
    if (!win.empty() && std::isfinite(x)) {
      const double z = std::abs(x - mean) / sd;
      score = 1.0 - 0.5 * std::erfc(z / std::sqrt(2.0));
    }
    out.push_back(score);
    if (!std::isfinite(x)) continue;
    if (win.size() < window) {
      win.push_back(x);
      refit();
    } else {
      pending.push_back(x);
      if (pending.size() == step) {
        for (double v : pending) {
          win.pop_front();
          win.push_back(v);
        }
        pending.clear();
        refit();
      }
    }
  }
  return out;
}

}  // namespace foresight::analytics
