// Sample lines of both formats: name, label set, value, timestamp and (OpenMetrics) exemplar.
#include <algorithm>
#include <cstring>

#include "collection/textparse/lex.h"
#include "collection/textparse/number.h"
#include "collection/textparse/textparse.h"

namespace foresight::collection {

using textparse_internal::Cat;
using textparse_internal::CharClass;
using textparse_internal::Is;
using textparse_internal::kCharClasses;
using textparse_internal::ScanWhile;
using textparse_internal::Snippet;

namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

size_t SkipBlanks(std::string_view s, size_t pos) {
  while (pos < s.size() && IsBlank(s[pos])) ++pos;
  return pos;
}

// The end of the token starting at `pos`: up to a blank (text format) or a space (OpenMetrics).
size_t TokenEnd(std::string_view s, size_t pos, bool om) {
  while (pos < s.size() && !(om ? s[pos] == ' ' : IsBlank(s[pos]))) ++pos;
  return pos;
}

// Returns the name of a label that occurs twice, or "".
std::string_view FindDuplicate(std::span<const LabelView> labels) {
  constexpr size_t kQuadraticLimit = 24;
  if (labels.size() <= kQuadraticLimit) {
    for (size_t i = 1; i < labels.size(); ++i) {
      for (size_t j = 0; j < i; ++j) {
        if (labels[i].name == labels[j].name) return labels[i].name;
      }
    }
    return {};
  }
  std::vector<std::string_view> names;
  names.reserve(labels.size());
  for (const auto& l : labels) names.push_back(l.name);
  std::sort(names.begin(), names.end());
  auto it = std::adjacent_find(names.begin(), names.end());
  return it == names.end() ? std::string_view() : *it;
}

bool HasLabel(std::span<const LabelView> labels, std::string_view name) {
  return std::any_of(labels.begin(), labels.end(), [&](const LabelView& l) { return l.name == name; });
}

}  // namespace

