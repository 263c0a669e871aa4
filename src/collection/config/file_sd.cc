#include "collection/config/file_sd.h"

#include <glob.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "collection/relabel/relabel.h"
#include "collection/relabel/strcat.h"
#include "yaml-cpp/yaml.h"

namespace foresight::collection {
namespace {

bool IsJson(const std::string& path) {
  const size_t dot = path.rfind('.');
  if (dot == std::string::npos) return false;
  std::string ext = path.substr(dot + 1);
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == "json";
}

absl::StatusOr<std::vector<TargetGroup>> FromJson(std::string_view content, const std::string& path) {
  const nlohmann::json j = nlohmann::json::parse(content.begin(), content.end(), nullptr, false);
  if (j.is_discarded()) return absl::InvalidArgumentError(Cat(path, ": invalid JSON"));
  if (!j.is_array()) return absl::InvalidArgumentError(Cat(path, ": expected a list of target groups"));
  std::vector<TargetGroup> out;
  for (const auto& g : j) {
    if (!g.is_object()) return absl::InvalidArgumentError(Cat(path, ": a target group must be an object"));
    TargetGroup tg;
    for (const auto& [k, v] : g.items()) {
      if (k == "targets") {
        if (!v.is_array()) return absl::InvalidArgumentError(Cat(path, ": 'targets' must be a list"));
        for (const auto& t : v) {
          if (!t.is_string()) return absl::InvalidArgumentError(Cat(path, ": a target must be a string"));
          tg.targets.push_back(t.get<std::string>());
        }
      } else if (k == "labels") {
        if (!v.is_object()) return absl::InvalidArgumentError(Cat(path, ": 'labels' must be an object"));
        std::vector<Label> ls;
        for (const auto& [ln, lv] : v.items()) {
          if (!IsValidLabelName(ln) || !lv.is_string()) {
            return absl::InvalidArgumentError(Cat(path, ": invalid label \"", ln, "\""));
          }
          ls.push_back({ln, lv.get<std::string>()});
        }
        tg.labels = Labels(std::move(ls));
      } else {
        return absl::InvalidArgumentError(Cat(path, ": unknown key '", k, "' in a target group"));
      }
    }
    out.push_back(std::move(tg));
  }
  return out;
}

absl::StatusOr<std::vector<TargetGroup>> FromYaml(std::string_view content, const std::string& path) {
  try {
    const YAML::Node root = YAML::Load(std::string(content));
    std::vector<TargetGroup> out;
    if (root.IsNull()) return out;
    if (!root.IsSequence())
      return absl::InvalidArgumentError(Cat(path, ": expected a list of target groups"));
    for (const auto& g : root) {
      const int line = g.Mark().line + 1;
      if (!g.IsMap())
        return absl::InvalidArgumentError(Cat(path, ":", line, ": a target group must be a mapping"));
      TargetGroup tg;
      for (const auto& kv : g) {
        const std::string k = kv.first.Scalar();
        if (k == "targets" && kv.second.IsSequence()) {
          for (const auto& t : kv.second) {
            if (!t.IsScalar())
              return absl::InvalidArgumentError(
                  Cat(path, ":", line, ": key 'targets': a target must be a string"));
            tg.targets.push_back(t.Scalar());
          }
        } else if (k == "labels" && (kv.second.IsMap() || kv.second.IsNull())) {
          std::vector<Label> ls;
          for (const auto& l : kv.second) {
            if (!IsValidLabelName(l.first.Scalar()) || !l.second.IsScalar()) {
              return absl::InvalidArgumentError(
                  Cat(path, ":", line, ": key 'labels': invalid label \"", l.first.Scalar(), "\""));
            }
            ls.push_back({l.first.Scalar(), l.second.Scalar()});
          }
          tg.labels = Labels(std::move(ls));
        } else {
          return absl::InvalidArgumentError(
              Cat(path, ":", kv.first.Mark().line + 1, ": key '", k, "': unknown or malformed"));
        }
      }
      out.push_back(std::move(tg));
    }
    return out;
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(Cat(path, ":", e.mark.line + 1, ": yaml: ", e.msg));
  }
}

}  // namespace

absl::StatusOr<std::vector<TargetGroup>> ParseTargetGroupFile(std::string_view content,
                                                              const std::string& path) {
  absl::StatusOr<std::vector<TargetGroup>> groups =
      IsJson(path) ? FromJson(content, path) : FromYaml(content, path);
  if (!groups.ok()) return groups;
  for (size_t i = 0; i < groups->size(); ++i) {
    TargetGroup& g = (*groups)[i];
    g.source = Cat(path, ":", i);
    g.labels = LabelsBuilder(g.labels).Set("__meta_filepath", path).Build();
  }
  return groups;
}

FileSDResult ReadFileSD(const FileSDConfig& cfg) {
  FileSDResult out;
  for (const std::string& pattern : cfg.files) {
    glob_t g{};
    if (::glob(pattern.c_str(), 0, nullptr, &g) == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) {
        const std::string path = g.gl_pathv[i];
        std::ifstream in(path, std::ios::binary);
        if (!in) {
          out.errors[path] = "cannot open";
          continue;
        }
        std::stringstream ss;
        ss << in.rdbuf();
        absl::StatusOr<std::vector<TargetGroup>> groups = ParseTargetGroupFile(ss.str(), path);
        if (groups.ok()) {
          out.groups[path] = *std::move(groups);
        } else {
          out.errors[path] = std::string(SV(groups.status().message()));
        }
      }
    }
    ::globfree(&g);
  }
  return out;
}

}  // namespace foresight::collection
