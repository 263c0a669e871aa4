// A zero-copy pull parser for the Prometheus text exposition format 0.0.4 and OpenMetrics 1.0.
// docs/format/exposition.md lists what is accepted and where Foresight differs from Prometheus.
//
//   Parser p = ParserFor(content_type, body);
//   for (;;) {
//     absl::StatusOr<Entry> e = p.Next();          // errors read "line N: reason"
//     if (!e.ok()) return e.status();
//     if (*e == Entry::kEof) break;
//     if (*e == Entry::kSeries) use(p.metric_name(), p.labels(), p.value(), p.timestamp());
//   }
//
// Every view a Parser hands out points into the payload or into the parser's scratch space and is valid
// until the next call to Next(). The payload must outlive the parser.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace foresight::collection {

enum class Format { kText, kOpenMetrics };

// Picks the format from an HTTP Content-Type: "application/openmetrics-text..." is OpenMetrics, anything else
// (including "text/plain; version=0.0.4", an empty or an unknown type) is the text format, as Prometheus
// does.
Format FormatFor(std::string_view content_type);

// "counter", "gauge", ...; kUnknown is "unknown" in OpenMetrics and "untyped" in the text format, which also
// spells the types it lacks (gaugehistogram, info, stateset) "untyped".
enum class MetricType { kUnknown, kCounter, kGauge, kHistogram, kGaugeHistogram, kSummary, kInfo, kStateset };
std::string_view MetricTypeName(MetricType t, Format f = Format::kOpenMetrics);

enum class Entry { kSeries, kType, kHelp, kUnit, kComment, kEof };

// One label of a sample or exemplar. The value is unescaped.
struct LabelView {
  std::string_view name;
  std::string_view value;
};

struct ExemplarView {
  std::span<const LabelView> labels;
  double value = 0;
  std::optional<int64_t> timestamp;  // milliseconds
};

// The bit pattern of every NaN the parser returns (Prometheus' value.NormalNaN), so that a scraped "NaN"
// can never equal the staleness marker.
inline constexpr uint64_t kNormalNaNBits = 0x7ff8000000000001ULL;

class Parser {
 public:
  Parser(std::string_view payload, Format format);

  // Advances to the next entry; kEof at the end of the payload (for OpenMetrics: after "# EOF").
  // After an error or kEof, every further call returns the same result.
  absl::StatusOr<Entry> Next();

  Format format() const { return format_; }
  // The 1-based line of the current entry.
  int line() const { return line_; }

  // kSeries: the sample's name; kType, kHelp, kUnit: the metric family's name.
  std::string_view metric_name() const { return name_; }
  // kSeries: the labels in exposition order, without __name__; no two have the same name.
  std::span<const LabelView> labels() const { return labels_; }
  // kSeries: the raw text of name and label set, e.g. `foo{a="b"}`: a cheap cache key for the series.
  std::string_view series() const { return series_; }
  double value() const { return value_; }
  // Milliseconds since the epoch (OpenMetrics' seconds are converted).
  std::optional<int64_t> timestamp() const { return timestamp_; }
  // OpenMetrics only: the sample's exemplar, or nullptr.
  const ExemplarView* exemplar() const { return has_exemplar_ ? &exemplar_ : nullptr; }

  MetricType type() const { return type_; }           // kType
  std::string_view help() const { return text_; }     // kHelp, unescaped
  std::string_view unit() const { return text_; }     // kUnit
  std::string_view comment() const { return text_; }  // kComment (text format), after the '#'

 private:
  // The body of each line kind; `line` is the line without its '\n'.
  absl::StatusOr<Entry> NextText(std::string_view line);
  absl::StatusOr<Entry> NextOpenMetrics(std::string_view line);
  absl::StatusOr<Entry> Metadata(Entry kind, std::string_view rest);
  absl::StatusOr<Entry> Sample(std::string_view line);
  absl::Status ParseLabelSet(std::string_view line, size_t& pos, std::vector<LabelView>& out);
  absl::Status ParseExemplar(std::string_view line, size_t& pos);
  absl::Status CheckOpenMetricsFamily();
  absl::Status Error(std::string_view reason) const;

  const std::string_view payload_;
  const Format format_;
  size_t pos_ = 0;  // start of the next line
  int line_ = 0;
  absl::Status done_;  // the sticky result after an error
  bool eof_ = false;

  std::string_view name_;
  std::string_view series_;
  std::vector<LabelView> labels_;
  double value_ = 0;
  std::optional<int64_t> timestamp_;
  MetricType type_ = MetricType::kUnknown;
  std::string_view text_;
  std::string scratch_;  // unescaped label values and help text
  std::vector<LabelView> exemplar_labels_;
  ExemplarView exemplar_;
  bool has_exemplar_ = false;

  // Metadata seen so far, to reject a second TYPE, HELP or UNIT for one family.
  absl::flat_hash_set<std::string_view> seen_type_, seen_help_, seen_unit_;
  // OpenMetrics: the family the samples belong to, and its type.
  std::string_view family_;
  MetricType family_type_ = MetricType::kUnknown;
};

// A parser for the format of `content_type` (see FormatFor).
Parser ParserFor(std::string_view content_type, std::string_view payload);

}  // namespace foresight::collection
