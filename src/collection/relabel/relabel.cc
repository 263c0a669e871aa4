#include "collection/relabel/relabel.h"

#include <openssl/evp.h>

#include <array>
#include <cctype>

#include "collection/relabel/strcat.h"
#include "re2/re2.h"

namespace foresight::collection {
namespace {

constexpr std::array<std::pair<RelabelAction, std::string_view>, 7> kActions = {{
    {RelabelAction::kReplace, "replace"},
    {RelabelAction::kKeep, "keep"},
    {RelabelAction::kDrop, "drop"},
    {RelabelAction::kHashMod, "hashmod"},
    {RelabelAction::kLabelMap, "labelmap"},
    {RelabelAction::kLabelDrop, "labeldrop"},
    {RelabelAction::kLabelKeep, "labelkeep"},
}};

re2::StringPiece Piece(std::string_view s) { return re2::StringPiece(s.data(), s.size()); }

// A target_label of replace may hold templates: ${1}, $name; otherwise it must be a label name.
bool IsValidTargetTemplate(std::string_view t) {
  static const re2::RE2 kTarget(R"(^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$)");
  return re2::RE2::FullMatch(Piece(t), kTarget);
}

bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Matches `value` against the anchored regex and fills `groups` (group 0 is the whole match).
bool Match(const re2::RE2& re, std::string_view value, std::vector<std::string_view>& groups) {
  const int n = re.NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> sp(static_cast<size_t>(n));
  if (!re.Match(Piece(value), 0, value.size(), re2::RE2::ANCHOR_BOTH, sp.data(), n)) return false;
  groups.resize(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    const auto& p = sp[static_cast<size_t>(i)];
    groups[static_cast<size_t>(i)] =
        p.data() == nullptr ? std::string_view() : std::string_view(p.data(), p.size());
  }
  return true;
}

std::string JoinSources(const LabelsBuilder& lb, const RelabelConfig& c) {
  std::string out;
  for (size_t i = 0; i < c.source_labels.size(); ++i) {
    if (i > 0) out += c.separator;
    out += lb.Get(c.source_labels[i]);
  }
  return out;
}

// Applies one rule; false when the set is dropped.
bool Apply(const RelabelConfig& c, LabelsBuilder& lb) {
  const re2::RE2& re = *c.re;
  std::vector<std::string_view> groups;
  switch (c.action) {
    case RelabelAction::kDrop:
      return !Match(re, JoinSources(lb, c), groups);
    case RelabelAction::kKeep:
      return Match(re, JoinSources(lb, c), groups);
    case RelabelAction::kReplace: {
      const std::string val = JoinSources(lb, c);
      if (!Match(re, val, groups)) return true;
      const std::string target = ExpandTemplate(re, c.target_label, groups);
      if (!IsValidLabelName(target)) {
        lb.Del(c.target_label);
        return true;
      }
      const std::string res = ExpandTemplate(re, c.replacement, groups);
      if (res.empty()) {
        lb.Del(target);
      } else {
        lb.Set(target, res);
      }
      return true;
    }
    case RelabelAction::kHashMod:
      lb.Set(c.target_label, Cat(HashMod(JoinSources(lb, c), c.modulus)));
      return true;
    case RelabelAction::kLabelMap: {
      const Labels snapshot = lb.Build();
      for (const Label& l : snapshot) {
        if (!Match(re, l.name, groups)) continue;
        lb.Set(ExpandTemplate(re, c.replacement, groups), l.value);
      }
      return true;
    }
    case RelabelAction::kLabelDrop:
    case RelabelAction::kLabelKeep: {
      const bool drop_matching = c.action == RelabelAction::kLabelDrop;
      const Labels snapshot = lb.Build();
      for (const Label& l : snapshot) {
        if (Match(re, l.name, groups) == drop_matching) lb.Del(l.name);
      }
      return true;
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<RelabelAction> ParseRelabelAction(std::string_view name) {
  std::string lower(name);
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (const auto& [a, n] : kActions) {
    if (n == lower) return a;
  }
  return absl::InvalidArgumentError(Cat("unknown relabel action \"", std::string(name), "\""));
}

std::string_view RelabelActionName(RelabelAction a) {
  for (const auto& [act, n] : kActions) {
    if (act == a) return n;
  }
  return "replace";
}

bool IsValidLabelName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char ch = name[i];
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' ||
                    (i > 0 && ch >= '0' && ch <= '9');
    if (!ok) return false;
  }
  return true;
}

absl::Status RelabelConfig::Compile() {
  re2::RE2::Options opts;
  opts.set_log_errors(false);
  auto compiled = std::make_shared<re2::RE2>(Cat("^(?:", regex, ")$"), opts);
  if (!compiled->ok()) {
    return absl::InvalidArgumentError(Cat("key 'regex': invalid regex \"", regex, "\": ", compiled->error()));
  }
  re = std::move(compiled);
  const std::string_view act = RelabelActionName(action);
  if (action == RelabelAction::kHashMod && modulus == 0) {
    return absl::InvalidArgumentError(
        "key 'modulus': relabel configuration for hashmod requires non-zero modulus");
  }
  if ((action == RelabelAction::kReplace || action == RelabelAction::kHashMod) && target_label.empty()) {
    return absl::InvalidArgumentError(
        Cat("key 'target_label': relabel configuration for ", act, " action requires 'target_label' value"));
  }
  if (action == RelabelAction::kReplace && !IsValidTargetTemplate(target_label)) {
    return absl::InvalidArgumentError(
        Cat("key 'target_label': \"", target_label, "\" is invalid 'target_label' for replace action"));
  }
  if (action == RelabelAction::kHashMod && !IsValidLabelName(target_label)) {
    return absl::InvalidArgumentError(
        Cat("key 'target_label': \"", target_label, "\" is invalid 'target_label' for hashmod action"));
  }
  if (action == RelabelAction::kLabelDrop || action == RelabelAction::kLabelKeep) {
    if (!source_labels.empty() || !target_label.empty() || modulus != 0 || separator != ";" ||
        replacement != "$1") {
      return absl::InvalidArgumentError(
          Cat("key 'action': ", act, " action requires only 'regex', and no other fields"));
    }
  }
  return absl::OkStatus();
}

std::optional<Labels> Relabel(const Labels& labels, std::span<const RelabelConfig> rules) {
  if (rules.empty()) return labels;
  LabelsBuilder lb(labels);
  for (const RelabelConfig& c : rules) {
    if (!Apply(c, lb)) return std::nullopt;
  }
  return lb.Build();
}

std::string ExpandTemplate(const re2::RE2& re, std::string_view tmpl,
                           std::span<const std::string_view> groups) {
  std::string out;
  while (!tmpl.empty()) {
    const size_t dollar = tmpl.find('$');
    if (dollar == std::string_view::npos) break;
    out.append(tmpl.substr(0, dollar));
    tmpl.remove_prefix(dollar + 1);
    if (!tmpl.empty() && tmpl[0] == '$') {
      out += '$';
      tmpl.remove_prefix(1);
      continue;
    }
    // Extract a name: letters, digits and '_', optionally in braces.
    const bool brace = !tmpl.empty() && tmpl[0] == '{';
    size_t i = brace ? 1 : 0;
    const size_t start = i;
    while (i < tmpl.size() && IsWordChar(tmpl[i])) ++i;
    if (i == start || (brace && (i >= tmpl.size() || tmpl[i] != '}'))) {
      out += '$';  // malformed: the '$' is literal text
      continue;
    }
    const std::string_view name = tmpl.substr(start, i - start);
    tmpl.remove_prefix(brace ? i + 1 : i);
    int num = 0;
    for (char ch : name) {
      if (ch < '0' || ch > '9' || num >= 100000000) {
        num = -1;
        break;
      }
      num = num * 10 + (ch - '0');
    }
    if (name.size() > 1 && name[0] == '0') num = -1;
    if (num >= 0) {
      if (static_cast<size_t>(num) < groups.size()) out.append(groups[static_cast<size_t>(num)]);
      continue;
    }
    for (const auto& [gname, idx] : re.NamedCapturingGroups()) {
      if (gname == name && static_cast<size_t>(idx) < groups.size()) {
        out.append(groups[static_cast<size_t>(idx)]);
        break;
      }
    }
  }
  out.append(tmpl);
  return out;
}

uint64_t HashMod(std::string_view value, uint64_t modulus) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(value.data(), value.size(), digest, &len, EVP_md5(), nullptr);
  uint64_t v = 0;
  for (unsigned int i = len - 8; i < len; ++i) v = (v << 8) | digest[i];
  return modulus == 0 ? 0 : v % modulus;
}

}  // namespace foresight::collection
