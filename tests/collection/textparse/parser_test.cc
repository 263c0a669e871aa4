#include <bit>
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "collection/textparse/payload.h"
#include "collection/textparse/textparse.h"

namespace foresight::collection {
namespace {

std::string Msg(const absl::Status& s) { return std::string(s.message()); }

using Pairs = std::vector<std::pair<std::string, std::string>>;

Pairs PairsOf(std::span<const LabelView> labels) {
  Pairs out;
  for (const auto& l : labels) out.emplace_back(l.name, l.value);
  return out;
}

// Reads the next entry, failing the test on an error.
Entry NextOk(Parser& p) {
  absl::StatusOr<Entry> e = p.Next();
  EXPECT_TRUE(e.ok()) << e.status();
  return e.ok() ? *e : Entry::kEof;
}

TEST(FormatFor, ChoosesByContentType) {
  EXPECT_EQ(FormatFor("application/openmetrics-text; version=1.0.0; charset=utf-8"), Format::kOpenMetrics);
  EXPECT_EQ(FormatFor("application/openmetrics-text"), Format::kOpenMetrics);
  EXPECT_EQ(FormatFor(" Application/OpenMetrics-Text ;version=0.0.1"), Format::kOpenMetrics);
  EXPECT_EQ(FormatFor("text/plain; version=0.0.4"), Format::kText);
  EXPECT_EQ(FormatFor(""), Format::kText);
  EXPECT_EQ(FormatFor("application/json"), Format::kText);
  EXPECT_EQ(ParserFor("application/openmetrics-text; version=1.0.0", "").format(), Format::kOpenMetrics);
  EXPECT_EQ(ParserFor("text/plain; version=0.0.4", "").format(), Format::kText);
}

TEST(TextParser, EntriesInOrder) {
  const std::string in =
      "# HELP http_requests_total The total number of HTTP requests.\n"
      "# TYPE http_requests_total counter\n"
      "http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n"
      "http_requests_total{method=\"post\",code=\"400\"}    3 1395066363000\n"
      "\n"
      "# A normal comment.\n"
      "msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find "
      "file:\\n\\\"FILE.TXT\\\"\"} "
      "1.458255915e9\n"
      "metric_without_timestamp_and_labels 12.47\n"
      "  something_weird{problem=\"division by zero\"} +Inf -3982045\n"
      "no_space_after_brace{a=\"b\"}-1\n"
      "spaces_everywhere \t{ a = \"b\" , c=\"d\", } \t 7 \t 42\t\n"
      "# EOF\n"
      "last_line_without_newline 1";
  Parser p(in, Format::kText);
  ASSERT_EQ(NextOk(p), Entry::kHelp);
  EXPECT_EQ(p.metric_name(), "http_requests_total");
  EXPECT_EQ(p.help(), "The total number of HTTP requests.");
  EXPECT_EQ(p.line(), 1);
  ASSERT_EQ(NextOk(p), Entry::kType);
  EXPECT_EQ(p.metric_name(), "http_requests_total");
  EXPECT_EQ(p.type(), MetricType::kCounter);

  ASSERT_EQ(NextOk(p), Entry::kSeries);
  EXPECT_EQ(p.metric_name(), "http_requests_total");
  EXPECT_EQ(PairsOf(p.labels()), (Pairs{{"method", "post"}, {"code", "200"}}));
  EXPECT_EQ(p.series(), "http_requests_total{method=\"post\",code=\"200\"}");
  EXPECT_EQ(p.value(), 1027);
  EXPECT_EQ(p.timestamp(), 1395066363000);
  EXPECT_EQ(p.exemplar(), nullptr);
  EXPECT_EQ(p.line(), 3);

  ASSERT_EQ(NextOk(p), Entry::kSeries);
  EXPECT_EQ(p.value(), 3);
  EXPECT_EQ(p.line(), 4);

  ASSERT_EQ(NextOk(p), Entry::kComment);  // the blank line is skipped
  EXPECT_EQ(p.comment(), " A normal comment.");
  EXPECT_EQ(p.line(), 6);

  ASSERT_EQ(NextOk(p), Entry::kSeries);
  EXPECT_EQ(PairsOf(p.labels()),
            (Pairs{{"path", "C:\\DIR\\FILE.TXT"}, {"error", "Cannot find file:\n\"FILE.TXT\""}}));
  EXPECT_EQ(p.value(), 1.458255915e9);
  EXPECT_FALSE(p.timestamp().has_value());

  ASSERT_EQ(NextOk(p), Entry::kSeries);
  EXPECT_EQ(p.metric_name(), "metric_without_timestamp_and_labels");
  EXPECT_TRUE(p.labels().empty());
  EXPECT_EQ(p.value(), 12.47);

  ASSERT_EQ(NextOk(p), Entry::kSeries);
  EXPECT_EQ(p.metric_name(), "something_weird");
  EXPECT_TRUE(std::isinf(p.value()) && p.value() > 0);
  EXPECT_EQ(p.timestamp(), -3982045);

  ASSERT_EQ(NextOk(p), Entry::kSeries);
  EXPECT_EQ(p.metric_name(), "no_space_after_brace");
  EXPECT_EQ(p.value(), -1);

  ASSERT_EQ(NextOk(p), Entry::kSeries);
  EXPECT_EQ(PairsOf(p.labels()), (Pairs{{"a", "b"}, {"c", "d"}}));
  EXPECT_EQ(p.value(), 7);
  EXPECT_EQ(p.timestamp(), 42);

  ASSERT_EQ(NextOk(p), Entry::kComment);  // "# EOF" is only a comment in the text format
  ASSERT_EQ(NextOk(p), Entry::kSeries);
  EXPECT_EQ(p.metric_name(), "last_line_without_newline");
  EXPECT_EQ(p.line(), 13);
  EXPECT_EQ(NextOk(p), Entry::kEof);
  EXPECT_EQ(NextOk(p), Entry::kEof);
}

TEST(TextParser, MetadataForms) {
  const std::string in =
      "# TYPE a untyped\n"
      "#\tTYPE\tb\tgauge\n"
      "# TYPE c histogram \n"  // trailing blanks after the type are tolerated
      "# TYPE d summary\n"
      "# HELP e \n"
      "# HELP f  two spaces: the first separates, the second is text\n"
      "# HELP g with \\\\ backslash, \\n newline and \\\" kept\n"
      "# HELP\n"
      "#HELP h x\n"
      "# HELPER x y\n";
  Parser p(in, Format::kText);
  ASSERT_EQ(NextOk(p), Entry::kType);
  EXPECT_EQ(p.type(), MetricType::kUnknown);
  ASSERT_EQ(NextOk(p), Entry::kType);
  EXPECT_EQ(p.metric_name(), "b");
  EXPECT_EQ(p.type(), MetricType::kGauge);
  ASSERT_EQ(NextOk(p), Entry::kType);
  EXPECT_EQ(p.type(), MetricType::kHistogram);
  ASSERT_EQ(NextOk(p), Entry::kType);
  EXPECT_EQ(p.type(), MetricType::kSummary);
  ASSERT_EQ(NextOk(p), Entry::kHelp);
  EXPECT_EQ(p.help(), "");
  ASSERT_EQ(NextOk(p), Entry::kHelp);
  EXPECT_EQ(p.help(), " two spaces: the first separates, the second is text");
  ASSERT_EQ(NextOk(p), Entry::kHelp);
  EXPECT_EQ(p.help(), "with \\ backslash, \n newline and \\\" kept");
  EXPECT_EQ(NextOk(p), Entry::kComment);
  EXPECT_EQ(NextOk(p), Entry::kComment);
  EXPECT_EQ(NextOk(p), Entry::kComment);
  EXPECT_EQ(NextOk(p), Entry::kEof);
}

TEST(TextParser, OddButValidLines) {
  const std::string in = std::string(
                             "#\n"
                             "# \tTYPE s summary\n"
                             "some:aggregate:rate5m{a_b=\"c\"}\t1\n"
                             "_starts_with_underscore{_l=\"x\"} 1\n"
                             "quoted{label=\"\\\"bar\\\"\"} 1\n"
                             "# HELP nul foo") +
                         '\0' + "bar\nnul{a=\"abc" + '\0' + "\"} 1\n";
  Parser p(in, Format::kText);
  ASSERT_EQ(NextOk(p), Entry::kComment);
  EXPECT_EQ(p.comment(), "");
  ASSERT_EQ(NextOk(p), Entry::kType);
  EXPECT_EQ(p.metric_name(), "s");
  ASSERT_EQ(NextOk(p), Entry::kSeries);
  EXPECT_EQ(p.metric_name(), "some:aggregate:rate5m");
  ASSERT_EQ(NextOk(p), Entry::kSeries);
  EXPECT_EQ(PairsOf(p.labels()), (Pairs{{"_l", "x"}}));
  ASSERT_EQ(NextOk(p), Entry::kSeries);
  EXPECT_EQ(PairsOf(p.labels()), (Pairs{{"label", "\"bar\""}}));
  ASSERT_EQ(NextOk(p), Entry::kHelp);
  EXPECT_EQ(p.help(), std::string("foo") + '\0' + "bar");
  ASSERT_EQ(NextOk(p), Entry::kSeries);
  EXPECT_EQ(PairsOf(p.labels()), (Pairs{{"a", std::string("abc") + '\0'}}));
  EXPECT_EQ(NextOk(p), Entry::kEof);
}

TEST(TextParser, Utf8LabelValuesAndHelp) {
  const std::string in = "# HELP m Grüße\nm{city=\"Zürich\",emoji=\"\xF0\x9F\x98\x80\"} 1\n";
  Parser p(in, Format::kText);
  ASSERT_EQ(NextOk(p), Entry::kHelp);
  EXPECT_EQ(p.help(), "Grüße");
  ASSERT_EQ(NextOk(p), Entry::kSeries);
  EXPECT_EQ(PairsOf(p.labels()), (Pairs{{"city", "Zürich"}, {"emoji", "\xF0\x9F\x98\x80"}}));
}

TEST(TextParser, SpecialValues) {
  const std::string in = "a NaN\nb -Inf\nc +inf\nd 1e-3\ne -0\n";
  Parser p(in, Format::kText);
  ASSERT_EQ(NextOk(p), Entry::kSeries);
  EXPECT_EQ(std::bit_cast<uint64_t>(p.value()), kNormalNaNBits);
  ASSERT_EQ(NextOk(p), Entry::kSeries);
  EXPECT_EQ(p.value(), -INFINITY);
  ASSERT_EQ(NextOk(p), Entry::kSeries);
  EXPECT_EQ(p.value(), INFINITY);
  ASSERT_EQ(NextOk(p), Entry::kSeries);
  EXPECT_EQ(p.value(), 0.001);
  ASSERT_EQ(NextOk(p), Entry::kSeries);
  EXPECT_EQ(p.value(), 0);
}

TEST(OpenMetricsParser, EntriesInOrder) {
  const std::string in =
      "# TYPE foo_seconds counter\n"
      "# UNIT foo_seconds seconds\n"
      "# HELP foo_seconds Help with \\\"quotes\\\" and \\\\.\n"
      "foo_seconds_total{a=\"1\",b=\"x\\ny\"} 17.0 1520879607.789 # {trace_id=\"KOO5S4vxi0o\"} 0.67 "
      "1520879602.1\n"
      "foo_seconds_created{a=\"1\",b=\"x\\ny\"} 1520430000.123\n"
      "foo_seconds_total{a=\"2\"} 1 # {} 2\n"
      "# TYPE hist histogram\n"
      "hist_bucket{le=\"0.5\"} 3\n"
      "hist_bucket{le=\"+Inf\"} 4\n"
      "hist_count 4\n"
      "hist_sum 2.5\n"
      "# TYPE gh gaugehistogram\n"
      "gh_bucket{le=\"+Inf\"} 4\n"
      "gh_gcount 4\n"
      "gh_gsum 2.5\n"
      "# TYPE s summary\n"
      "s{quantile=\"0.9\"} 1\n"
      "s_sum 1\n"
      "s_count 1\n"
      "s_created 1\n"
      "# TYPE i info\n"
      "i_info{version=\"1.0\"} 1\n"
      "# TYPE st stateset\n"
      "st{st=\"a\"} 1\n"
      "st{st=\"b\"} 0\n"
      "# TYPE g gauge\n"
      "g -1.5e3\n"
      "# TYPE u unknown\n"
      "u 1\n"
      "untyped_without_metadata_total 5\n"
      "# EOF\n";
  Parser p(in, Format::kOpenMetrics);
  ASSERT_EQ(NextOk(p), Entry::kType);
  EXPECT_EQ(p.metric_name(), "foo_seconds");
  EXPECT_EQ(p.type(), MetricType::kCounter);
  ASSERT_EQ(NextOk(p), Entry::kUnit);
  EXPECT_EQ(p.unit(), "seconds");
  ASSERT_EQ(NextOk(p), Entry::kHelp);
  EXPECT_EQ(p.help(), "Help with \"quotes\" and \\.");

  ASSERT_EQ(NextOk(p), Entry::kSeries);
  EXPECT_EQ(p.metric_name(), "foo_seconds_total");
  EXPECT_EQ(PairsOf(p.labels()), (Pairs{{"a", "1"}, {"b", "x\ny"}}));
  EXPECT_EQ(p.value(), 17);
  EXPECT_EQ(p.timestamp(), 1520879607789);
  ASSERT_NE(p.exemplar(), nullptr);
  EXPECT_EQ(PairsOf(p.exemplar()->labels), (Pairs{{"trace_id", "KOO5S4vxi0o"}}));
  EXPECT_EQ(p.exemplar()->value, 0.67);
  EXPECT_EQ(p.exemplar()->timestamp, 1520879602100);

  ASSERT_EQ(NextOk(p), Entry::kSeries);
  EXPECT_EQ(p.metric_name(), "foo_seconds_created");
  EXPECT_EQ(p.value(), 1520430000.123);
  EXPECT_FALSE(p.timestamp().has_value());
  EXPECT_EQ(p.exemplar(), nullptr);

  ASSERT_EQ(NextOk(p), Entry::kSeries);
  ASSERT_NE(p.exemplar(), nullptr);
  EXPECT_TRUE(p.exemplar()->labels.empty());
  EXPECT_EQ(p.exemplar()->value, 2);
  EXPECT_FALSE(p.exemplar()->timestamp.has_value());

  int series = 0, types = 0;
  for (;;) {
    Entry e = NextOk(p);
    if (e == Entry::kEof) break;
    series += e == Entry::kSeries;
    types += e == Entry::kType;
  }
  EXPECT_EQ(series, 17);
  EXPECT_EQ(types, 7);
}

TEST(OpenMetricsParser, EofWithoutNewlineAndEmptyPayloads) {
  Parser a("# EOF", Format::kOpenMetrics);
  EXPECT_EQ(NextOk(a), Entry::kEof);
  Parser b("a 1\n# EOF", Format::kOpenMetrics);
  EXPECT_EQ(NextOk(b), Entry::kSeries);
  EXPECT_EQ(NextOk(b), Entry::kEof);
  Parser c("", Format::kText);
  EXPECT_EQ(NextOk(c), Entry::kEof);
}

TEST(Parser, ErrorsAreSticky) {
  Parser p("a 1\nb x\nc 3\n", Format::kText);
  EXPECT_EQ(NextOk(p), Entry::kSeries);
  absl::StatusOr<Entry> e = p.Next();
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().message(), "line 2: invalid value \"x\"");
  EXPECT_EQ(p.Next().status(), e.status());
}

TEST(SortedLabelViews, SortsAddsNameDropsEmpty) {
  Parser p("m{z=\"1\",a=\"2\",e=\"\",__a=\"3\"} 1\n", Format::kText);
  ASSERT_EQ(NextOk(p), Entry::kSeries);
  SampleView s{p.metric_name(), p.labels(), p.series(), p.value(), p.timestamp(), nullptr, p.line()};
  std::vector<LabelView> sorted;
  SortedLabelViews(s, sorted);
  EXPECT_EQ(PairsOf(sorted), (Pairs{{"__a", "3"}, {"__name__", "m"}, {"a", "2"}, {"z", "1"}}));
  EXPECT_EQ(ToLabels(sorted), (Labels{{"__name__", "m"}, {"a", "2"}, {"z", "1"}, {"__a", "3"}}));
}

TEST(ParsePayload, SamplesAndMetadata) {
  const std::string in =
      "# HELP rpc_seconds RPC latency.\n"
      "# TYPE rpc_seconds summary\n"
      "rpc_seconds{quantile=\"0.5\",service=\"a\"} 0.25 1000\n"
      "rpc_seconds_sum{service=\"a\"} 10\n"
      "# TYPE up gauge\n"
      "up 1\n";
  absl::StatusOr<ParsedPayload> r = ParsePayload(in, "text/plain; version=0.0.4");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->samples.size(), 3u);
  EXPECT_EQ(r->samples[0].labels,
            (Labels{{"__name__", "rpc_seconds"}, {"quantile", "0.5"}, {"service", "a"}}));
  EXPECT_EQ(r->samples[0].timestamp, 1000);
  EXPECT_EQ(r->samples[0].value, 0.25);
  EXPECT_EQ(r->samples[2].labels, (Labels{{"__name__", "up"}}));
  EXPECT_FALSE(r->samples[2].timestamp.has_value());
  ASSERT_EQ(r->metadata.size(), 2u);
  EXPECT_EQ(r->metadata["rpc_seconds"].type, MetricType::kSummary);
  EXPECT_EQ(r->metadata["rpc_seconds"].help, "RPC latency.");
  EXPECT_EQ(r->metadata["up"].type, MetricType::kGauge);
}

