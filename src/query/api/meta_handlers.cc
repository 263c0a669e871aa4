// Shared helpers, /api/v1/series, /api/v1/labels and /api/v1/label/<name>/values.
#include <algorithm>
#include <chrono>
#include <string>

#include "query/api/handlers.h"
#include "query/api/json.h"
#include "query/api/params.h"
#include "query/promql/parser.h"

namespace foresight::query::api {

web::Response ErrorResponse(std::string_view error_type, std::string_view message) {
  int code = 500;
  if (error_type == "bad_data") code = 400;
  if (error_type == "execution") code = 422;
  if (error_type == "canceled" || error_type == "timeout" || error_type == "unavailable") code = 503;
  if (error_type == "not_found") code = 404;
  return web::Response::Json(code, ErrorBody(error_type, message));
}

web::Response ErrorResponse(const absl::Status& s) {
  std::string_view type = ErrorTypeName(ErrorTypeOf(s));
  if (type.empty()) type = "internal";
  return ErrorResponse(type, std::string_view(s.message().data(), s.message().size()));
}

web::Response InvalidParam(std::string_view name, std::string_view message) {
  std::string msg = "invalid parameter \"";
  msg.append(name);
  msg.append("\": ");
  msg.append(message);
  return ErrorResponse("bad_data", msg);
}

web::Response Success(std::string_view data_json) { return web::Response::Json(200, SuccessBody(data_json)); }

int64_t NowMs(const QueryApiDeps& deps) {
  if (deps.now_ms) return deps.now_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

absl::StatusOr<int64_t> TimeParam(const web::Request& req, std::string_view name, int64_t fallback) {
  std::string_view v = req.params.GetOr(name);
  if (v.empty()) return fallback;
  auto t = ParseTimeMs(v);
  if (!t.ok()) {
    std::string msg = "Invalid time value for '";
    msg.append(name);
    msg.append("': ");
    msg.append(Msg(t.status()).data(), Msg(t.status()).size());
    return absl::InvalidArgumentError(msg);
  }
  return *t;
}

absl::StatusOr<std::vector<std::vector<Matcher>>> MatchParams(const web::Request& req) {
  std::vector<std::vector<Matcher>> sets;
  for (const std::string& s : req.params.GetAll("match[]")) {
    auto m = promql::ParseMetricSelector(s);
    if (!m.ok()) return m.status();
    sets.push_back(std::move(*m));
  }
  return sets;
}

namespace {

struct Window {
  int64_t start, end;
};

// start and end of series/labels requests, with Prometheus' defaults; returns an error response on failure.
std::optional<web::Response> ParseWindow(const web::Request& req, Window* w) {
  auto start = TimeParam(req, "start", kApiMinTimeMs);
  if (!start.ok()) return InvalidParam("start", Msg(start.status()));
  auto end = TimeParam(req, "end", kApiMaxTimeMs);
  if (!end.ok()) return InvalidParam("end", Msg(end.status()));
  w->start = *start;
  w->end = *end;
  return std::nullopt;
}

void AppendStringList(std::string* out, const std::vector<std::string>& v) {
  out->push_back('[');
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out->push_back(',');
    AppendString(out, v[i]);
  }
  out->push_back(']');
}

void MergeSorted(std::vector<std::string>* acc, std::vector<std::string> more) {
  std::vector<std::string> merged;
  merged.reserve(acc->size() + more.size());
  std::set_union(std::make_move_iterator(acc->begin()), std::make_move_iterator(acc->end()),
                 std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()),
                 std::back_inserter(merged));
  *acc = std::move(merged);
}

bool ValidLabelName(std::string_view n) {
  if (n.empty()) return false;
  for (size_t i = 0; i < n.size(); ++i) {
    char c = n[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// Runs `fn(querier, matchers)` for each match[] set (or once with none) and merges the sorted lists.
template <typename Fn>
web::Response ListEndpoint(const QueryApiDeps& deps, const web::Request& req, Fn fn) {
  Window w;
  if (auto err = ParseWindow(req, &w)) return *err;
  auto sets = MatchParams(req);
  if (!sets.ok()) return ErrorResponse("bad_data", Msg(sets.status()));
  auto q = deps.queryable->NewQuerier(w.start, w.end);
  if (!q.ok()) return ErrorResponse(q.status());
  std::vector<std::string> all;
  if (sets->empty()) sets->emplace_back();
  for (const auto& ms : *sets) {
    absl::StatusOr<std::vector<std::string>> got = fn(**q, ms);
    if (!got.ok()) return ErrorResponse("execution", Msg(got.status()));
    MergeSorted(&all, std::move(*got));
  }
  std::string data;
  AppendStringList(&data, all);
  return Success(data);
}

}  // namespace

web::Response HandleSeries(const QueryApiDeps& deps, const web::Request& req) {
  if (!req.params.Has("match[]")) return ErrorResponse("bad_data", "no match[] parameter provided");
  Window w;
  if (auto err = ParseWindow(req, &w)) return *err;
  auto sets = MatchParams(req);
  if (!sets.ok()) return InvalidParam("match[]", Msg(sets.status()));
  auto q = deps.queryable->NewQuerier(w.start, w.end);
  if (!q.ok()) return ErrorResponse(q.status());
  storage::SelectHints hints;
  hints.start = w.start;
  hints.end = w.end;
  hints.func = "series";
  std::vector<Labels> found;
  for (const auto& ms : *sets) {
    auto ss = (*q)->Select(ms, &hints);
    while (ss->Next()) found.push_back(ss->At().labels());
    if (!ss->Err().ok()) return ErrorResponse("execution", Msg(ss->Err()));
  }
  std::sort(found.begin(), found.end());
  found.erase(std::unique(found.begin(), found.end()), found.end());
  std::string data = "[";
  for (size_t i = 0; i < found.size(); ++i) {
    if (i) data.push_back(',');
    AppendLabels(&data, found[i]);
  }
  data.push_back(']');
  return Success(data);
}

// With matchers, names and values come from the selected series' labels (as Prometheus does).
// TODO(storage): HeadQuerier::LabelValues with matchers keeps a view into a temporary Labels
// (head_querier.cc:142, found by ASan); use the querier's own methods once that is fixed.
static absl::StatusOr<std::vector<std::string>> FromSeries(storage::Querier& q,
                                                           const std::vector<Matcher>& ms,
                                                           const std::string* value_of) {
  storage::SelectHints hints;
  hints.func = "series";
  auto ss = q.Select(ms, &hints);
  std::vector<std::string> out;
  while (ss->Next()) {
    for (const Label& l : ss->At().labels()) {
      if (value_of == nullptr) {
        out.push_back(l.name);
      } else if (l.name == *value_of && !l.value.empty()) {
        out.push_back(l.value);
      }
    }
  }
  if (!ss->Err().ok()) return ss->Err();
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

web::Response HandleLabels(const QueryApiDeps& deps, const web::Request& req) {
  return ListEndpoint(deps, req, [](storage::Querier& q, const std::vector<Matcher>& ms) {
    return ms.empty() ? q.LabelNames(ms) : FromSeries(q, ms, nullptr);
  });
}

web::Response HandleLabelValues(const QueryApiDeps& deps, const web::Request& req) {
  std::string name(req.PathParam("name"));
  if (!ValidLabelName(name)) {
    std::string msg = "invalid label name: ";
    AppendString(&msg, name);
    return ErrorResponse("bad_data", msg);
  }
  return ListEndpoint(deps, req, [&name](storage::Querier& q, const std::vector<Matcher>& ms) {
    return ms.empty() ? q.LabelValues(name, ms) : FromSeries(q, ms, &name);
  });
}

}  // namespace foresight::query::api
