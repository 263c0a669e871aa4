// Conformance: every payload of ../shared/conformance/textparse (Prometheus' own test data, see SOURCE.md)
// parsed with the right counts, names, label sets, values, types and help; each file's expectations are a
// row.
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "collection/textparse/payload.h"
#include "collection/textparse/writer.h"

namespace foresight::collection {
namespace {

std::string Msg(const absl::Status& s) { return std::string(s.message()); }

std::optional<std::string> ReadShared(const std::string& name) {
  const char* env = std::getenv("FORESIGHT_SHARED_DIR");
  std::string dir = env != nullptr && *env != '\0' ? env : FORESIGHT_SHARED_DIR;
  std::ifstream in(dir + "/conformance/textparse/" + name, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A sample expected at a given line of a file.
struct Spot {
  int line;
  Labels labels;
  const char* value;  // as text, so that NaN and Inf can be written
  std::optional<int64_t> exemplar_ts = std::nullopt;
};

struct FileCase {
  const char* file;
  const char* content_type;
  size_t samples;
  size_t families;  // entries of the metadata map
  std::map<MetricType, int> types;
  std::vector<std::pair<const char*, const char*>> helps;  // family -> help
  std::vector<Spot> spots;
};

const char* kText = "text/plain; version=0.0.4; charset=utf-8";
const char* kOM = "application/openmetrics-text; version=1.0.0; charset=utf-8";

std::vector<FileCase> Cases() {
  using T = MetricType;
  return {
      {"alltypes.237mfs.prom.txt",
       kText,
       1857,
       237,
       {{T::kCounter, 112}, {T::kGauge, 97}, {T::kHistogram, 15}, {T::kSummary, 13}},
       {{"go_gc_duration_seconds",
         "A summary of the wall-time pause (stop-the-world) duration in garbage collection cycles."},
        {"go_info", "Information about the Go environment."}},
       {
           {3, Labels{{"__name__", "go_gc_cycles_automatic_gc_cycles_total"}}, "190932"},
           {12, Labels{{"__name__", "go_gc_duration_seconds"}, {"quantile", "0"}}, "7.6238e-05"},
           {16, Labels{{"__name__", "go_gc_duration_seconds"}, {"quantile", "1"}}, "0.002389378"},
           {17, Labels{{"__name__", "go_gc_duration_seconds_sum"}}, "44.985611511"},
           {18, Labels{{"__name__", "go_gc_duration_seconds_count"}}, "190932"},
           {24, Labels{{"__name__", "go_gc_gomemlimit_bytes"}}, "9.03676723e+08"},
           {27, Labels{{"__name__", "go_gc_heap_allocs_by_size_bytes_bucket"}, {"le", "8.999999999999998"}},
            "2.279966416e+09"},
           {39, Labels{{"__name__", "go_gc_heap_allocs_by_size_bytes_sum"}}, "5.937322571024e+12"},
           {116, Labels{{"__name__", "go_info"}, {"version", "go1.23.4"}}, "1"},
           {352, Labels{{"__name__", "process_start_time_seconds"}}, "1.73806369023e+09"},
           {373,
            Labels{{"__name__", "prometheus_build_info"},
                   {"branch", "HEAD"},
                   {"goarch", "amd64"},
                   {"goos", "linux"},
                   {"goversion", "go1.23.4"},
                   {"revision", "7086161a93b262aa0949dbf2aba15a5a7b13e0a3"},
                   {"tags", "netgo,builtinassets,stringlabels"},
                   {"version", "3.1.0"}},
            "1"},
           {419,
            Labels{{"__name__", "prometheus_http_request_duration_seconds_bucket"},
                   {"handler", "/"},
                   {"le", "0.1"}},
            "688"},
       }},
      {"promtestdata.txt",
       kText,
       410,
       59,
       {{T::kCounter, 21}, {T::kGauge, 25}, {T::kSummary, 13}},
       {{"go_gc_duration_seconds", "A summary of the GC invocation durations."}},
       {
           {3, Labels{{"__name__", "go_gc_duration_seconds"}, {"quantile", "0"}}, "4.9351e-05"},
           {4, Labels{{"__name__", "go_gc_duration_seconds"}, {"quantile", "0.25"}}, "7.424100000000001e-05"},
           {12, Labels{{"__name__", "go_goroutines"}}, "33"},
           {86,
            Labels{{"__name__", "http_request_duration_microseconds"},
                   {"handler", "alerts"},
                   {"quantile", "0.99"}},
            "NaN"},
           {102, Labels{{"__name__", "http_request_duration_microseconds_sum"}, {"handler", "drop_series"}},
            "0"},
           // Empty label values mean "absent", as in Prometheus.
           {382, Labels{{"__name__", "prometheus_build_info"}, {"goversion", "go1.7.3"}}, "1"},
       }},
      {"promtestdata.nometa.txt",
       "",  // no content type: the text format
       410,
       0,
       {},
       {},
       {{1, Labels{{"__name__", "go_gc_duration_seconds"}, {"quantile", "0"}}, "4.9351e-05"},
        {410, Labels{{"__name__", "prometheus_treecache_zookeeper_failures_total"}}, "0"}}},
      {"alltypes.5mfs.om.txt",
       kOM,
       53,
       5,
       {{T::kGauge, 1}, {T::kCounter, 2}, {T::kHistogram, 1}, {T::kSummary, 1}},
       {{"rpc_requests", "Total number of RPC requests received."},
        {"promhttp_metric_handler_errors",
         "Total number of internal errors encountered by the promhttp metric handler."}},
       {
           {3, Labels{{"__name__", "go_build_info"}}, "1"},
           {7, Labels{{"__name__", "promhttp_metric_handler_errors_created"}, {"cause", "encoding"}},
            "1.726839813016397e+09"},
           {19,
            Labels{{"__name__", "rpc_durations_histogram_seconds_bucket"}, {"le", "-0.0002899999999999998"}},
            "3", 1726839814223},
           {32, Labels{{"__name__", "rpc_durations_histogram_seconds_bucket"}, {"le", "+Inf"}}, "15"},
           {33, Labels{{"__name__", "rpc_durations_histogram_seconds_sum"}}, "-8.452185437166741e-05"},
           {38,
            Labels{{"__name__", "rpc_durations_seconds"}, {"quantile", "0.5"}, {"service", "exponential"}},
            "7.689368882420941e-07"},
           {60, Labels{{"__name__", "rpc_requests_total"}, {"service", "normal"}}, "15"},
       }},
      {"1histogram.om.txt",
       kOM,
       42,
       1,
       {{T::kHistogram, 1}},
       {{"golang_manual_histogram_seconds", "This is a histogram with manually selected parameters"}},
       {
           {3,
            Labels{{"__name__", "golang_manual_histogram_seconds_bucket"},
                   {"address", "0.0.0.0"},
                   {"generation", "20"},
                   {"port", "5001"},
                   {"le", "0.005"}},
            "0"},
           {15,
            Labels{{"__name__", "golang_manual_histogram_seconds_sum"},
                   {"address", "0.0.0.0"},
                   {"generation", "20"},
                   {"port", "5001"}},
            "10"},
           {44,
            Labels{{"__name__", "golang_manual_histogram_seconds_count"},
                   {"address", "0.0.0.0"},
                   {"generation", "20"},
                   {"port", "5003"}},
            "1"},
       }},
  };
}

bool SameValue(double got, const char* want) {
  double w = std::strtod(want, nullptr);
  return std::isnan(w) ? std::isnan(got) : got == w;
}

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> lines;
  std::stringstream ss(s);
  for (std::string l; std::getline(ss, l);) lines.push_back(l);
  return lines;
}

// Records every sample with its line, to check spots and compare each line against a naive reading.
class Recorder : public PayloadVisitor {
 public:
  struct Rec {
    std::string series;
    Labels labels;
    double value;
    std::optional<int64_t> ts;
    std::optional<int64_t> exemplar_ts;
  };
  absl::Status OnSample(const SampleView& s) override {
    SortedLabelViews(s, sorted_);
    std::optional<int64_t> ets;
    if (s.exemplar != nullptr) ets = s.exemplar->timestamp;
    by_line[s.line] = Rec{std::string(s.series), ToLabels(sorted_), s.value, s.timestamp, ets};
    return absl::OkStatus();
  }
  std::map<int, Rec> by_line;

 private:
  std::vector<LabelView> sorted_;
};

class Conformance : public testing::TestWithParam<FileCase> {};

TEST_P(Conformance, ParsesFile) {
  const FileCase& c = GetParam();
  std::optional<std::string> data = ReadShared(c.file);
  if (!data) GTEST_SKIP() << "shared conformance data not found (set FORESIGHT_SHARED_DIR): " << c.file;

  absl::StatusOr<ParsedPayload> parsed = ParsePayload(*data, std::string_view(c.content_type));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->samples.size(), c.samples);
  EXPECT_EQ(parsed->metadata.size(), c.families);
  if (!c.types.empty()) {
    std::map<MetricType, int> types;
    for (const auto& [name, md] : parsed->metadata) ++types[md.type];
    EXPECT_EQ(types, c.types);
  }
  for (const auto& [family, help] : c.helps) {
    auto it = parsed->metadata.find(family);
    ASSERT_NE(it, parsed->metadata.end()) << family;
    EXPECT_EQ(it->second.help, help);
  }
  for (const auto& s : parsed->samples) {
    EXPECT_FALSE(s.labels.MetricName().empty());
    EXPECT_FALSE(s.timestamp.has_value());  // none of these files carries sample timestamps
  }

  Recorder rec;
  ASSERT_TRUE(VisitPayload(*data, FormatFor(c.content_type), rec).ok());
  ASSERT_EQ(rec.by_line.size(), c.samples);
  for (const Spot& spot : c.spots) {
    auto it = rec.by_line.find(spot.line);
    ASSERT_NE(it, rec.by_line.end()) << c.file << ": no sample at line " << spot.line;
    EXPECT_EQ(it->second.labels, spot.labels)
        << c.file << ":" << spot.line << " " << it->second.labels.ToString();
    EXPECT_TRUE(SameValue(it->second.value, spot.value))
        << c.file << ":" << spot.line << " " << it->second.value;
    EXPECT_EQ(it->second.exemplar_ts, spot.exemplar_ts) << c.file << ":" << spot.line;
  }

  // Naive reading of every sample line: "<series> <value>[ # exemplar]".
  std::vector<std::string> lines = Lines(*data);
  for (const auto& [line, r] : rec.by_line) {
    std::string text = lines[line - 1];
    text = text.substr(0, text.find(" # "));
    size_t sp = text.rfind(' ');
    EXPECT_EQ(r.series, text.substr(0, sp)) << c.file << ":" << line;
    EXPECT_TRUE(SameValue(r.value, text.c_str() + sp + 1)) << c.file << ":" << line;
  }
}

INSTANTIATE_TEST_SUITE_P(SharedFiles, Conformance, testing::ValuesIn(Cases()),
                         [](const testing::TestParamInfo<FileCase>& info) {
                           std::string n = info.param.file;
                           for (char& ch : n) {
                             if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return n;
                         });

// Parsing Prometheus' text files and writing them back reproduces them byte for byte: HELP escaping, label
// order and escaping, and Go's float formatting all agree with the Go client's.
TEST(Conformance, WriterReproducesTextFiles) {
  for (const char* file : {"alltypes.237mfs.prom.txt", "promtestdata.txt"}) {
    std::optional<std::string> data = ReadShared(file);
    if (!data) GTEST_SKIP() << "shared conformance data not found (set FORESIGHT_SHARED_DIR): " << file;
    ExpositionWriter w(Format::kText);
    Parser p(*data, Format::kText);
    std::string help;
    for (;;) {
      absl::StatusOr<Entry> e = p.Next();
      ASSERT_TRUE(e.ok()) << e.status();
      if (*e == Entry::kEof) break;
      if (*e == Entry::kHelp) help = std::string(p.help());
      if (*e == Entry::kType) w.Family(p.metric_name(), p.type(), help);
      if (*e == Entry::kSeries) w.Sample(p.metric_name(), p.labels(), p.value(), p.timestamp());
    }
    std::string out = w.Finish() + "# EOF\n";  // the files end with a "# EOF" comment
    std::vector<std::string> want = Lines(*data), got = Lines(out);
    ASSERT_EQ(got.size(), want.size()) << file;
    int empty_values = 0;
    for (size_t i = 0; i < want.size(); ++i) {
      if (want[i].find("=\"\"") != std::string::npos) {
        ++empty_values;  // the writer leaves out empty label values, which mean "absent"
        continue;
      }
      EXPECT_EQ(got[i], want[i]) << file << ":" << i + 1;
    }
    EXPECT_LE(empty_values, 1) << file;
  }
}

// The text format read as OpenMetrics fails where OpenMetrics' rules first bite: a counter family named
// "..._total" whose sample lacks a second "_total".
TEST(Conformance, TextPayloadIsNotOpenMetrics) {
  std::optional<std::string> data = ReadShared("promtestdata.txt");
  if (!data) GTEST_SKIP() << "shared conformance data not found (set FORESIGHT_SHARED_DIR)";
  absl::StatusOr<ParsedPayload> parsed = ParsePayload(*data, Format::kOpenMetrics);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().message(),
            "line 18: counter sample \"go_memstats_alloc_bytes_total\" must end in _total or _created");
}

// The OpenMetrics exemplar syntax is not part of the text format.
TEST(Conformance, ExemplarsAreNotTextFormat) {
  std::optional<std::string> data = ReadShared("alltypes.5mfs.om.txt");
  if (!data) GTEST_SKIP() << "shared conformance data not found (set FORESIGHT_SHARED_DIR)";
  absl::StatusOr<ParsedPayload> parsed = ParsePayload(*data, Format::kText);
  ASSERT_FALSE(parsed.ok());
  EXPECT_TRUE(Msg(parsed.status()).starts_with("line 19: invalid timestamp")) << parsed.status();
}

}  // namespace
}  // namespace foresight::collection
