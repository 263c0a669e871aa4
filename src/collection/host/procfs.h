// Parsers for the /proc files the host collector reads. They take the file's text, so tests feed them
// recorded content; a malformed line is skipped, never fatal.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace foresight::collection::host {

// /proc/stat
struct CpuTimes {
  std::string cpu;  // "0", "1", ...
  // user nice system idle iowait irq softirq steal guest guest_nice, in USER_HZ ticks
  double ticks[10] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
};
struct Stat {
  std::vector<CpuTimes> cpus;  // per-CPU lines only
  std::optional<double> intr, ctxt, btime, processes, procs_running, procs_blocked;
};
Stat ParseStat(std::string_view text);

// /proc/meminfo: (field name, bytes or count) in file order; "kB" values are multiplied by 1024.
std::vector<std::pair<std::string, double>> ParseMeminfo(std::string_view text);

// /proc/loadavg: the three averages.
std::optional<std::array<double, 3>> ParseLoadavg(std::string_view text);

// /proc/net/dev
struct NetDev {
  std::string device;
  // receive: bytes packets errs drop fifo frame compressed multicast; transmit: bytes packets errs drop fifo
  // colls carrier compressed
  double rx[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  double tx[8] = {0, 0, 0, 0, 0, 0, 0, 0};
};
std::vector<NetDev> ParseNetDev(std::string_view text);

// /proc/diskstats
struct DiskStats {
  std::string device;
  double reads_completed = 0, reads_merged = 0, sectors_read = 0, read_ms = 0;
  double writes_completed = 0, writes_merged = 0, sectors_written = 0, write_ms = 0;
  double io_in_progress = 0, io_ms = 0, weighted_io_ms = 0;
};
std::vector<DiskStats> ParseDiskstats(std::string_view text);

// /proc/mounts (octal escapes like \040 decoded)
struct Mount {
  std::string device, mountpoint, fstype, options;
};
std::vector<Mount> ParseMounts(std::string_view text);

// /proc/sys/fs/file-nr: allocated, unused, maximum
std::optional<std::array<double, 3>> ParseFileNr(std::string_view text);

// /proc/vmstat: (name, value)
std::vector<std::pair<std::string, double>> ParseVmstat(std::string_view text);

}  // namespace foresight::collection::host
