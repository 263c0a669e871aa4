// The built-in host collector: node_exporter's core metrics (names, labels, units, HELP and TYPE as
// node_exporter 1.5 writes them), read from /proc and statfs(2), as a text-format payload. Served at
// /host/metrics and scraped as job "node" by the default config; off with
// foresight.collection.host_collector.
//
// Families: node_cpu_seconds_total{cpu,mode}, node_cpu_guest_seconds_total{cpu,mode}, node_memory_*_bytes
// (every /proc/meminfo field), node_load1/5/15, node_filesystem_{avail_bytes,free_bytes,size_bytes,files,
// files_free,readonly,device_error}{device,fstype,mountpoint}, node_network_{receive,transmit}_
// {bytes,packets,errs,drop,...}_total{device}, node_disk_{reads,writes}_completed_total,
// node_disk_{read,written}_bytes_total, node_disk_io_time_seconds_total (and the other diskstats counters)
// {device}, node_boot_time_seconds, node_time_seconds, node_context_switches_total, node_intr_total,
// node_forks_total, node_procs_running, node_procs_blocked, node_filefd_allocated, node_filefd_maximum,
// node_vmstat_{pgpgin,pgpgout,pswpin,pswpout,pgfault,pgmajfault,oom_kill}, node_uname_info.
#pragma once

#include <string>

namespace foresight::collection {

struct HostCollectorOptions {
  std::string proc_root = "/proc";  // tests point this at recorded files
  bool filesystems = true;          // statfs of the mounted file systems (skipped for recorded roots)
  bool uname = true;
};

// The payload in the Prometheus text format 0.0.4 (serve with kTextContentType). Files that cannot be read
// leave their families out.
std::string CollectHostMetrics(const HostCollectorOptions& options = {});

}  // namespace foresight::collection
