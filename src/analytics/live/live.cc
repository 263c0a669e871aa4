#include "analytics/live/live.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "analytics/anomaly/detector.h"
#include "analytics/live/state.h"
#include "common/fmt_absl.h"
#include "spdlog/spdlog.h"

namespace foresight::analytics {

struct LiveDetector::WatchState {
  struct Series {
    StreamingDetector detector;
    int64_t last_t = 0;  // the last point fed (ms)
    double last_score = 0;
  };
  Watch watch;
  int64_t last_eval_ms = 0;  // 0: never ran
  std::map<Labels, Series> series;
};

namespace {

int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t FloorTo(int64_t t, int64_t step) {
  return t >= 0 ? t / step * step : -((-t + step - 1) / step) * step;
}

int64_t Catchup(const Watch& w) { return w.catchup_ms > 0 ? w.catchup_ms : w.warmup * w.interval_ms; }

DetectorConfig ConfigOf(const Watch& w) {
  DetectorConfig c;
  c.sensitivity = w.sensitivity;
  c.warmup = w.warmup;
  return c;
}

// The output series' labels: the source's, without its name, plus the watch.
Labels OutputLabels(const Labels& source, std::string_view name, std::string_view watch) {
  return LabelsBuilder(source).Set(kMetricNameLabel, name).Set("watch", watch).Build();
}

struct PointsOf {
  const Labels* metric;
  std::vector<query::Point> points;
};

}  // namespace

LiveDetector::LiveDetector(LiveDeps deps, LiveOptions options) : deps_(deps), options_(std::move(options)) {
  if (!options_.now_ms) options_.now_ms = SystemNowMs;
  for (const auto& w : options_.watches) {
    auto s = std::make_unique<WatchState>();
    s->watch = w;
    s->watch.interval_ms = std::max<int64_t>(w.interval_ms, 1);
    watches_.push_back(std::move(s));
  }
}

LiveDetector::~LiveDetector() { Stop(); }

absl::Status LiveDetector::Restore() {
  std::lock_guard<std::mutex> lock(mu_);
  restored_ = true;
  if (options_.state_path.empty()) return absl::OkStatus();
  auto bytes = live::ReadWholeFile(options_.state_path);
  if (absl::IsNotFound(bytes.status())) return absl::OkStatus();
  if (!bytes.ok()) return bytes.status();
  auto saved = live::DecodeState(*bytes);
  if (!saved.ok()) return saved.status();
  // Decode everything before adopting anything, so a bad detector leaves every watch fresh.
  std::vector<std::pair<WatchState*, WatchState>> adopted;
  for (auto& sw : *saved) {
    for (auto& w : watches_) {
      const Watch& c = w->watch;
      if (c.name != sw.name || c.query != sw.query || c.sensitivity != sw.sensitivity ||
          c.interval_ms != sw.interval_ms || c.warmup != sw.warmup) {
        continue;
      }
      WatchState fresh;
      fresh.watch = c;
      fresh.last_eval_ms = sw.last_eval_ms;
      for (auto& ss : sw.series) {
        auto d = StreamingDetector::Restore(ss.detector);
        if (!d.ok())
          return absl::DataLossError(
              absl::StrCat("anomaly state of watch ", sw.name, ": ", d.status().message()));
        fresh.series.emplace(std::move(ss.labels), WatchState::Series{std::move(*d), ss.last_t, 0});
      }
      adopted.emplace_back(w.get(), std::move(fresh));
    }
  }
  for (auto& [w, s] : adopted) *w = std::move(s);
  return absl::OkStatus();
}

absl::Status LiveDetector::SaveState() {
  if (options_.state_path.empty()) return absl::OkStatus();
  std::string bytes;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<live::SavedWatch> saved;
    for (const auto& w : watches_) {
      live::SavedWatch s{w->watch.name,
                         w->watch.query,
                         w->watch.sensitivity,
                         w->watch.interval_ms,
                         w->watch.warmup,
                         w->last_eval_ms,
                         {}};
      for (const auto& [labels, ser] : w->series)
        s.series.push_back({labels, ser.last_t, ser.detector.Serialize()});
      saved.push_back(std::move(s));
    }
    bytes = live::EncodeState(saved);
  }
  return live::WriteFileAtomic(options_.state_path, bytes);
}

