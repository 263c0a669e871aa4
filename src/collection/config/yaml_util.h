// Typed reads of YAML nodes that report "FILE:LINE: key 'x': reason" instead of throwing (internal to
// config/).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "common/labels.h"
#include "yaml-cpp/yaml.h"

namespace foresight::collection::yaml {

class Reader {
 public:
  explicit Reader(std::string filename) : filename_(std::move(filename)) {}

  const std::string& filename() const { return filename_; }
  // "FILE:LINE: key 'key': reason" with the line of `at`.
  absl::Status Error(const YAML::Node& at, std::string_view key, std::string_view reason) const;

  // Requires a mapping whose keys are all in `known`; keys in `unsupported` (Prometheus keys Foresight does
  // not implement) and any other key are refused.
  absl::Status CheckKeys(const YAML::Node& map, std::string_view key,
                         std::initializer_list<std::string_view> known,
                         std::initializer_list<std::string_view> unsupported = {}) const;

  absl::Status String(const YAML::Node& n, std::string_view key, std::string* out) const;
  absl::Status Bool(const YAML::Node& n, std::string_view key, bool* out) const;
  absl::Status Uint(const YAML::Node& n, std::string_view key, uint64_t* out) const;
  absl::Status Duration(const YAML::Node& n, std::string_view key, int64_t* out) const;
  absl::Status StringList(const YAML::Node& n, std::string_view key, std::vector<std::string>* out) const;
  // A map of label name to value (names checked).
  absl::Status LabelMap(const YAML::Node& n, std::string_view key, Labels* out) const;
  // A path made absolute against the config file's folder (empty stays empty).
  std::string Path(const std::string& p) const;

 private:
  std::string filename_;
};

}  // namespace foresight::collection::yaml
