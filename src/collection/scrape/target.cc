#include "collection/scrape/target.h"

#include <algorithm>

#include "collection/config/duration.h"
#include "collection/relabel/strcat.h"

namespace foresight::collection {
namespace {

constexpr std::string_view kAddress = "__address__";
constexpr std::string_view kScheme = "__scheme__";
constexpr std::string_view kMetricsPath = "__metrics_path__";
constexpr std::string_view kInterval = "__scrape_interval__";
constexpr std::string_view kTimeout = "__scrape_timeout__";
constexpr std::string_view kParamPrefix = "__param_";

bool HasPort(std::string_view addr) {
  if (!addr.empty() && addr[0] == '[') {  // [::1]:9100
    const size_t close = addr.find(']');
    return close != std::string_view::npos && close + 1 < addr.size() && addr[close + 1] == ':';
  }
  return addr.find(':') != std::string_view::npos;
}

std::string UrlEscape(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      static constexpr char kHex[] = "0123456789ABCDEF";
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace

std::string_view HealthName(TargetHealth h) {
  switch (h) {
    case TargetHealth::kUp:
      return "up";
    case TargetHealth::kDown:
      return "down";
    default:
      return "unknown";
  }
}

Labels DiscoveredLabels(const std::string& address, const TargetGroup& group, const ScrapeConfig& cfg) {
  LabelsBuilder b(group.labels);
  b.Set(kAddress, address);
  if (b.Get("job").empty()) b.Set("job", cfg.job_name);
  if (b.Get(kScheme).empty()) b.Set(kScheme, cfg.scheme);
  if (b.Get(kMetricsPath).empty()) b.Set(kMetricsPath, cfg.metrics_path);
  if (b.Get(kInterval).empty()) b.Set(kInterval, FormatDuration(cfg.scrape_interval_ms));
  if (b.Get(kTimeout).empty()) b.Set(kTimeout, FormatDuration(cfg.scrape_timeout_ms));
  for (const auto& [name, values] : cfg.params) {
    const std::string key = Cat(kParamPrefix, name);
    if (!values.empty() && b.Get(key).empty()) b.Set(key, values.front());
  }
  return b.Build();
}

absl::StatusOr<std::optional<Labels>> PopulateLabels(const Labels& discovered, const ScrapeConfig& cfg) {
  std::optional<Labels> relabelled = Relabel(discovered, cfg.relabel_configs);
  if (!relabelled) return std::optional<Labels>();
  LabelsBuilder b(*relabelled);
  std::string addr(b.Get(kAddress));
  if (addr.empty()) return absl::InvalidArgumentError("no address");
  if (!HasPort(addr)) {
    // Prometheus 2.42 adds the scheme's default port.
    const std::string_view scheme = b.Get(kScheme);
    addr = Cat(addr, scheme == "https" ? ":443" : ":80");
    b.Set(kAddress, addr);
  }
  if (addr.find_first_of("/?#@ ") != std::string::npos) {
    return absl::InvalidArgumentError(Cat("invalid (non-host) address \"", addr, "\""));
  }
  const std::string_view scheme = b.Get(kScheme);
  if (scheme != "http" && scheme != "https")
    return absl::InvalidArgumentError(Cat("invalid scheme \"", scheme, "\""));
  absl::StatusOr<int64_t> interval = ParseDuration(b.Get(kInterval));
  if (!interval.ok() || *interval == 0) {
    return absl::InvalidArgumentError(Cat("error parsing scrape interval \"", b.Get(kInterval), "\""));
  }
  absl::StatusOr<int64_t> timeout = ParseDuration(b.Get(kTimeout));
  if (!timeout.ok() || *timeout == 0) {
    return absl::InvalidArgumentError(Cat("error parsing scrape timeout \"", b.Get(kTimeout), "\""));
  }
  if (*timeout > *interval) {
    return absl::InvalidArgumentError(Cat("scrape timeout cannot be greater than scrape interval (\"",
                                          b.Get(kTimeout), "\" > \"", b.Get(kInterval), "\")"));
  }
  // Meta labels are removed after relabelling; the other internal labels stay on the target.
  const Labels snapshot = b.Build();
  for (const Label& l : snapshot) {
    if (l.name.starts_with("__meta_")) b.Del(l.name);
  }
  if (b.Get("instance").empty()) b.Set("instance", addr);
  return std::optional<Labels>(b.Build());
}

Labels PublicLabels(const Labels& full) {
  std::vector<Label> out;
  for (const Label& l : full) {
    if (!l.name.starts_with("__")) out.push_back(l);
  }
  return Labels(std::move(out));
}

std::string ScrapeUrl(const Labels& full, const ScrapeConfig& cfg) {
  std::string url = Cat(full.Get(kScheme), "://", full.Get(kAddress), full.Get(kMetricsPath));
  // Parameters: the config's, with any __param_<name> label replacing the first value.
  std::vector<std::pair<std::string, std::vector<std::string>>> params(cfg.params.begin(), cfg.params.end());
  for (const Label& l : full) {
    if (!l.name.starts_with(kParamPrefix)) continue;
    const std::string name = l.name.substr(kParamPrefix.size());
    bool found = false;
    for (auto& [k, vs] : params) {
      if (k == name) {
        if (vs.empty()) vs.push_back(l.value);
        vs[0] = l.value;
        found = true;
      }
    }
    if (!found) params.push_back({name, {l.value}});
  }
  std::sort(params.begin(), params.end());  // Go's url.Values.Encode sorts by key
  char sep = url.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [k, vs] : params) {
    for (const std::string& v : vs) {
      CatTo(&url, sep, UrlEscape(k), "=", UrlEscape(v));
      sep = '&';
    }
  }
  return url;
}

}  // namespace foresight::collection
