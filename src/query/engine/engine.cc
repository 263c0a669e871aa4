#include "query/engine/engine.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "query/engine/evaluator.h"
#include "query/engine/worker_pool.h"
#include "query/promql/parser.h"

namespace foresight::query {
namespace {

using internal::Evaluator;
using internal::QueryContext;
using promql::AtMode;
using promql::Expr;
using promql::ExprKind;

constexpr std::string_view kErrorTypePayload = "foresight.query_error_type";

int64_t AtOr(const Expr& e, int64_t t, int64_t qs, int64_t qe) {
  switch (e.at) {
    case AtMode::kTimestamp:
      return e.at_ms;
    case AtMode::kStart:
      return qs;
    case AtMode::kEnd:
      return qe;
    case AtMode::kNone:
      break;
  }
  return t;
}

// The time range any selector of `e` reads when evaluated over [start, end].
void TimeRange(const Expr& e, int64_t start, int64_t end, int64_t qs, int64_t qe, int64_t lookback,
               int64_t* mint, int64_t* maxt) {
  switch (e.kind) {
    case ExprKind::kVectorSelector:
    case ExprKind::kMatrixSelector: {
      const Expr& vs = e.kind == ExprKind::kVectorSelector ? e : *e.inner;
      int64_t range = e.kind == ExprKind::kVectorSelector ? lookback : e.range_ms;
      *mint =
          std::min(*mint, internal::SatSub(internal::SatSub(AtOr(vs, start, qs, qe), vs.offset_ms), range));
      *maxt = std::max(*maxt, internal::SatSub(AtOr(vs, end, qs, qe), vs.offset_ms));
      return;
    }
    case ExprKind::kSubquery:
      TimeRange(*e.inner, internal::SatSub(internal::SatSub(AtOr(e, start, qs, qe), e.offset_ms), e.range_ms),
                internal::SatSub(AtOr(e, end, qs, qe), e.offset_ms), qs, qe, lookback, mint, maxt);
      return;
    default:
      break;
  }
  for (const Expr* c : {e.inner.get(), e.lhs.get(), e.rhs.get(), e.param.get()}) {
    if (c) TimeRange(*c, start, end, qs, qe, lookback, mint, maxt);
  }
  for (const auto& a : e.args) TimeRange(*a, start, end, qs, qe, lookback, mint, maxt);
}

std::mutex& ExtMu() {
  static std::mutex m;
  return m;
}

}  // namespace

std::string_view ErrorTypeName(ErrorType t) {
  switch (t) {
    case ErrorType::kBadData:
      return "bad_data";
    case ErrorType::kExecution:
      return "execution";
    case ErrorType::kTimeout:
      return "timeout";
    case ErrorType::kCanceled:
      return "canceled";
    case ErrorType::kInternal:
      return "internal";
    case ErrorType::kUnavailable:
      return "unavailable";
    case ErrorType::kNone:
      break;
  }
  return "";
}

absl::Status QueryError(ErrorType t, std::string msg) {
  absl::StatusCode code = absl::StatusCode::kInternal;
  switch (t) {
    case ErrorType::kBadData:
      code = absl::StatusCode::kInvalidArgument;
      break;
    case ErrorType::kExecution:
      code = absl::StatusCode::kFailedPrecondition;
      break;
    case ErrorType::kTimeout:
      code = absl::StatusCode::kDeadlineExceeded;
      break;
    case ErrorType::kCanceled:
      code = absl::StatusCode::kCancelled;
      break;
    case ErrorType::kUnavailable:
      code = absl::StatusCode::kUnavailable;
      break;
    default:
      break;
  }
  absl::Status s(code, msg);
  s.SetPayload(std::string(kErrorTypePayload), absl::Cord(std::string(ErrorTypeName(t))));
  return s;
}

ErrorType ErrorTypeOf(const absl::Status& s) {
  if (s.ok()) return ErrorType::kNone;
  if (auto p = s.GetPayload(std::string(kErrorTypePayload))) {
    std::string v(*p);
    for (ErrorType t : {ErrorType::kBadData, ErrorType::kExecution, ErrorType::kTimeout, ErrorType::kCanceled,
                        ErrorType::kInternal, ErrorType::kUnavailable}) {
      if (v == ErrorTypeName(t)) return t;
    }
  }
  switch (s.code()) {
    case absl::StatusCode::kInvalidArgument:
      return ErrorType::kBadData;
    case absl::StatusCode::kDeadlineExceeded:
      return ErrorType::kTimeout;
    case absl::StatusCode::kCancelled:
      return ErrorType::kCanceled;
    case absl::StatusCode::kUnavailable:
      return ErrorType::kUnavailable;
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kDataLoss:
      return ErrorType::kInternal;
    default:
      return ErrorType::kExecution;
  }
}

absl::Status RegisterExtensionFunction(promql::FunctionDef def, ExtensionFunction impl) {
  if (!impl)
    return absl::InvalidArgumentError("extension function \"" + def.name + "\" has no implementation");
  std::string name = def.name;
  std::lock_guard<std::mutex> lock(ExtMu());
  if (auto st = promql::RegisterFunction(std::move(def)); !st.ok()) return st;
  internal::RegisterExtensionImpl(name, std::move(impl));
  return absl::OkStatus();
}

Engine::Engine(EngineOptions options) : options_(options) {
  int threads = options_.eval_threads > 0 ? options_.eval_threads
                                          : static_cast<int>(std::thread::hardware_concurrency());
  if (threads > 1) pool_ = std::make_unique<internal::WorkerPool>(threads);
}

Engine::~Engine() = default;

absl::StatusOr<Result> Engine::Instant(storage::Queryable& db, std::string_view query, int64_t time_ms,
                                       const QueryOptions& opts) {
  auto e = promql::ParseExpr(query);
  if (!e.ok()) return QueryError(ErrorType::kBadData, std::string(e.status().message()));
  return InstantExpr(db, **e, time_ms, opts);
}

absl::StatusOr<Result> Engine::Range(storage::Queryable& db, std::string_view query, int64_t start_ms,
                                     int64_t end_ms, int64_t step_ms, const QueryOptions& opts) {
  auto e = promql::ParseExpr(query);
  if (!e.ok()) return QueryError(ErrorType::kBadData, std::string(e.status().message()));
  return RangeExpr(db, **e, start_ms, end_ms, step_ms, opts);
}

absl::StatusOr<Result> Engine::InstantExpr(storage::Queryable& db, const Expr& expr, int64_t time_ms,
                                           const QueryOptions& opts) {
  return Exec(db, expr, time_ms, time_ms, 0, true, opts);
}

absl::StatusOr<Result> Engine::RangeExpr(storage::Queryable& db, const Expr& expr, int64_t start_ms,
                                         int64_t end_ms, int64_t step_ms, const QueryOptions& opts) {
  if (step_ms <= 0) {
    return QueryError(
        ErrorType::kBadData,
        "zero or negative query resolution step widths are not accepted. Try a positive integer");
  }
  if (end_ms < start_ms)
    return QueryError(ErrorType::kBadData, "end timestamp must not be before start time");
  // As Prometheus' API: refused when (end - start) / step > 11,000, i.e. at most 11,001 points per series.
  if ((static_cast<uint64_t>(end_ms) - static_cast<uint64_t>(start_ms)) / static_cast<uint64_t>(step_ms) >
      11000) {
    return QueryError(ErrorType::kBadData,
                      "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
                      "resolution (?step=XX)");
  }
  ValueType t = expr.Type();
  if (t != ValueType::kScalar && t != ValueType::kVector) {
    return QueryError(ErrorType::kBadData, "invalid expression type \"" + promql::ValueTypeName(t) +
                                               "\" for range query, must be Scalar or instant Vector");
  }
  return Exec(db, expr, start_ms, end_ms, step_ms, false, opts);
}

absl::StatusOr<Result> Engine::Exec(storage::Queryable& db, const Expr& expr, int64_t start, int64_t end,
                                    int64_t step, bool instant, const QueryOptions& opts) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.timeout_ms);
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_until(lock, deadline, [&] { return running_ < std::max(1, options_.max_concurrent); })) {
      return QueryError(ErrorType::kTimeout, "query timed out in query queue");
    }
    running_++;
  }
  struct Release {
    Engine* e;
    ~Release() {
      std::lock_guard<std::mutex> lock(e->mu_);
      e->running_--;
      e->cv_.notify_one();
    }
  } release{this};

  QueryContext ctx;
  ctx.query_start = start;
  ctx.query_end = end;
  ctx.lookback = opts.lookback_delta_ms > 0 ? opts.lookback_delta_ms : options_.lookback_delta_ms;
  ctx.max_samples = options_.max_samples;
  ctx.deadline = deadline;
  ctx.cancel = opts.cancel;
  ctx.pool = pool_.get();
  int64_t mint = storage::kMaxTime, maxt = storage::kMinTime;
  TimeRange(expr, start, end, start, end, ctx.lookback, &mint, &maxt);
  if (mint > maxt) mint = maxt = start;
  auto querier = db.NewQuerier(mint, maxt);
  if (!querier.ok()) return QueryError(ErrorType::kInternal, std::string(querier.status().message()));
  ctx.querier = querier->get();
  Evaluator ev(&ctx, start, end, instant ? 0 : step);
  Result res;
  ValueType type = expr.Type();
  if (instant && type == ValueType::kMatrix) {
    auto m = ev.EvalRangeAtStart(expr);
    if (!m.ok()) return m.status();
    std::sort(m->begin(), m->end(), [](const Series& a, const Series& b) { return a.metric < b.metric; });
    res.type = ValueType::kMatrix;
    res.value = std::move(*m);
    res.warnings = std::move(ctx.warnings);
    return res;
  }
  auto v = ev.Eval(expr);
  if (!v.ok()) return v.status();
  res.warnings = std::move(ctx.warnings);
  if (type == ValueType::kString) {
    res.type = ValueType::kString;
    res.value = String{start, v->str};
    return res;
  }
  if (instant) {
    if (type == ValueType::kScalar) {
      res.type = ValueType::kScalar;
      res.value = Scalar{start, v->scalar.empty() ? 0 : v->scalar[0]};
      return res;
    }
    Vector out;
    if (!v->vec.empty()) {
      for (const auto& s : v->vec[0]) out.push_back(Sample{*s.metric, start, s.v});
    }
    res.type = ValueType::kVector;
    res.value = std::move(out);
    return res;
  }
  Matrix m;
  if (type == ValueType::kScalar) {
    Series s;
    for (size_t i = 0; i < v->scalar.size(); ++i) s.points.push_back(Point{ev.StepTime(i), v->scalar[i]});
    m.push_back(std::move(s));
  } else {
    internal::PositionalCache<size_t> by_ptr;
    absl::flat_hash_map<uint64_t, std::vector<size_t>> by_hash;
    for (size_t i = 0; i < v->vec.size(); ++i) {
      const auto& step = v->vec[i];
      for (size_t k = 0; k < step.size(); ++k) {
        const auto& s = step[k];
        size_t idx = by_ptr.Get(k, s.metric.get(), [&] {
          auto& cands = by_hash[s.metric->Hash()];
          for (size_t c : cands) {
            if (m[c].metric == *s.metric) return c;
          }
          m.push_back(Series{*s.metric, {}});
          cands.push_back(m.size() - 1);
          return m.size() - 1;
        });
        m[idx].points.push_back(Point{ev.StepTime(i), s.v});
      }
    }
    std::sort(m.begin(), m.end(), [](const Series& a, const Series& b) { return a.metric < b.metric; });
  }
  res.type = ValueType::kMatrix;
  res.value = std::move(m);
  return res;
}

}  // namespace foresight::query
