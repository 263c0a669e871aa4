#include "collection/textparse/payload.h"

#include <algorithm>

namespace foresight::collection {

absl::Status VisitPayload(std::string_view payload, Format format, PayloadVisitor& visitor) {
  Parser p(payload, format);
  for (;;) {
    absl::StatusOr<Entry> e = p.Next();
    if (!e.ok()) return e.status();
    switch (*e) {
      case Entry::kEof:
        return absl::OkStatus();
      case Entry::kSeries: {
        SampleView s{p.metric_name(), p.labels(),   p.series(), p.value(),
                     p.timestamp(),   p.exemplar(), p.line()};
        if (absl::Status st = visitor.OnSample(s); !st.ok()) return st;
        break;
      }
      case Entry::kType:
      case Entry::kHelp:
      case Entry::kUnit: {
        MetadataView m{*e, p.metric_name(), p.type(), *e == Entry::kType ? std::string_view() : p.help()};
        if (absl::Status st = visitor.OnMetadata(m); !st.ok()) return st;
        break;
      }
      case Entry::kComment:
        break;
    }
  }
}

void SortedLabelViews(const SampleView& sample, std::vector<LabelView>& out) {
  out.clear();
  out.push_back(LabelView{kMetricNameLabel, sample.metric_name});
  for (const auto& l : sample.labels) {
    if (!l.value.empty()) out.push_back(l);
  }
  // Label sets are short and often already sorted: insertion sort beats std::sort here.
  for (size_t i = 1; i < out.size(); ++i) {
    LabelView x = out[i];
    size_t j = i;
    while (j > 0 && out[j - 1].name > x.name) {
      out[j] = out[j - 1];
      --j;
    }
    out[j] = x;
  }
}

Labels ToLabels(std::span<const LabelView> sorted) {
  std::vector<Label> v;
  v.reserve(sorted.size());
  for (const auto& l : sorted) v.push_back(Label{std::string(l.name), std::string(l.value)});
  return Labels(std::move(v));
}

namespace {

class Collector : public PayloadVisitor {
 public:
  explicit Collector(ParsedPayload& out) : out_(out) {}

  absl::Status OnSample(const SampleView& s) override {
    SortedLabelViews(s, sorted_);
    ParsedSample& ps = out_.samples.emplace_back();
    ps.labels = ToLabels(sorted_);
    ps.timestamp = s.timestamp;
    ps.value = s.value;
    if (s.exemplar != nullptr) {
      std::vector<Label> el;
      el.reserve(s.exemplar->labels.size());
      for (const auto& l : s.exemplar->labels) el.push_back(Label{std::string(l.name), std::string(l.value)});
      ps.exemplar = ParsedExemplar{Labels(std::move(el)), s.exemplar->value, s.exemplar->timestamp};
    }
    return absl::OkStatus();
  }

  absl::Status OnMetadata(const MetadataView& m) override {
    // HELP and TYPE of one family come in a row: look the family up once. No insert happens in between, so
    // the pointer into the map stays valid.
    if (last_ == nullptr || m.family != last_family_) {
      last_ = &out_.metadata[std::string(m.family)];
      last_family_ = m.family;
    }
    switch (m.kind) {
      case Entry::kType:
        last_->type = m.type;
        break;
      case Entry::kHelp:
        last_->help.assign(m.text);
        break;
      default:
        last_->unit.assign(m.text);
        break;
    }
    return absl::OkStatus();
  }

 private:
  ParsedPayload& out_;
  std::vector<LabelView> sorted_;
  std::string_view last_family_;
  MetricMetadata* last_ = nullptr;
};

}  // namespace

absl::StatusOr<ParsedPayload> ParsePayload(std::string_view payload, Format format) {
  ParsedPayload out;
  // Real payloads average well over 64 bytes per sample (with HELP and TYPE lines); this avoids most
  // regrowth.
  out.samples.reserve(payload.size() / 64);
  Collector c(out);
  if (absl::Status s = VisitPayload(payload, format, c); !s.ok()) return s;
  return out;
}

absl::StatusOr<ParsedPayload> ParsePayload(std::string_view payload, std::string_view content_type) {
  return ParsePayload(payload, FormatFor(content_type));
}

}  // namespace foresight::collection
