#include "collection/host/procfs.h"

#include <charconv>

namespace foresight::collection::host {
namespace {

// Splits on spaces and tabs, skipping empty fields.
std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

template <typename F>
void ForEachLine(std::string_view text, F f) {
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    f(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

std::optional<double> Num(std::string_view s) {
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

bool IsOctal(char c) { return c >= '0' && c <= '7'; }

std::string Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && IsOctal(s[i + 1]) && IsOctal(s[i + 2]) && IsOctal(s[i + 3])) {
      out.push_back(static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0')));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

}  // namespace

Stat ParseStat(std::string_view text) {
  Stat st;
  ForEachLine(text, [&](std::string_view line) {
    const std::vector<std::string_view> f = Fields(line);
    if (f.size() < 2) return;
    if (f[0].starts_with("cpu") && f[0].size() > 3) {
      CpuTimes c;
      c.cpu = std::string(f[0].substr(3));
      for (size_t i = 1; i < f.size() && i <= 10; ++i) c.ticks[i - 1] = Num(f[i]).value_or(0);
      st.cpus.push_back(std::move(c));
    } else if (f[0] == "intr") {
      st.intr = Num(f[1]);
    } else if (f[0] == "ctxt") {
      st.ctxt = Num(f[1]);
    } else if (f[0] == "btime") {
      st.btime = Num(f[1]);
    } else if (f[0] == "processes") {
      st.processes = Num(f[1]);
    } else if (f[0] == "procs_running") {
      st.procs_running = Num(f[1]);
    } else if (f[0] == "procs_blocked") {
      st.procs_blocked = Num(f[1]);
    }
  });
  return st;
}

std::vector<std::pair<std::string, double>> ParseMeminfo(std::string_view text) {
  std::vector<std::pair<std::string, double>> out;
  ForEachLine(text, [&](std::string_view line) {
    const std::vector<std::string_view> f = Fields(line);
    if (f.size() < 2 || !f[0].ends_with(':')) return;
    std::optional<double> v = Num(f[1]);
    if (!v) return;
    if (f.size() >= 3 && f[2] == "kB") *v *= 1024;
    out.emplace_back(std::string(f[0].substr(0, f[0].size() - 1)), *v);
  });
  return out;
}

std::optional<std::array<double, 3>> ParseLoadavg(std::string_view text) {
  const std::vector<std::string_view> f = Fields(text.substr(0, text.find('\n')));
  if (f.size() < 3) return std::nullopt;
  std::array<double, 3> out{};
  for (int i = 0; i < 3; ++i) {
    std::optional<double> v = Num(f[static_cast<size_t>(i)]);
    if (!v) return std::nullopt;
    out[static_cast<size_t>(i)] = *v;
  }
  return out;
}

std::vector<NetDev> ParseNetDev(std::string_view text) {
  std::vector<NetDev> out;
  ForEachLine(text, [&](std::string_view line) {
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return;
    const std::vector<std::string_view> name = Fields(line.substr(0, colon));
    const std::vector<std::string_view> f = Fields(line.substr(colon + 1));
    if (name.size() != 1 || f.size() < 16) return;
    NetDev d;
    d.device = std::string(name[0]);
    for (size_t i = 0; i < 8; ++i) {
      d.rx[i] = Num(f[i]).value_or(0);
      d.tx[i] = Num(f[i + 8]).value_or(0);
    }
    out.push_back(std::move(d));
  });
  return out;
}

std::vector<DiskStats> ParseDiskstats(std::string_view text) {
  std::vector<DiskStats> out;
  ForEachLine(text, [&](std::string_view line) {
    const std::vector<std::string_view> f = Fields(line);
    if (f.size() < 14) return;
    DiskStats d;
    d.device = std::string(f[2]);
    double* fields[] = {&d.reads_completed,  &d.reads_merged,  &d.sectors_read,    &d.read_ms,
                        &d.writes_completed, &d.writes_merged, &d.sectors_written, &d.write_ms,
                        &d.io_in_progress,   &d.io_ms,         &d.weighted_io_ms};
    for (size_t i = 0; i < 11; ++i) *fields[i] = Num(f[i + 3]).value_or(0);
    out.push_back(std::move(d));
  });
  return out;
}

std::vector<Mount> ParseMounts(std::string_view text) {
  std::vector<Mount> out;
  ForEachLine(text, [&](std::string_view line) {
    const std::vector<std::string_view> f = Fields(line);
    if (f.size() < 4) return;
    out.push_back({Unescape(f[0]), Unescape(f[1]), std::string(f[2]), std::string(f[3])});
  });
  return out;
}

std::optional<std::array<double, 3>> ParseFileNr(std::string_view text) {
  const std::vector<std::string_view> f = Fields(text.substr(0, text.find('\n')));
  if (f.size() < 3) return std::nullopt;
  std::array<double, 3> out{};
  for (size_t i = 0; i < 3; ++i) {
    std::optional<double> v = Num(f[i]);
    if (!v) return std::nullopt;
    out[i] = *v;
  }
  return out;
}

std::vector<std::pair<std::string, double>> ParseVmstat(std::string_view text) {
  std::vector<std::pair<std::string, double>> out;
  ForEachLine(text, [&](std::string_view line) {
    const std::vector<std::string_view> f = Fields(line);
    if (f.size() != 2) return;
    if (std::optional<double> v = Num(f[1])) out.emplace_back(std::string(f[0]), *v);
  });
  return out;
}

}  // namespace foresight::collection::host
