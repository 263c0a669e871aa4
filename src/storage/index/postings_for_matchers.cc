#include <optional>

#include "storage/index/index_reader.h"

namespace foresight::storage::index {
namespace {

// Series whose value of the matcher's label is accepted by the matcher, among series that have the label.
Postings PostingsWithMatchingValue(const IndexReader& r, const Matcher& m) {
  switch (m.type()) {
    case MatchType::kEqual:
      return r.PostingsFor(m.name(), m.value());
    case MatchType::kRegexMatch:
      if (!m.SetMatches().empty()) {  // "a|b|c": direct lookups instead of scanning every value
        Postings out;
        for (const auto& v : m.SetMatches()) out |= r.PostingsFor(m.name(), v);
        return out;
      }
      [[fallthrough]];
    default:
      return r.PostingsForValues(m.name(), [&m](std::string_view v) { return m.Matches(v); });
  }
}

}  // namespace

Postings PostingsForMatchers(const IndexReader& reader, std::span<const Matcher> matchers) {
  if (matchers.empty()) return Postings();
  std::optional<Postings> result;
  // Matchers that reject "" select series by their label values: intersect them first (cheapest narrowing).
  for (const auto& m : matchers) {
    if (m.MatchesEmpty()) continue;
    Postings p = PostingsWithMatchingValue(reader, m);
    if (result) {
      *result &= p;
    } else {
      result = std::move(p);
    }
    if (result->isEmpty()) return Postings();
  }
  if (!result) result = reader.AllPostings();
  // Matchers that accept "" keep series without the label and remove those whose value they reject.
  for (const auto& m : matchers) {
    if (!m.MatchesEmpty()) continue;
    if (m.type() == MatchType::kNotEqual) {
      *result -= reader.PostingsFor(m.name(), m.value());
    } else {
      *result -= reader.PostingsForValues(m.name(), [&m](std::string_view v) { return !m.Matches(v); });
    }
  }
  return std::move(*result);
}

}  // namespace foresight::storage::index
