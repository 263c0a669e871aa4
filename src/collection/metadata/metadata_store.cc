#include "collection/metadata/metadata_store.h"

#include <algorithm>

namespace foresight::collection {
namespace {

absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace

bool MetadataStore::Put(std::string_view family, FamilyMetadata md) {
  if (family.empty()) return false;
  std::lock_guard lock(mu_);
  const uint64_t now = ++seq_;
  auto it = by_family_.find(AV(family));
  if (it == by_family_.end()) {
    if (by_family_.size() >= options_.max_families) return false;
    it = by_family_.try_emplace(std::string(family)).first;
  }
  std::vector<Variant>& variants = it->second;
  for (Variant& v : variants) {
    if (v.metadata == md) {
      v.last_seen = now;
      return true;
    }
  }
  if (variants.size() < std::max<size_t>(1, options_.max_variants)) {
    variants.push_back({std::move(md), now});
    return true;
  }
  auto oldest = std::min_element(variants.begin(), variants.end(), [](const Variant& a, const Variant& b) {
    return a.last_seen < b.last_seen;
  });
  *oldest = {std::move(md), now};
  return true;
}

std::map<std::string, std::vector<FamilyMetadata>> MetadataStore::Get(std::string_view metric) const {
  std::map<std::string, std::vector<FamilyMetadata>> out;
  std::lock_guard lock(mu_);
  auto add = [&out](const std::string& family, std::vector<Variant> variants) {
    std::sort(variants.begin(), variants.end(),
              [](const Variant& a, const Variant& b) { return a.last_seen > b.last_seen; });
    std::vector<FamilyMetadata>& list = out[family];
    for (Variant& v : variants) list.push_back(std::move(v.metadata));
  };
  if (!metric.empty()) {
    if (auto it = by_family_.find(AV(metric)); it != by_family_.end()) add(it->first, it->second);
    return out;
  }
  for (const auto& [family, variants] : by_family_) add(family, variants);
  return out;
}

size_t MetadataStore::families() const {
  std::lock_guard lock(mu_);
  return by_family_.size();
}

}  // namespace foresight::collection
