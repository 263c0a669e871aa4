#include "common/metrics/text_format.h"

#include <cmath>
#include <cstdlib>
#include <limits>

#include "gtest/gtest.h"

namespace foresight::metrics {
namespace {

TEST(FormatFloatTest, MatchesGoStrconvG) {
  // Expected strings are what Go's strconv.FormatFloat(v, 'g', -1, 64) returns.
  EXPECT_EQ(FormatFloat(0), "0");
  EXPECT_EQ(FormatFloat(-0.0), "0");
  EXPECT_EQ(FormatFloat(1), "1");
  EXPECT_EQ(FormatFloat(-1), "-1");
  EXPECT_EQ(FormatFloat(0.1), "0.1");
  EXPECT_EQ(FormatFloat(1.5), "1.5");
  EXPECT_EQ(FormatFloat(123.456), "123.456");
  EXPECT_EQ(FormatFloat(100000), "100000");
  EXPECT_EQ(FormatFloat(999999), "999999");
  EXPECT_EQ(FormatFloat(1e6), "1e+06");
  EXPECT_EQ(FormatFloat(1234567), "1.234567e+06");
  EXPECT_EQ(FormatFloat(123456789), "1.23456789e+08");
  EXPECT_EQ(FormatFloat(0.0001), "0.0001");
  EXPECT_EQ(FormatFloat(0.00012), "0.00012");
  EXPECT_EQ(FormatFloat(0.00001), "1e-05");
  EXPECT_EQ(FormatFloat(-2.5e-7), "-2.5e-07");
  EXPECT_EQ(FormatFloat(1e100), "1e+100");
  EXPECT_EQ(FormatFloat(1.7976931348623157e308), "1.7976931348623157e+308");
  EXPECT_EQ(FormatFloat(5e-324), "5e-324");
  EXPECT_EQ(FormatFloat(0.30000000000000004), "0.30000000000000004");
  EXPECT_EQ(FormatFloat(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatFloat(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatFloat(std::nan("")), "NaN");
}

TEST(FormatFloatTest, RoundTrips) {
  for (double v : {3.141592653589793, 1.0 / 3, 2e-300, 6.02214076e23, 42.0, 1e21, 1e-5, 12345.678}) {
    EXPECT_EQ(std::strtod(FormatFloat(v).c_str(), nullptr), v) << FormatFloat(v);
  }
}

TEST(EscapeTest, HelpAndLabelValues) {
  EXPECT_EQ(EscapeHelp("a\\b\nc\"d"), "a\\\\b\\nc\"d");
  EXPECT_EQ(EscapeLabelValue("a\\b\nc\"d"), "a\\\\b\\nc\\\"d");
}

TEST(WriteTextTest, CounterGaugeUntypedWithEscaping) {
  Registry r;
  auto* c = *r.AddCounter("http_requests_total", "Requests by code.\nSecond line \\ ok", {"handler", "code"});
  c->WithLabelValues({"/api/v1/query", "200"}).Inc(3);
  c->WithLabelValues({"say \"hi\"\\\n", "500"}).Inc();
  (*r.AddGauge("temperature", ""))->Get().Set(-1.5e-7);
  r.AddCollector([](std::vector<FamilySnapshot>* out) {
    out->push_back(FamilySnapshot::Single("zz_untyped", "u", MetricType::kUntyped,
                                          std::numeric_limits<double>::infinity()));
  });
  EXPECT_EQ(RenderText(r),
            "# HELP http_requests_total Requests by code.\\nSecond line \\\\ ok\n"
            "# TYPE http_requests_total counter\n"
            "http_requests_total{handler=\"/api/v1/query\",code=\"200\"} 3\n"
            "http_requests_total{handler=\"say \\\"hi\\\"\\\\\\n\",code=\"500\"} 1\n"
            "# TYPE temperature gauge\n"
            "temperature -1.5e-07\n"
            "# HELP zz_untyped u\n"
            "# TYPE zz_untyped untyped\n"
            "zz_untyped +Inf\n");
}

TEST(WriteTextTest, Histogram) {
  Registry r;
  auto* h = *r.AddHistogram("req_seconds", "Latency.", {"handler"}, {0.25, 1, 2.5});
  auto& cell = h->WithLabelValues({"/q"});
  cell.Observe(0.0625);
  cell.Observe(0.25);
  cell.Observe(2);
  cell.Observe(100);
  EXPECT_EQ(RenderText(r),
            "# HELP req_seconds Latency.\n"
            "# TYPE req_seconds histogram\n"
            "req_seconds_bucket{handler=\"/q\",le=\"0.25\"} 2\n"
            "req_seconds_bucket{handler=\"/q\",le=\"1\"} 2\n"
            "req_seconds_bucket{handler=\"/q\",le=\"2.5\"} 3\n"
            "req_seconds_bucket{handler=\"/q\",le=\"+Inf\"} 4\n"
            "req_seconds_sum{handler=\"/q\"} 102.3125\n"
            "req_seconds_count{handler=\"/q\"} 4\n");
}

TEST(WriteTextTest, UnlabelledHistogramAndEmptyFamily) {
  Registry r;
  (*r.AddHistogram("h", "x", {}, {1}))->Get().Observe(0.5);
  ASSERT_TRUE(r.AddCounter("unused_total", "never incremented", {"a"}).ok());
  EXPECT_EQ(RenderText(r),
            "# HELP h x\n# TYPE h histogram\n"
            "h_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 0.5\nh_count 1\n");  // no empty family
}

}  // namespace
}  // namespace foresight::metrics