absl::Status LiveDetector::RunWatch(WatchState& w, int64_t now_ms, storage::Appender& app) {
  const Watch& c = w.watch;
  const int64_t end = FloorTo(now_ms, c.interval_ms);
  if (w.last_eval_ms != 0 && w.last_eval_ms >= end) return absl::OkStatus();  // not due
  int64_t start = end - FloorTo(Catchup(c), c.interval_ms);
  if (w.last_eval_ms != 0) start = std::max(start, w.last_eval_ms + c.interval_ms);

  // Points per series, in time order.
  std::vector<PointsOf> batch;
  absl::StatusOr<query::Result> res =
      start == end ? deps_.engine->Instant(*deps_.queryable, c.query, end)
                   : deps_.engine->Range(*deps_.queryable, c.query, start, end, c.interval_ms);
  if (!res.ok())
    return absl::Status(res.status().code(), absl::StrCat("watch ", c.name, ": ", res.status().message()));
  static const Labels kNoLabels;
  if (const auto* v = std::get_if<query::Vector>(&res->value)) {
    for (const auto& s : *v) batch.push_back({&s.metric, {query::Point{end, s.v}}});
  } else if (const auto* m = std::get_if<query::Matrix>(&res->value)) {
    for (const auto& s : *m) batch.push_back({&s.metric, s.points});
  } else if (const auto* sc = std::get_if<query::Scalar>(&res->value)) {
    batch.push_back({&kNoLabels, {query::Point{end, sc->v}}});
  } else {
    return absl::InvalidArgumentError(absl::StrCat("watch ", c.name, ": the query must return a vector"));
  }

  for (const auto& b : batch) {
    auto it = w.series.find(*b.metric);
    if (it == w.series.end()) {
      if (w.series.size() >= options_.max_series_per_watch) continue;
      it = w.series.emplace(*b.metric, WatchState::Series{StreamingDetector(ConfigOf(c)), 0, 0}).first;
    }
    WatchState::Series& ser = it->second;
    const Labels score_l = OutputLabels(*b.metric, "anomaly_score", c.name);
    const Labels exp_l = OutputLabels(*b.metric, "anomaly_expected", c.name);
    const Labels lo_l = OutputLabels(*b.metric, "anomaly_lower", c.name);
    const Labels hi_l = OutputLabels(*b.metric, "anomaly_upper", c.name);
    storage::SeriesRef refs[4] = {0, 0, 0, 0};
    for (const auto& p : b.points) {
      if (p.t <= ser.last_t || !std::isfinite(p.v)) continue;
      const bool learnt = ser.detector.count() >= c.warmup;
      const AnomalyPoint a = ser.detector.Update(p.v);
      ser.last_t = p.t;
      ser.last_score = a.score;
      const std::pair<const Labels*, double> out[4] = {
          {&score_l, a.score}, {&exp_l, a.expected}, {&lo_l, a.lower}, {&hi_l, a.upper}};
      for (int k = 0; k < (learnt ? 4 : 1); ++k) {
        auto r = app.Append(refs[k], *out[k].first, p.t, out[k].second);
        if (r.ok()) {
          refs[k] = *r;
        } else if (!storage::RejectReasonOf(r.status())) {
          return r.status();
        }
      }
    }
  }
  w.last_eval_ms = end;
  return absl::OkStatus();
}

absl::Status LiveDetector::RunOnce(int64_t now_ms) {
  if (!deps_.queryable || !deps_.appendable || !deps_.engine) {
    return absl::FailedPreconditionError("live anomaly detection: missing dependencies");
  }
  absl::Status first;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& w : watches_) {
      auto app = deps_.appendable->NewAppender();
      const int64_t before = w->last_eval_ms;
      absl::Status st = RunWatch(*w, now_ms, *app);
      if (st.ok()) st = app->Commit();
      if (!st.ok()) {
        app->Rollback();
        w->last_eval_ms = before;  // retried at the next run (points already fed are skipped by last_t)
        if (first.ok()) first = st;
      }
    }
  }
  if (auto st = SaveState(); !st.ok() && first.ok()) first = st;
  return first;
}

absl::Status LiveDetector::Start() {
  if (!deps_.queryable || !deps_.appendable || !deps_.engine) {
    return absl::InvalidArgumentError(
        "live anomaly detection: queryable, appendable and engine are required");
  }
  bool restored;
  {
    std::lock_guard<std::mutex> lock(mu_);
    restored = restored_;
  }
  if (!restored) {
    if (auto st = Restore(); !st.ok()) spdlog::warn("anomaly detection starts fresh: {}", st);
  }
  std::lock_guard<std::mutex> lock(thread_mu_);
  if (thread_.joinable() || watches_.empty()) return absl::OkStatus();
  stopping_ = false;
  thread_ = std::thread([this] { Loop(); });
  return absl::OkStatus();
}

void LiveDetector::Loop() {
  std::unique_lock<std::mutex> lock(thread_mu_);
  while (!stopping_) {
    lock.unlock();
    const int64_t now = options_.now_ms();
    if (auto st = RunOnce(now); !st.ok()) spdlog::warn("anomaly detection: {}", st);
    int64_t next = INT64_MAX;
    for (const auto& w : options_.watches) {
      const int64_t iv = std::max<int64_t>(w.interval_ms, 1);
      next = std::min(next, FloorTo(now, iv) + iv);
    }
    lock.lock();
    // A little after the grid time, so that samples scraped at it have arrived.
    const int64_t wait_ms = std::max<int64_t>(next - options_.now_ms(), 0) + 1000;
    cv_.wait_for(lock, std::chrono::milliseconds(wait_ms), [this] { return stopping_; });
  }
}

void LiveDetector::Stop() {
  {
    std::lock_guard<std::mutex> lock(thread_mu_);
    if (!thread_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
  if (auto st = SaveState(); !st.ok()) spdlog::warn("anomaly detection: cannot save state: {}", st);
}

std::vector<LiveDetector::SeriesStatus> LiveDetector::Status() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<SeriesStatus> out;
  for (const auto& w : watches_) {
    for (const auto& [labels, s] : w->series) {
      out.push_back({w->watch.name, labels, s.detector.count(), s.last_t, s.last_score});
    }
  }
  return out;
}

}  // namespace foresight::analytics
