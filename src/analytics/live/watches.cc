// Parsing of the `foresight: anomaly_detection:` config section.
#include <set>

#include "absl/strings/str_cat.h"
#include "analytics/live/live.h"
#include "query/promql/ast.h"
#include "query/promql/parser.h"
#include "yaml-cpp/yaml.h"

namespace foresight::analytics {
namespace {

absl::Status FieldError(size_t i, const std::string& name, std::string_view field, std::string_view msg) {
  return absl::InvalidArgumentError(absl::StrCat(
      "anomaly_detection.watches[", i, "]", name.empty() ? "" : absl::StrCat(" (", name, ")"), ": ",
      absl::string_view(field.data(), field.size()), ": ", absl::string_view(msg.data(), msg.size())));
}

absl::StatusOr<int64_t> Duration(const YAML::Node& n, size_t i, const std::string& name,
                                 std::string_view field) {
  const std::string s = n.as<std::string>();
  auto d = query::promql::ParseDuration(s);
  if (!d || *d <= 0) return FieldError(i, name, field, absl::StrCat("not a positive duration: \"", s, "\""));
  return *d;
}

absl::StatusOr<Watch> ParseWatchFields(const YAML::Node& n, size_t i, Watch& w, std::string& field) {
  for (const auto& kv : n) {
    field = kv.first.as<std::string>();
    if (field != "name" && field != "query" && field != "sensitivity" && field != "interval" &&
        field != "warmup" && field != "catchup") {
      return FieldError(i, "", field, "unknown field");
    }
  }
  field = "name";
  if (!n["name"] || n["name"].as<std::string>().empty()) return FieldError(i, "", "name", "missing");
  w.name = n["name"].as<std::string>();
  field = "query";
  if (!n["query"] || n["query"].as<std::string>().empty()) return FieldError(i, w.name, "query", "missing");
  w.query = n["query"].as<std::string>();
  if (auto e = query::promql::ParseExpr(w.query); !e.ok()) {
    return FieldError(i, w.name, "query", std::string(e.status().message()));
  }
  field = "sensitivity";
  if (n["sensitivity"]) {
    w.sensitivity = n["sensitivity"].as<double>();
    if (!(w.sensitivity >= 0 && w.sensitivity <= 1)) {
      return FieldError(i, w.name, "sensitivity", "must be in [0, 1]");
    }
  }
  field = "interval";
  if (n["interval"]) {
    auto d = Duration(n["interval"], i, w.name, "interval");
    if (!d.ok()) return d.status();
    w.interval_ms = *d;
  }
  field = "warmup";
  if (n["warmup"]) {
    w.warmup = n["warmup"].as<int64_t>();
    if (w.warmup < 16 || w.warmup > (1 << 20))
      return FieldError(i, w.name, "warmup", "must be in [16, 1048576]");
  }
  field = "catchup";
  if (n["catchup"]) {
    auto d = Duration(n["catchup"], i, w.name, "catchup");
    if (!d.ok()) return d.status();
    w.catchup_ms = *d;
  }
  return w;
}

// Conversion errors (a word where a number belongs) name the field being read.
absl::StatusOr<Watch> ParseWatch(const YAML::Node& n, size_t i) {
  if (!n.IsMap()) return FieldError(i, "", "watch", "must be a mapping");
  Watch w;
  std::string field = "watch";
  try {
    return ParseWatchFields(n, i, w, field);
  } catch (const YAML::Exception&) {
    return FieldError(i, w.name, field, "not a valid value");
  }
}

}  // namespace

absl::StatusOr<std::vector<Watch>> ParseWatches(const YAML::Node& node) {
  std::vector<Watch> out;
  try {
    if (!node.IsDefined() || node.IsNull()) return out;
    if (!node.IsMap()) return absl::InvalidArgumentError("anomaly_detection: must be a mapping");
    const YAML::Node watches = node["watches"];
    if (!watches || watches.IsNull()) return out;
    if (!watches.IsSequence()) return absl::InvalidArgumentError("anomaly_detection.watches: must be a list");
    std::set<std::string> names;
    for (size_t i = 0; i < watches.size(); ++i) {
      auto w = ParseWatch(watches[i], i);
      if (!w.ok()) return w.status();
      if (!names.insert(w->name).second) return FieldError(i, w->name, "name", "duplicate watch name");
      out.push_back(std::move(*w));
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("anomaly_detection: ", e.what()));
  }
  return out;
}

}  // namespace foresight::analytics
