#include "collection/config/config.h"

#include <gtest/gtest.h>

#include <string>

namespace foresight::collection {
namespace {

constexpr char kFull[] = R"yaml(# A prometheus.yml using every key Foresight reads.
global:
  scrape_interval: 30s
  scrape_timeout: 5s
  evaluation_interval: 1m
  external_labels:
    region: eu-1
rule_files:
  - rules/*.yml
alerting:
  alertmanagers:
    - static_configs:
        - targets: ["localhost:9093"]
remote_write:
  - url: http://remote/api/v1/write
remote_read:
  - url: http://remote/api/v1/read
storage:
  tsdb:
    out_of_order_time_window: 10m
foresight:
  collection:
    host_collector: false
  autopilot:
    anything: goes
scrape_configs:
  - job_name: node
    scrape_interval: 15s
    scrape_timeout: 10s
    metrics_path: /probe
    scheme: https
    params:
      module: [http_2xx, tcp]
    honor_labels: true
    honor_timestamps: false
    basic_auth:
      username: alice
      password_file: secrets/pw
    tls_config:
      ca_file: /etc/ca.pem
      cert_file: client.pem
      key_file: client.key
      server_name: node.example
      insecure_skip_verify: true
    static_configs:
      - targets: ["a:9100", "b:9100"]
        labels:
          env: prod
    file_sd_configs:
      - files: ["sd/*.json", "sd/*.yml"]
        refresh_interval: 1m
    relabel_configs:
      - source_labels: [__address__]
        separator: ";"
        regex: "(.*):9100"
        target_label: host
        replacement: "${1}"
        action: replace
      - source_labels: [host]
        modulus: 4
        target_label: __tmp_shard
        action: hashmod
      - source_labels: [__tmp_shard]
        regex: "0|1|2|3"
        action: keep
      - regex: "__meta_(.+)"
        action: labelmap
    metric_relabel_configs:
      - source_labels: [__name__]
        regex: "go_.*"
        action: drop
      - regex: "pid"
        action: labeldrop
      - regex: ".*"
        action: labelkeep
    sample_limit: 5000
    label_limit: 30
  - job_name: api
    authorization:
      type: Token
      credentials: s3cr3t
    static_configs:
      - targets: ["api:8080"]
  - job_name: legacy
    bearer_token_file: /var/run/token
)yaml";

TEST(Config, LoadsARealPrometheusYml) {
  absl::StatusOr<Config> c = ParseConfig(kFull, "/etc/foresight/prometheus.yml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->global.scrape_interval_ms, 30'000);
  EXPECT_EQ(c->global.scrape_timeout_ms, 5'000);
  EXPECT_EQ(c->global.external_labels.Get("region"), "eu-1");
  EXPECT_FALSE(c->host_collector);
  for (const char* s : {"rule_files", "alerting", "remote_write", "remote_read", "storage", "foresight"}) {
    EXPECT_TRUE(c->sections.count(s)) << s;
  }
  EXPECT_EQ(c->sections.at("foresight")["autopilot"]["anything"].Scalar(), "goes");
  ASSERT_EQ(c->scrape_configs.size(), 3u);
  const ScrapeConfig& n = c->scrape_configs[0];
  EXPECT_EQ(n.job_name, "node");
  EXPECT_EQ(n.scrape_interval_ms, 15'000);
  EXPECT_EQ(n.scrape_timeout_ms, 10'000);
  EXPECT_EQ(n.metrics_path, "/probe");
  EXPECT_EQ(n.scheme, "https");
  EXPECT_EQ(n.params.at("module"), (std::vector<std::string>{"http_2xx", "tcp"}));
  EXPECT_TRUE(n.honor_labels);
  EXPECT_FALSE(n.honor_timestamps);
  ASSERT_TRUE(n.basic_auth);
  EXPECT_EQ(n.basic_auth->username, "alice");
  EXPECT_EQ(n.basic_auth->password_file, "/etc/foresight/secrets/pw");
  EXPECT_EQ(n.tls_config.cert_file, "/etc/foresight/client.pem");
  EXPECT_EQ(n.tls_config.ca_file, "/etc/ca.pem");
  EXPECT_EQ(n.tls_config.server_name, "node.example");
  EXPECT_TRUE(n.tls_config.insecure_skip_verify);
  ASSERT_EQ(n.static_configs.size(), 1u);
  EXPECT_EQ(n.static_configs[0].targets.size(), 2u);
  EXPECT_EQ(n.static_configs[0].labels.Get("env"), "prod");
  ASSERT_EQ(n.file_sd_configs.size(), 1u);
  EXPECT_EQ(n.file_sd_configs[0].files[0], "/etc/foresight/sd/*.json");
  EXPECT_EQ(n.file_sd_configs[0].refresh_interval_ms, 60'000);
  ASSERT_EQ(n.relabel_configs.size(), 4u);
  EXPECT_EQ(n.relabel_configs[1].action, RelabelAction::kHashMod);
  EXPECT_EQ(n.relabel_configs[1].modulus, 4u);
  EXPECT_EQ(n.metric_relabel_configs.size(), 3u);
  EXPECT_EQ(n.sample_limit, 5000u);
  EXPECT_EQ(n.label_limit, 30u);
  const ScrapeConfig& api = c->scrape_configs[1];
  EXPECT_EQ(api.scrape_interval_ms, 30'000);  // from global
  EXPECT_EQ(api.scrape_timeout_ms, 5'000);
  EXPECT_EQ(api.metrics_path, "/metrics");
  EXPECT_TRUE(api.honor_timestamps);
  ASSERT_TRUE(api.authorization);
  EXPECT_EQ(api.authorization->type, "Token");
  EXPECT_EQ(api.authorization->credentials, "s3cr3t");
  ASSERT_TRUE(c->scrape_configs[2].authorization);
  EXPECT_EQ(c->scrape_configs[2].authorization->type, "Bearer");
  EXPECT_EQ(c->scrape_configs[2].authorization->credentials_file, "/var/run/token");
}

TEST(Config, DefaultsWhenEmpty) {
  absl::StatusOr<Config> c = ParseConfig("", "x.yml");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->global.scrape_interval_ms, 60'000);
  EXPECT_EQ(c->global.scrape_timeout_ms, 10'000);
  EXPECT_TRUE(c->host_collector);
}

TEST(Config, DefaultConfigScrapesItselfAndTheHost) {
  Config c = DefaultConfig(9095);
  ASSERT_EQ(c.scrape_configs.size(), 2u);
  EXPECT_EQ(c.scrape_configs[0].job_name, "foresight");
  EXPECT_EQ(c.scrape_configs[0].static_configs[0].targets[0], "localhost:9095");
  EXPECT_EQ(c.scrape_configs[0].scrape_interval_ms, 15'000);
  EXPECT_EQ(c.scrape_configs[1].job_name, "node");
  EXPECT_EQ(c.scrape_configs[1].metrics_path, "/host/metrics");
}

TEST(Config, ReadsTheEventCalendar) {
  absl::StatusOr<Config> c = ParseConfig(R"yaml(
foresight:
  events:
    - name: black_friday
      start: 2026-11-27T00:00:00Z
      end: 2026-11-28T00:00:00Z
      recurrence: yearly
    - name: release
      start: "2026-12-01T09:00:00+01:00"
      end: 2026-12-01T12:00:00+01:00
    - name: black_friday
      start: 2027-11-26
      end: 2027-11-27
)yaml",
                                         "p.yml");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->events.size(), 3u);
  EXPECT_EQ(c->events[0].name, "black_friday");
  EXPECT_EQ(c->events[0].start_ms, 1'795'737'600'000);  // 2026-11-27T00:00:00Z
  EXPECT_EQ(c->events[0].end_ms, 1'795'737'600'000 + 86'400'000);
  EXPECT_EQ(c->events[0].recurrence, "yearly");
  EXPECT_EQ(c->events[1].start_ms, 1'796'112'000'000);  // 08:00Z
  EXPECT_EQ(c->events[1].end_ms - c->events[1].start_ms, 3 * 3'600'000);
  EXPECT_EQ(c->events[1].recurrence, "none");
  EXPECT_EQ(c->events[2].start_ms, 1'827'187'200'000);  // a date is midnight UTC
  // No section: no events.
  EXPECT_TRUE(ParseConfig("foresight:\n  collection:\n    host_collector: true\n", "p.yml")->events.empty());
}

struct BadCase {
  const char* yaml;
  const char* expect;  // a substring of the error
};

class ConfigErrors : public testing::TestWithParam<BadCase> {};

TEST_P(ConfigErrors, NamesFileLineAndKey) {
  absl::StatusOr<Config> c = ParseConfig(GetParam().yaml, "p.yml");
  ASSERT_FALSE(c.ok()) << GetParam().yaml;
  EXPECT_NE(c.status().message().find(GetParam().expect), std::string_view::npos) << c.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    All, ConfigErrors,
    testing::Values(
        BadCase{"global:\n  scrape_interval: 15s\nbogus: 1\n", "p.yml:3: key 'bogus': unknown key"},
        BadCase{"global:\n  scrape_intervall: 15s\n", "p.yml:2: key 'scrape_intervall': unknown key"},
        BadCase{"global:\n  scrape_interval: 15 s\n", "p.yml:2: key 'scrape_interval': not a valid duration"},
        BadCase{"global:\n  external_labels: [a]\n", "p.yml:2: key 'external_labels': expected a mapping"},
        BadCase{"scrape_configs:\n  - job_name: a\n    honor_labels: maybe\n",
                "p.yml:3: key 'honor_labels': expected true or false"},
        BadCase{"scrape_configs:\n  - job_name: a\n    sample_limit: -1\n", "p.yml:3: key 'sample_limit'"},
        BadCase{"scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - regex: '(a'\n        "
                "action: drop\n",
                "p.yml:4: key 'regex': invalid regex"},
        BadCase{"scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - action: explode\n",
                "p.yml:4: key 'action'"},
        BadCase{"scrape_configs:\n  - job_name: a\n    kubernetes_sd_configs: []\n",
                "p.yml:3: key 'kubernetes_sd_configs': not supported by Foresight"},
        BadCase{"scrape_configs:\n  - job_name: a\n  - job_name: a\n",
                "p.yml:3: key 'job_name': found multiple"},
        BadCase{"scrape_configs:\n  - job_name: a\n    scrape_interval: 5s\n    scrape_timeout: 10s\n",
                "p.yml:4: key 'scrape_timeout': scrape timeout greater"},
        BadCase{"scrape_configs:\n  - scrape_interval: 5s\n", "key 'job_name'"},
        BadCase{"scrape_configs:\n  - job_name: a\n    static_configs:\n      - targets: x\n",
                "p.yml:4: key 'targets'"},
        BadCase{"scrape_configs:\n  - job_name: a\n    file_sd_configs:\n      - files: [a.txt]\n",
                "p.yml:4: key 'files'"},
        BadCase{"scrape_configs:\n  - job_name: a\n    bearer_token: x\n    basic_auth:\n      username: u\n",
                "key 'bearer_token': at most one"},
        BadCase{"global: [\n", "p.yml:"},
        BadCase{"scrape_configs:\n  - job_name: a\n    scheme: ftp\n", "p.yml:3: key 'scheme'"},
        BadCase{"foresight:\n  collection:\n    hostcollector: true\n", "p.yml:3: key 'hostcollector'"},
        BadCase{"foresight:\n  events: {name: x}\n", "p.yml:2: key 'events': expected a list"},
        BadCase{"foresight:\n  events:\n    - start: 2026-01-01\n      end: 2026-01-02\n",
                "p.yml:3: key 'name': missing"},
        BadCase{
            "foresight:\n  events:\n    - name: sale day\n      start: 2026-01-01\n      end: 2026-01-02\n",
            "p.yml:3: key 'name': \"sale day\" is not a valid event name"},
        BadCase{"foresight:\n  events:\n    - name: none\n      start: 2026-01-01\n      end: 2026-01-02\n",
                "p.yml:3: key 'name'"},
        BadCase{"foresight:\n  events:\n    - name: a\n      start: 2026-13-01\n      end: 2026-01-02\n",
                "p.yml:4: key 'start': \"2026-13-01\" is not an RFC 3339 time"},
        BadCase{"foresight:\n  events:\n    - name: a\n      start: 2026-01-02\n",
                "p.yml:3: key 'end': missing"},
        BadCase{"foresight:\n  events:\n    - name: a\n      start: 2026-01-02\n      end: 2026-01-01\n",
                "p.yml:5: key 'end': must be after start"},
        BadCase{"foresight:\n  events:\n    - name: a\n      start: 2026-01-01\n      end: 2026-01-03\n"
                "      recurrence: daily\n",
                "p.yml:5: key 'end': a daily event cannot last longer than its recurrence"},
        BadCase{"foresight:\n  events:\n    - name: a\n      start: 2026-01-01\n      end: 2026-01-02\n"
                "      recurrence: fortnightly\n",
                "p.yml:6: key 'recurrence': \"fortnightly\" is not one of none, daily"},
        BadCase{"foresight:\n  events:\n    - name: a\n      start: 2026-01-01\n      end: 2026-01-02\n"
                "      every: 2\n",
                "p.yml:6: key 'every': unknown key in events"}));

}  // namespace
}  // namespace foresight::collection
