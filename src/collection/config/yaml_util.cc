#include "collection/config/yaml_util.h"

#include <charconv>
#include <filesystem>

#include "collection/config/duration.h"
#include "collection/relabel/relabel.h"
#include "collection/relabel/strcat.h"

namespace foresight::collection::yaml {
namespace {

std::string_view TypeName(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "a scalar";
    case YAML::NodeType::Null:
      return "null";
    default:
      return "nothing";
  }
}

}  // namespace

absl::Status Reader::Error(const YAML::Node& at, std::string_view key, std::string_view reason) const {
  const int line = at.IsDefined() ? at.Mark().line + 1 : 0;
  return absl::InvalidArgumentError(Cat(filename_, ":", line, ": key '", key, "': ", reason));
}

absl::Status Reader::CheckKeys(const YAML::Node& map, std::string_view key,
                               std::initializer_list<std::string_view> known,
                               std::initializer_list<std::string_view> unsupported) const {
  if (!map.IsMap()) return Error(map, key, Cat("expected a mapping, got ", TypeName(map)));
  for (const auto& kv : map) {
    if (!kv.first.IsScalar()) return Error(kv.first, key, "mapping keys must be strings");
    const std::string& k = kv.first.Scalar();
    bool ok = false;
    for (std::string_view n : known) ok = ok || n == k;
    if (ok) continue;
    for (std::string_view n : unsupported) {
      if (n == k) return Error(kv.first, k, "not supported by Foresight");
    }
    return Error(kv.first, k, Cat("unknown key in ", key));
  }
  return absl::OkStatus();
}

absl::Status Reader::String(const YAML::Node& n, std::string_view key, std::string* out) const {
  if (n.IsNull()) {
    out->clear();
    return absl::OkStatus();
  }
  if (!n.IsScalar()) return Error(n, key, Cat("expected a string, got ", TypeName(n)));
  *out = n.Scalar();
  return absl::OkStatus();
}

absl::Status Reader::Bool(const YAML::Node& n, std::string_view key, bool* out) const {
  if (n.IsScalar()) {
    const std::string& s = n.Scalar();
    if (s == "true" || s == "True" || s == "TRUE") {
      *out = true;
      return absl::OkStatus();
    }
    if (s == "false" || s == "False" || s == "FALSE") {
      *out = false;
      return absl::OkStatus();
    }
  }
  return Error(n, key, "expected true or false");
}

absl::Status Reader::Uint(const YAML::Node& n, std::string_view key, uint64_t* out) const {
  if (n.IsScalar()) {
    const std::string& s = n.Scalar();
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
    if (ec == std::errc() && p == s.data() + s.size() && !s.empty()) return absl::OkStatus();
  }
  return Error(n, key, "expected a non-negative integer");
}

absl::Status Reader::Duration(const YAML::Node& n, std::string_view key, int64_t* out) const {
  if (!n.IsScalar()) return Error(n, key, Cat("expected a duration, got ", TypeName(n)));
  absl::StatusOr<int64_t> d = ParseDuration(n.Scalar());
  if (!d.ok()) return Error(n, key, SV(d.status().message()));
  *out = *d;
  return absl::OkStatus();
}

absl::Status Reader::StringList(const YAML::Node& n, std::string_view key,
                                std::vector<std::string>* out) const {
  out->clear();
  if (n.IsNull()) return absl::OkStatus();
  if (!n.IsSequence()) return Error(n, key, Cat("expected a list of strings, got ", TypeName(n)));
  for (const auto& item : n) {
    if (!item.IsScalar()) return Error(item, key, Cat("expected a string, got ", TypeName(item)));
    out->push_back(item.Scalar());
  }
  return absl::OkStatus();
}

absl::Status Reader::LabelMap(const YAML::Node& n, std::string_view key, Labels* out) const {
  if (n.IsNull()) {
    *out = Labels();
    return absl::OkStatus();
  }
  if (!n.IsMap()) return Error(n, key, Cat("expected a mapping of labels, got ", TypeName(n)));
  std::vector<Label> labels;
  for (const auto& kv : n) {
    if (!kv.first.IsScalar() || !IsValidLabelName(kv.first.Scalar())) {
      return Error(kv.first, key,
                   Cat("\"", kv.first.IsScalar() ? kv.first.Scalar() : "", "\" is not a valid label name"));
    }
    std::string v;
    if (absl::Status s = String(kv.second, key, &v); !s.ok()) return s;
    labels.push_back({kv.first.Scalar(), v});
  }
  *out = Labels(std::move(labels));
  return absl::OkStatus();
}

std::string Reader::Path(const std::string& p) const {
  if (p.empty() || p[0] == '/' || filename_.empty()) return p;
  std::filesystem::path dir = std::filesystem::path(filename_).parent_path();
  return dir.empty() ? p : (dir / p).string();
}

}  // namespace foresight::collection::yaml
