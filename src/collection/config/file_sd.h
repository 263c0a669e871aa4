// File-based service discovery: target groups read from JSON or YAML files matched by globs, as
// Prometheus' file_sd_configs:
//   [ { "targets": ["host:port", ...], "labels": { "name": "value", ... } }, ... ]
// Each group gets __meta_filepath. A file that cannot be read or parsed is reported and skipped (the caller
// keeps that file's previous groups).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "collection/config/config.h"

namespace foresight::collection {

// Parses one file's content; the format comes from the extension (.json, else YAML).
absl::StatusOr<std::vector<TargetGroup>> ParseTargetGroupFile(std::string_view content,
                                                              const std::string& path);

struct FileSDResult {
  std::map<std::string, std::vector<TargetGroup>> groups;  // by file
  std::map<std::string, std::string> errors;               // by file
};
// Expands the globs of `cfg` and reads every matching file.
FileSDResult ReadFileSD(const FileSDConfig& cfg);

}  // namespace foresight::collection