absl::Status Parser::ParseLabelSet(std::string_view line, size_t& pos, std::vector<LabelView>& out) {
  const bool om = format_ == Format::kOpenMetrics;
  bool any_escape = false, non_ascii = false;
  size_t p = pos;
  for (;;) {
    if (!om) p = SkipBlanks(line, p);
    if (p >= line.size()) return Error("unterminated label set");
    if (line[p] == '}') {
      ++p;
      break;
    }
    if (!Is(line[p], textparse_internal::kLabelStart)) {
      return Error(Cat("expected label name, got ", Snippet(line.substr(p))));
    }
    size_t name_end = ScanWhile(line, p + 1, textparse_internal::kLabelChar);
    std::string_view name = line.substr(p, name_end - p);
    p = om ? name_end : SkipBlanks(line, name_end);
    if (p >= line.size() || line[p] != '=') {
      return Error(Cat("expected '=' after label name \"", name, "\", got ", Snippet(line.substr(p))));
    }
    p = om ? p + 1 : SkipBlanks(line, p + 1);
    if (p >= line.size() || line[p] != '"') {
      return Error(Cat("expected quoted value for label \"", name, "\", got ", Snippet(line.substr(p))));
    }
    size_t v = p + 1, i = v;
    for (;;) {
      while (i < line.size() &&
             !(kCharClasses[static_cast<unsigned char>(line[i])] & CharClass::kValueSpecial))
        ++i;
      if (i >= line.size()) return Error(Cat("unterminated value of label \"", name, "\""));
      char c = line[i];
      if (c == '"') break;
      if (c == '\\') {
        char e = i + 1 < line.size() ? line[i + 1] : '\0';
        if (e != '\\' && e != '"' && e != 'n') {
          return Error(Cat("invalid escape sequence ", Snippet(line.substr(i, 2)), " in value of label \"",
                           name, "\""));
        }
        any_escape = true;
        i += 2;
      } else {
        non_ascii = true;
        ++i;
      }
    }
    out.push_back(LabelView{name, line.substr(v, i - v)});
    p = om ? i + 1 : SkipBlanks(line, i + 1);
    if (p < line.size() && line[p] == ',') {
      ++p;
      continue;
    }
    if (p < line.size() && line[p] == '}') {
      ++p;
      break;
    }
    if (p >= line.size()) return Error("unterminated label set");
    return Error(
        Cat("expected ',' or '}' after value of label \"", name, "\", got ", Snippet(line.substr(p))));
  }
  pos = p;

  if (std::string_view dup = FindDuplicate(out); !dup.empty()) {
    return Error(Cat("duplicate label name \"", dup, "\""));
  }
  if (non_ascii) {
    for (const auto& l : out) {
      if (!textparse_internal::IsValidUtf8(l.value)) {
        return Error(Cat("value of label \"", l.name, "\" is not valid UTF-8"));
      }
    }
  }
  if (any_escape) {
    // Unescaped text is never longer than the line, so one reservation keeps earlier views valid.
    if (scratch_.empty()) scratch_.reserve(line.size());
    for (auto& l : out) {
      if (l.value.find('\\') == std::string_view::npos) continue;
      size_t start = scratch_.size();
      textparse_internal::AppendUnescaped(scratch_, l.value, true);
      l.value = std::string_view(scratch_).substr(start);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Entry> Parser::Sample(std::string_view line) {
  const bool om = format_ == Format::kOpenMetrics;
  labels_.clear();
  timestamp_.reset();
  if (!Is(line[0], textparse_internal::kNameStart)) {
    return Error(Cat("expected metric name, got ", Snippet(line)));
  }
  size_t p = ScanWhile(line, 1, textparse_internal::kNameChar);
  name_ = line.substr(0, p);
  size_t q = om ? p : SkipBlanks(line, p);
  if (q < line.size() && line[q] == '{') {
    p = q + 1;
    if (absl::Status s = ParseLabelSet(line, p, labels_); !s.ok()) return s;
    if (HasLabel(labels_, "__name__")) return Error("label \"__name__\" in the label set of a sample");
  }
  series_ = line.substr(0, p);

  // The value: after a space (OpenMetrics) or blanks (text format, which also allows none after '}').
  size_t v = om ? p + (p < line.size() && line[p] == ' ') : SkipBlanks(line, p);
  if (v < line.size() && v == p && (om || line[p - 1] != '}')) {
    return Error(
        Cat(line[p - 1] == '}' ? "expected a space before the value: " : "invalid character in metric name: ",
            Snippet(line)));
  }
  size_t v_end = TokenEnd(line, v, om);
  if (v_end == v) return Error(Cat("expected value after ", Snippet(series_)));
  if (!ParseExpositionFloat(line.substr(v, v_end - v), &value_)) {
    return Error(Cat("invalid value ", Snippet(line.substr(v, v_end - v))));
  }
  p = v_end;

  if (!om) {
    p = SkipBlanks(line, p);
    if (p < line.size()) {
      size_t t_end = TokenEnd(line, p, false);
      int64_t ts;
      if (!ParseTextTimestamp(line.substr(p, t_end - p), &ts)) {
        return Error(Cat("invalid timestamp ", Snippet(line.substr(p, t_end - p))));
      }
      timestamp_ = ts;
      p = SkipBlanks(line, t_end);
      if (p < line.size()) return Error(Cat("unexpected text after timestamp: ", Snippet(line.substr(p))));
    }
    return Entry::kSeries;
  }

  // OpenMetrics: [" " timestamp] [" # " exemplar], each separated by exactly one space.
  if (p + 1 < line.size() && line[p] == ' ' && line[p + 1] != '#') {
    size_t t_end = TokenEnd(line, p + 1, true);
    int64_t ts;
    if (!ParseOpenMetricsTimestamp(line.substr(p + 1, t_end - p - 1), &ts)) {
      return Error(Cat("invalid timestamp ", Snippet(line.substr(p + 1, t_end - p - 1))));
    }
    timestamp_ = ts;
    p = t_end;
  }
  if (p < line.size()) {
    if (line.substr(p, 4) != " # {") {
      return Error(Cat("expected timestamp or exemplar, got ", Snippet(line.substr(p))));
    }
    p += 4;
    if (absl::Status s = ParseExemplar(line, p); !s.ok()) return s;
  }
  if (absl::Status s = CheckOpenMetricsFamily(); !s.ok()) return s;
  return Entry::kSeries;
}

absl::Status Parser::ParseExemplar(std::string_view line, size_t& pos) {
  exemplar_labels_.clear();
  if (absl::Status s = ParseLabelSet(line, pos, exemplar_labels_); !s.ok()) return s;
  size_t p = pos;
  if (p >= line.size() || line[p] != ' ') return Error("expected value after exemplar labels");
  size_t v_end = TokenEnd(line, p + 1, true);
  double value;
  if (!ParseExpositionFloat(line.substr(p + 1, v_end - p - 1), &value)) {
    return Error(Cat("invalid exemplar value ", Snippet(line.substr(p + 1, v_end - p - 1))));
  }
  exemplar_.timestamp.reset();
  p = v_end;
  if (p < line.size()) {
    size_t t_end = TokenEnd(line, p + 1, true);
    int64_t ts;
    if (!ParseOpenMetricsTimestamp(line.substr(p + 1, t_end - p - 1), &ts)) {
      return Error(Cat("invalid exemplar timestamp ", Snippet(line.substr(p + 1, t_end - p - 1))));
    }
    exemplar_.timestamp = ts;
    p = t_end;
    if (p < line.size()) return Error(Cat("unexpected text after exemplar: ", Snippet(line.substr(p))));
  }
  exemplar_.labels = exemplar_labels_;
  exemplar_.value = value;
  has_exemplar_ = true;
  pos = p;
  return absl::OkStatus();
}

// OpenMetrics' naming rules: the samples of a typed family carry the suffixes its type allows.
absl::Status Parser::CheckOpenMetricsFamily() {
  if (!family_.empty() && name_.starts_with(family_)) {
    std::string_view suffix = name_.substr(family_.size());
    auto need = [&](std::string_view label, std::string_view what) -> absl::Status {
      if (HasLabel(labels_, label)) return absl::OkStatus();
      return Error(Cat(what, " sample \"", name_, "\" has no \"", label, "\" label"));
    };
    auto bare = [&](std::string_view type, std::string_view suffixes) -> absl::Status {
      return Error(Cat(type, " sample \"", name_, "\" must end in ", suffixes));
    };
    switch (family_type_) {
      case MetricType::kCounter:
        if (suffix == "_total" || suffix == "_created") return absl::OkStatus();
        if (suffix.empty()) return bare("counter", "_total or _created");
        break;
      case MetricType::kHistogram:
        if (suffix == "_bucket") return need("le", "histogram bucket");
        if (suffix == "_count" || suffix == "_sum" || suffix == "_created") return absl::OkStatus();
        if (suffix.empty()) return bare("histogram", "_bucket, _count, _sum or _created");
        break;
      case MetricType::kGaugeHistogram:
        if (suffix == "_bucket") return need("le", "gaugehistogram bucket");
        if (suffix == "_gcount" || suffix == "_gsum") return absl::OkStatus();
        if (suffix.empty()) return bare("gaugehistogram", "_bucket, _gcount or _gsum");
        break;
      case MetricType::kSummary:
        if (suffix.empty()) return need("quantile", "summary");
        if (suffix == "_count" || suffix == "_sum" || suffix == "_created") return absl::OkStatus();
        break;
      case MetricType::kInfo:
        if (suffix == "_info") return absl::OkStatus();
        if (suffix.empty()) return bare("info", "_info");
        break;
      case MetricType::kStateset:
        if (suffix.empty()) return need(family_, "stateset");
        break;
      case MetricType::kGauge:
      case MetricType::kUnknown:
        if (suffix.empty()) return absl::OkStatus();
        break;
    }
  }
  // A sample outside the current family starts a family without metadata.
  family_ = name_;
  family_type_ = MetricType::kUnknown;
  return absl::OkStatus();
}

}  // namespace foresight::collection
