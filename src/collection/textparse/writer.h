// Writes the Prometheus text format 0.0.4 or OpenMetrics 1.0, for Foresight's own /metrics and /federate.
//
//   ExpositionWriter w(Format::kText);
//   w.Family("http_requests_total", MetricType::kCounter, "Requests served.");
//   w.Sample("http_requests_total", {{"code", "200"}}, 1027);
//   std::string body = w.Finish();   // serve with w.content_type()
//
// Names are written as given: callers pass valid metric and label names (and, for OpenMetrics, the family
// name of a counter without "_total" and its samples with it). Label values and HELP text are escaped.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "collection/textparse/textparse.h"
#include "common/labels.h"

namespace foresight::collection {

inline constexpr std::string_view kTextContentType = "text/plain; version=0.0.4; charset=utf-8";
inline constexpr std::string_view kOpenMetricsContentType =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

class ExpositionWriter {
 public:
  explicit ExpositionWriter(Format format = Format::kText) : format_(format) {}

  Format format() const { return format_; }
  std::string_view content_type() const {
    return format_ == Format::kText ? kTextContentType : kOpenMetricsContentType;
  }

  // Starts a metric family: "# HELP" (when help is not empty), "# TYPE", and for OpenMetrics "# UNIT" (when
  // unit is not empty).
  void Family(std::string_view name, MetricType type, std::string_view help = {}, std::string_view unit = {});

  // One sample line. A __name__ among `labels` is skipped (the name comes from `name`); so are empty values.
  // Timestamps are milliseconds (written as seconds in OpenMetrics).
  void Sample(std::string_view name, std::span<const LabelView> labels, double value,
              std::optional<int64_t> timestamp = std::nullopt);
  void Sample(std::string_view name, const Labels& labels, double value,
              std::optional<int64_t> timestamp = std::nullopt);
  // The name is the __name__ of `labels`.
  void Sample(const Labels& labels, double value, std::optional<int64_t> timestamp = std::nullopt);

  // The text so far (without OpenMetrics' "# EOF").
  std::string_view text() const { return out_; }
  // Returns the payload, ending OpenMetrics with "# EOF", and leaves the writer empty.
  std::string Finish();

 private:
  void BeginSample(std::string_view name);
  void AddLabel(bool& first, std::string_view name, std::string_view value);
  void EndSample(bool any_label, double value, std::optional<int64_t> timestamp);

  Format format_;
  std::string out_;
};

}  // namespace foresight::collection