TEST(ParsePayload, OpenMetricsExemplarAndUnit) {
  const std::string in =
      "# TYPE req counter\n# UNIT req_bytes bytes\n"
      "req_total 3 # {trace_id=\"abc\",span=\"1\"} 1.5 10.5\n# EOF\n";
  absl::StatusOr<ParsedPayload> r = ParsePayload(in, "application/openmetrics-text; version=1.0.0");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->samples.size(), 1u);
  ASSERT_TRUE(r->samples[0].exemplar.has_value());
  EXPECT_EQ(r->samples[0].exemplar->labels, (Labels{{"trace_id", "abc"}, {"span", "1"}}));
  EXPECT_EQ(r->samples[0].exemplar->value, 1.5);
  EXPECT_EQ(r->samples[0].exemplar->timestamp, 10500);
  EXPECT_EQ(r->metadata["req_bytes"].unit, "bytes");
}

TEST(ParsePayload, AllOrNothing) {
  absl::StatusOr<ParsedPayload> r = ParsePayload("a 1\nb 2\nc{ 3\n", Format::kText);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Msg(r.status()).starts_with("line 3: ")) << r.status();
}

class StopAt : public PayloadVisitor {
 public:
  absl::Status OnSample(const SampleView& s) override {
    ++seen;
    return s.metric_name == "stop" ? absl::CancelledError("stopped") : absl::OkStatus();
  }
  int seen = 0;
};

TEST(VisitPayload, VisitorErrorStopsTheParse) {
  StopAt v;
  absl::Status s = VisitPayload("a 1\nstop 2\nc 3\n", Format::kText, v);
  EXPECT_EQ(s.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(v.seen, 2);
}

}  // namespace
}  // namespace foresight::collection
