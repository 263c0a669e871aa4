#include "server/landing_page.h"

namespace foresight::server {
namespace {

struct Link {
  const char* href;
  const char* what;
};

// Relative links, so that the page works behind a proxy's path prefix too.
constexpr Link kLinks[] = {
    {"api/v1/query?query=up",
     "PromQL instant query (Prometheus' HTTP API: query, query_range, series, labels)"},
    {"api/v1/targets", "scrape targets and their health"},
    {"api/v1/metadata", "metric metadata"},
    {"api/v1/status/tsdb", "storage statistics"},
    {"api/v1/forecast?query=node_memory_MemAvailable_bytes&horizon=1h", "a forecast"},
    {"api/v1/anomalies?query=node_load1", "anomalies of a query"},
    {"metrics", "Foresight's own metrics"},
    {"host/metrics", "the built-in host collector (node_exporter's names)"},
    {"-/ready", "readiness"},
};

}  // namespace

std::string LandingPageHtml(std::string_view version) {
  std::string page =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Foresight</title></head>\n"
      "<body style=\"font-family: sans-serif; max-width: 50em; margin: 2em "
      "auto\">\n<h1>Foresight</h1>\n<p>Version ";
  page += version;
  page += ". Grafana and Prometheus clients use this address as a Prometheus data source.</p>\n<ul>\n";
  for (const Link& l : kLinks) {
    page += "<li><a href=\"";
    page += l.href;
    page += "\"><code>/";
    page += l.href;
    page += "</code></a>: ";
    page += l.what;
    page += "</li>\n";
  }
  page += "</ul>\n</body></html>\n";
  return page;
}

}  // namespace foresight::server
