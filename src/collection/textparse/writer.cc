#include "collection/textparse/writer.h"

#include <charconv>

#include "collection/textparse/lex.h"
#include "collection/textparse/number.h"

namespace foresight::collection {
namespace {

void AppendInt(std::string& out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, r.ptr);
}

}  // namespace

void ExpositionWriter::Family(std::string_view name, MetricType type, std::string_view help,
                              std::string_view unit) {
  const bool om = format_ == Format::kOpenMetrics;
  if (!help.empty()) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    // The text format escapes \ and newline in HELP; OpenMetrics also ".
    textparse_internal::AppendEscaped(out_, help, om);
    out_ += '\n';
  }
  out_ += "# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += MetricTypeName(type, format_);
  out_ += '\n';
  if (om && !unit.empty()) {
    out_ += "# UNIT ";
    out_ += name;
    out_ += ' ';
    out_ += unit;
    out_ += '\n';
  }
}

void ExpositionWriter::BeginSample(std::string_view name) { out_ += name; }

void ExpositionWriter::AddLabel(bool& first, std::string_view name, std::string_view value) {
  if (name == kMetricNameLabel || value.empty()) return;
  out_ += first ? '{' : ',';
  first = false;
  out_ += name;
  out_ += "=\"";
  textparse_internal::AppendEscaped(out_, value, true);
  out_ += '"';
}

void ExpositionWriter::EndSample(bool any_label, double value, std::optional<int64_t> timestamp) {
  const bool om = format_ == Format::kOpenMetrics;
  if (any_label) out_ += '}';
  out_ += ' ';
  AppendExpositionFloat(out_, value, om);
  if (timestamp) {
    out_ += ' ';
    if (!om) {
      AppendInt(out_, *timestamp);
    } else {
      // Milliseconds as seconds with three decimals, exactly.
      int64_t ms = *timestamp;
      uint64_t mag = ms < 0 ? 0 - static_cast<uint64_t>(ms) : static_cast<uint64_t>(ms);
      if (ms < 0) out_ += '-';
      char buf[24];
      auto r = std::to_chars(buf, buf + sizeof(buf), mag / 1000);
      out_.append(buf, r.ptr);
      unsigned frac = static_cast<unsigned>(mag % 1000);
      out_ += '.';
      out_ += static_cast<char>('0' + frac / 100);
      out_ += static_cast<char>('0' + frac / 10 % 10);
      out_ += static_cast<char>('0' + frac % 10);
    }
  }
  out_ += '\n';
}

void ExpositionWriter::Sample(std::string_view name, std::span<const LabelView> labels, double value,
                              std::optional<int64_t> timestamp) {
  BeginSample(name);
  bool first = true;
  for (const auto& l : labels) AddLabel(first, l.name, l.value);
  EndSample(!first, value, timestamp);
}

void ExpositionWriter::Sample(std::string_view name, const Labels& labels, double value,
                              std::optional<int64_t> timestamp) {
  BeginSample(name);
  bool first = true;
  for (const auto& l : labels) AddLabel(first, l.name, l.value);
  EndSample(!first, value, timestamp);
}

void ExpositionWriter::Sample(const Labels& labels, double value, std::optional<int64_t> timestamp) {
  Sample(labels.MetricName(), labels, value, timestamp);
}

std::string ExpositionWriter::Finish() {
  if (format_ == Format::kOpenMetrics) out_ += "# EOF\n";
  std::string s = std::move(out_);
  out_.clear();
  return s;
}

}  // namespace foresight::collection
