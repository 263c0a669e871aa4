// Labels: the identity of a series, a set of (name, value) pairs kept sorted by name, including __name__.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace foresight {

inline constexpr std::string_view kMetricNameLabel = "__name__";

struct Label {
  std::string name;
  std::string value;

  friend bool operator==(const Label&, const Label&) = default;
  friend auto operator<=>(const Label&, const Label&) = default;
};

// An immutable, sorted, duplicate-free label set. Build one with LabelsBuilder or from pairs.
class Labels {
 public:
  Labels() = default;
  // Sorts the pairs by name; a later duplicate name replaces an earlier one.
  Labels(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs);
  explicit Labels(std::vector<Label> labels);  // sorts; keeps the last of duplicate names
  // Takes labels already sorted by name without duplicates (checked only in debug builds): no sorting pass.
  static Labels FromSorted(std::vector<Label> sorted);

  // Returns the value of `name`, or "" when absent (as Prometheus does).
  std::string_view Get(std::string_view name) const;
  bool Has(std::string_view name) const;
  std::string_view MetricName() const { return Get(kMetricNameLabel); }

  size_t size() const { return labels_.size(); }
  bool empty() const { return labels_.empty(); }
  const Label& operator[](size_t i) const { return labels_[i]; }
  std::vector<Label>::const_iterator begin() const { return labels_.begin(); }
  std::vector<Label>::const_iterator end() const { return labels_.end(); }

  // A stable 64-bit hash of the whole set (xxh3 over name/value with separators).
  uint64_t Hash() const;
  // Hash of only the named labels (`on`) or of all but them (`!on`); used by aggregation and vector matching.
  uint64_t HashFor(const std::vector<std::string>& names, bool on) const;
  // Prometheus' form: {a="b", c="d"} with the metric name in front when present: up{job="x"}.
  std::string ToString() const;
  // Bytes held by names and values (for memory accounting).
  size_t ByteSize() const;

  friend bool operator==(const Labels& a, const Labels& b) { return a.labels_ == b.labels_; }
  friend bool operator<(const Labels& a, const Labels& b);  // Prometheus' labels.Compare order

 private:
  std::vector<Label> labels_;
};

// Collects edits (set / delete) on top of a base set and produces a new sorted Labels.
class LabelsBuilder {
 public:
  LabelsBuilder() = default;
  explicit LabelsBuilder(const Labels& base);
  LabelsBuilder& Set(std::string_view name, std::string_view value);  // empty value deletes
  LabelsBuilder& Del(std::string_view name);
  std::string_view Get(std::string_view name) const;
  Labels Build() const;

 private:
  std::vector<Label> labels_;  // kept sorted
};

// Escapes a label value as Prometheus prints it inside double quotes (\\, \", \n).
std::string EscapeLabelValue(std::string_view v);

}  // namespace foresight
