// Malformed payloads: each row is rejected with "line N: reason"; then a random-mutation loop checks that no
// input crashes or reads out of bounds (run it under ASan).
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "collection/textparse/payload.h"

namespace foresight::collection {
namespace {

std::string Msg(const absl::Status& s) { return std::string(s.message()); }

struct Bad {
  Format format;
  std::string payload;
  std::string error;  // the start of the expected message
};

constexpr Format kT = Format::kText;
constexpr Format kOM = Format::kOpenMetrics;

std::vector<Bad> BadCases() {
  return {
      // Truncated lines.
      {kT, "a 1\nb{x=\"1\"", "line 2: unterminated label set"},
      {kT, "a 1\nb{x=\"1", "line 2: unterminated value of label \"x\""},
      {kT, "b{x=", "line 1: expected quoted value for label \"x\""},
      {kT, "b{x", "line 1: expected '=' after label name \"x\""},
      {kT, "a 1\nb{", "line 2: unterminated label set"},
      {kT, "a 1\n\nb\n", "line 3: expected value after \"b\""},
      {kT, "b{x=\"1\"}", "line 1: expected value after \"b{x=\\\"1\\\"}\""},
      {kOM, "a 1\nb", "line 2: data does not end with # EOF"},
      {kOM, "a 1\n", "line 2: data does not end with # EOF"},
      {kOM, "", "line 1: data does not end with # EOF"},
      {kOM, "a 1", "line 1: data does not end with # EOF"},
      // A raw newline ends the line, and with it the label value.
      {kT, "a{x=\"multi\nline\"} 1\n", "line 1: unterminated value of label \"x\""},
      // Bad escapes.
      {kT, "a{x=\"\\t\"} 1\n", "line 1: invalid escape sequence \"\\\\t\" in value of label \"x\""},
      {kT, "a 1\na{x=\"ok\\\\\",y=\"\\x41\"} 1\n",
       "line 2: invalid escape sequence \"\\\\x\" in value of label \"y\""},
      {kOM, "a{x=\"\\u0041\"} 1\n# EOF\n", "line 1: invalid escape sequence"},
      {kT, "a{x=\"ends in backslash\\\"} 1\n", "line 1: unterminated value of label \"x\""},
      // Duplicate labels.
      {kT, "a{x=\"1\",y=\"2\",x=\"3\"} 1\n", "line 1: duplicate label name \"x\""},
      {kOM, "# TYPE a gauge\na{x=\"1\",x=\"1\"} 1\n# EOF\n", "line 2: duplicate label name \"x\""},
      {kT, "a{__name__=\"b\"} 1\n", "line 1: label \"__name__\" in the label set of a sample"},
      {kOM, "a_total 1 # {t=\"1\",t=\"2\"} 1\n# EOF\n", "line 1: duplicate label name \"t\""},
      // Invalid metric and label names.
      {kT, "1abc 1\n", "line 1: expected metric name, got \"1abc 1\""},
      {kT, "a-b 1\n", "line 1: invalid character in metric name: \"a-b 1\""},
      {kT, "a{1x=\"1\"} 1\n", "line 1: expected label name, got \"1x=\\\"1\\\"} 1\""},
      {kT, "a{x:y=\"1\"} 1\n", "line 1: expected '=' after label name \"x\""},
      {kT, "{x=\"1\"} 1\n", "line 1: expected metric name"},
      {kT, "# TYPE 1a counter\n", "line 1: expected metric name after TYPE"},
      {kT, "# HELP a{ help\n", "line 1: invalid metric name in HELP"},
      {kOM, "# TYPE a.b gauge\n# EOF\n", "line 1: invalid metric name in TYPE"},
      {kT, "a{x=\"1\" y=\"2\"} 1\n", "line 1: expected ',' or '}' after value of label \"x\""},
      {kT, "a{x=\"1\",,} 1\n", "line 1: expected label name"},
      // Bad values.
      {kT, "a 1\nb abc\n", "line 2: invalid value \"abc\""},
      {kT, "a 0x1p3\n", "line 1: invalid value \"0x1p3\""},
      {kT, "a 1e999\n", "line 1: invalid value \"1e999\""},
      {kT, "a 1,5\n", "line 1: invalid value \"1,5\""},
      {kOM, "a 1_0\n# EOF\n", "line 1: invalid value \"1_0\""},
      {kOM, "a  1\n# EOF\n", "line 1: expected value after \"a\""},
      {kOM, "a\t1\n# EOF\n", "line 1: invalid character"},
      // Bad timestamps.
      {kT, "a 1 1.5\n", "line 1: invalid timestamp \"1.5\""},
      {kT, "a 1 99999999999999999999\n", "line 1: invalid timestamp \"99999999999999999999\""},
      {kT, "a 1 2 3\n", "line 1: unexpected text after timestamp: \"3\""},
      {kT, "a 1 # {x=\"y\"} 1\n", "line 1: invalid timestamp \"#\""},
      {kOM, "a 1 NaN\n# EOF\n", "line 1: invalid timestamp \"NaN\""},
      {kOM, "a 1 1e300\n# EOF\n", "line 1: invalid timestamp \"1e300\""},
      {kOM, "a 1 12 \n# EOF\n", "line 1: expected timestamp or exemplar, got \" \""},
      {kOM, "a_total 1 # {x=\"y\"} z\n# EOF\n", "line 1: invalid exemplar value \"z\""},
      {kOM, "a_total 1 # {x=\"y\"} 1 Inf\n# EOF\n", "line 1: invalid exemplar timestamp \"Inf\""},
      {kOM, "a_total 1 # {x=\"y\"} 1 2 3\n# EOF\n", "line 1: unexpected text after exemplar"},
      {kOM, "a_total 1 # x\n# EOF\n", "line 1: expected timestamp or exemplar"},
      // # EOF.
      {kOM, "a 1\n# EOF\nb 1\n", "line 3: unexpected data after # EOF"},
      {kOM, "# EOF\n\n", "line 2: unexpected data after # EOF"},
      {kOM, "a 1\n# EOF \n", "line 2: invalid comment \"# EOF \""},
      // Comments and blank lines are text-format only.
      {kOM, "# a comment\n# EOF\n", "line 1: invalid comment"},
      {kOM, "a 1\n\n# EOF\n", "line 2: empty line"},
      // TYPE values.
      {kT, "# TYPE a gaugehistogram\n", "line 1: invalid metric type \"gaugehistogram\""},
      {kT, "# TYPE a unknown\n", "line 1: invalid metric type \"unknown\""},
      {kT, "# TYPE a\n", "line 1: invalid metric type \"\""},
      {kOM, "# TYPE a untyped\n# EOF\n", "line 1: invalid metric type \"untyped\""},
      {kOM, "# TYPE a Counter\n# EOF\n", "line 1: invalid metric type \"Counter\""},
      // Duplicate metadata.
      {kT, "# TYPE a gauge\na 1\n# TYPE a gauge\n", "line 3: second TYPE line for metric family \"a\""},
      {kT, "# HELP a x\n# HELP a y\n", "line 2: second HELP line for metric family \"a\""},
      {kOM, "# TYPE a gauge\n# TYPE b gauge\n# TYPE a counter\n# EOF\n", "line 3: second TYPE line"},
      {kOM, "# UNIT a_s s\n# UNIT a_s s\n# EOF\n", "line 2: second UNIT line"},
      {kOM, "# UNIT a_seconds bytes\n# EOF\n",
       "line 1: unit \"bytes\" is not a suffix of metric \"a_seconds\""},
      {kOM, "# UNIT aseconds seconds\n# EOF\n", "line 1: unit \"seconds\" is not a suffix"},
      // OpenMetrics family rules.
      {kOM, "# TYPE c counter\nc 1\n# EOF\n", "line 2: counter sample \"c\" must end in _total or _created"},
      {kOM, "# TYPE h histogram\nh_bucket 1\n# EOF\n",
       "line 2: histogram bucket sample \"h_bucket\" has no \"le\""},
      {kOM, "# TYPE h histogram\nh 1\n# EOF\n", "line 2: histogram sample \"h\" must end in"},
      {kOM, "# TYPE h gaugehistogram\nh_bucket{x=\"1\"} 1\n# EOF\n", "line 2: gaugehistogram bucket sample"},
      {kOM, "# TYPE s summary\ns 1\n# EOF\n", "line 2: summary sample \"s\" has no \"quantile\" label"},
      {kOM, "# TYPE i info\ni 1\n# EOF\n", "line 2: info sample \"i\" must end in _info"},
      {kOM, "# TYPE st stateset\nst{x=\"a\"} 1\n# EOF\n",
       "line 2: stateset sample \"st\" has no \"st\" label"},
      // OpenMetrics allows no blanks inside label sets.
      {kOM, "a{x=\"1\", y=\"2\"} 1\n# EOF\n", "line 1: expected label name, got \" y="},
      // Invalid UTF-8.
      {kT, "a{x=\"\xC3\x28\"} 1\n", "line 1: value of label \"x\" is not valid UTF-8"},
      {kT, "a{x=\"\xED\xA0\x80\"} 1\n", "line 1: value of label \"x\" is not valid UTF-8"},  // a surrogate
      {kT, "a{x=\"\xC0\xAF\"} 1\n", "line 1: value of label \"x\" is not valid UTF-8"},      // overlong
      {kT, "# HELP a \xFF\n", "line 1: help text is not valid UTF-8"},
      // Stray bytes.
      {kT, std::string("a 1\0\n", 5), "line 1: invalid value"},
      {kT, std::string("a\0 1\n", 5), "line 1: invalid character in metric name"},
  };
}

TEST(Malformed, RejectedWithLineAndReason) {
  for (const Bad& c : BadCases()) {
    SCOPED_TRACE(testing::Message() << (c.format == kT ? "text" : "openmetrics")
                                    << " payload: " << c.payload);
    absl::StatusOr<ParsedPayload> r = ParsePayload(c.payload, c.format);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(Msg(r.status()).starts_with(c.error)) << "got: " << r.status().message();
  }
}

// Payloads with every construct of both formats, to mutate.
const char* kOpenMetricsSeed =
    "# HELP foo_seconds Help with \\\\ and \\n.\n"
    "# TYPE foo_seconds counter\n"
    "# UNIT foo_seconds seconds\n"
    "foo_seconds_total{a=\"1\",b=\"x\\ny\\\"z\"} 17.0 1520879607.789 # {trace_id=\"KOO5S4vxi0o\"} 0.67 "
    "1520879602.1\n"
    "foo_seconds_created{a=\"1\"} 1520430000.123\n"
    "# TYPE h histogram\n"
    "h_bucket{le=\"0.5\"} 3\nh_bucket{le=\"+Inf\"} 4 # {} 1\nh_count 4\nh_sum 2.5\n"
    "# TYPE s summary\ns{quantile=\"0.9\",z=\"\xC3\xA9\"} NaN\ns_sum -Inf 123\n"
    "# EOF\n";
const char* kTextSeed =
    "# HELP foo Help with \\\\ and \\n.\n"
    "# TYPE foo counter\n"
    "foo{a=\"1\",b=\"x\\ny\\\"z\"} 17 1520879607789\n"
    "\t  \n"
    "# a comment\n"
    "g{ x = \"1\" , } +Inf 1395066363000\n"
    "s{quantile=\"0.9\",z=\"\xC3\xA9\"}NaN\n"
    "# EOF\n";

volatile size_t sink = 0;

// Parses with both formats and both APIs; only the absence of crashes and sanitizer reports matters.
// Returns whether `in` is valid in `want`.
bool ParseEverything(std::string_view in, Format want) {
  bool ok = false;
  for (Format f : {Format::kText, Format::kOpenMetrics}) {
    Parser p(in, f);
    for (int guard = 0; guard < 100000; ++guard) {
      absl::StatusOr<Entry> e = p.Next();
      if (!e.ok() || *e == Entry::kEof) break;
      if (*e == Entry::kSeries) {
        size_t n = 0;
        for (const auto& l : p.labels()) n += l.name.size() + l.value.size();
        if (p.exemplar() != nullptr) {
          for (const auto& l : p.exemplar()->labels) n += l.name.size() + l.value.size();
        }
        sink = sink + n;  // touch every byte's length so that ASan sees the views
      }
    }
    bool valid = ParsePayload(in, f).ok();
    if (f == want) ok = valid;
  }
  return ok;
}

TEST(Malformed, RandomMutationsNeverCrash) {
  constexpr int kIterations = 10000;
  std::mt19937 rng(20261121);
  const std::string seeds[] = {kOpenMetricsSeed, kTextSeed};
  ASSERT_TRUE(ParsePayload(seeds[0], Format::kOpenMetrics).ok());
  ASSERT_TRUE(ParsePayload(seeds[1], Format::kText).ok());
  const char alphabet[] = "{}\",=\\ \t\n#.eE+-0123456789abcxyzNIf_:\xC3\xA9\xFF";
  int accepted = 0;
  for (int iter = 0; iter < kIterations; ++iter) {
    std::string s = seeds[iter % 2];
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < edits && !s.empty(); ++k) {
      size_t pos = rng() % s.size();
      char c = alphabet[rng() % (sizeof(alphabet) - 1)];
      switch (rng() % 4) {
        case 0:
          s[pos] = c;
          break;
        case 1:
          s.insert(s.begin() + static_cast<long>(pos), c);
          break;
        case 2:
          s.erase(pos, 1 + rng() % 3);
          break;
        default:
          s.resize(pos);  // truncation
      }
    }
    accepted += ParseEverything(s, iter % 2 == 0 ? Format::kOpenMetrics : Format::kText);
  }
  // Some mutations (inside help text or values) stay valid; most do not.
  EXPECT_GT(accepted, 0);
  EXPECT_LT(accepted, kIterations);
}

}  // namespace
}  // namespace foresight::collection
