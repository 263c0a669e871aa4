#include "collection/host/host_collector.h"

#include <sys/statvfs.h>
#include <sys/utsname.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "collection/host/procfs.h"
#include "collection/relabel/strcat.h"
#include "collection/textparse/writer.h"
#include "re2/re2.h"

namespace foresight::collection {
namespace {

using host::Mount;

// The families collected in one run, written sorted by name with samples sorted by label values, as the
// Go client library does.
class Families {
 public:
  using LabelList = std::vector<std::pair<std::string, std::string>>;

  void Add(const std::string& name, MetricType type, std::string_view help, LabelList labels, double value) {
    Family& f = families_[name];
    if (f.help.empty()) {
      f.help = std::string(help);
      f.type = type;
    }
    std::sort(labels.begin(), labels.end());
    f.samples.emplace_back(std::move(labels), value);
  }

  std::string Write() {
    ExpositionWriter w(Format::kText);
    std::vector<LabelView> views;
    for (auto& [name, f] : families_) {
      w.Family(name, f.type, f.help);
      std::sort(f.samples.begin(), f.samples.end(), [](const auto& a, const auto& b) {
        for (size_t i = 0; i < std::min(a.first.size(), b.first.size()); ++i) {
          if (a.first[i].second != b.first[i].second) return a.first[i].second < b.first[i].second;
        }
        return a.first.size() < b.first.size();
      });
      for (const auto& [labels, value] : f.samples) {
        views.clear();
        for (const auto& [n, v] : labels) views.push_back({n, v});
        w.Sample(name, views, value);
      }
    }
    return w.Finish();
  }

