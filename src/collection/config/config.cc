#include "collection/config/config.h"

#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "collection/config/duration.h"
#include "collection/config/yaml_util.h"
#include "collection/relabel/strcat.h"
#include "re2/re2.h"

namespace foresight::collection {
namespace {

using yaml::Reader;

// Prometheus sections that other parts of Foresight read; kept as YAML.
constexpr std::string_view kKeptSections[] = {"rule_files", "alerting", "remote_write", "remote_read",
                                              "storage",    "tracing",  "foresight"};

#define RETURN_IF_ERROR(expr)                 \
  do {                                        \
    if (absl::Status _s = (expr); !_s.ok()) { \
      return _s;                              \
    }                                         \
  } while (0)

absl::Status ParseGlobal(const Reader& r, const YAML::Node& n, GlobalConfig* g) {
  if (n.IsNull()) return absl::OkStatus();
  RETURN_IF_ERROR(r.CheckKeys(n, "global",
                              {"scrape_interval", "scrape_timeout", "evaluation_interval", "external_labels"},
                              {"query_log_file", "body_size_limit", "sample_limit", "target_limit",
                               "label_limit", "label_name_length_limit", "label_value_length_limit"}));
  if (n["scrape_interval"])
    RETURN_IF_ERROR(r.Duration(n["scrape_interval"], "scrape_interval", &g->scrape_interval_ms));
  if (n["scrape_timeout"])
    RETURN_IF_ERROR(r.Duration(n["scrape_timeout"], "scrape_timeout", &g->scrape_timeout_ms));
  if (n["evaluation_interval"]) {
    RETURN_IF_ERROR(r.Duration(n["evaluation_interval"], "evaluation_interval", &g->evaluation_interval_ms));
  }
  if (n["external_labels"])
    RETURN_IF_ERROR(r.LabelMap(n["external_labels"], "external_labels", &g->external_labels));
  if (g->scrape_interval_ms <= 0) return r.Error(n["scrape_interval"], "scrape_interval", "must be positive");
  if (g->scrape_timeout_ms > g->scrape_interval_ms) {
    return r.Error(n["scrape_timeout"], "scrape_timeout",
                   "global scrape timeout greater than scrape interval");
  }
  return absl::OkStatus();
}

absl::Status ParseRelabel(const Reader& r, const YAML::Node& list, std::string_view key,
                          std::vector<RelabelConfig>* out) {
  if (list.IsNull()) return absl::OkStatus();
  if (!list.IsSequence()) return r.Error(list, key, "expected a list of relabel rules");
  for (const auto& n : list) {
    RETURN_IF_ERROR(r.CheckKeys(
        n, key, {"source_labels", "separator", "target_label", "regex", "modulus", "replacement", "action"}));
    RelabelConfig c;
    if (n["source_labels"]) {
      RETURN_IF_ERROR(r.StringList(n["source_labels"], "source_labels", &c.source_labels));
      for (const std::string& l : c.source_labels) {
        if (!IsValidLabelName(l))
          return r.Error(n["source_labels"], "source_labels", Cat("\"", l, "\" is not a valid label name"));
      }
    }
    if (n["separator"]) RETURN_IF_ERROR(r.String(n["separator"], "separator", &c.separator));
    if (n["target_label"]) RETURN_IF_ERROR(r.String(n["target_label"], "target_label", &c.target_label));
    if (n["regex"]) RETURN_IF_ERROR(r.String(n["regex"], "regex", &c.regex));
    if (n["modulus"]) RETURN_IF_ERROR(r.Uint(n["modulus"], "modulus", &c.modulus));
    if (n["replacement"]) RETURN_IF_ERROR(r.String(n["replacement"], "replacement", &c.replacement));
    if (n["action"]) {
      std::string a;
      RETURN_IF_ERROR(r.String(n["action"], "action", &a));
      absl::StatusOr<RelabelAction> act = ParseRelabelAction(a);
      if (!act.ok()) return r.Error(n["action"], "action", SV(act.status().message()));
      c.action = *act;
    }
    if (absl::Status s = c.Compile(); !s.ok()) {
      // Compile's messages start with "key 'x': "; point at that key's line when present.
      std::string_view msg = SV(s.message());
      std::string k = "action";
      if (msg.starts_with("key '")) {
        const size_t end = msg.find('\'', 5);
        k = std::string(msg.substr(5, end - 5));
        msg.remove_prefix(std::min(msg.size(), end + 3));
      }
      return r.Error(n[k] ? n[k] : n, k, msg);
    }
    out->push_back(std::move(c));
  }
  return absl::OkStatus();
}

absl::Status ParseTargetGroups(const Reader& r, const YAML::Node& list, std::string_view key,
                               std::vector<TargetGroup>* out) {
  if (list.IsNull()) return absl::OkStatus();
  if (!list.IsSequence()) return r.Error(list, key, "expected a list of target groups");
  for (const auto& n : list) {
    RETURN_IF_ERROR(r.CheckKeys(n, key, {"targets", "labels"}));
    TargetGroup g;
    if (n["targets"]) RETURN_IF_ERROR(r.StringList(n["targets"], "targets", &g.targets));
    if (n["labels"]) RETURN_IF_ERROR(r.LabelMap(n["labels"], "labels", &g.labels));
    g.source = Cat(out->size());
    out->push_back(std::move(g));
  }
  return absl::OkStatus();
}

absl::Status ParseFileSD(const Reader& r, const YAML::Node& list, std::vector<FileSDConfig>* out) {
  if (list.IsNull()) return absl::OkStatus();
  if (!list.IsSequence()) return r.Error(list, "file_sd_configs", "expected a list");
  static const re2::RE2 kPattern(R"(^[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)$)");
  for (const auto& n : list) {
    RETURN_IF_ERROR(r.CheckKeys(n, "file_sd_configs", {"files", "refresh_interval"}));
    FileSDConfig c;
    if (n["files"]) RETURN_IF_ERROR(r.StringList(n["files"], "files", &c.files));
    if (c.files.empty())
      return r.Error(n, "files", "file service discovery config must contain at least one path name");
    for (std::string& f : c.files) {
      if (!re2::RE2::FullMatch(f, kPattern))
        return r.Error(n["files"], "files", Cat("path name \"", f, "\" is not valid for file discovery"));
      f = r.Path(f);
    }
    if (n["refresh_interval"])
      RETURN_IF_ERROR(r.Duration(n["refresh_interval"], "refresh_interval", &c.refresh_interval_ms));
    out->push_back(std::move(c));
  }
  return absl::OkStatus();
}

absl::Status ParseAuth(const Reader& r, const YAML::Node& n, ScrapeConfig* c) {
  if (const YAML::Node b = n["basic_auth"]) {
    RETURN_IF_ERROR(r.CheckKeys(b, "basic_auth", {"username", "password", "password_file"}));
    BasicAuth a;
    if (b["username"]) RETURN_IF_ERROR(r.String(b["username"], "username", &a.username));
    if (b["password"]) RETURN_IF_ERROR(r.String(b["password"], "password", &a.password));
    if (b["password_file"]) RETURN_IF_ERROR(r.String(b["password_file"], "password_file", &a.password_file));
    if (!a.password.empty() && !a.password_file.empty())
      return r.Error(b, "basic_auth",
                     "at most one of basic_auth password & password_file must be configured");
    a.password_file = r.Path(a.password_file);
    c->basic_auth = std::move(a);
  }
  if (const YAML::Node z = n["authorization"]) {
    RETURN_IF_ERROR(r.CheckKeys(z, "authorization", {"type", "credentials", "credentials_file"}));
    Authorization a;
    if (z["type"]) RETURN_IF_ERROR(r.String(z["type"], "type", &a.type));
    if (a.type.empty()) a.type = "Bearer";
    if (z["credentials"]) RETURN_IF_ERROR(r.String(z["credentials"], "credentials", &a.credentials));
    if (z["credentials_file"])
      RETURN_IF_ERROR(r.String(z["credentials_file"], "credentials_file", &a.credentials_file));
    std::string lower = a.type;
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (lower == "basic")
      return r.Error(z["type"], "type",
                     "authorization type cannot be set to \"basic\", use \"basic_auth\" instead");
    if (!a.credentials.empty() && !a.credentials_file.empty())
      return r.Error(z, "authorization",
                     "at most one of authorization credentials & credentials_file must be configured");
    a.credentials_file = r.Path(a.credentials_file);
    c->authorization = std::move(a);
  }
  const YAML::Node bt = n["bearer_token"], btf = n["bearer_token_file"];
  if (bt || btf) {
    if (bt && btf)
      return r.Error(bt, "bearer_token",
                     "at most one of bearer_token & bearer_token_file must be configured");
    if (c->basic_auth || c->authorization) {
      return r.Error(
          bt ? bt : btf, bt ? "bearer_token" : "bearer_token_file",
          "at most one of basic_auth, authorization, bearer_token & bearer_token_file must be configured");
    }
    Authorization a;
    if (bt) RETURN_IF_ERROR(r.String(bt, "bearer_token", &a.credentials));
    if (btf) RETURN_IF_ERROR(r.String(btf, "bearer_token_file", &a.credentials_file));
    a.credentials_file = r.Path(a.credentials_file);
    c->authorization = std::move(a);
  }
  if (c->basic_auth && c->authorization)
    return r.Error(n["authorization"], "authorization",
                   "at most one of basic_auth & authorization must be configured");
  if (const YAML::Node t = n["tls_config"]) {
    RETURN_IF_ERROR(r.CheckKeys(t, "tls_config",
                                {"ca_file", "cert_file", "key_file", "server_name", "insecure_skip_verify"},
                                {"ca", "cert", "key", "min_version", "max_version"}));
    TLSConfig& tls = c->tls_config;
    if (t["ca_file"]) RETURN_IF_ERROR(r.String(t["ca_file"], "ca_file", &tls.ca_file));
    if (t["cert_file"]) RETURN_IF_ERROR(r.String(t["cert_file"], "cert_file", &tls.cert_file));
    if (t["key_file"]) RETURN_IF_ERROR(r.String(t["key_file"], "key_file", &tls.key_file));
    if (t["server_name"]) {
      RETURN_IF_ERROR(r.String(t["server_name"], "server_name", &tls.server_name));
      // It becomes the host of the request URL (see scrape/scheduler.cc), so it must be a host name.
      static const re2::RE2 kHostName(R"([A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?)");
      if (!tls.server_name.empty() && !re2::RE2::FullMatch(tls.server_name, kHostName))
        return r.Error(t["server_name"], "server_name", Cat("\"", tls.server_name, "\" is not a host name"));
    }
    if (t["insecure_skip_verify"])
      RETURN_IF_ERROR(r.Bool(t["insecure_skip_verify"], "insecure_skip_verify", &tls.insecure_skip_verify));
    if (tls.cert_file.empty() != tls.key_file.empty())
      return r.Error(t, "tls_config", "client cert file and client key file must both be set");
    tls.ca_file = r.Path(tls.ca_file);
    tls.cert_file = r.Path(tls.cert_file);
    tls.key_file = r.Path(tls.key_file);
  }
  return absl::OkStatus();
}

absl::Status ParseScrapeConfig(const Reader& r, const YAML::Node& n, const GlobalConfig& g, ScrapeConfig* c) {
  RETURN_IF_ERROR(
      r.CheckKeys(n, "scrape_configs",
                  {"job_name", "scrape_interval", "scrape_timeout", "metrics_path", "scheme", "params",
                   "honor_labels", "honor_timestamps", "basic_auth", "authorization", "bearer_token",
                   "bearer_token_file", "tls_config", "static_configs", "file_sd_configs", "relabel_configs",
                   "metric_relabel_configs", "sample_limit", "label_limit"},
                  {"oauth2",
                   "proxy_url",
                   "no_proxy",
                   "proxy_from_environment",
                   "proxy_connect_header",
                   "follow_redirects",
                   "enable_http2",
                   "body_size_limit",
                   "target_limit",
                   "label_name_length_limit",
                   "label_value_length_limit",
                   "scrape_classic_histograms",
                   "native_histogram_bucket_limit",
                   "azure_sd_configs",
                   "consul_sd_configs",
                   "digitalocean_sd_configs",
                   "docker_sd_configs",
                   "dockerswarm_sd_configs",
                   "dns_sd_configs",
                   "ec2_sd_configs",
                   "eureka_sd_configs",
                   "gce_sd_configs",
                   "hetzner_sd_configs",
                   "http_sd_configs",
                   "ionos_sd_configs",
                   "kubernetes_sd_configs",
                   "kuma_sd_configs",
                   "lightsail_sd_configs",
                   "linode_sd_configs",
                   "marathon_sd_configs",
                   "nerve_sd_configs",
                   "nomad_sd_configs",
                   "openstack_sd_configs",
                   "ovhcloud_sd_configs",
                   "puppetdb_sd_configs",
                   "scaleway_sd_configs",
                   "serverset_sd_configs",
                   "triton_sd_configs",
                   "uyuni_sd_configs",
                   "vultr_sd_configs"}));
  if (!n["job_name"]) return r.Error(n, "job_name", "job_name is empty");
  RETURN_IF_ERROR(r.String(n["job_name"], "job_name", &c->job_name));
  if (c->job_name.empty()) return r.Error(n["job_name"], "job_name", "job_name is empty");
  if (n["scrape_interval"])
    RETURN_IF_ERROR(r.Duration(n["scrape_interval"], "scrape_interval", &c->scrape_interval_ms));
  if (n["scrape_timeout"])
    RETURN_IF_ERROR(r.Duration(n["scrape_timeout"], "scrape_timeout", &c->scrape_timeout_ms));
  if (c->scrape_interval_ms == 0) c->scrape_interval_ms = g.scrape_interval_ms;
  if (c->scrape_timeout_ms == 0) c->scrape_timeout_ms = std::min(g.scrape_timeout_ms, c->scrape_interval_ms);
  if (c->scrape_timeout_ms > c->scrape_interval_ms) {
    return r.Error(n["scrape_timeout"], "scrape_timeout",
                   Cat("scrape timeout greater than scrape interval for scrape config with job name \"",
                       c->job_name, "\""));
  }
  if (n["metrics_path"]) RETURN_IF_ERROR(r.String(n["metrics_path"], "metrics_path", &c->metrics_path));
  if (n["scheme"]) {
    RETURN_IF_ERROR(r.String(n["scheme"], "scheme", &c->scheme));
    if (c->scheme != "http" && c->scheme != "https")
      return r.Error(n["scheme"], "scheme", Cat("unknown scheme \"", c->scheme, "\" (http or https)"));
  }
  if (const YAML::Node p = n["params"]; p && !p.IsNull()) {
    if (!p.IsMap()) return r.Error(p, "params", "expected a mapping of parameter name to a list of values");
    for (const auto& kv : p)
      RETURN_IF_ERROR(r.StringList(kv.second, kv.first.Scalar(), &c->params[kv.first.Scalar()]));
  }
  if (n["honor_labels"]) RETURN_IF_ERROR(r.Bool(n["honor_labels"], "honor_labels", &c->honor_labels));
  if (n["honor_timestamps"])
    RETURN_IF_ERROR(r.Bool(n["honor_timestamps"], "honor_timestamps", &c->honor_timestamps));
  RETURN_IF_ERROR(ParseAuth(r, n, c));
  if (n["static_configs"])
    RETURN_IF_ERROR(ParseTargetGroups(r, n["static_configs"], "static_configs", &c->static_configs));
  for (TargetGroup& tg : c->static_configs) tg.source = Cat("static/", tg.source);
  if (n["file_sd_configs"]) RETURN_IF_ERROR(ParseFileSD(r, n["file_sd_configs"], &c->file_sd_configs));
  if (n["relabel_configs"])
    RETURN_IF_ERROR(ParseRelabel(r, n["relabel_configs"], "relabel_configs", &c->relabel_configs));
  if (n["metric_relabel_configs"]) {
    RETURN_IF_ERROR(
        ParseRelabel(r, n["metric_relabel_configs"], "metric_relabel_configs", &c->metric_relabel_configs));
  }
  if (n["sample_limit"]) RETURN_IF_ERROR(r.Uint(n["sample_limit"], "sample_limit", &c->sample_limit));
  if (n["label_limit"]) RETURN_IF_ERROR(r.Uint(n["label_limit"], "label_limit", &c->label_limit));
  return absl::OkStatus();
}

// RFC 3339 ("2026-11-27T00:00:00Z", "2026-11-27T09:00:00+01:00") or a date ("2026-11-27", midnight UTC).
absl::Status EventTime(const Reader& r, const YAML::Node& n, std::string_view key, int64_t* out) {
  std::string s;
  RETURN_IF_ERROR(r.String(n, key, &s));
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, s, &t, &err) && !absl::ParseTime("%Y-%m-%d", s, &t, &err)) {
    return r.Error(n, key, Cat("\"", s, "\" is not an RFC 3339 time or a YYYY-MM-DD date"));
  }
  if (t < absl::FromUnixSeconds(0) || t >= absl::FromUnixSeconds(253402300800)) {  // 1970 to 9999
    return r.Error(n, key, Cat("\"", s, "\" is outside the years 1970-9999"));
  }
  *out = absl::ToUnixMillis(t);
  return absl::OkStatus();
}

