#include "common/labels.h"

#include <algorithm>
#include <cassert>

#include <xxhash.h>

namespace foresight {
namespace {

// Separator byte that cannot occur in valid UTF-8 label text; keeps ("ab","c") and ("a","bc") apart.
constexpr char kSep = '\xff';

void SortUnique(std::vector<Label>& labels) {
  std::stable_sort(labels.begin(), labels.end(),
                   [](const Label& a, const Label& b) { return a.name < b.name; });
  // Keep the last of each run of equal names.
  std::vector<Label> out;
  out.reserve(labels.size());
  for (auto& l : labels) {
    if (!out.empty() && out.back().name == l.name) {
      out.back() = std::move(l);
    } else {
      out.push_back(std::move(l));
    }
  }
  labels = std::move(out);
}

void AppendPair(std::string& buf, const Label& l) {
  buf.append(l.name);
  buf.push_back(kSep);
  buf.append(l.value);
  buf.push_back(kSep);
}

}  // namespace

Labels::Labels(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs) {
  labels_.reserve(pairs.size());
  for (const auto& [n, v] : pairs) labels_.push_back(Label{std::string(n), std::string(v)});
  SortUnique(labels_);
}

Labels::Labels(std::vector<Label> labels) : labels_(std::move(labels)) {
  // Most callers already hand sorted, unique labels: check that in one pass before sorting.
  for (size_t i = 1; i < labels_.size(); ++i) {
    if (!(labels_[i - 1].name < labels_[i].name)) {
      SortUnique(labels_);
      return;
    }
  }
}

Labels Labels::FromSorted(std::vector<Label> sorted) {
  Labels l;
  l.labels_ = std::move(sorted);
  assert(std::adjacent_find(l.labels_.begin(), l.labels_.end(), [](const Label& a, const Label& b) {
           return !(a.name < b.name);
         }) == l.labels_.end());
  return l;
}

std::string_view Labels::Get(std::string_view name) const {
  auto it = std::lower_bound(labels_.begin(), labels_.end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  if (it != labels_.end() && it->name == name) return it->value;
  return {};
}

bool Labels::Has(std::string_view name) const {
  auto it = std::lower_bound(labels_.begin(), labels_.end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  return it != labels_.end() && it->name == name;
}

uint64_t Labels::Hash() const {
  // One-shot hashing of a reused buffer is faster than xxh3's streaming state for short label sets.
  thread_local std::string buf;
  buf.clear();
  for (const auto& l : labels_) AppendPair(buf, l);
  return XXH3_64bits(buf.data(), buf.size());
}

uint64_t Labels::HashFor(const std::vector<std::string>& names, bool on) const {
  thread_local std::string buf;
  buf.clear();
  for (const auto& l : labels_) {
    bool listed = std::find(names.begin(), names.end(), l.name) != names.end();
    if (listed != on) continue;
    if (!on && l.name == kMetricNameLabel) continue;  // `without`/`ignoring` always drop the name
    AppendPair(buf, l);
  }
  return XXH3_64bits(buf.data(), buf.size());
}

std::string EscapeLabelValue(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Labels::ToString() const {
  std::string out;
  std::string_view name = MetricName();
  out += name;
  bool first = true;
  for (const auto& l : labels_) {
    if (l.name == kMetricNameLabel) continue;
    out += first ? "{" : ", ";
    first = false;
    out += l.name;
    out += "=\"";
    out += EscapeLabelValue(l.value);
    out += '"';
  }
  if (!first) out += '}';
  if (out.empty()) out = "{}";
  return out;
}

size_t Labels::ByteSize() const {
  size_t n = 0;
  for (const auto& l : labels_) n += l.name.size() + l.value.size();
  return n;
}

bool operator<(const Labels& a, const Labels& b) {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    if (a[i].name != b[i].name) return a[i].name < b[i].name;
    if (a[i].value != b[i].value) return a[i].value < b[i].value;
  }
  return a.size() < b.size();
}

LabelsBuilder::LabelsBuilder(const Labels& base) : labels_(base.begin(), base.end()) {}

LabelsBuilder& LabelsBuilder::Set(std::string_view name, std::string_view value) {
  if (value.empty()) return Del(name);
  auto it = std::lower_bound(labels_.begin(), labels_.end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  if (it != labels_.end() && it->name == name) {
    it->value = std::string(value);
  } else {
    labels_.insert(it, Label{std::string(name), std::string(value)});
  }
  return *this;
}

LabelsBuilder& LabelsBuilder::Del(std::string_view name) {
  auto it = std::lower_bound(labels_.begin(), labels_.end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  if (it != labels_.end() && it->name == name) labels_.erase(it);
  return *this;
}

std::string_view LabelsBuilder::Get(std::string_view name) const {
  auto it = std::lower_bound(labels_.begin(), labels_.end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  if (it != labels_.end() && it->name == name) return it->value;
  return {};
}

Labels LabelsBuilder::Build() const { return Labels::FromSorted(labels_); }

}  // namespace foresight
