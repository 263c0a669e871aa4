// /api/v1/query and /api/v1/query_range.
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "query/api/handlers.h"
#include "query/api/json.h"
#include "query/api/params.h"
#include "query/promql/parser.h"

namespace foresight::query::api {

namespace {

// Sets `cancel` once `timeout_ns` has passed, unless destroyed first.
class Watchdog {
 public:
  explicit Watchdog(int64_t timeout_ns) {
    if (timeout_ns <= 0) return;
    thread_ = std::thread([this, timeout_ns] {
      std::unique_lock<std::mutex> lock(mu_);
      if (!cv_.wait_for(lock, std::chrono::nanoseconds(timeout_ns), [this] { return done_; })) {
        fired_ = true;
        cancel_.store(true);
      }
    });
  }
  ~Watchdog() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  const std::atomic<bool>* cancel() const { return &cancel_; }
  bool fired() {
    std::lock_guard<std::mutex> lock(mu_);
    return fired_;
  }

 private:
  std::atomic<bool> cancel_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  bool fired_ = false;
  std::thread thread_;
};

void AppendPoint(std::string* out, int64_t t, double v) {
  out->push_back('[');
  AppendSampleTime(out, t);
  out->append(",\"");
  AppendFloat(out, v);
  out->append("\"]");
}

web::Response ResultResponse(const absl::StatusOr<Result>& r, Watchdog* watchdog) {
  if (!r.ok()) {
    if (watchdog->fired()) return ErrorResponse("timeout", "query timed out in expression evaluation");
    return ErrorResponse(r.status());
  }
  std::string out = R"({"status":"success","data":)";
  AppendResult(&out, *r);
  if (!r->warnings.empty()) {
    out.append(R"(,"warnings":[)");
    for (size_t i = 0; i < r->warnings.size(); ++i) {
      if (i) out.push_back(',');
      AppendString(&out, r->warnings[i]);
    }
    out.push_back(']');
  }
  out.push_back('}');
  return web::Response::Json(200, std::move(out));
}

// The `timeout` parameter in nanoseconds (0 when absent).
absl::StatusOr<int64_t> TimeoutParam(const web::Request& req) {
  std::string_view s = req.params.GetOr("timeout");
  if (s.empty()) return 0;
  return ParseDurationNs(s);
}

}  // namespace

void AppendResult(std::string* out, const Result& r) {
  if (const auto* v = std::get_if<Vector>(&r.value)) {
    out->append(R"({"resultType":"vector","result":[)");
    for (size_t i = 0; i < v->size(); ++i) {
      if (i) out->push_back(',');
      out->append(R"({"metric":)");
      AppendLabels(out, (*v)[i].metric);
      out->append(R"(,"value":)");
      AppendPoint(out, (*v)[i].t, (*v)[i].v);
      out->push_back('}');
    }
    out->append("]}");
  } else if (const auto* m = std::get_if<Matrix>(&r.value)) {
    // Room for a typical point ([1700000000,"0.012345678901234"]) and series header: the body is allocated
    // once (a large body that regrows is copied into fresh pages each time).
    size_t points = 0;
    for (const auto& series : *m) points += series.points.size();
    out->reserve(out->size() + points * 40 + m->size() * 160 + 64);
    out->append(R"({"resultType":"matrix","result":[)");
    for (size_t i = 0; i < m->size(); ++i) {
      if (i) out->push_back(',');
      out->append(R"({"metric":)");
      AppendLabels(out, (*m)[i].metric);
      out->append(R"(,"values":[)");
      const auto& pts = (*m)[i].points;
      for (size_t k = 0; k < pts.size(); ++k) {
        if (k) out->push_back(',');
        AppendPoint(out, pts[k].t, pts[k].v);
      }
      out->append("]}");
    }
    out->append("]}");
  } else if (const auto* s = std::get_if<Scalar>(&r.value)) {
    out->append(R"({"resultType":"scalar","result":[)");
    AppendScalarTime(out, s->t);
    out->append(",\"");
    AppendFloat(out, s->v);
    out->append("\"]}");
  } else if (const auto* str = std::get_if<String>(&r.value)) {
    out->append(R"({"resultType":"string","result":[)");
    AppendScalarTime(out, str->t);
    out->push_back(',');
    AppendString(out, str->v);
    out->append("]}");
  }
}

web::Response HandleQuery(const QueryApiDeps& deps, const web::Request& req) {
  auto t = TimeParam(req, "time", NowMs(deps));
  if (!t.ok()) return InvalidParam("time", Msg(t.status()));
  auto timeout = TimeoutParam(req);
  if (!timeout.ok()) return InvalidParam("timeout", Msg(timeout.status()));
  auto expr = promql::ParseExpr(req.params.GetOr("query"));
  if (!expr.ok()) return InvalidParam("query", Msg(expr.status()));
  Watchdog watchdog(*timeout);
  QueryOptions opts;
  opts.cancel = watchdog.cancel();
  return ResultResponse(deps.engine->InstantExpr(*deps.queryable, **expr, *t, opts), &watchdog);
}

web::Response HandleQueryRange(const QueryApiDeps& deps, const web::Request& req) {
  auto start = ParseTimeMs(req.params.GetOr("start"));
  if (!start.ok()) return InvalidParam("start", Msg(start.status()));
  auto end = ParseTimeMs(req.params.GetOr("end"));
  if (!end.ok()) return InvalidParam("end", Msg(end.status()));
  if (*end < *start) return InvalidParam("end", "end timestamp must not be before start time");
  auto step_ns = ParseDurationNs(req.params.GetOr("step"));
  if (!step_ns.ok()) return InvalidParam("step", Msg(step_ns.status()));
  if (*step_ns <= 0) {
    return InvalidParam(
        "step", "zero or negative query resolution step widths are not accepted. Try a positive integer");
  }
  // Prometheus compares durations in nanoseconds: (end - start) / step > 11000.
  long double span_ns = (static_cast<long double>(*end) - static_cast<long double>(*start)) * 1e6L;
  if (std::floor(span_ns / static_cast<long double>(*step_ns)) > 11000) {
    return ErrorResponse(
        "bad_data",
        "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
        "resolution (?step=XX)");
  }
  auto timeout = TimeoutParam(req);
  if (!timeout.ok()) return InvalidParam("timeout", Msg(timeout.status()));
  auto expr = promql::ParseExpr(req.params.GetOr("query"));
  if (!expr.ok()) return InvalidParam("query", Msg(expr.status()));
  int64_t step_ms = *step_ns / 1'000'000;
  if (step_ms <= 0) {
    return InvalidParam(
        "step", "zero or negative query resolution step widths are not accepted. Try a positive integer");
  }
  Watchdog watchdog(*timeout);
  QueryOptions opts;
  opts.cancel = watchdog.cancel();
  return ResultResponse(deps.engine->RangeExpr(*deps.queryable, **expr, *start, *end, step_ms, opts),
                        &watchdog);
}

}  // namespace foresight::query::api
