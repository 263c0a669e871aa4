// Relabelling as Prometheus does it: an ordered list of rules applied to a label set, used on discovered
// targets (relabel_configs) and on scraped series (metric_relabel_configs).
//
// Regexes are RE2, fully anchored; the default regex is (.*), the default separator ';', the default
// replacement $1. Replacements expand $1, ${1}, $name and ${name} as Go's regexp.Expand does.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/labels.h"

namespace re2 {
class RE2;
}

namespace foresight::collection {

enum class RelabelAction { kReplace, kKeep, kDrop, kHashMod, kLabelMap, kLabelDrop, kLabelKeep };

// "replace" -> kReplace, ...; case-insensitive as Prometheus accepts.
absl::StatusOr<RelabelAction> ParseRelabelAction(std::string_view name);
std::string_view RelabelActionName(RelabelAction a);

struct RelabelConfig {
  std::vector<std::string> source_labels;
  std::string separator = ";";
  std::string target_label;
  std::string regex = "(.*)";  // as written in the config, unanchored
  uint64_t modulus = 0;
  std::string replacement = "$1";
  RelabelAction action = RelabelAction::kReplace;

  // The anchored regex, set by Compile (or by the config loader).
  std::shared_ptr<const re2::RE2> re;

  // Compiles `regex` and checks the rule as Prometheus does (e.g. replace and hashmod need a target_label,
  // hashmod a modulus). Errors name the offending key in the message.
  absl::Status Compile();
};

// Applies `rules` in order. Returns nullopt when a keep or drop rule dropped the set. Every rule must have
// been compiled.
std::optional<Labels> Relabel(const Labels& labels, std::span<const RelabelConfig> rules);

// Go's regexp.Expand over the groups of a match: $1, ${1}, $name, ${name}, $$.
std::string ExpandTemplate(const re2::RE2& re, std::string_view tmpl,
                           std::span<const std::string_view> groups);

// Prometheus' hashmod: the last 8 bytes of the MD5 of `value`, big-endian, modulo `modulus`.
uint64_t HashMod(std::string_view value, uint64_t modulus);

bool IsValidLabelName(std::string_view name);

}  // namespace foresight::collection
