// The line loop and the metadata lines of both formats; samples are in sample.cc.
#include <algorithm>
#include <cctype>

#include "collection/textparse/lex.h"
#include "collection/textparse/textparse.h"

namespace foresight::collection {

using textparse_internal::Cat;
using textparse_internal::IsValidUtf8;
using textparse_internal::Snippet;

namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

size_t SkipBlanks(std::string_view s, size_t pos) {
  while (pos < s.size() && IsBlank(s[pos])) ++pos;
  return pos;
}

struct TypeName {
  std::string_view name;
  MetricType type;
};
constexpr TypeName kTextTypes[] = {{"counter", MetricType::kCounter},
                                   {"gauge", MetricType::kGauge},
                                   {"histogram", MetricType::kHistogram},
                                   {"summary", MetricType::kSummary},
                                   {"untyped", MetricType::kUnknown}};
constexpr TypeName kOpenMetricsTypes[] = {
    {"counter", MetricType::kCounter},     {"gauge", MetricType::kGauge},
    {"histogram", MetricType::kHistogram}, {"gaugehistogram", MetricType::kGaugeHistogram},
    {"summary", MetricType::kSummary},     {"info", MetricType::kInfo},
    {"stateset", MetricType::kStateset},   {"unknown", MetricType::kUnknown}};

}  // namespace

Format FormatFor(std::string_view content_type) {
  std::string_view media = textparse_internal::StripBlanks(content_type.substr(0, content_type.find(';')));
  constexpr std::string_view kOpenMetricsType = "application/openmetrics-text";
  if (media.size() != kOpenMetricsType.size()) return Format::kText;
  for (size_t i = 0; i < media.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(media[i])) != kOpenMetricsType[i]) return Format::kText;
  }
  return Format::kOpenMetrics;
}

std::string_view MetricTypeName(MetricType t, Format f) {
  switch (t) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
    case MetricType::kSummary:
      return "summary";
    case MetricType::kGaugeHistogram:
      if (f == Format::kText) break;
      return "gaugehistogram";
    case MetricType::kInfo:
      if (f == Format::kText) break;
      return "info";
    case MetricType::kStateset:
      if (f == Format::kText) break;
      return "stateset";
    case MetricType::kUnknown:
      break;
  }
  return f == Format::kText ? "untyped" : "unknown";
}

Parser ParserFor(std::string_view content_type, std::string_view payload) {
  return Parser(payload, FormatFor(content_type));
}

Parser::Parser(std::string_view payload, Format format) : payload_(payload), format_(format) {
  labels_.reserve(16);
}

absl::Status Parser::Error(std::string_view reason) const {
  return absl::InvalidArgumentError(Cat("line ", line_, ": ", reason));
}

absl::StatusOr<Entry> Parser::Next() {
  if (!done_.ok()) return done_;
  if (eof_) return Entry::kEof;
  for (;;) {
    if (pos_ >= payload_.size()) {
      if (format_ == Format::kOpenMetrics) {
        ++line_;
        done_ = Error("data does not end with # EOF");
        return done_;
      }
      eof_ = true;
      return Entry::kEof;
    }
    size_t nl = payload_.find('\n', pos_);
    bool terminated = nl != std::string_view::npos;
    if (!terminated) nl = payload_.size();
    std::string_view line = payload_.substr(pos_, nl - pos_);
    pos_ = terminated ? nl + 1 : nl;
    ++line_;
    scratch_.clear();
    has_exemplar_ = false;

    absl::StatusOr<Entry> r;
    if (format_ == Format::kText) {
      if (SkipBlanks(line, 0) == line.size()) continue;  // blank lines are allowed
      r = NextText(line);
    } else {
      if (line == "# EOF") {
        if (pos_ < payload_.size()) {
          ++line_;
          done_ = Error("unexpected data after # EOF");
          return done_;
        }
        eof_ = true;
        return Entry::kEof;
      }
      if (!terminated) {
        done_ = Error("data does not end with # EOF");
        return done_;
      }
      r = NextOpenMetrics(line);
    }
    if (!r.ok()) done_ = r.status();
    return r;
  }
}

