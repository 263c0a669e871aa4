// A label matcher: name op value, with op one of = != =~ !~. Regexes are RE2, fully anchored as in
// Prometheus.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace re2 {
class RE2;
}

namespace foresight {

enum class MatchType { kEqual, kNotEqual, kRegexMatch, kRegexNoMatch };

std::string_view MatchTypeString(MatchType t);  // "=", "!=", "=~", "!~"

class Matcher {
 public:
  // Compiles the regex for =~ and !~; an invalid regex is an InvalidArgument error naming it.
  static absl::StatusOr<Matcher> Make(MatchType type, std::string name, std::string value);

  MatchType type() const { return type_; }
  const std::string& name() const { return name_; }
  const std::string& value() const { return value_; }

  bool Matches(std::string_view v) const;
  // True when the matcher accepts the empty string, i.e. also selects series without the label.
  bool MatchesEmpty() const { return Matches(""); }
  // For a regex that is a plain alternation of literals ("a|b|c"), the literals; empty otherwise.
  const std::vector<std::string>& SetMatches() const { return set_matches_; }
  std::string ToString() const;

 private:
  Matcher() = default;
  MatchType type_ = MatchType::kEqual;
  std::string name_;
  std::string value_;
  std::shared_ptr<const re2::RE2> re_;  // shared so matchers copy cheaply
  std::vector<std::string> set_matches_;
};

}  // namespace foresight
