#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>

#include "../scrape/node_exporter_process.h"
#include "collection/host/host_collector.h"
#include "collection/host/procfs.h"
#include "collection/textparse/payload.h"

namespace foresight::collection {
namespace {

TEST(Procfs, ParsesStat) {
  const host::Stat st = host::ParseStat(
      "cpu  10 20 30 40 50 60 70 80 90 100\ncpu0 100 0 50 1000 5 0 2 1 0 0\nintr 12345 1 2 3\nctxt 999\n"
      "btime 1700000000\nprocesses 4242\nprocs_running 3\nprocs_blocked 1\ngarbage\n");
  ASSERT_EQ(st.cpus.size(), 1u);  // the aggregate "cpu" line is not a CPU
  EXPECT_EQ(st.cpus[0].cpu, "0");
  EXPECT_EQ(st.cpus[0].ticks[3], 1000);
  EXPECT_EQ(*st.intr, 12345);
  EXPECT_EQ(*st.ctxt, 999);
  EXPECT_EQ(*st.btime, 1700000000);
  EXPECT_EQ(*st.processes, 4242);
  EXPECT_EQ(*st.procs_running, 3);
  EXPECT_EQ(*st.procs_blocked, 1);
}

TEST(Procfs, ParsesMeminfoLoadavgFileNrVmstat) {
  auto mem = host::ParseMeminfo(
      "MemTotal:       16000 kB\nHugePages_Total:       0\nActive(anon):  8 kB\nbad line\n");
  ASSERT_EQ(mem.size(), 3u);
  EXPECT_EQ(mem[0], (std::pair<std::string, double>{"MemTotal", 16000.0 * 1024}));
  EXPECT_EQ(mem[1].second, 0);
  EXPECT_EQ(mem[2].first, "Active(anon)");
  EXPECT_EQ((*host::ParseLoadavg("0.50 1.25 2.00 1/234 5678\n"))[1], 1.25);
  EXPECT_FALSE(host::ParseLoadavg("x y z"));
  EXPECT_EQ((*host::ParseFileNr("1024\t0\t9223372036854775807\n"))[0], 1024);
  auto vm = host::ParseVmstat("pgfault 10\npgmajfault 2\n");
  EXPECT_EQ(vm.size(), 2u);
}

TEST(Procfs, ParsesNetDevDiskstatsMounts) {
  auto net = host::ParseNetDev(
      "Inter-|   Receive |  Transmit\n face |bytes packets\n"
      "    lo: 100 2 0 0 0 0 0 0 100 2 0 0 0 0 0 0\n  eth0: 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20\n");
  ASSERT_EQ(net.size(), 2u);
  EXPECT_EQ(net[1].device, "eth0");
  EXPECT_EQ(net[1].rx[0], 5);
  EXPECT_EQ(net[1].tx[0], 13);
  EXPECT_EQ(net[1].tx[7], 20);
  auto disks = host::ParseDiskstats(
      " 254 0 vda 41213 7960 3283066 58051 123473 33964 29967400 210807 0 54916 282858 0 0 0 0\n");
  ASSERT_EQ(disks.size(), 1u);
  EXPECT_EQ(disks[0].device, "vda");
  EXPECT_EQ(disks[0].sectors_read, 3283066);
  EXPECT_EQ(disks[0].io_ms, 54916);
  auto mounts = host::ParseMounts("/dev/vda / ext4 rw,relatime 0 0\nfoo /mnt/with\\040space tmpfs ro 0 0\n");
  ASSERT_EQ(mounts.size(), 2u);
  EXPECT_EQ(mounts[1].mountpoint, "/mnt/with space");
}

std::map<std::string, std::vector<ParsedSample>> ByName(const ParsedPayload& p) {
  std::map<std::string, std::vector<ParsedSample>> out;
  for (const ParsedSample& s : p.samples) out[std::string(s.labels.MetricName())].push_back(s);
  return out;
}

double Value(const std::map<std::string, std::vector<ParsedSample>>& m, const std::string& name) {
  auto it = m.find(name);
  return it == m.end() || it->second.empty() ? -1 : it->second[0].value;
}

TEST(HostCollector, OutputParsesAndHasSaneValues) {
  const std::string body = CollectHostMetrics();
  auto parsed = ParsePayload(body, Format::kText);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const auto m = ByName(*parsed);
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_NEAR(Value(m, "node_time_seconds"), now, 5);
  EXPECT_GT(Value(m, "node_boot_time_seconds"), 946684800);  // after 2000
  EXPECT_LT(Value(m, "node_boot_time_seconds"), now);
  EXPECT_GT(Value(m, "node_memory_MemTotal_bytes"), 64 << 20);
  EXPECT_GT(Value(m, "node_memory_MemAvailable_bytes"), 0);
  EXPECT_LE(Value(m, "node_memory_MemAvailable_bytes"), Value(m, "node_memory_MemTotal_bytes"));
  EXPECT_GE(Value(m, "node_load1"), 0);
  EXPECT_GT(Value(m, "node_context_switches_total"), 0);
  EXPECT_GT(Value(m, "node_forks_total"), 0);
  EXPECT_GE(Value(m, "node_procs_running"), 1);
  EXPECT_GT(Value(m, "node_filefd_maximum"), 0);
  // One idle counter per CPU, in seconds.
  std::set<std::string> cpus;
  for (const ParsedSample& s : m.at("node_cpu_seconds_total")) {
    if (s.labels.Get("mode") == "idle") cpus.insert(std::string(s.labels.Get("cpu")));
    EXPECT_GE(s.value, 0);
  }
  EXPECT_EQ(cpus.size(), static_cast<size_t>(std::thread::hardware_concurrency()));
  // The root file system is there, with size >= free >= avail.
  bool root = false;
  for (const ParsedSample& s : m.at("node_filesystem_size_bytes")) {
    if (s.labels.Get("mountpoint") == "/") {
      root = true;
      EXPECT_GT(s.value, 0);
    }
  }
  EXPECT_TRUE(root);
  EXPECT_TRUE(m.count("node_network_receive_bytes_total"));
  EXPECT_EQ(m.at("node_uname_info").size(), 1u);
  EXPECT_EQ(parsed->metadata.at("node_cpu_seconds_total").type, MetricType::kCounter);
  EXPECT_EQ(parsed->metadata.at("node_load1").help, "1m load average.");
}

TEST(HostCollector, MissingProcFilesLeaveFamiliesOut) {
  HostCollectorOptions o;
  o.proc_root = "/nonexistent";
  o.filesystems = false;
  auto parsed = ParsePayload(CollectHostMetrics(o), Format::kText);
  ASSERT_TRUE(parsed.ok());
  const auto m = ByName(*parsed);
  EXPECT_FALSE(m.count("node_cpu_seconds_total"));
  EXPECT_TRUE(m.count("node_time_seconds"));
}

// Where both have a family: the same TYPE and HELP, and for the label-carrying key families the same label
// sets.
TEST(HostCollector, MatchesARealNodeExporter) {
  if (!testing::NodeExporterProcess::Installed()) GTEST_SKIP() << "prometheus-node-exporter is not installed";
  testing::NodeExporterProcess exporter;
  const std::string theirs_body = testing::HttpGet(exporter.url());
  ASSERT_FALSE(theirs_body.empty());
  auto theirs = ParsePayload(theirs_body, Format::kText);
  auto ours = ParsePayload(CollectHostMetrics(), Format::kText);
  ASSERT_TRUE(theirs.ok() && ours.ok());
  int common = 0;
  for (const auto& [family, md] : ours->metadata) {
    auto it = theirs->metadata.find(family);
    if (it == theirs->metadata.end()) continue;
    ++common;
    EXPECT_EQ(md.type, it->second.type) << family;
    EXPECT_EQ(md.help, it->second.help) << family;
  }
  EXPECT_GE(common, 60);
  const auto ours_by = ByName(*ours), theirs_by = ByName(*theirs);
  auto label_sets = [](const std::vector<ParsedSample>& v) {
    std::set<std::string> out;
    for (const ParsedSample& s : v) out.insert(s.labels.ToString());
    return out;
  };
  for (const char* family :
       {"node_cpu_seconds_total", "node_network_transmit_packets_total", "node_disk_reads_completed_total",
        "node_disk_io_time_seconds_total", "node_filesystem_avail_bytes", "node_filesystem_readonly",
        "node_load1", "node_memory_MemAvailable_bytes", "node_filefd_allocated", "node_uname_info",
        "node_boot_time_seconds", "node_vmstat_pgfault"}) {
    ASSERT_TRUE(theirs_by.count(family)) << family;
    ASSERT_TRUE(ours_by.count(family)) << family;
    EXPECT_EQ(label_sets(ours_by.at(family)), label_sets(theirs_by.at(family))) << family;
  }
  // Every node_memory_* family of the exporter is ours too.
  for (const auto& [family, md] : theirs->metadata) {
    if (family.starts_with("node_memory_")) {
      EXPECT_TRUE(ours->metadata.count(family)) << family;
    }
  }
  // Values agree where they move slowly.
  EXPECT_EQ(Value(ours_by, "node_boot_time_seconds"), Value(theirs_by, "node_boot_time_seconds"));
  EXPECT_NEAR(Value(ours_by, "node_memory_MemTotal_bytes"), Value(theirs_by, "node_memory_MemTotal_bytes"),
              1);
}

}  // namespace
}  // namespace foresight::collection
