#include "collection/push/json_push.h"

#include <chrono>
#include <cmath>
#include <memory>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/metrics/metrics.h"
#include "nlohmann/json.hpp"
#include "web/http/router.h"

namespace foresight::collection {
namespace {

using nlohmann::json;

absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

absl::Status Bad(std::string_view where, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(where.empty() ? "body" : AV(where), ": ", AV(what)));
}

// "metrics[2]" + "labels" -> "metrics[2].labels"; at the top level just "labels".
std::string Join(const std::string& where, std::string_view key) {
  return where.empty() ? std::string(key) : absl::StrCat(where, ".", AV(key));
}

// Reserved keys of a metrics object; every other key is a metric.
bool IsReserved(std::string_view key) {
  return key == "labels" || key == "host" || key == "service" || key == "timestamp";
}

absl::StatusOr<int64_t> ParseTimestamp(const json& ts, const std::string& where) {
  if (ts.is_number()) {
    double sec = ts.get<double>();
    if (!std::isfinite(sec) || std::fabs(sec) > 1e13) return Bad(where, "timestamp out of range");
    return static_cast<int64_t>(std::llround(sec * 1000.0));
  }
  if (ts.is_string()) {
    absl::Time t;
    std::string err;
    const std::string& s = ts.get_ref<const std::string&>();
    if (!absl::ParseTime(absl::RFC3339_full, s, &t, &err)) {
      return Bad(where, absl::StrCat("timestamp \"", s, "\" is not RFC 3339 (", err, ")"));
    }
    return absl::ToUnixMillis(t);
  }
  return Bad(where, "timestamp must be Unix seconds (a number) or an RFC 3339 string");
}

absl::Status AddLabel(LabelsBuilder* b, const std::string& name, const json& value,
                      const std::string& where) {
  if (!value.is_string()) return Bad(where, absl::StrCat("label \"", name, "\" must be a string"));
  if (!metrics::IsValidLabelName(name) || name == kMetricNameLabel) {
    return Bad(where, absl::StrCat("invalid label name \"", name, "\""));
  }
  b->Set(name, value.get_ref<const std::string&>());
  return absl::OkStatus();
}

absl::Status ParseObject(const json& obj, const std::string& where, const JsonPushOptions& options,
                         int64_t now, std::vector<PushedSample>* out) {
  if (!obj.is_object()) return Bad(where, "expected an object of metrics");
  LabelsBuilder base;
  base.Set("job", options.job);
  for (const char* key : {"host", "service"}) {
    if (auto it = obj.find(key); it != obj.end()) {
      if (absl::Status s = AddLabel(&base, key, *it, Join(where, key)); !s.ok()) return s;
    }
  }
  if (auto it = obj.find("labels"); it != obj.end()) {
    if (!it->is_object()) return Bad(Join(where, "labels"), "must be an object of strings");
    for (const auto& [name, value] : it->items()) {
      if (absl::Status s = AddLabel(&base, name, value, Join(where, "labels")); !s.ok()) return s;
    }
  }
  int64_t t = now;
  if (auto it = obj.find("timestamp"); it != obj.end()) {
    absl::StatusOr<int64_t> ts = ParseTimestamp(*it, Join(where, "timestamp"));
    if (!ts.ok()) return ts.status();
    t = *ts;
  }
  size_t before = out->size();
  for (const auto& [key, value] : obj.items()) {
    if (IsReserved(key)) continue;
    std::string field = where.empty() ? key : Join(where, key);
    if (!metrics::IsValidMetricName(key)) return Bad(field, "not a valid metric name");
    if (!value.is_number())
      return Bad(field, absl::StrCat("value is not a number (got ", value.type_name(), ")"));
    LabelsBuilder b = base;
    b.Set(kMetricNameLabel, key);
    out->push_back(PushedSample{b.Build(), t, value.get<double>()});
  }
  if (out->size() == before) return Bad(where, "no numeric metric fields");
  return absl::OkStatus();
}

int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

web::Response JsonError(int status, std::string_view error_type, std::string_view message) {
  json j = {{"status", "error"}, {"errorType", error_type}, {"error", message}};
  return web::Response::Json(status, j.dump());
}

}  // namespace

