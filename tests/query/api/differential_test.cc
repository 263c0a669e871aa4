// Differential test: the same generated samples go into a real Prometheus 2.42 (remote write) and a Foresight
// DB (Appender); several hundred queries run against both HTTP APIs and are compared result by result
// (labels and timestamps exact, values with relative tolerance 1e-6, NaN == NaN). Skipped without prometheus.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "peer.h"
#include "query/api/api.h"
#include "storage/db.h"
#include "web/http/router.h"

namespace foresight::query {
namespace {

using foresight::testing::RwSeries;
using nlohmann::json;

constexpr int64_t kBase = 1700000000000;  // first sample
constexpr int64_t kStep = 15000;
constexpr int kSteps = 240;  // one hour

std::vector<RwSeries> Generate() {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> u(0, 1);
  auto round3 = [](double v) { return std::round(v * 1000) / 1000; };
  std::vector<RwSeries> out;
  const char* jobs[] = {"api", "web"};
  const char* instances[] = {"10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80"};
  for (const char* job : jobs) {
    for (const char* inst : instances) {
      for (const char* code : {"200", "500"}) {
        for (const char* method : {"get", "post"}) {
          RwSeries s{Labels{{"__name__", "http_requests_total"},
                            {"job", job},
                            {"instance", inst},
                            {"code", code},
                            {"method", method}},
                     {}};
          double v = std::floor(u(rng) * 100);
          bool reset = u(rng) < 0.2;
          for (int i = 0; i < kSteps; ++i) {
            v += std::floor(u(rng) * (code[0] == '2' ? 20 : 3));
            if (reset && i == kSteps / 2) v = 1;
            s.samples.push_back({kBase + i * kStep, v});
          }
          out.push_back(std::move(s));
        }
      }
      RwSeries mem{Labels{{"__name__", "memory_usage_bytes"}, {"job", job}, {"instance", inst}}, {}};
      RwSeries temp{Labels{{"__name__", "temperature_celsius"}, {"job", job}, {"instance", inst}}, {}};
      double m = 1e9 * (1 + u(rng));
      for (int i = 0; i < kSteps; ++i) {
        m += std::floor((u(rng) - 0.45) * 1e7);
        mem.samples.push_back({kBase + i * kStep, m});
        temp.samples.push_back({kBase + i * kStep, round3(20 * std::sin(i / 20.0) + 5 * u(rng) - 3)});
      }
      out.push_back(std::move(mem));
      out.push_back(std::move(temp));
      // A classic histogram.
      const char* les[] = {"0.1", "0.5", "1", "+Inf"};
      double counts[4] = {0, 0, 0, 0}, sum = 0;
      std::vector<RwSeries> hs;
      for (const char* le : les)
        hs.push_back({Labels{{"__name__", "request_duration_seconds_bucket"},
                             {"job", job},
                             {"instance", inst},
                             {"le", le}},
                      {}});
      RwSeries hsum{Labels{{"__name__", "request_duration_seconds_sum"}, {"job", job}, {"instance", inst}},
                    {}};
      RwSeries hcount{
          Labels{{"__name__", "request_duration_seconds_count"}, {"job", job}, {"instance", inst}}, {}};
      for (int i = 0; i < kSteps; ++i) {
        int n = static_cast<int>(u(rng) * 10);
        for (int k = 0; k < n; ++k) {
          double d = round3(u(rng) * u(rng) * 2);
          sum += d;
          for (int b = 0; b < 4; ++b)
            if (b == 3 || d <= std::stod(les[b])) counts[b] += 1;
        }
        for (int b = 0; b < 4; ++b) hs[b].samples.push_back({kBase + i * kStep, counts[b]});
        hsum.samples.push_back({kBase + i * kStep, round3(sum)});
        hcount.samples.push_back({kBase + i * kStep, counts[3]});
      }
      for (auto& h : hs) out.push_back(std::move(h));
      out.push_back(std::move(hsum));
      out.push_back(std::move(hcount));
    }
    // A series that goes away half-way with a stale marker, and one that starts late.
    RwSeries eph{Labels{{"__name__", "ephemeral_jobs"}, {"job", job}}, {}};
    for (int i = 0; i < kSteps / 2; ++i)
      eph.samples.push_back({kBase + i * kStep, static_cast<double>(i % 7)});
    eph.samples.push_back({kBase + (kSteps / 2) * kStep, storage::StaleNaN()});
    out.push_back(std::move(eph));
    RwSeries late{Labels{{"__name__", "late_gauge"}, {"job", job}}, {}};
    for (int i = kSteps * 3 / 4; i < kSteps; ++i) late.samples.push_back({kBase + i * kStep, i * 0.5});
    out.push_back(std::move(late));
  }
  return out;
}

std::vector<std::string> Expressions() {
  return {
      "http_requests_total",
      "http_requests_total{code=\"500\"}",
      "http_requests_total{job=~\"a.*\",method!=\"get\"}",
      "memory_usage_bytes offset 5m",
      "memory_usage_bytes @ 1700001800",
      "temperature_celsius",
      "ephemeral_jobs",
      "late_gauge",
      "rate(http_requests_total[5m])",
      "irate(http_requests_total[5m])",
      "increase(http_requests_total[10m])",
      "resets(http_requests_total[30m])",
      "delta(temperature_celsius[10m])",
      "idelta(temperature_celsius[10m])",
      "deriv(memory_usage_bytes[10m])",
      "predict_linear(memory_usage_bytes[15m], 3600)",
      "holt_winters(temperature_celsius[10m], 0.5, 0.5)",
      "changes(temperature_celsius[10m])",
      "sum(rate(http_requests_total[5m]))",
      "sum by (job) (rate(http_requests_total[5m]))",
      "sum without (instance, method) (rate(http_requests_total[5m]))",
      "avg by (instance) (temperature_celsius)",
      "max by (job) (memory_usage_bytes)",
      "min(temperature_celsius)",
      "count by (code) (http_requests_total)",
      "stddev by (job) (temperature_celsius)",
      "stdvar(temperature_celsius)",
      "group by (job) (http_requests_total)",
      "quantile(0.9, temperature_celsius)",
      "quantile by (job) (0.5, rate(http_requests_total[5m]))",
      "topk(3, rate(http_requests_total[5m]))",
      "bottomk(2, memory_usage_bytes)",
      // Many equal values: which series topk/bottomk keep, and their order, follow Prometheus' heap.
      "topk(3, changes(http_requests_total[5m]))",
      "bottomk(3, changes(http_requests_total[5m]))",
      "topk by (job) (2, count_over_time(http_requests_total[5m]))",
      "bottomk(4, resets(http_requests_total[10m]))",
      "topk(5, resets(http_requests_total[30m]))",
      "count_values(\"value\", ephemeral_jobs)",
      "sort(temperature_celsius)",
      "sort_desc(rate(http_requests_total[5m]))",
      "absent(nonexistent_metric)",
      "absent(http_requests_total)",
      "absent_over_time(late_gauge[5m])",
      "histogram_quantile(0.9, rate(request_duration_seconds_bucket[5m]))",
      "histogram_quantile(0.5, sum by (le, job) (rate(request_duration_seconds_bucket[10m])))",
      "rate(request_duration_seconds_sum[5m]) / rate(request_duration_seconds_count[5m])",
      "label_replace(memory_usage_bytes, \"host\", \"$1\", \"instance\", \"(.*):.*\")",
      "label_join(memory_usage_bytes, \"id\", \"-\", \"job\", \"instance\")",
      "avg_over_time(temperature_celsius[10m])",
      "min_over_time(temperature_celsius[10m])",
      "max_over_time(temperature_celsius[10m])",
      "sum_over_time(ephemeral_jobs[10m])",
      "count_over_time(late_gauge[10m])",
      "quantile_over_time(0.75, temperature_celsius[10m])",
      "stddev_over_time(temperature_celsius[10m])",
      "last_over_time(ephemeral_jobs[10m])",
      "present_over_time(ephemeral_jobs[10m])",
      "max_over_time(rate(http_requests_total[5m])[15m:1m])",
      "avg_over_time(temperature_celsius[10m:30s])",
      "memory_usage_bytes / on (instance, job) group_left sum by (instance, job) (memory_usage_bytes)",
      "rate(http_requests_total{code=\"500\"}[5m]) / ignoring (code) "
      "rate(http_requests_total{code=\"200\"}[5m])",
      "sum by (job) (rate(http_requests_total[5m])) * on (job) group_right count by (job, instance) "
      "(memory_usage_bytes)",
      "temperature_celsius > 10",
      "temperature_celsius > bool 10",
      "memory_usage_bytes and on (instance) temperature_celsius > 5",
      "temperature_celsius or late_gauge",
      "temperature_celsius unless on (instance) temperature_celsius > 15",
      "-temperature_celsius + 2 * 3 ^ 2 % 5",
      "abs(temperature_celsius)",
      "ceil(temperature_celsius) - floor(temperature_celsius)",
      "round(temperature_celsius, 0.5)",
      "clamp(temperature_celsius, -5, 5)",
      "clamp_min(temperature_celsius, 0)",
      "exp(temperature_celsius / 10)",
      "ln(memory_usage_bytes)",
      "sqrt(abs(temperature_celsius))",
      "timestamp(late_gauge)",
      "vector(time())",
      "scalar(sum(late_gauge))",
      "time() - 1700000000",
      "day_of_week()",
      "minute(vector(1700001234))",
      "sgn(temperature_celsius)",
      "1 + 2 * 3",
  };
}

// Malformed queries: Prometheus' error message (position and wording) must be returned exactly.
std::vector<std::string> MalformedExpressions() {
  return {"foo(",
          "rate(up)",
          "sum(",
          "up{",
          "up[5m",
          "1 +",
          "rate(up[5m]) by (x)",
          "sum by (",
          "up{a=}",
          "rate(up[5m]",
          ")",
          "up offset",
          "up[5m:",
          "sum(up) by",
          "foo bar",
          "rate()",
          "abs(up, up)",
          "up[5]",
          "\"foo",
          "topk(up)",
          "up @",
          "1 + \"a\"",
          "up)",
          "1 > 2",
          "(foo)[5m]",
          "foo{a=~\"(\"}",
          "12abc",
          "foo}",
          "sum(foo[5m])",
          "foo @ 1 @ 2",
          "foo[5m][1m:]",
          "up[]",
          "up{a=\"b\" c=\"d\"}"};
}

bool SameValue(const json& a, const json& b) {
  std::string sa = a.get<std::string>(), sb = b.get<std::string>();
  if (sa == sb) return true;
  double x = std::stod(sa), y = std::stod(sb);
  if (std::isnan(x) && std::isnan(y)) return true;
  if (std::isinf(x) || std::isinf(y)) return x == y;
  return std::fabs(x - y) <= 1e-6 * std::max(std::fabs(x), std::fabs(y)) || std::fabs(x - y) < 1e-12;
}

bool SamePoint(const json& a, const json& b) {
  return std::llround(a[0].get<double>() * 1000) == std::llround(b[0].get<double>() * 1000) &&
         SameValue(a[1], b[1]);
}

// Returns "" when the two API responses agree.
std::string Compare(const json& prom, const json& ours, bool ordered) {
  if (prom["status"] != ours["status"])
    return "status " + prom["status"].dump() + " vs " + ours["status"].dump();
  if (prom["status"] != "success") {
    return prom["errorType"] == ours["errorType"] ? "" : "errorType " + prom.dump() + " vs " + ours.dump();
  }
  // topk/bottomk and sort: an instant vector's order is part of the answer.
  if (ordered && prom["data"]["resultType"] == "vector") {
    const json& pr = prom["data"]["result"];
    const json& orr = ours["data"]["result"];
    for (size_t i = 0; i < std::min(pr.size(), orr.size()); ++i) {
      if (pr[i]["metric"] != orr[i]["metric"]) {
        return "order: #" + std::to_string(i) + " " + pr[i]["metric"].dump() + " vs " +
               orr[i]["metric"].dump();
      }
    }
  }
  const json& pd = prom["data"];
  const json& od = ours["data"];
  if (pd.is_array()) return pd == od ? "" : pd.dump().substr(0, 200) + " vs " + od.dump().substr(0, 200);
  if (pd["resultType"] != od["resultType"]) return "resultType differs";
  if (pd["resultType"] == "scalar" || pd["resultType"] == "string")
    return SamePoint(pd["result"], od["result"]) ? "" : "scalar " + pd.dump() + " vs " + od.dump();
  std::map<std::string, const json*> pm, om;
  for (const auto& r : pd["result"]) pm[r["metric"].dump()] = &r;
  for (const auto& r : od["result"]) om[r["metric"].dump()] = &r;
  for (const auto& [k, v] : pm)
    if (!om.count(k)) return "missing series " + k;
  for (const auto& [k, v] : om)
    if (!pm.count(k)) return "extra series " + k;
  for (const auto& [k, p] : pm) {
    const json& o = *om[k];
    if (pd["resultType"] == "vector") {
      if (!SamePoint((*p)["value"], o["value"]))
        return k + ": " + (*p)["value"].dump() + " vs " + o["value"].dump();
    } else {
      const json& pv = (*p)["values"];
      const json& ov = o["values"];
      if (pv.size() != ov.size()) {
        std::map<double, std::string> pt, ot;
        for (const auto& x : pv) pt[x[0].get<double>()] = x[1].get<std::string>();
        for (const auto& x : ov) ot[x[0].get<double>()] = x[1].get<std::string>();
        std::string only;
        for (const auto& [t, v] : pt)
          if (!ot.count(t)) only += " prometheus-only@" + std::to_string(t) + "=" + v;
        for (const auto& [t, v] : ot)
          if (!pt.count(t)) only += " foresight-only@" + std::to_string(t) + "=" + v;
        return k + ": " + std::to_string(pv.size()) + " points vs " + std::to_string(ov.size()) + only;
      }
      for (size_t i = 0; i < pv.size(); ++i)
        if (!SamePoint(pv[i], ov[i])) return k + ": point " + pv[i].dump() + " vs " + ov[i].dump();
    }
  }
  return "";
}

TEST(DifferentialTest, QueriesAgreeWithPrometheus) {
  if (!std::filesystem::exists("/usr/bin/prometheus")) GTEST_SKIP() << "prometheus not installed";
  auto dir = std::filesystem::temp_directory_path() / ("foresight_diff_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "prom");
  {
    std::FILE* f = std::fopen((dir / "prometheus.yml").c_str(), "w");
    std::fputs("global:\n  scrape_interval: 15s\n", f);
    std::fclose(f);
  }
  int port = foresight::testing::FreePort();
  std::string base = "http://127.0.0.1:" + std::to_string(port);
  foresight::testing::Process prom;
  ASSERT_TRUE(prom.Start({"/usr/bin/prometheus", "--config.file=" + (dir / "prometheus.yml").string(),
                          "--storage.tsdb.path=" + (dir / "prom").string(),
                          "--web.listen-address=127.0.0.1:" + std::to_string(port),
                          "--web.enable-remote-write-receiver"},
                         (dir / "prometheus.log").string())
                  .ok());
  ASSERT_TRUE(foresight::testing::WaitReady(base + "/-/ready", 30000)) << "prometheus did not start";

  storage::DBOptions o;
  o.dir = (dir / "foresight").string();
  o.background_maintenance = false;
  auto db = storage::DB::Open(o);
  ASSERT_TRUE(db.ok()) << db.status();

  // Write in time-ordered batches of 10 minutes so that Prometheus' head accepts every sample.
  auto data = Generate();
  for (int64_t from = kBase; from < kBase + kSteps * kStep + kStep; from += 600000) {
    std::vector<RwSeries> batch;
    auto app = (*db)->NewAppender();
    for (const auto& s : data) {
      RwSeries b{s.labels, {}};
      for (const auto& smp : s.samples)
        if (smp.t >= from && smp.t < from + 600000) b.samples.push_back(smp);
      if (b.samples.empty()) continue;
      for (const auto& smp : b.samples) ASSERT_TRUE(app->Append(0, s.labels, smp.t, smp.v).ok());
      batch.push_back(std::move(b));
    }
    ASSERT_TRUE(app->Commit().ok());
    if (!batch.empty()) {
      auto st = foresight::testing::RemoteWrite(base + "/api/v1/write", batch);
      ASSERT_TRUE(st.ok()) << st;
    }
  }

  // Range functions on a pool of 4 threads, compared with Prometheus; the same API over a serial engine
  // must answer byte for byte the same.
  Engine engine(EngineOptions{.eval_threads = 4});
  web::Router router;
  QueryApiDeps deps;
  deps.queryable = db->get();
  deps.engine = &engine;
  ASSERT_TRUE(RegisterQueryApi(router, deps).ok());
  Engine serial_engine(EngineOptions{.eval_threads = 1});
  web::Router serial_router;
  QueryApiDeps serial_deps = deps;
  serial_deps.engine = &serial_engine;
  ASSERT_TRUE(RegisterQueryApi(serial_router, serial_deps).ok());

  int queries = 0, differences = 0;
  auto run = [&](const std::string& path, const std::vector<std::pair<std::string, std::string>>& params,
                 bool exact_error = false) {
    std::string qs;
    web::Request req;
    req.method = "GET";
    req.path = path;
    for (const auto& [k, v] : params) {
      qs += (qs.empty() ? "" : "&") + k + "=" + foresight::testing::UrlEncode(v);
      req.params.Add(k, v);
    }
    auto pr = foresight::testing::HttpGet(base + path + "?" + qs);
    ASSERT_TRUE(pr.ok()) << pr.status();
    auto ours = router.Dispatch(req).response;
    ++queries;
    json pj = json::parse(pr->body, nullptr, false), oj = json::parse(ours.body, nullptr, false);
    const std::string& q = params[0].second;
    bool ordered = path == "/api/v1/query" && (q.starts_with("topk") || q.starts_with("bottomk"));
    std::string diff = pj.is_discarded() || oj.is_discarded() ? "unparsable JSON" : Compare(pj, oj, ordered);
    if (diff.empty() && pr->code != ours.status)
      diff = "HTTP " + std::to_string(pr->code) + " vs " + std::to_string(ours.status);
    if (diff.empty() && serial_router.Dispatch(req).response.body != ours.body) diff = "serial vs parallel";
    if (diff.empty() && exact_error && pj.value("error", "") != oj.value("error", ""))
      diff = "error " + pj.value("error", "(none)") + " vs " + oj.value("error", "(none)");
    if (!diff.empty()) {
      ++differences;
      std::printf("DIFF %s %s: %s\n", path.c_str(), qs.c_str(), diff.substr(0, 400).c_str());
    }
  };
  const int64_t times[] = {kBase + 1200000, kBase + 1800000 + 7000, kBase + kSteps * kStep};
  for (const std::string& e : Expressions()) {
    for (int64_t t : times) run("/api/v1/query", {{"query", e}, {"time", std::to_string(t / 1000.0)}});
    run("/api/v1/query_range", {{"query", e},
                                {"start", std::to_string((kBase + 600000) / 1000)},
                                {"end", std::to_string((kBase + kSteps * kStep) / 1000)},
                                {"step", "60"}});
    run("/api/v1/query_range", {{"query", e},
                                {"start", std::to_string((kBase + 1500000) / 1000.0 + 0.5)},
                                {"end", std::to_string((kBase + 2100000) / 1000)},
                                {"step", "37s"}});
  }
  for (const std::string& e : MalformedExpressions()) {
    run("/api/v1/query", {{"query", e}, {"time", std::to_string(times[0] / 1000.0)}}, true);
  }
  for (const char* m : {"http_requests_total", "{job=\"api\"}", "late_gauge"}) {
    run("/api/v1/series", {{"match[]", m}});
    run("/api/v1/label/job/values", {{"match[]", m}});
    run("/api/v1/labels", {{"match[]", m}});
  }
  std::printf("differential test: %d queries, %d differences\n", queries, differences);
  RecordProperty("queries", queries);
  RecordProperty("differences", differences);
  prom.Stop();
  db->reset();
  std::filesystem::remove_all(dir);
  EXPECT_EQ(differences, 0);
}

}  // namespace
}  // namespace foresight::query
