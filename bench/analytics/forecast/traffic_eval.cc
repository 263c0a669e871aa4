// Traffic mode: rolling-origin forecasts on a request-count trace (World Cup 98 5-min, NASA per-minute).
// Data are put on a 5-minute grid (per-minute counts are summed per 5 minutes; missing rows are gaps,
// linearly interpolated); after a 14-day warm-up, forecasts at 1 h horizons (every 6 h) and 24 h horizons
// (every day) are scored by MASE (scale: in-sample MAE of the daily seasonal naive) against the seasonal
// naive forecast, with interval coverage. Periods are detected from the data, not given.
#include "traffic_eval.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "analytics/forecast/forecast.h"
#include "analytics/stats/resample.h"
#include "svg_plot.h"

namespace foresight::analytics::eval {
namespace {

constexpr int64_t kGridSeconds = 300;
constexpr size_t kWarmupDays = 14, kMaxHistoryDays = 28;

// Days since 1970-01-01 of a proleptic Gregorian date.
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// "YYYY-MM-DD HH:MM[:SS]" -> seconds since the epoch (the zone is whatever the file uses).
bool ParseTimestamp(absl::string_view s, int64_t* out) {
  int y, mo, d, h, mi, sec = 0;
  const std::string str(s);
  if (std::sscanf(str.c_str(), "%d-%d-%d %d:%d:%d", &y, &mo, &d, &h, &mi, &sec) < 5) return false;
  *out = DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
  return true;
}

double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

struct Tally {
  double mase_sum = 0;
  size_t origins = 0, in80 = 0, in95 = 0, points = 0;
  double seconds = 0;
};

}  // namespace

int RunTraffic(const std::string& csv_path, const std::string& svg_path, const std::string& model) {
  std::ifstream in(csv_path);
  if (!in) {
    std::fprintf(stderr, "cannot open %s\n", csv_path.c_str());
    return 1;
  }
  std::string line;
  std::getline(in, line);  // header
  std::map<int64_t, double> buckets;
  int64_t prev = 0, min_step = INT64_MAX;
  size_t rows = 0;
  while (std::getline(in, line)) {
    std::vector<absl::string_view> cells = absl::StrSplit(line, ',');
    int64_t t;
    double v;
    if (cells.size() < 2 || !ParseTimestamp(cells[0], &t) || !absl::SimpleAtod(cells[1], &v)) continue;
    if (!buckets.empty() && t > prev) min_step = std::min(min_step, t - prev);
    prev = t;
    ++rows;
    buckets[t / kGridSeconds] += v;
  }
  if (buckets.size() < 2 * 288) {
    std::fprintf(stderr, "%s: too few rows\n", csv_path.c_str());
    return 1;
  }
  const int64_t first = buckets.begin()->first, last = buckets.rbegin()->first;
  std::vector<double> grid(static_cast<size_t>(last - first + 1), std::nan(""));
  for (const auto& [b, v] : buckets) grid[static_cast<size_t>(b - first)] = v;
  auto filled = FillGaps(grid, 10, 0.5);
  if (!filled.ok()) {
    std::fprintf(stderr, "%s\n", std::string(filled.status().message()).c_str());
    return 1;
  }
  const std::vector<double>& y = *filled;
  const size_t per_day = 86400 / kGridSeconds, warmup = kWarmupDays * per_day;
  std::printf("%s: %zu rows (input step %lld s) -> %zu points at %lld s\n", csv_path.c_str(), rows,
              static_cast<long long>(min_step), y.size(), static_cast<long long>(kGridSeconds));
  if (y.size() < warmup + per_day) {
    std::fprintf(stderr, "need at least %zu days of data\n", kWarmupDays + 1);
    return 1;
  }
  struct Horizon {
    const char* name;
    size_t steps, every;
  };
  const Horizon horizons[] = {{"1h", 12, per_day / 4}, {"24h", per_day, per_day}};
  ForecastPlot plot;
  double surge_peak = -1;
  for (const Horizon& hz : horizons) {
    Tally tm, ts;
    std::map<std::string, int> chosen, detected;
    for (size_t origin = warmup; origin + hz.steps <= y.size(); origin += hz.every) {
      const size_t start = origin > kMaxHistoryDays * per_day ? origin - kMaxHistoryDays * per_day : 0;
      const std::span<const double> hist(y.data() + start, origin - start);
      const std::span<const double> actual(y.data() + origin, hz.steps);
      double scale = 0;
      for (size_t i = per_day; i < hist.size(); ++i) scale += std::fabs(hist[i] - hist[i - per_day]);
      scale /= static_cast<double>(hist.size() - per_day);
      if (!(scale > 0)) continue;
      for (int which = 0; which < 2; ++which) {
        ForecastOptions o;
        o.horizon = hz.steps;
        o.model = which == 0 ? model : "snaive";
        if (which == 1) o.periods = {per_day}, o.detect_periods = false;
        const double t0 = ThreadCpuSeconds();
        auto r = Forecast(hist, o);
        Tally& t = which == 0 ? tm : ts;
        t.seconds += ThreadCpuSeconds() - t0;
        if (!r.ok()) {
          std::fprintf(stderr, "origin %zu %s: %s\n", origin, o.model.c_str(),
                       std::string(r.status().message()).c_str());
          continue;
        }
        double mae = 0;
        for (size_t h = 0; h < hz.steps; ++h) {
          mae += std::fabs(actual[h] - r->points[h]);
          t.in80 += actual[h] >= r->bands[0].lower[h] && actual[h] <= r->bands[0].upper[h];
          t.in95 += actual[h] >= r->bands[1].lower[h] && actual[h] <= r->bands[1].upper[h];
        }
        t.points += hz.steps;
        t.mase_sum += mae / static_cast<double>(hz.steps) / scale;
        ++t.origins;
        if (which != 0) continue;
        ++chosen[r->model.substr(0, r->model.find('('))];
        std::string periods;
        for (size_t p : r->periods) absl::StrAppend(&periods, periods.empty() ? "" : ",", p);
        ++detected[periods.empty() ? "none" : periods];
        // The surge: the 24 h window with the highest peak gets plotted.
        const double peak = *std::max_element(actual.begin(), actual.end());
        if (hz.steps == per_day && peak > surge_peak) {
          surge_peak = peak;
          const size_t shown = std::min<size_t>(hist.size(), 6 * per_day);
          plot.history.assign(hist.end() - static_cast<std::ptrdiff_t>(shown), hist.end());
          plot.actual.assign(actual.begin(), actual.end());
          plot.forecast = r->points;
          plot.lower80 = r->bands[0].lower, plot.upper80 = r->bands[0].upper;
          plot.lower95 = r->bands[1].lower, plot.upper95 = r->bands[1].upper;
          plot.title = absl::StrCat(csv_path.substr(csv_path.find_last_of('/') + 1), ": 24 h forecast by ",
                                    r->model, " at the surge (origin day ", origin / per_day, ")");
        }
      }
    }
    auto cov = [](const Tally& t, size_t c) {
      return t.points ? 100.0 * static_cast<double>(c) / static_cast<double>(t.points) : 0;
    };
    const double mm = tm.origins ? tm.mase_sum / static_cast<double>(tm.origins) : 0;
    const double ms = ts.origins ? ts.mase_sum / static_cast<double>(ts.origins) : 0;
    std::printf(
        "horizon %-3s origins %3zu | %s MASE %.3f cov80 %.1f%% cov95 %.1f%% cpu %.1fs | snaive MASE %.3f "
        "cov95 %.1f%% | ratio %.3f\n",
        hz.name, tm.origins, model.c_str(), mm, cov(tm, tm.in80), cov(tm, tm.in95), tm.seconds, ms,
        cov(ts, ts.in95), ms > 0 ? mm / ms : 0);
    std::printf("  models:");
    for (const auto& [k, v] : chosen) std::printf(" %s=%d", k.c_str(), v);
    std::printf("  periods:");
    for (const auto& [k, v] : detected) std::printf(" {%s}=%d", k.c_str(), v);
    std::printf("\n");
  }
  if (!svg_path.empty() && !plot.forecast.empty()) {
    plot.step_minutes = static_cast<double>(kGridSeconds) / 60;
    if (auto st = WriteForecastSvg(svg_path, plot); !st.ok()) {
      std::fprintf(stderr, "%s\n", std::string(st.message()).c_str());
      return 1;
    }
    std::printf("wrote %s\n", svg_path.c_str());
  }
  return 0;
}

}  // namespace foresight::analytics::eval
