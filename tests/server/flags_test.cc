#include "server/flags.h"

#include "gtest/gtest.h"

namespace foresight::server {
namespace {

constexpr int64_t kSecond = 1000, kMinute = 60 * kSecond, kHour = 60 * kMinute, kDay = 24 * kHour;

TEST(ParseDurationTest, Valid) {
  EXPECT_EQ(*ParseDuration("0"), 0);
  EXPECT_EQ(*ParseDuration("15d"), 15 * kDay);
  EXPECT_EQ(*ParseDuration("12h"), 12 * kHour);
  EXPECT_EQ(*ParseDuration("1y"), 365 * kDay);
  EXPECT_EQ(*ParseDuration("2w"), 14 * kDay);
  EXPECT_EQ(*ParseDuration("1h30m"), 90 * kMinute);
  EXPECT_EQ(*ParseDuration("5m"), 5 * kMinute);
  EXPECT_EQ(*ParseDuration("1s500ms"), 1500);
  EXPECT_EQ(*ParseDuration("250ms"), 250);
  EXPECT_EQ(*ParseDuration("1y2w3d4h5m6s7ms"),
            365 * kDay + 14 * kDay + 3 * kDay + 4 * kHour + 5 * kMinute + 6 * kSecond + 7);
}

TEST(ParseDurationTest, Invalid) {
  for (const char* bad : {"", "d", "15", "1.5h", "-1d", "15D", "1x", "1m1h", "1h1h", "1ms1s", "h1", "1d ",
                          "99999999999999999999y", "300000000y"}) {
    EXPECT_FALSE(ParseDuration(bad).ok()) << bad;
  }
}

TEST(ParseBytesTest, Valid) {
  EXPECT_EQ(*ParseBytes("0"), 0);
  EXPECT_EQ(*ParseBytes("512MB"), 512LL << 20);
  EXPECT_EQ(*ParseBytes("10GB"), 10LL << 30);
  EXPECT_EQ(*ParseBytes("10gb"), 10LL << 30);
  EXPECT_EQ(*ParseBytes("1KiB"), 1024);
  EXPECT_EQ(*ParseBytes("1.5GB"), 3LL << 29);
  EXPECT_EQ(*ParseBytes("100B"), 100);
  EXPECT_EQ(*ParseBytes("4096"), 4096);
  EXPECT_EQ(*ParseBytes("2TB"), 2LL << 40);
  EXPECT_EQ(*ParseBytes("1EB"), 1LL << 60);
}

TEST(ParseBytesTest, Invalid) {
  for (const char* bad :
       {"", "MB", "10XB", "-1GB", "1..5GB", ".5GB", "5.GB", "1 GB", "16EB", "1.2.3MB", "10Gb "}) {
    EXPECT_FALSE(ParseBytes(bad).ok()) << bad;
  }
}

ParsedFlags Parse(std::vector<std::string> args) {
  args.insert(args.begin(), "foresight");
  return ParseFlags(args);
}

TEST(ParseFlagsTest, Defaults) {
  ParsedFlags p = Parse({});
  ASSERT_FALSE(p.exit) << p.output;
  EXPECT_EQ(p.flags.storage_path, "data/");
  EXPECT_EQ(p.flags.retention_ms, 15 * kDay);
  EXPECT_EQ(p.flags.retention_bytes, 0);
  EXPECT_EQ(p.flags.listen_address, "0.0.0.0:9095");
  EXPECT_EQ(p.flags.wal_sync, WalSync::kInterval);
  EXPECT_EQ(p.flags.log_level, "info");
  EXPECT_EQ(p.flags.config_file, "");
  EXPECT_EQ(p.flags.read_timeout_ms, 5 * kMinute);
  EXPECT_EQ(p.flags.query_lookback_ms, 5 * kMinute);
  EXPECT_EQ(p.flags.query_max_samples, 50'000'000);
  EXPECT_EQ(p.flags.query_timeout_ms, 2 * kMinute);
  EXPECT_EQ(p.flags.query_max_concurrency, 20);
  EXPECT_EQ(p.flags.query_eval_threads, 0);
}

TEST(ParseFlagsTest, AllFlags) {
  ParsedFlags p =
      Parse({"--config.file=foresight.yml", "--storage.tsdb.path", "/tmp/x",
             "--storage.tsdb.retention.time=30d", "--storage.tsdb.retention.size=10GB",
             "--storage.tsdb.wal-sync=always", "--web.listen-address=127.0.0.1:0", "--log.level=debug",
             "--web.read-timeout=30s", "--query.lookback-delta=1m", "--query.max-samples=1000",
             "--query.timeout=10s", "--query.max-concurrency=4", "--query.eval-threads=1"});
  ASSERT_FALSE(p.exit) << p.output;
  EXPECT_EQ(p.flags.config_file, "foresight.yml");
  EXPECT_EQ(p.flags.storage_path, "/tmp/x");
  EXPECT_EQ(p.flags.retention_ms, 30 * kDay);
  EXPECT_EQ(p.flags.retention_bytes, 10LL << 30);
  EXPECT_EQ(p.flags.wal_sync, WalSync::kAlways);
  EXPECT_EQ(p.flags.listen_address, "127.0.0.1:0");
  EXPECT_EQ(p.flags.log_level, "debug");
  EXPECT_EQ(p.flags.read_timeout_ms, 30 * kSecond);
  EXPECT_EQ(p.flags.query_lookback_ms, kMinute);
  EXPECT_EQ(p.flags.query_max_samples, 1000);
  EXPECT_EQ(p.flags.query_timeout_ms, 10 * kSecond);
  EXPECT_EQ(p.flags.query_max_concurrency, 4);
  EXPECT_EQ(p.flags.query_eval_threads, 1);
  EXPECT_EQ(Parse({"--storage.tsdb.wal-sync=never"}).flags.wal_sync, WalSync::kNever);
}

void ExpectBad(std::vector<std::string> args, const std::string& flag) {
  ParsedFlags p = Parse(args);
  EXPECT_TRUE(p.exit);
  EXPECT_EQ(p.exit_code, 2) << p.output;
  EXPECT_NE(p.output.find(flag), std::string::npos) << p.output;
}

TEST(ParseFlagsTest, BadValuesNameTheFlag) {
  ExpectBad({"--storage.tsdb.retention.time=15days"}, "--storage.tsdb.retention.time");
  ExpectBad({"--storage.tsdb.retention.time=abc"}, "--storage.tsdb.retention.time");
  ExpectBad({"--storage.tsdb.retention.size=10XB"}, "--storage.tsdb.retention.size");
  ExpectBad({"--storage.tsdb.wal-sync=sometimes"}, "--storage.tsdb.wal-sync");
  ExpectBad({"--log.level=verbose"}, "--log.level");
  ExpectBad({"--web.listen-address=9095"}, "--web.listen-address");
  ExpectBad({"--web.listen-address=host:99999"}, "--web.listen-address");
  ExpectBad({"--web.read-timeout=0"}, "--web.read-timeout");
  ExpectBad({"--storage.tsdb.path="}, "--storage.tsdb.path");
  ExpectBad({"--query.lookback-delta=5x"}, "--query.lookback-delta");
  ExpectBad({"--query.timeout=0"}, "--query.timeout");
  ExpectBad({"--query.max-samples=0"}, "--query.max-samples");
  ExpectBad({"--query.max-samples=lots"}, "--query.max-samples");
  ExpectBad({"--query.max-concurrency=-1"}, "--query.max-concurrency");
  ExpectBad({"--query.eval-threads=-2"}, "--query.eval-threads");
  ExpectBad({"--no.such.flag=1"}, "no.such.flag");
  ExpectBad({"positional"}, "positional");
  ExpectBad({"--storage.tsdb.path"}, "storage.tsdb.path");  // missing value
}

TEST(ParseFlagsTest, HelpAndVersionExitZero) {
  ParsedFlags help = Parse({"--help"});
  EXPECT_TRUE(help.exit);
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("--storage.tsdb.retention.time"), std::string::npos);
  EXPECT_NE(help.output.find("9095"), std::string::npos);
  ParsedFlags version = Parse({"--version"});
  EXPECT_TRUE(version.exit);
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_TRUE(version.output.starts_with("foresight, version ")) << version.output;
}

}  // namespace
}  // namespace foresight::server