absl::StatusOr<Entry> Parser::NextText(std::string_view line) {
  size_t p = SkipBlanks(line, 0);
  if (line[p] != '#') return Sample(line.substr(p));
  // "#" then blanks then HELP or TYPE then blanks is metadata; anything else is a comment.
  size_t q = SkipBlanks(line, p + 1);
  if (q > p + 1 && line.size() - q > 4) {
    std::string_view word = line.substr(q, 4);
    if ((word == "HELP" || word == "TYPE") && IsBlank(line[q + 4])) {
      return Metadata(word == "HELP" ? Entry::kHelp : Entry::kType, line.substr(SkipBlanks(line, q + 4)));
    }
  }
  text_ = line.substr(p + 1);
  return Entry::kComment;
}

absl::StatusOr<Entry> Parser::NextOpenMetrics(std::string_view line) {
  if (line.empty()) return Error("empty line");
  if (line[0] != '#') return Sample(line);
  if (line.size() > 7 && line.substr(0, 2) == "# " && line[6] == ' ') {
    std::string_view word = line.substr(2, 4);
    Entry kind = word == "HELP" ? Entry::kHelp : word == "TYPE" ? Entry::kType : Entry::kUnit;
    if (kind != Entry::kUnit || word == "UNIT") return Metadata(kind, line.substr(7));
  }
  return Error(
      Cat("invalid comment ", Snippet(line), ": OpenMetrics allows only # HELP, # TYPE, # UNIT and # EOF"));
}

absl::StatusOr<Entry> Parser::Metadata(Entry kind, std::string_view rest) {
  const bool om = format_ == Format::kOpenMetrics;
  std::string_view what = kind == Entry::kHelp ? "HELP" : kind == Entry::kType ? "TYPE" : "UNIT";
  size_t end = rest.empty() || !textparse_internal::Is(rest[0], textparse_internal::kNameStart)
                   ? 0
                   : textparse_internal::ScanWhile(rest, 1, textparse_internal::kNameChar);
  if (end == 0) return Error(Cat("expected metric name after ", what, ", got ", Snippet(rest)));
  name_ = rest.substr(0, end);
  if (end < rest.size() && !(om ? rest[end] == ' ' : IsBlank(rest[end]))) {
    return Error(Cat("invalid metric name in ", what, ": ", Snippet(rest)));
  }
  // The text is everything after the one separator that follows the name.
  text_ = end < rest.size() ? rest.substr(end + 1) : std::string_view();

  auto& seen = kind == Entry::kHelp ? seen_help_ : kind == Entry::kType ? seen_type_ : seen_unit_;
  if (!seen.insert(name_).second) {
    return Error(Cat("second ", what, " line for metric family \"", name_, "\""));
  }
  if (om && name_ != family_) {
    family_ = name_;
    family_type_ = MetricType::kUnknown;
  }

  switch (kind) {
    case Entry::kType: {
      std::string_view t = om ? text_ : textparse_internal::StripBlanks(text_);
      auto types = om ? std::span<const TypeName>(kOpenMetricsTypes) : std::span<const TypeName>(kTextTypes);
      auto it = std::find_if(types.begin(), types.end(), [&](const TypeName& n) { return n.name == t; });
      if (it == types.end()) return Error(Cat("invalid metric type ", Snippet(t)));
      type_ = it->type;
      if (om) family_type_ = type_;
      return Entry::kType;
    }
    case Entry::kHelp:
      if (!IsValidUtf8(text_)) return Error("help text is not valid UTF-8");
      if (text_.find('\\') != std::string_view::npos) {
        // The text format escapes only \\ and \n in HELP; OpenMetrics also \".
        scratch_.clear();
        textparse_internal::AppendUnescaped(scratch_, text_, om);
        text_ = scratch_;
      }
      return Entry::kHelp;
    default: {  // kUnit
      std::string_view unit = text_;
      if (!unit.empty() && !(name_.size() >= unit.size() + 1 && name_.ends_with(unit) &&
                             name_[name_.size() - unit.size() - 1] == '_')) {
        return Error(Cat("unit ", Snippet(unit), " is not a suffix of metric \"", name_, "\""));
      }
      return Entry::kUnit;
    }
  }
}

}  // namespace foresight::collection