absl::Status ParseEvent(const Reader& r, const YAML::Node& n, KnownEvent* e) {
  RETURN_IF_ERROR(r.CheckKeys(n, "events", {"name", "start", "end", "recurrence"}));
  if (!n["name"]) return r.Error(n, "name", "missing");
  RETURN_IF_ERROR(r.String(n["name"], "name", &e->name));
  auto name_char = [](char c, bool first) {
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (!first && c >= '0' && c <= '9');
  };
  bool valid = !e->name.empty() && e->name != "none";
  for (size_t i = 0; valid && i < e->name.size(); ++i) valid = name_char(e->name[i], i == 0);
  if (!valid) {
    return r.Error(n["name"], "name", Cat("\"", e->name, "\" is not a valid event name (not \"none\")"));
  }
  if (!n["start"]) return r.Error(n, "start", "missing");
  if (!n["end"]) return r.Error(n, "end", "missing");
  RETURN_IF_ERROR(EventTime(r, n["start"], "start", &e->start_ms));
  RETURN_IF_ERROR(EventTime(r, n["end"], "end", &e->end_ms));
  if (e->end_ms <= e->start_ms) return r.Error(n["end"], "end", "must be after start");
  if (n["recurrence"]) RETURN_IF_ERROR(r.String(n["recurrence"], "recurrence", &e->recurrence));
  // The shortest interval between two occurrences: an occurrence may not reach into the next one.
  constexpr int64_t kDay = 86'400'000;
  const std::pair<std::string_view, int64_t> kRecurrences[] = {
      {"none", 0}, {"daily", kDay}, {"weekly", 7 * kDay}, {"monthly", 28 * kDay}, {"yearly", 365 * kDay}};
  for (const auto& [name, period] : kRecurrences) {
    if (e->recurrence != name) continue;
    if (period > 0 && e->end_ms - e->start_ms > period) {
      return r.Error(n["end"], "end", Cat("a ", name, " event cannot last longer than its recurrence"));
    }
    return absl::OkStatus();
  }
  return r.Error(n["recurrence"], "recurrence",
                 Cat("\"", e->recurrence, "\" is not one of none, daily, weekly, monthly, yearly"));
}