absl::StatusOr<std::vector<PushedSample>> ParseJsonPush(std::string_view body,
                                                        const JsonPushOptions& options) {
  json doc;
  try {
    doc = json::parse(body.begin(), body.end());
  } catch (const json::parse_error& e) {
    return absl::InvalidArgumentError(absl::StrCat("invalid JSON: ", e.what()));
  }
  int64_t now = options.now_ms ? options.now_ms() : SystemNowMs();
  std::vector<PushedSample> out;
  const json* items = nullptr;
  std::string prefix;
  if (doc.is_array()) {
    items = &doc;
  } else if (doc.is_object() && doc.contains("metrics")) {
    items = &doc["metrics"];
    prefix = "metrics";
    if (!items->is_array()) return Bad("metrics", "must be an array of objects");
  }
  if (items == nullptr) {
    if (absl::Status s = ParseObject(doc, "", options, now, &out); !s.ok()) return s;
    return out;
  }
  if (items->empty()) return Bad(prefix, "empty batch");
  for (size_t i = 0; i < items->size(); ++i) {
    if (absl::Status s = ParseObject((*items)[i], absl::StrCat(prefix, "[", i, "]"), options, now, &out);
        !s.ok()) {
      return s;
    }
  }
  return out;
}

JsonPushHandler::JsonPushHandler(storage::Appendable& storage, JsonPushStats* stats, JsonPushOptions options)
    : storage_(storage), stats_(stats), options_(std::move(options)) {}

web::Response JsonPushHandler::Handle(const web::Request& request) const {
  auto add = [this](std::atomic<uint64_t> JsonPushStats::*f, uint64_t n) {
    if (stats_ != nullptr && n > 0) (stats_->*f).fetch_add(n, std::memory_order_relaxed);
  };
  add(&JsonPushStats::requests, 1);
  absl::StatusOr<std::vector<PushedSample>> samples = ParseJsonPush(request.body, options_);
  if (!samples.ok()) {
    add(&JsonPushStats::requests_invalid, 1);
    absl::string_view m = samples.status().message();
    return JsonError(400, "bad_data", std::string_view(m.data(), m.size()));
  }
  std::unique_ptr<storage::Appender> app = storage_.NewAppender();
  uint64_t appended = 0, rejected = 0;
  uint64_t by_reason[JsonPushStats::kReasons] = {};
  std::string first;
  for (const PushedSample& s : *samples) {
    absl::StatusOr<storage::SeriesRef> r = app->Append(0, s.labels, s.t, s.v);
    if (r.ok()) {
      ++appended;
      continue;
    }
    std::string msg = absl::StrCat(s.labels.ToString(), ": ", r.status().message());
    const std::optional<storage::RejectReason> reason = storage::RejectReasonOf(r.status());
    if (!reason) {
      app->Rollback();
      return JsonError(r.status().code() == absl::StatusCode::kInternal ? 500 : 503, "internal", msg);
    }
    if (const auto i = static_cast<size_t>(*reason); i < std::size(by_reason)) ++by_reason[i];
    ++rejected;
    if (first.empty()) first = std::move(msg);
  }
  if (absl::Status cs = app->Commit(); !cs.ok()) {
    absl::string_view m = cs.message();
    return JsonError(503, "internal", std::string_view(m.data(), m.size()));
  }
  add(&JsonPushStats::samples_ingested, appended);
  add(&JsonPushStats::samples_rejected, rejected);
  for (size_t i = 0; stats_ != nullptr && i < std::size(by_reason); ++i) {
    if (by_reason[i] > 0) stats_->rejected_by_reason[i].fetch_add(by_reason[i], std::memory_order_relaxed);
  }
  if (rejected > 0) {
    return JsonError(400, "bad_data",
                     absl::StrCat(rejected, " of ", samples->size(), " samples rejected; first: ", first));
  }
  json j = {{"status", "success"}, {"data", {{"samples", appended}}}};
  return web::Response::Json(200, j.dump());
}

absl::Status RegisterJsonPushRoute(web::Router& router, storage::Appendable& storage, JsonPushStats* stats,
                                   JsonPushOptions options) {
  auto handler = std::make_shared<JsonPushHandler>(storage, stats, std::move(options));
  return router.Post("/metrics", [handler](const web::Request& r) { return handler->Handle(r); });
}

}  // namespace foresight::collection
