#include "query/promql/functions.h"

#include <deque>
#include <mutex>

#include "absl/container/flat_hash_map.h"

namespace foresight::query::promql {
namespace {

using VT = ValueType;
constexpr VT S = VT::kScalar, V = VT::kVector, M = VT::kMatrix, Str = VT::kString;

std::vector<FunctionDef> Builtins() {
  std::vector<FunctionDef> f = {
      {"abs", {V}, 0, V},
      {"absent", {V}, 0, V},
      {"absent_over_time", {M}, 0, V},
      {"avg_over_time", {M}, 0, V},
      {"ceil", {V}, 0, V},
      {"changes", {M}, 0, V},
      {"clamp", {V, S, S}, 0, V},
      {"clamp_max", {V, S}, 0, V},
      {"clamp_min", {V, S}, 0, V},
      {"count_over_time", {M}, 0, V},
      {"days_in_month", {V}, 1, V},
      {"day_of_month", {V}, 1, V},
      {"day_of_week", {V}, 1, V},
      {"day_of_year", {V}, 1, V},
      {"deg", {V}, 0, V},
      {"delta", {M}, 0, V},
      {"deriv", {M}, 0, V},
      {"exp", {V}, 0, V},
      {"floor", {V}, 0, V},
      {"histogram_quantile", {S, V}, 0, V},
      {"holt_winters", {M, S, S}, 0, V},
      {"hour", {V}, 1, V},
      {"idelta", {M}, 0, V},
      {"increase", {M}, 0, V},
      {"irate", {M}, 0, V},
      {"label_replace", {V, Str, Str, Str, Str}, 0, V},
      {"label_join", {V, Str, Str, Str}, -1, V},
      {"last_over_time", {M}, 0, V},
      {"ln", {V}, 0, V},
      {"log10", {V}, 0, V},
      {"log2", {V}, 0, V},
      {"max_over_time", {M}, 0, V},
      {"min_over_time", {M}, 0, V},
      {"minute", {V}, 1, V},
      {"month", {V}, 1, V},
      {"pi", {}, 0, S},
      {"predict_linear", {M, S}, 0, V},
      {"present_over_time", {M}, 0, V},
      {"quantile_over_time", {S, M}, 0, V},
      {"rad", {V}, 0, V},
      {"rate", {M}, 0, V},
      {"resets", {M}, 0, V},
      {"round", {V, S}, 1, V},
      {"scalar", {V}, 0, S},
      {"sgn", {V}, 0, V},
      {"sort", {V}, 0, V},
      {"sort_desc", {V}, 0, V},
      {"sqrt", {V}, 0, V},
      {"stddev_over_time", {M}, 0, V},
      {"stdvar_over_time", {M}, 0, V},
      {"sum_over_time", {M}, 0, V},
      {"time", {}, 0, S},
      {"timestamp", {V}, 0, V},
      {"vector", {S}, 0, V},
      {"year", {V}, 1, V},
  };
  for (const char* trig :
       {"acos", "acosh", "asin", "asinh", "atan", "atanh", "cos", "cosh", "sin", "sinh", "tan", "tanh"}) {
    f.push_back({trig, {V}, 0, V});
  }
  return f;
}

// Functions of later Prometheus versions are reserved too, so an extension never shadows one.
constexpr std::string_view kReservedLater[] = {"histogram_count",
                                               "histogram_sum",
                                               "histogram_fraction",
                                               "histogram_stddev",
                                               "histogram_stdvar",
                                               "mad_over_time",
                                               "sort_by_label",
                                               "sort_by_label_desc",
                                               "limitk",
                                               "limit_ratio",
                                               "double_exponential_smoothing",
                                               "info",
                                               "ts_of_min_over_time",
                                               "ts_of_max_over_time",
                                               "ts_of_last_over_time"};

struct Registry {
  std::mutex mu;
  std::deque<FunctionDef> defs;  // stable addresses
  absl::flat_hash_map<std::string, const FunctionDef*> by_name;
  size_t builtin_count = 0;

  Registry() {
    for (auto& d : Builtins()) {
      defs.push_back(std::move(d));
      by_name[defs.back().name] = &defs.back();
    }
    builtin_count = defs.size();
  }
};

Registry& Reg() {
  static Registry* r = new Registry();
  return *r;
}

bool ValidName(std::string_view n) {
  if (n.empty()) return false;
  for (size_t i = 0; i < n.size(); ++i) {
    char c = n[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

}  // namespace

const FunctionDef* LookupFunction(std::string_view name) {
  Registry& r = Reg();
  std::lock_guard<std::mutex> lock(r.mu);
  auto it = r.by_name.find(std::string(name));
  return it == r.by_name.end() ? nullptr : it->second;
}

bool IsPrometheusFunction(std::string_view name) {
  for (auto n : kReservedLater) {
    if (n == name) return true;
  }
  const FunctionDef* d = LookupFunction(name);
  return d != nullptr && !d->extension;
}

absl::Status RegisterFunction(FunctionDef def) {
  if (!ValidName(def.name)) return absl::InvalidArgumentError("invalid function name \"" + def.name + "\"");
  if (def.variadic < -1 || (def.variadic != 0 && def.arg_types.empty())) {
    return absl::InvalidArgumentError("invalid variadic count for function \"" + def.name + "\"");
  }
  if (def.return_type != ValueType::kVector && def.return_type != ValueType::kScalar) {
    return absl::InvalidArgumentError("function \"" + def.name +
                                      "\" must return a scalar or an instant vector");
  }
  for (auto n : kReservedLater) {
    if (n == def.name)
      return absl::AlreadyExistsError("function \"" + def.name + "\" is reserved by Prometheus");
  }
  Registry& r = Reg();
  std::lock_guard<std::mutex> lock(r.mu);
  auto it = r.by_name.find(def.name);
  if (it != r.by_name.end()) {
    return absl::AlreadyExistsError(it->second->extension
                                        ? "function \"" + def.name + "\" is already registered"
                                        : "function \"" + def.name + "\" is a Prometheus function");
  }
  def.extension = true;
  r.defs.push_back(std::move(def));
  r.by_name[r.defs.back().name] = &r.defs.back();
  return absl::OkStatus();
}

}  // namespace foresight::query::promql