absl::Status ParseForesight(const Reader& r, const YAML::Node& n, Config* cfg) {
  // Other parts own the rest of this section; foresight.collection and foresight.events are read here.
  if (n.IsNull()) return absl::OkStatus();
  if (!n.IsMap()) return r.Error(n, "foresight", "expected a mapping");
  if (const YAML::Node ev = n["events"]; ev && !ev.IsNull()) {
    if (!ev.IsSequence()) return r.Error(ev, "events", "expected a list of events");
    for (const auto& item : ev) {
      KnownEvent e;
      RETURN_IF_ERROR(ParseEvent(r, item, &e));
      cfg->events.push_back(std::move(e));
    }
  }
  const YAML::Node c = n["collection"];
  if (!c) return absl::OkStatus();
  RETURN_IF_ERROR(r.CheckKeys(c, "collection", {"host_collector"}));
  if (c["host_collector"])
    RETURN_IF_ERROR(r.Bool(c["host_collector"], "host_collector", &cfg->host_collector));
  return absl::OkStatus();
}

absl::StatusOr<Config> ParseRoot(const Reader& r, const YAML::Node& root, std::string_view filename) {
  Config cfg;
  cfg.filename = std::string(filename);
  if (root.IsNull() || !root.IsDefined()) return cfg;
  RETURN_IF_ERROR(r.CheckKeys(root, "the top level",
                              {"global", "scrape_configs", "rule_files", "alerting", "remote_write",
                               "remote_read", "storage", "tracing", "foresight"},
                              {"scrape_config_files"}));
  if (root["global"]) RETURN_IF_ERROR(ParseGlobal(r, root["global"], &cfg.global));
  for (std::string_view s : kKeptSections) {
    if (const YAML::Node n = root[std::string(s)]) cfg.sections[std::string(s)] = YAML::Clone(n);
  }
  if (const YAML::Node f = root["rule_files"]; f && !f.IsNull()) {
    std::vector<std::string> files;
    RETURN_IF_ERROR(r.StringList(f, "rule_files", &files));
  }
  if (root["foresight"]) RETURN_IF_ERROR(ParseForesight(r, root["foresight"], &cfg));
  const YAML::Node list = root["scrape_configs"];
  if (list && !list.IsNull()) {
    if (!list.IsSequence()) return r.Error(list, "scrape_configs", "expected a list of scrape configs");
    std::set<std::string> names;
    for (const auto& n : list) {
      ScrapeConfig c;
      RETURN_IF_ERROR(ParseScrapeConfig(r, n, cfg.global, &c));
      if (!names.insert(c.job_name).second) {
        return r.Error(n["job_name"], "job_name",
                       Cat("found multiple scrape configs with job name \"", c.job_name, "\""));
      }
      cfg.scrape_configs.push_back(std::move(c));
    }
  }
  return cfg;
}

}  // namespace

