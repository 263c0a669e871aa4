#include "common/matcher.h"

#include <re2/re2.h>

#include "absl/status/status.h"
#include "common/labels.h"

namespace foresight {
namespace {

// "a|b|c" with no regex metacharacters: such matchers become set lookups in the index.
std::vector<std::string> LiteralAlternatives(std::string_view re) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : re) {
    if (c == '|') {
      out.push_back(cur);
      cur.clear();
      continue;
    }
    if (std::string_view("\\.^$*+?()[]{}").find(c) != std::string_view::npos) return {};
    cur += c;
  }
  out.push_back(cur);
  return out;
}

}  // namespace

std::string_view MatchTypeString(MatchType t) {
  switch (t) {
    case MatchType::kEqual:
      return "=";
    case MatchType::kNotEqual:
      return "!=";
    case MatchType::kRegexMatch:
      return "=~";
    case MatchType::kRegexNoMatch:
      return "!~";
  }
  return "?";
}

absl::StatusOr<Matcher> Matcher::Make(MatchType type, std::string name, std::string value) {
  Matcher m;
  m.type_ = type;
  m.name_ = std::move(name);
  m.value_ = std::move(value);
  if (type == MatchType::kRegexMatch || type == MatchType::kRegexNoMatch) {
    RE2::Options opts;
    opts.set_log_errors(false);
    opts.set_dot_nl(true);  // Prometheus compiles with (?s): '.' matches newlines too
    auto re = std::make_shared<RE2>("^(?:" + m.value_ + ")$", opts);
    if (!re->ok()) {
      return absl::InvalidArgumentError("invalid regular expression \"" + m.value_ + "\": " + re->error());
    }
    m.re_ = std::move(re);
    m.set_matches_ = LiteralAlternatives(m.value_);
  }
  return m;
}

bool Matcher::Matches(std::string_view v) const {
  switch (type_) {
    case MatchType::kEqual:
      return v == value_;
    case MatchType::kNotEqual:
      return v != value_;
    case MatchType::kRegexMatch:
      return RE2::FullMatch(re2::StringPiece(v.data(), v.size()), *re_);
    case MatchType::kRegexNoMatch:
      return !RE2::FullMatch(re2::StringPiece(v.data(), v.size()), *re_);
  }
  return false;
}

std::string Matcher::ToString() const {
  return name_ + std::string(MatchTypeString(type_)) + "\"" + EscapeLabelValue(value_) + "\"";
}

}  // namespace foresight
