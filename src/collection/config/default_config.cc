#include "collection/config/config.h"
#include "collection/relabel/strcat.h"

namespace foresight::collection {

std::string DefaultConfigYaml(int port) {
  return Cat(R"(# Foresight's built-in configuration (used when no --config.file is given).
global:
  scrape_interval: 15s
  scrape_timeout: 10s
  evaluation_interval: 15s
scrape_configs:
  - job_name: foresight
    static_configs:
      - targets: ["localhost:)",
             port, R"("]
  - job_name: node
    metrics_path: /host/metrics
    static_configs:
      - targets: ["localhost:)",
             port, R"("]
)");
}

Config DefaultConfig(int port) {
  absl::StatusOr<Config> c = ParseConfig(DefaultConfigYaml(port), "");
  return c.ok() ? *std::move(c) : Config();
}

}  // namespace foresight::collection