 private:
  struct Family {
    std::string help;
    MetricType type = MetricType::kUnknown;
    std::vector<std::pair<LabelList, double>> samples;
  };
  std::map<std::string, Family> families_;
};

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

constexpr double kUserHz = 100;  // /proc/stat ticks (USER_HZ is 100 on Linux)
constexpr double kSectorBytes = 512;

void CollectStat(const std::string& text, Families& fs) {
  const host::Stat st = host::ParseStat(text);
  static constexpr const char* kModes[8] = {"user",   "nice", "system",  "idle",
                                            "iowait", "irq",  "softirq", "steal"};
  for (const host::CpuTimes& c : st.cpus) {
    for (int i = 0; i < 8; ++i) {
      fs.Add("node_cpu_seconds_total", MetricType::kCounter, "Seconds the CPUs spent in each mode.",
             {{"cpu", c.cpu}, {"mode", kModes[i]}}, c.ticks[i] / kUserHz);
    }
    fs.Add("node_cpu_guest_seconds_total", MetricType::kCounter,
           "Seconds the CPUs spent in guests (VMs) for each mode.", {{"cpu", c.cpu}, {"mode", "user"}},
           c.ticks[8] / kUserHz);
    fs.Add("node_cpu_guest_seconds_total", MetricType::kCounter,
           "Seconds the CPUs spent in guests (VMs) for each mode.", {{"cpu", c.cpu}, {"mode", "nice"}},
           c.ticks[9] / kUserHz);
  }
  auto add = [&](const char* name, MetricType t, const char* help, const std::optional<double>& v) {
    if (v) fs.Add(name, t, help, {}, *v);
  };
  add("node_intr_total", MetricType::kCounter, "Total number of interrupts serviced.", st.intr);
  add("node_context_switches_total", MetricType::kCounter, "Total number of context switches.", st.ctxt);
  add("node_boot_time_seconds", MetricType::kGauge, "Node boot time, in unixtime.", st.btime);
  add("node_forks_total", MetricType::kCounter, "Total number of forks.", st.processes);
  add("node_procs_running", MetricType::kGauge, "Number of processes in runnable state.", st.procs_running);
  add("node_procs_blocked", MetricType::kGauge, "Number of processes blocked waiting for I/O to complete.",
      st.procs_blocked);
}

void CollectMeminfo(const std::string& text, Families& fs) {
  for (auto& [field, value] : host::ParseMeminfo(text)) {
    // "Active(anon)" -> "Active_anon"; fields given in kB get the _bytes suffix.
    std::string name;
    for (char c : field) {
      if (c == '(') {
        name += '_';
      } else if (c != ')') {
        name += c;
      }
    }
    const bool counted = field.starts_with("HugePages_");
    if (!counted) name += "_bytes";
    fs.Add(Cat("node_memory_", name), MetricType::kGauge, Cat("Memory information field ", name, "."), {},
           value);
  }
}

void CollectNetDev(const std::string& text, Families& fs) {
  static constexpr const char* kRx[8] = {"bytes", "packets", "errs",       "drop",
                                         "fifo",  "frame",   "compressed", "multicast"};
  static constexpr const char* kTx[8] = {"bytes", "packets", "errs",    "drop",
                                         "fifo",  "colls",   "carrier", "compressed"};
  for (const host::NetDev& d : host::ParseNetDev(text)) {
    if (d.device == "lo") continue;  // Debian's default --collector.netdev.device-exclude="^lo$"
    for (int i = 0; i < 8; ++i) {
      fs.Add(Cat("node_network_receive_", kRx[i], "_total"), MetricType::kCounter,
             Cat("Network device statistic receive_", kRx[i], "."), {{"device", d.device}}, d.rx[i]);
      fs.Add(Cat("node_network_transmit_", kTx[i], "_total"), MetricType::kCounter,
             Cat("Network device statistic transmit_", kTx[i], "."), {{"device", d.device}}, d.tx[i]);
    }
  }
}

void CollectDiskstats(const std::string& text, Families& fs) {
  // node_exporter's default --collector.diskstats.device-exclude.
  static const re2::RE2 kExclude("^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$");
  for (const host::DiskStats& d : host::ParseDiskstats(text)) {
    if (re2::RE2::FullMatch(d.device, kExclude)) continue;
    const Families::LabelList dev = {{"device", d.device}};
    const MetricType c = MetricType::kCounter;
    fs.Add("node_disk_reads_completed_total", c, "The total number of reads completed successfully.", dev,
           d.reads_completed);
    fs.Add("node_disk_reads_merged_total", c, "The total number of reads merged.", dev, d.reads_merged);
    fs.Add("node_disk_read_bytes_total", c, "The total number of bytes read successfully.", dev,
           d.sectors_read * kSectorBytes);
    fs.Add("node_disk_read_time_seconds_total", c, "The total number of seconds spent by all reads.", dev,
           d.read_ms / 1000);
    fs.Add("node_disk_writes_completed_total", c, "The total number of writes completed successfully.", dev,
           d.writes_completed);
    fs.Add("node_disk_writes_merged_total", c, "The number of writes merged.", dev, d.writes_merged);
    fs.Add("node_disk_written_bytes_total", c, "The total number of bytes written successfully.", dev,
           d.sectors_written * kSectorBytes);
    fs.Add("node_disk_write_time_seconds_total", c,
           "This is the total number of seconds spent by all writes.", dev, d.write_ms / 1000);
    fs.Add("node_disk_io_now", MetricType::kGauge, "The number of I/Os currently in progress.", dev,
           d.io_in_progress);
    fs.Add("node_disk_io_time_seconds_total", c, "Total seconds spent doing I/Os.", dev, d.io_ms / 1000);
    fs.Add("node_disk_io_time_weighted_seconds_total", c, "The weighted # of seconds spent doing I/Os.", dev,
           d.weighted_io_ms / 1000);
  }
}

void CollectFilesystems(const std::string& text, Families& fs) {
  // The defaults of Debian's node_exporter 1.5 (--collector.filesystem.mount-points-exclude and
  // fs-types-exclude).
  static const re2::RE2 kMountExclude(
      "^/(dev|proc|run|sys|mnt|media|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)");
  static const re2::RE2 kTypeExclude(
      "^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|"
      "nsfs|"
      "overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tracefs)$");
  std::set<std::tuple<std::string, std::string, std::string>> seen;
  for (const Mount& m : host::ParseMounts(text)) {
    if (re2::RE2::PartialMatch(m.mountpoint, kMountExclude) || re2::RE2::FullMatch(m.fstype, kTypeExclude))
      continue;
    if (!seen.insert({m.device, m.mountpoint, m.fstype}).second) continue;
    const Families::LabelList l = {{"device", m.device}, {"fstype", m.fstype}, {"mountpoint", m.mountpoint}};
    struct statvfs sv {};
    const bool error = ::statvfs(m.mountpoint.c_str(), &sv) != 0;
    fs.Add("node_filesystem_device_error", MetricType::kGauge,
           "Whether an error occurred while getting statistics for the given device.", l, error ? 1 : 0);
    if (error) continue;
    const double bs = static_cast<double>(sv.f_frsize ? sv.f_frsize : sv.f_bsize);
    bool ro = false;
    for (std::string_view opts = m.options; !opts.empty();) {
      const size_t comma = opts.find(',');
      ro = ro || opts.substr(0, comma) == "ro";
      opts = comma == std::string_view::npos ? std::string_view() : opts.substr(comma + 1);
    }
    const MetricType g = MetricType::kGauge;
    fs.Add("node_filesystem_size_bytes", g, "Filesystem size in bytes.", l,
           static_cast<double>(sv.f_blocks) * bs);
    fs.Add("node_filesystem_free_bytes", g, "Filesystem free space in bytes.", l,
           static_cast<double>(sv.f_bfree) * bs);
    fs.Add("node_filesystem_avail_bytes", g, "Filesystem space available to non-root users in bytes.", l,
           static_cast<double>(sv.f_bavail) * bs);
    fs.Add("node_filesystem_files", g, "Filesystem total file nodes.", l, static_cast<double>(sv.f_files));
    fs.Add("node_filesystem_files_free", g, "Filesystem total free file nodes.", l,
           static_cast<double>(sv.f_ffree));
    fs.Add("node_filesystem_readonly", g, "Filesystem read-only status.", l, ro ? 1 : 0);
  }
}

void CollectVmstat(const std::string& text, Families& fs) {
  static const re2::RE2 kFields("^(oom_kill|pgpg|pswp|pg.*fault).*");
  for (const auto& [name, v] : host::ParseVmstat(text)) {
    if (!re2::RE2::FullMatch(name, kFields)) continue;
    fs.Add(Cat("node_vmstat_", name), MetricType::kUnknown, Cat("/proc/vmstat information field ", name, "."),
           {}, v);
  }
}

}  // namespace

std::string CollectHostMetrics(const HostCollectorOptions& o) {
  Families fs;
  std::string text;
  if (ReadFile(o.proc_root + "/stat", &text)) CollectStat(text, fs);
  if (ReadFile(o.proc_root + "/meminfo", &text)) CollectMeminfo(text, fs);
  if (ReadFile(o.proc_root + "/loadavg", &text)) {
    if (auto l = host::ParseLoadavg(text)) {
      fs.Add("node_load1", MetricType::kGauge, "1m load average.", {}, (*l)[0]);
      fs.Add("node_load5", MetricType::kGauge, "5m load average.", {}, (*l)[1]);
      fs.Add("node_load15", MetricType::kGauge, "15m load average.", {}, (*l)[2]);
    }
  }
  if (ReadFile(o.proc_root + "/net/dev", &text)) CollectNetDev(text, fs);
  if (ReadFile(o.proc_root + "/diskstats", &text)) CollectDiskstats(text, fs);
  if (ReadFile(o.proc_root + "/sys/fs/file-nr", &text)) {
    if (auto f = host::ParseFileNr(text)) {
      fs.Add("node_filefd_allocated", MetricType::kGauge, "File descriptor statistics: allocated.", {},
             (*f)[0]);
      fs.Add("node_filefd_maximum", MetricType::kGauge, "File descriptor statistics: maximum.", {}, (*f)[2]);
    }
  }
  if (ReadFile(o.proc_root + "/vmstat", &text)) CollectVmstat(text, fs);
  if (o.filesystems &&
      (ReadFile(o.proc_root + "/1/mounts", &text) || ReadFile(o.proc_root + "/mounts", &text))) {
    CollectFilesystems(text, fs);
  }
  if (o.uname) {
    struct utsname u {};
    if (::uname(&u) == 0) {
      fs.Add("node_uname_info", MetricType::kGauge,
             "Labeled system information as provided by the uname system call.",
             {{"sysname", u.sysname},
              {"release", u.release},
              {"version", u.version},
              {"machine", u.machine},
              {"nodename", u.nodename},
              {"domainname", u.domainname}},
             1);
    }
  }
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  fs.Add("node_time_seconds", MetricType::kGauge, "System time in seconds since epoch (1970).", {}, now);
  return fs.Write();
}

}  // namespace foresight::collection
