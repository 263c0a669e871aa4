#include "common/metrics/text_format.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace foresight::metrics {

std::string FormatFloat(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == 0) return "0";
  // The shortest round-trip digits and decimal exponent, from the scientific form "-d.ddde+XX".
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  if (ec != std::errc()) return "NaN";  // cannot happen with 64 bytes
  std::string_view sci(buf, end - buf);
  bool negative = sci.front() == '-';
  if (negative) sci.remove_prefix(1);
  size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c != '.') digits.push_back(c);
  }
  int exp = std::atoi(std::string(sci.substr(e + 1)).c_str());

  std::string out = negative ? "-" : "";
  if (exp < -4 || exp >= 6) {  // %e with the shortest mantissa and at least two exponent digits
    out += digits[0];
    if (digits.size() > 1) {
      out += '.';
      out.append(digits, 1);
    }
    out += exp < 0 ? "e-" : "e+";
    int a = std::abs(exp);
    if (a < 10) out += '0';
    out += std::to_string(a);
    return out;
  }
  int dp = exp + 1;  // digits before the decimal point (<= 0: leading zeros after "0.")
  if (dp <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-dp), '0');
    out += digits;
  } else if (static_cast<size_t>(dp) >= digits.size()) {
    out += digits;
    out.append(dp - digits.size(), '0');
  } else {
    out.append(digits, 0, dp);
    out += '.';
    out.append(digits, dp);
  }
  return out;
}

std::string EscapeHelp(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

namespace {

using LabelPairs = std::vector<std::pair<std::string, std::string>>;

void WriteSeries(std::string_view name, std::string_view suffix, const LabelPairs& labels,
                 const std::string* le, const std::string& value, std::string* out) {
  out->append(name);
  out->append(suffix);
  if (!labels.empty() || le != nullptr) {
    out->push_back('{');
    bool first = true;
    for (const auto& [n, v] : labels) {
      if (!first) out->push_back(',');
      first = false;
      out->append(n);
      out->append("=\"");
      out->append(EscapeLabelValue(v));
      out->push_back('"');
    }
    if (le != nullptr) {
      if (!first) out->push_back(',');
      out->append("le=\"");
      out->append(*le);
      out->push_back('"');
    }
    out->push_back('}');
  }
  out->push_back(' ');
  out->append(value);
  out->push_back('\n');
}

const char* TypeText(MetricType t) {
  switch (t) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
    case MetricType::kUntyped:
      break;
  }
  return "untyped";
}

}  // namespace

void WriteText(const std::vector<FamilySnapshot>& families, std::string* out) {
  for (const auto& f : families) {
    if (f.samples.empty()) continue;  // as client_golang: a family without series is not exposed
    if (!f.help.empty()) {
      out->append("# HELP ").append(f.name).append(" ").append(EscapeHelp(f.help)).append("\n");
    }
    out->append("# TYPE ").append(f.name).append(" ").append(TypeText(f.type)).append("\n");
    for (const auto& s : f.samples) {
      if (f.type != MetricType::kHistogram) {
        WriteSeries(f.name, "", s.labels, nullptr, FormatFloat(s.value), out);
        continue;
      }
      for (const auto& [bound, count] : s.buckets) {
        std::string le = FormatFloat(bound);
        WriteSeries(f.name, "_bucket", s.labels, &le, FormatFloat(static_cast<double>(count)), out);
      }
      const std::string inf = "+Inf";
      WriteSeries(f.name, "_bucket", s.labels, &inf, FormatFloat(static_cast<double>(s.count)), out);
      WriteSeries(f.name, "_sum", s.labels, nullptr, FormatFloat(s.sum), out);
      WriteSeries(f.name, "_count", s.labels, nullptr, FormatFloat(static_cast<double>(s.count)), out);
    }
  }
}

std::string RenderText(const Registry& registry) {
  std::string out;
  WriteText(registry.Gather(), &out);
  return out;
}

}  // namespace foresight::metrics