const ScrapeConfig* Config::Job(std::string_view name) const {
  for (const ScrapeConfig& c : scrape_configs) {
    if (c.job_name == name) return &c;
  }
  return nullptr;
}

std::string ScrapeConfig::Fingerprint() const {
  std::string out =
      Cat(job_name, "|", scrape_interval_ms, "|", scrape_timeout_ms, "|", metrics_path, "|", scheme, "|",
          honor_labels, honor_timestamps, "|", sample_limit, "|", label_limit, "|");
  for (const auto& [k, vs] : params) CatTo(&out, k, "=", absl::StrJoin(vs, ","), "&");
  if (basic_auth)
    CatTo(&out, "|ba:", basic_auth->username, ":", basic_auth->password, ":", basic_auth->password_file);
  if (authorization) {
    CatTo(&out, "|az:", authorization->type, ":", authorization->credentials, ":",
          authorization->credentials_file);
  }
  CatTo(&out, "|tls:", tls_config.ca_file, ":", tls_config.cert_file, ":", tls_config.key_file, ":",
        tls_config.server_name, ":", tls_config.insecure_skip_verify);
  for (const RelabelConfig& rc : metric_relabel_configs) {
    CatTo(&out, "|mr:", absl::StrJoin(rc.source_labels, ","), ":", rc.separator, ":", rc.target_label, ":",
          rc.regex, ":", rc.modulus, ":", rc.replacement, ":", RelabelActionName(rc.action));
  }
  return out;
}

absl::StatusOr<Config> ParseConfig(std::string_view text, std::string_view filename) {
  const std::string name = filename.empty() ? "<config>" : std::string(filename);
  try {
    const YAML::Node root = YAML::Load(std::string(text));
    return ParseRoot(Reader(name), root, filename);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(Cat(name, ":", e.mark.line + 1, ": yaml: ", e.msg));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(Cat(name, ": ", e.what()));
  }
}

absl::StatusOr<Config> LoadConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(Cat(path, ": cannot open the config file"));
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseConfig(ss.str(), path);
}

}  // namespace foresight::collection
