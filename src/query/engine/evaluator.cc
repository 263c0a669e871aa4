#include "query/engine/evaluator.h"

#include <algorithm>
#include <cmath>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"

namespace foresight::query::internal {

using promql::AtMode;
using promql::ExprKind;

namespace {

const Expr& Unparen(const Expr& e) {
  const Expr* p = &e;
  while (p->kind == ExprKind::kParen) p = p->inner.get();
  return *p;
}

}  // namespace

absl::Status ExecError(std::string msg) { return QueryError(ErrorType::kExecution, std::move(msg)); }

LabelsPtr DropMetricName(const LabelsPtr& l) {
  if (!l->Has(kMetricNameLabel)) return l;
  return std::make_shared<const Labels>(LabelsBuilder(*l).Del(kMetricNameLabel).Build());
}

std::string LabelsString(const Labels& l) {
  std::string out = "{";
  bool first = true;
  for (const auto& x : l) {
    if (!first) out += ", ";
    first = false;
    out += x.name + "=" + promql::QuoteString(x.value);
  }
  return out + "}";
}

uint32_t DuplicateLabelsChecker::NewClass(const Labels* l) {
  auto& same_hash = by_hash_[l->Hash()];
  uint32_t id = static_cast<uint32_t>(class_labels_.size());
  for (uint32_t c : same_hash) {
    if (*class_labels_[c] == *l) id = c;
  }
  if (id == class_labels_.size()) {
    class_labels_.push_back(l);
    last_step_.push_back(0);
    same_hash.push_back(id);
  }
  return id;
}

absl::Status DuplicateLabelsChecker::Check(const StepVector& v) {
  ++step_;
  if (v.size() < 2) return absl::OkStatus();
  for (size_t k = 0; k < v.size(); ++k) {
    const Labels* l = v[k].metric.get();
    uint32_t c = class_of_.Get(k, l, [&] { return NewClass(l); });
    if (last_step_[c] == step_) return ExecError("vector cannot contain metrics with the same labelset");
    last_step_[c] = step_;
  }
  return absl::OkStatus();
}

Evaluator::Evaluator(QueryContext* ctx, int64_t start, int64_t end, int64_t interval)
    : ctx_(ctx), start_(start), end_(end), interval_(interval > 0 ? interval : 1) {
  steps_ = end_ < start_ ? 0 : static_cast<size_t>((end_ - start_) / interval_) + 1;
}

absl::Status Evaluator::CheckAlive() const {
  if (ctx_->cancel && ctx_->cancel->load(std::memory_order_relaxed)) {
    return QueryError(ErrorType::kCanceled, "query was canceled in expression evaluation");
  }
  if (std::chrono::steady_clock::now() > ctx_->deadline) {
    return QueryError(ErrorType::kTimeout, "query timed out in expression evaluation");
  }
  return absl::OkStatus();
}

absl::Status Evaluator::AddSamples(int64_t n) const {
  if (ctx_->samples.fetch_add(n, std::memory_order_relaxed) + n > ctx_->max_samples) {
    return ExecError("query processing would load too many samples into memory in query execution");
  }
  return absl::OkStatus();
}

int64_t Evaluator::AtTime(AtMode at, int64_t at_ms, int64_t ts) const {
  switch (at) {
    case AtMode::kTimestamp:
      return at_ms;
    case AtMode::kStart:
      return ctx_->query_start;
    case AtMode::kEnd:
      return ctx_->query_end;
    case AtMode::kNone:
      break;
  }
  return ts;
}

absl::StatusOr<std::unique_ptr<storage::SeriesSet>> Evaluator::OpenSelect(const Expr& vs, int64_t mint,
                                                                          int64_t maxt, int64_t range,
                                                                          std::string_view func) {
  if (auto st = CheckAlive(); !st.ok()) return st;
  storage::SelectHints hints;
  hints.start = mint;
  hints.end = maxt;
  hints.step = steps_ > 1 ? interval_ : 0;
  hints.range = range;
  hints.func = std::string(func);
  return ctx_->querier->Select(std::span<const Matcher>(vs.matchers), &hints);
}

absl::Status Evaluator::ReadSeries(const storage::Series& s, int64_t mint, int64_t maxt, LoadedSeries* out) {
  out->metric = std::make_shared<const Labels>(s.labels());
  auto it = s.Iterator();
  return ReadSamples(*it, mint, maxt, &out->samples);
}

absl::Status Evaluator::ReadSamples(storage::SampleIterator& it, int64_t mint, int64_t maxt,
                                    std::vector<storage::Sample>* out) const {
  auto& samples = *out;
  samples.clear();
  it.AppendRange(mint, maxt, &samples);
  if (auto st = it.Err(); !st.ok()) return st;
  // Loaded samples count against max_samples for the whole query (a conservative peak, also when streamed).
  return AddSamples(static_cast<int64_t>(samples.size()));
}

absl::StatusOr<std::vector<LoadedSeries>> Evaluator::Select(const Expr& vs, int64_t mint, int64_t maxt,
                                                            int64_t range, std::string_view func) {
  auto set = OpenSelect(vs, mint, maxt, range, func);
  if (!set.ok()) return set.status();
  std::vector<LoadedSeries> out;
  while ((*set)->Next()) {
    LoadedSeries ls;
    if (auto st = ReadSeries((*set)->At(), mint, maxt, &ls); !st.ok()) return st;
    out.push_back(std::move(ls));
  }
  if (auto st = (*set)->Err(); !st.ok()) return st;
  for (auto& w : (*set)->Warnings()) ctx_->warnings.push_back(w);
  return out;
}

absl::StatusOr<Value> Evaluator::EvalInstantSelector(const Expr& e, bool sample_timestamps) {
  int64_t ts = start_;
  int64_t ref = SatSub(AtTime(e.at, e.at_ms, ts), e.offset_ms);
  int64_t lo = SatSub(ref, ctx_->lookback);
  auto set = OpenSelect(e, lo, ref, 0, "");
  if (!set.ok()) return set.status();
  Value out;
  out.type = ValueType::kVector;
  out.vec.resize(1);
  StepVector& step = out.vec[0];
  while ((*set)->Next()) {
    const storage::Series& s = (*set)->At();
    auto it = s.Iterator();
    storage::Sample p{};
    bool found = it->LastInRange(lo, ref, &p);
    if (auto st = it->Err(); !st.ok()) return st;
    if (!found || storage::IsStaleNaN(p.v)) continue;
    step.push_back(StepSample{std::make_shared<const Labels>(s.labels()), p.v, sample_timestamps ? p.t : ts});
    if ((step.size() & 4095) == 0) {
      if (auto st = CheckAlive(); !st.ok()) return st;
    }
  }
  if (auto st = (*set)->Err(); !st.ok()) return st;
  for (auto& w : (*set)->Warnings()) ctx_->warnings.push_back(w);
  if (auto st = AddSamples(static_cast<int64_t>(step.size())); !st.ok()) return st;
  return out;
}

absl::StatusOr<Value> Evaluator::EvalVectorSelector(const Expr& e, bool sample_timestamps) {
  // One step needs only each series' newest sample in the lookback window, which storage can often give
  // without decoding (an instant query over 10k series spent a third of its time decoding chunks).
  if (steps_ == 1) return EvalInstantSelector(e, sample_timestamps);
  int64_t lb = ctx_->lookback;
  int64_t first = SatSub(AtTime(e.at, e.at_ms, start_), e.offset_ms);
  int64_t last = SatSub(AtTime(e.at, e.at_ms, end_), e.offset_ms);
  auto series = Select(e, SatSub(first, lb), last, 0, "");
  if (!series.ok()) return series.status();
  Value out;
  out.type = ValueType::kVector;
  out.vec.resize(steps_);
  // Each series gives at most one sample per step: reserve that when it is affordable.
  if (steps_ * series->size() <= (size_t{1} << 21)) {
    for (auto& step : out.vec) step.reserve(series->size());
  }
  int64_t points = 0;
  for (const auto& s : *series) {
    size_t idx = 0;
    const auto& smp = s.samples;
    for (size_t i = 0; i < steps_; ++i) {
      int64_t ts = StepTime(i);
      int64_t ref = SatSub(AtTime(e.at, e.at_ms, ts), e.offset_ms);
      while (idx < smp.size() && smp[idx].t <= ref) ++idx;
      if (idx == 0) continue;
      const auto& p = smp[idx - 1];
      if (p.t < SatSub(ref, lb) || storage::IsStaleNaN(p.v)) continue;
      out.vec[i].push_back(StepSample{s.metric, p.v, sample_timestamps ? p.t : ts});
      ++points;
    }
  }
  if (auto st = AddSamples(points); !st.ok()) return st;
  return out;
}

absl::StatusOr<RangeInput> Evaluator::LoadRange(const Expr& arg, bool stream) {
  const Expr& e = Unparen(arg);
  if (e.kind == ExprKind::kSubquery) return EvalSubqueryRange(e);
  if (e.kind != ExprKind::kMatrixSelector) return ExecError("expected a range vector");
  const Expr& vs = *e.inner;
  int64_t first = SatSub(AtTime(vs.at, vs.at_ms, start_), vs.offset_ms);
  int64_t last = SatSub(AtTime(vs.at, vs.at_ms, end_), vs.offset_ms);
  RangeInput in;
  in.range = e.range_ms;
  in.offset = vs.offset_ms;
  in.at = vs.at;
  in.at_ms = vs.at_ms;
  if (stream) {
    auto set = OpenSelect(vs, SatSub(first, e.range_ms), last, e.range_ms, "");
    if (!set.ok()) return set.status();
    in.stream = std::move(*set);
    in.stream_mint = SatSub(first, e.range_ms);
    in.stream_maxt = last;
    return in;
  }
  auto series = Select(vs, SatSub(first, e.range_ms), last, e.range_ms, "");
  if (!series.ok()) return series.status();
  in.series = std::move(*series);
  for (auto& s : in.series) {
    std::erase_if(s.samples, [](const storage::Sample& x) { return storage::IsStaleNaN(x.v); });
  }
  return in;
}

absl::StatusOr<bool> Evaluator::NextSeries(RangeInput& in, LoadedSeries* out) {
  if (!in.stream) return false;
  if (!in.stream->Next()) {
    if (auto st = in.stream->Err(); !st.ok()) return st;
    for (auto& w : in.stream->Warnings()) ctx_->warnings.push_back(w);
    in.stream.reset();
    return false;
  }
  if (auto st = CheckAlive(); !st.ok()) return st;
  if (auto st = ReadSeries(in.stream->At(), in.stream_mint, in.stream_maxt, out); !st.ok()) return st;
  std::erase_if(out->samples, [](const storage::Sample& x) { return storage::IsStaleNaN(x.v); });
  return true;
}

absl::StatusOr<std::vector<PendingSeries>> Evaluator::TakePending(RangeInput& in) {
  std::vector<PendingSeries> out;
  if (!in.stream) return out;
  while (in.stream->Next()) {
    if (out.size() % 1024 == 0) {
      if (auto st = CheckAlive(); !st.ok()) return st;
    }
    const storage::Series& s = in.stream->At();
    out.push_back(PendingSeries{std::make_shared<const Labels>(s.labels()), s.Iterator()});
  }
  if (auto st = in.stream->Err(); !st.ok()) return st;
  for (auto& w : in.stream->Warnings()) ctx_->warnings.push_back(w);
  in.stream.reset();
  return out;
}

absl::Status Evaluator::ReadPending(const RangeInput& in, PendingSeries& p, LoadedSeries* out) const {
  out->metric = p.metric;
  auto st = ReadSamples(*p.it, in.stream_mint, in.stream_maxt, &out->samples);
  p.it.reset();  // its decoder state is not needed any more
  if (!st.ok()) return st;
  std::erase_if(out->samples, [](const storage::Sample& x) { return storage::IsStaleNaN(x.v); });
  return absl::OkStatus();
}

absl::StatusOr<RangeInput> Evaluator::EvalSubqueryRange(const Expr& e) {
  int64_t step = e.step_ms > 0 ? e.step_ms : ctx_->default_step;
  int64_t first = SatSub(SatSub(AtTime(e.at, e.at_ms, start_), e.offset_ms), e.range_ms);
  int64_t inner_start = step * (first / step);
  if (inner_start < first && __builtin_add_overflow(inner_start, step, &inner_start)) return RangeInput{};
  int64_t inner_end = SatSub(AtTime(e.at, e.at_ms, end_), e.offset_ms);
  RangeInput in;
  in.range = e.range_ms;
  in.offset = e.offset_ms;
  in.at = e.at;
  in.at_ms = e.at_ms;
  if (inner_start > inner_end) return in;
  // Refuse a subquery with more steps than samples allowed before allocating them.
  if ((static_cast<uint64_t>(inner_end) - static_cast<uint64_t>(inner_start)) / static_cast<uint64_t>(step) >=
      static_cast<uint64_t>(ctx_->max_samples)) {
    return ExecError("query processing would load too many samples into memory in query execution");
  }
  Evaluator child(ctx_, inner_start, inner_end, step);
  auto v = child.Eval(*e.inner);
  if (!v.ok()) return v.status();
  absl::flat_hash_map<uint64_t, size_t> index;
  PositionalCache<size_t> series_of;  // the labels are hashed once per Labels object, not per step
  for (size_t i = 0; i < v->vec.size(); ++i) {
    const StepVector& step = v->vec[i];
    for (size_t k = 0; k < step.size(); ++k) {
      const StepSample& s = step[k];
      size_t idx = series_of.Get(k, s.metric.get(), [&] {
        auto [it, inserted] = index.emplace(s.metric->Hash(), in.series.size());
        if (inserted) in.series.push_back(LoadedSeries{s.metric, {}});
        return it->second;
      });
      in.series[idx].samples.push_back(storage::Sample{child.StepTime(i), s.v});
    }
  }
  return in;
}

absl::StatusOr<Matrix> Evaluator::EvalRangeAtStart(const Expr& e) {
  auto in = LoadRange(e);
  if (!in.ok()) return in.status();
  int64_t ref = SatSub(AtTime(in->at, in->at_ms, start_), in->offset);
  Matrix out;
  for (const auto& s : in->series) {
    Series ser;
    ser.metric = *s.metric;
    for (const auto& p : s.samples) {
      if (p.t >= SatSub(ref, in->range) && p.t <= ref) ser.points.push_back(Point{p.t, p.v});
    }
    if (!ser.points.empty()) out.push_back(std::move(ser));
  }
  return out;
}

absl::StatusOr<Value> Evaluator::EvalUnary(const Expr& e) {
  auto v = Eval(*e.inner);
  if (!v.ok() || e.op != promql::BinOp::kSub) return v;
  if (v->type == ValueType::kScalar) {
    for (auto& x : v->scalar) x = -x;
    return v;
  }
  absl::flat_hash_map<const Labels*, LabelsPtr> dropped;
  DuplicateLabelsChecker dup;
  for (auto& step : v->vec) {
    for (auto& s : step) {
      auto it = dropped.find(s.metric.get());
      if (it == dropped.end()) it = dropped.emplace(s.metric.get(), DropMetricName(s.metric)).first;
      s.metric = it->second;
      s.v = -s.v;
    }
    if (auto st = dup.Check(step); !st.ok()) return st;
  }
  return v;
}

absl::StatusOr<Value> Evaluator::EvalBinary(const Expr& e) {
  auto lhs = Eval(*e.lhs);
  if (!lhs.ok()) return lhs.status();
  auto rhs = Eval(*e.rhs);
  if (!rhs.ok()) return rhs.status();
  return EvalBinaryOp(*this, e, std::move(*lhs), std::move(*rhs));
}

absl::StatusOr<Value> Evaluator::EvalAggregate(const Expr& e) {
  Value param;
  if (e.param) {
    auto p = Eval(*e.param);
    if (!p.ok()) return p.status();
    param = std::move(*p);
  }
  // sum/avg/count/min/max/group/stddev/stdvar over a range function evaluated on the worker pool fold
  // each series' values into the groups directly, without building the function's step vectors.
  using promql::AggOp;
  const Expr& inner = Unparen(*e.inner);
  const AggOp op = e.agg;
  bool fusable = op == AggOp::kSum || op == AggOp::kAvg || op == AggOp::kCount || op == AggOp::kMin ||
                 op == AggOp::kMax || op == AggOp::kGroup || op == AggOp::kStddev || op == AggOp::kStdvar;
  if (fusable && inner.kind == ExprKind::kCall && !inner.func->extension) {
    std::vector<Value> args;
    RangeInput range;
    int range_arg = -1;
    if (auto st = EvalCallArgs(inner, &args, &range, &range_arg); !st.ok()) return st;
    if (range_arg >= 0) {
      auto by_series = EvalRangeFunctionBySeries(*this, inner, args, range, range_arg);
      if (!by_series.ok()) return by_series.status();
      if (*by_series) return EvalAggregationBySeries(*this, e, std::move(**by_series));
    }
    auto in = EvalFunction(*this, inner, std::move(args), range_arg >= 0 ? &range : nullptr, range_arg);
    if (!in.ok()) return in.status();
    return EvalAggregation(*this, e, std::move(param), std::move(*in));
  }
  auto in = Eval(*e.inner);
  if (!in.ok()) return in.status();
  return EvalAggregation(*this, e, std::move(param), std::move(*in));
}

absl::StatusOr<Value> Evaluator::EvalCall(const Expr& e) {
  std::vector<Value> args;
  RangeInput range;
  int range_arg = -1;
  if (auto st = EvalCallArgs(e, &args, &range, &range_arg); !st.ok()) return st;
  return EvalFunction(*this, e, std::move(args), range_arg >= 0 ? &range : nullptr, range_arg);
}

absl::Status Evaluator::EvalCallArgs(const Expr& e, std::vector<Value>* out_args, RangeInput* out_range,
                                     int* out_range_arg) {
  const auto& f = *e.func;
  std::vector<Value>& args = *out_args;
  args.resize(e.args.size());
  RangeInput& range = *out_range;
  int& range_arg = *out_range_arg;
  for (size_t i = 0; i < e.args.size(); ++i) {
    size_t k = std::min(i, f.arg_types.size() - 1);
    if (f.arg_types[k] == ValueType::kMatrix) {
      // Prometheus' range functions walk each series once: they read it as a stream.
      bool stream = !f.extension && f.name != "absent_over_time";
      auto r = LoadRange(*e.args[i], stream);
      if (!r.ok()) return r.status();
      range = std::move(*r);
      range_arg = static_cast<int>(i);
      continue;
    }
    const Expr& a = Unparen(*e.args[i]);
    absl::StatusOr<Value> v;
    if (f.name == "timestamp" && a.kind == ExprKind::kVectorSelector) {
      v = EvalVectorSelector(a, true);
    } else {
      v = Eval(*e.args[i]);
    }
    if (!v.ok()) return v.status();
    args[i] = std::move(*v);
  }
  return absl::OkStatus();
}

absl::StatusOr<Value> Evaluator::Eval(const Expr& e) {
  if (auto st = CheckAlive(); !st.ok()) return st;
  switch (e.kind) {
    case ExprKind::kNumber: {
      Value v;
      v.type = ValueType::kScalar;
      v.scalar.assign(steps_, e.number);
      return v;
    }
    case ExprKind::kString: {
      Value v;
      v.type = ValueType::kString;
      v.str = e.str;
      return v;
    }
    case ExprKind::kParen:
      return Eval(*e.inner);
    case ExprKind::kVectorSelector:
      return EvalVectorSelector(e, false);
    case ExprKind::kUnary:
      return EvalUnary(e);
    case ExprKind::kBinary:
      return EvalBinary(e);
    case ExprKind::kAggregate:
      return EvalAggregate(e);
    case ExprKind::kCall:
      return EvalCall(e);
    case ExprKind::kMatrixSelector:
    case ExprKind::kSubquery:
      break;
  }
  return ExecError(absl::StrCat("unexpected range vector in expression \"", e.String(), "\""));
}

}  // namespace foresight::query::internal
