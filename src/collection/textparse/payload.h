// Whole-payload parsing for the scrape path: a payload is accepted whole or rejected with the first error
// ("line N: reason"), so that a scrape is committed whole or not at all.
//
// Two forms: VisitPayload hands each sample to a visitor as views (no allocation per sample; the scrape loop
// keys its series cache on SampleView::series and builds Labels only for new series); ParsePayload collects
// owned Labels and metadata into vectors and maps.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "collection/textparse/textparse.h"
#include "common/labels.h"

namespace foresight::collection {

// One sample, valid for the duration of the visitor's call.
struct SampleView {
  std::string_view metric_name;
  std::span<const LabelView> labels;  // exposition order, without __name__, values unescaped
  std::string_view series;            // raw `name{labels}` text: a cache key for the series
  double value = 0;
  std::optional<int64_t> timestamp;  // milliseconds
  const ExemplarView* exemplar = nullptr;
  int line = 0;
};

// A HELP, TYPE or UNIT line.
struct MetadataView {
  Entry kind = Entry::kType;
  std::string_view family;
  MetricType type = MetricType::kUnknown;  // kType
  std::string_view text;                   // kHelp (unescaped), kUnit
};

class PayloadVisitor {
 public:
  virtual ~PayloadVisitor() = default;
  // A non-OK status stops the parse and is returned by VisitPayload.
  virtual absl::Status OnSample(const SampleView& sample) = 0;
  virtual absl::Status OnMetadata(const MetadataView& metadata) { return absl::OkStatus(); }
};

absl::Status VisitPayload(std::string_view payload, Format format, PayloadVisitor& visitor);

// Fills `out` with the sample's labels including __name__, sorted by name, without empty values (Prometheus
// treats an empty value as an absent label). `out` is reused, so a warm buffer costs no allocation.
void SortedLabelViews(const SampleView& sample, std::vector<LabelView>& out);
// Owned Labels from sorted views (as SortedLabelViews makes them).
Labels ToLabels(std::span<const LabelView> sorted);

struct ParsedExemplar {
  Labels labels;
  double value = 0;
  std::optional<int64_t> timestamp;
};

struct ParsedSample {
  Labels labels;  // includes __name__; empty-valued labels are dropped
  std::optional<int64_t> timestamp;
  double value = 0;
  std::optional<ParsedExemplar> exemplar;
};

struct MetricMetadata {
  MetricType type = MetricType::kUnknown;
  std::string help;
  std::string unit;
};

struct ParsedPayload {
  std::vector<ParsedSample> samples;
  absl::flat_hash_map<std::string, MetricMetadata> metadata;  // by metric family name
};

absl::StatusOr<ParsedPayload> ParsePayload(std::string_view payload, Format format);
// As above with the format chosen by FormatFor(content_type).
absl::StatusOr<ParsedPayload> ParsePayload(std::string_view payload, std::string_view content_type);

}  // namespace foresight::collection
