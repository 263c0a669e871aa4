#include "collection/textparse/writer.h"

#include <bit>
#include <cmath>
#include <limits>
#include <random>

#include <gtest/gtest.h>

#include "collection/textparse/payload.h"

namespace foresight::collection {
namespace {

TEST(ExpositionWriter, TextFormat) {
  ExpositionWriter w(Format::kText);
  w.Family("http_requests_total", MetricType::kCounter, "Requests served.\nBy code, with \\ and \"quotes\".");
  w.Sample("http_requests_total", Labels{{"code", "200"}, {"path", "C:\\x \"y\"\nz"}}, 1027, 1395066363000);
  w.Sample("http_requests_total", Labels{{"code", "500"}, {"empty", ""}}, 1e6);
  w.Family("temp", MetricType::kGauge);
  w.Sample(Labels{{"__name__", "temp"}}, -0.5);
  w.Family("nan_and_inf", MetricType::kUnknown, "x");
  w.Sample("nan_and_inf", std::vector<LabelView>{{"k", "v"}}, std::numeric_limits<double>::quiet_NaN());
  w.Sample("nan_and_inf", std::vector<LabelView>{}, -std::numeric_limits<double>::infinity());
  w.Family("gh", MetricType::kGaugeHistogram);
  EXPECT_EQ(w.content_type(), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(w.Finish(),
            "# HELP http_requests_total Requests served.\\nBy code, with \\\\ and \"quotes\".\n"
            "# TYPE http_requests_total counter\n"
            "http_requests_total{code=\"200\",path=\"C:\\\\x \\\"y\\\"\\nz\"} 1027 1395066363000\n"
            "http_requests_total{code=\"500\"} 1e+06\n"
            "# TYPE temp gauge\n"
            "temp -0.5\n"
            "# HELP nan_and_inf x\n"
            "# TYPE nan_and_inf untyped\n"
            "nan_and_inf{k=\"v\"} NaN\n"
            "nan_and_inf -Inf\n"
            "# TYPE gh untyped\n");
  EXPECT_EQ(w.text(), "");
}

TEST(ExpositionWriter, OpenMetrics) {
  ExpositionWriter w(Format::kOpenMetrics);
  w.Family("req_seconds", MetricType::kCounter, "Help \"quoted\".", "seconds");
  w.Sample("req_seconds_total", Labels{{"a", "1"}}, 3, 1520879607789);
  w.Sample("req_seconds_total", Labels{{"a", "2"}}, 0.25, -1500);
  w.Family("st", MetricType::kStateset);
  w.Sample("st", Labels{{"st", "on"}}, 1, 5);
  EXPECT_EQ(w.content_type(), "application/openmetrics-text; version=1.0.0; charset=utf-8");
  EXPECT_EQ(w.Finish(),
            "# HELP req_seconds Help \\\"quoted\\\".\n"
            "# TYPE req_seconds counter\n"
            "# UNIT req_seconds seconds\n"
            "req_seconds_total{a=\"1\"} 3.0 1520879607.789\n"
            "req_seconds_total{a=\"2\"} 0.25 -1.500\n"
            "# TYPE st stateset\n"
            "st{st=\"on\"} 1.0 0.005\n"
            "# EOF\n");
}

// Random families and samples, written in each format and parsed back: same labels, values and timestamps.
TEST(ExpositionWriter, RoundTrip) {
  std::mt19937_64 rng(42);
  const std::vector<std::string> value_chars = {"a", "b", "\\", "\"", "\n", " ", "{",
                                                "}", "=", ",",  "#",  "é",  "\t"};
  const MetricType types[] = {MetricType::kCounter, MetricType::kGauge, MetricType::kUnknown};
  for (Format f : {Format::kText, Format::kOpenMetrics}) {
    ExpositionWriter w(f);
    std::vector<ParsedSample> want;
    for (int fam = 0; fam < 50; ++fam) {
      MetricType type = types[rng() % 3];
      std::string family = "fam_" + std::to_string(fam);
      std::string help;
      for (int i = 0; i < static_cast<int>(rng() % 20); ++i) help += value_chars[rng() % value_chars.size()];
      w.Family(family, type, help);
      std::string name =
          type == MetricType::kCounter && f == Format::kOpenMetrics ? family + "_total" : family;
      for (int s = 0; s < 10; ++s) {
        std::vector<Label> ls{{"__name__", name}, {"series", std::to_string(s)}};
        int extra = static_cast<int>(rng() % 3);
        for (int i = 0; i < extra; ++i) {
          std::string v;
          for (int k = 0; k < 1 + static_cast<int>(rng() % 8); ++k)
            v += value_chars[rng() % value_chars.size()];
          ls.push_back(Label{"l" + std::to_string(i), v});
        }
        Labels labels(ls);
        double v;
        switch (rng() % 5) {
          case 0:
            v = static_cast<double>(rng() % 1000);
            break;
          case 1:
            v = std::ldexp(static_cast<double>(rng() % 1000000) - 500000,
                           static_cast<int>(rng() % 200) - 100);
            break;
          case 2:
            v = std::numeric_limits<double>::infinity() * (rng() % 2 ? 1 : -1);
            break;
          default:
            v = std::bit_cast<double>((rng() & ~(0x7ffULL << 52)) |
                                      (static_cast<uint64_t>(rng() % 2046 + 1) << 52));
        }
        std::optional<int64_t> t;
        if (rng() % 2) t = static_cast<int64_t>(rng() % 4000000000000ULL) - 1000000000000LL;
        w.Sample(labels, v, t);
        want.push_back(ParsedSample{labels, t, v, std::nullopt});
      }
    }
    std::string text = w.Finish();
    absl::StatusOr<ParsedPayload> got = ParsePayload(text, f);
    ASSERT_TRUE(got.ok()) << got.status() << "\n" << text.substr(0, 2000);
    ASSERT_EQ(got->samples.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(got->samples[i].labels, want[i].labels) << i;
      EXPECT_EQ(got->samples[i].value, want[i].value) << i;
      EXPECT_EQ(got->samples[i].timestamp, want[i].timestamp) << i;
    }
    EXPECT_EQ(got->metadata.size(), 50u);
  }
}

TEST(ExpositionWriter, HelpRoundTripsThroughBothFormats) {
  const std::string help = "back\\slash, \"quote\", new\nline, tab\t, \\n literal";
  for (Format f : {Format::kText, Format::kOpenMetrics}) {
    ExpositionWriter w(f);
    w.Family("m", MetricType::kGauge, help);
    w.Sample("m", Labels{}, 1);
    absl::StatusOr<ParsedPayload> got = ParsePayload(w.Finish(), f);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(got->metadata["m"].help, help);
  }
}

}  // namespace
}  // namespace foresight::collection
