#include "server/self_metrics.h"

#include "common/metrics/text_format.h"
#include "gtest/gtest.h"
#include "server/app.h"

namespace foresight::server {
namespace {

TEST(SelfMetricsTest, StorageStatsExposition) {
  storage::DBStats stats;
  stats.head_series = 12;
  stats.head_samples_appended = 3000000;
  stats.samples_rejected_out_of_order = 2;
  stats.wal_bytes = 4096;
  stats.head_max_time = 1700000000000;
  std::vector<metrics::FamilySnapshot> families;
  AppendStorageMetrics(stats, &families);
  std::string text;
  metrics::WriteText(families, &text);
  EXPECT_NE(text.find("# TYPE foresight_tsdb_head_series gauge\nforesight_tsdb_head_series 12\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("foresight_tsdb_head_samples_appended_total 3e+06\n"), std::string::npos);
  EXPECT_NE(text.find("foresight_tsdb_samples_rejected_total{reason=\"out_of_order\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("foresight_tsdb_samples_rejected_total{reason=\"too_old\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("foresight_tsdb_wal_size_bytes 4096\n"), std::string::npos);
  EXPECT_NE(text.find("foresight_tsdb_head_max_time 1.7e+12\n"), std::string::npos);
  for (const auto& f : families) EXPECT_TRUE(metrics::IsValidMetricName(f.name)) << f.name;
}

TEST(SelfMetricsTest, ProcessMetrics) {
  std::vector<metrics::FamilySnapshot> families;
  AppendProcessMetrics(1700000000.5, &families);
  std::string text;
  metrics::WriteText(families, &text);
  EXPECT_NE(text.find("foresight_build_info{version=\""), std::string::npos) << text;
  EXPECT_NE(text.find("process_start_time_seconds 1.7000000005e+09\n"), std::string::npos) << text;
  EXPECT_NE(text.find("process_resident_memory_bytes "), std::string::npos) << text;
  EXPECT_NE(text.find("process_open_fds "), std::string::npos) << text;
  EXPECT_NE(text.find("process_cpu_seconds_total "), std::string::npos) << text;
}

TEST(DisplayAddressTest, UnspecifiedBecomesLoopback) {
  EXPECT_EQ(DisplayAddress("0.0.0.0:9095"), "127.0.0.1:9095");
  EXPECT_EQ(DisplayAddress("[::]:9095"), "[::1]:9095");
  EXPECT_EQ(DisplayAddress("10.1.2.3:80"), "10.1.2.3:80");
}

}  // namespace
}  // namespace foresight::server
