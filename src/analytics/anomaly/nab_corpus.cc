#include "analytics/anomaly/nab_corpus.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace foresight::analytics {
namespace fs = std::filesystem;
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's civil-days algorithm).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// absl::string_view is not std::string_view in this build, so splitting and number parsing are done here.
std::vector<std::string_view> SplitComma(std::string_view line) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    const size_t c = line.find(',', start);
    out.push_back(line.substr(start, c == std::string_view::npos ? std::string_view::npos : c - start));
    if (c == std::string_view::npos) return out;
    start = c + 1;
  }
}

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t e = text.find('\n', start);
    if (e == std::string_view::npos) e = text.size();
    std::string_view line = text.substr(start, e - start);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (!line.empty()) out.push_back(line);
    start = e + 1;
  }
  return out;
}

std::string_view Strip(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '"')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '"' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool ParseDouble(std::string_view s, double* out) {
  s = Strip(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

bool ParseInt(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

absl::StatusOr<int64_t> ParseNabTimestamp(std::string_view t) {
  t = Strip(t);
  if (t.size() < 19 || t[4] != '-' || t[7] != '-' || (t[10] != ' ' && t[10] != 'T') || t[13] != ':' ||
      t[16] != ':') {
    return absl::InvalidArgumentError(absl::StrCat("bad timestamp '", std::string(t), "'"));
  }
  int64_t y, mo, d, h, mi, s;
  if (!ParseInt(t.substr(0, 4), &y) || !ParseInt(t.substr(5, 2), &mo) || !ParseInt(t.substr(8, 2), &d) ||
      !ParseInt(t.substr(11, 2), &h) || !ParseInt(t.substr(14, 2), &mi) || !ParseInt(t.substr(17, 2), &s) ||
      mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) {
    return absl::InvalidArgumentError(absl::StrCat("bad timestamp '", std::string(t), "'"));
  }
  return DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

absl::StatusOr<NabFile> ParseNabCsv(std::string_view text, std::string category, std::string file) {
  NabFile out;
  out.category = std::move(category);
  out.file = std::move(file);
  bool header = true;
  int line_no = 0;
  for (std::string_view line : Lines(text)) {
    ++line_no;
    if (header) {
      header = false;
      continue;
    }
    std::vector<std::string_view> cols = SplitComma(line);
    if (cols.size() < 2)
      return absl::InvalidArgumentError(absl::StrCat(out.file, ":", line_no, ": want 2 columns"));
    auto ts = ParseNabTimestamp(cols[0]);
    if (!ts.ok())
      return absl::InvalidArgumentError(absl::StrCat(out.file, ":", line_no, ": ", ts.status().message()));
    double v;
    if (!ParseDouble(cols[1], &v)) {
      return absl::InvalidArgumentError(absl::StrCat(out.file, ":", line_no, ": bad value"));
    }
    if (!out.timestamps.empty() && *ts < out.timestamps.back()) {
      return absl::InvalidArgumentError(absl::StrCat(out.file, ":", line_no, ": timestamps go back"));
    }
    out.timestamp_text.emplace_back(cols[0]);
    out.timestamps.push_back(*ts);
    out.values.push_back(v);
  }
  return out;
}

absl::StatusOr<std::vector<NabFile>> LoadNabData(const std::string& data_dir) {
  std::error_code ec;
  if (!fs::is_directory(data_dir, ec))
    return absl::NotFoundError(absl::StrCat(data_dir, " is not a directory"));
  std::vector<NabFile> out;
  for (const auto& cat : fs::directory_iterator(data_dir, ec)) {
    if (!cat.is_directory()) continue;
    for (const auto& f : fs::directory_iterator(cat.path(), ec)) {
      if (!f.is_regular_file() || f.path().extension() != ".csv") continue;
      auto text = ReadFile(f.path().string());
      if (!text.ok()) return text.status();
      auto parsed = ParseNabCsv(*text, cat.path().filename().string(), f.path().filename().string());
      if (!parsed.ok()) return parsed.status();
      out.push_back(*std::move(parsed));
    }
  }
  if (ec) return absl::InternalError(absl::StrCat("listing ", data_dir, ": ", ec.message()));
  std::sort(out.begin(), out.end(), [](const NabFile& a, const NabFile& b) { return a.key() < b.key(); });
  return out;
}

absl::StatusOr<std::map<std::string, std::vector<NabWindow>>> ParseNabWindows(std::string_view json_text) {
  nlohmann::json j = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return absl::InvalidArgumentError("windows: not a JSON object");
  std::map<std::string, std::vector<NabWindow>> out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!it.value().is_array()) return absl::InvalidArgumentError(absl::StrCat("windows of ", it.key()));
    std::vector<NabWindow>& ws = out[it.key()];
    for (const auto& w : it.value()) {
      if (!w.is_array() || w.size() != 2 || !w[0].is_string() || !w[1].is_string()) {
        return absl::InvalidArgumentError(absl::StrCat("a window of ", it.key(), " is not [start, end]"));
      }
      auto a = ParseNabTimestamp(w[0].get<std::string>());
      auto b = ParseNabTimestamp(w[1].get<std::string>());
      if (!a.ok()) return a.status();
      if (!b.ok()) return b.status();
      ws.push_back({*a, *b});
    }
    std::sort(ws.begin(), ws.end(), [](const NabWindow& x, const NabWindow& y) { return x.start < y.start; });
  }
  return out;
}

absl::StatusOr<std::map<std::string, std::vector<NabWindow>>> LoadNabWindows(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  return ParseNabWindows(*text);
}

absl::Status LoadNabResultScores(const std::string& path, std::vector<int64_t>* timestamps,
                                 std::vector<double>* scores) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  bool header = true;
  int column = -1;
  for (std::string_view line : Lines(*text)) {
    std::vector<std::string_view> cols = SplitComma(line);
    if (header) {
      header = false;
      for (size_t i = 0; i < cols.size(); ++i) {
        if (Strip(cols[i]) == "anomaly_score") column = static_cast<int>(i);
      }
      if (column < 0) return absl::InvalidArgumentError(absl::StrCat(path, ": no anomaly_score column"));
      continue;
    }
    if (static_cast<int>(cols.size()) <= column)
      return absl::InvalidArgumentError(absl::StrCat(path, ": short row"));
    auto ts = ParseNabTimestamp(cols[0]);
    if (!ts.ok()) return ts.status();
    double v;
    if (!ParseDouble(cols[column], &v)) return absl::InvalidArgumentError(absl::StrCat(path, ": bad score"));
    timestamps->push_back(*ts);
    scores->push_back(v);
  }
  return absl::OkStatus();
}

absl::Status WriteNabResults(const std::string& results_dir, const std::string& detector, const NabFile& file,
                             const std::vector<double>& scores, const std::vector<NabWindow>& windows) {
  if (scores.size() != file.values.size())
    return absl::InvalidArgumentError("scores and rows differ in number");
  const fs::path dir = fs::path(results_dir) / detector / file.category;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("mkdir ", dir.string(), ": ", ec.message()));
  const fs::path path = dir / (detector + "_" + file.file);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path.string()));
  out << "timestamp,value,anomaly_score,label\n";
  size_t w = 0;
  for (size_t i = 0; i < scores.size(); ++i) {
    const int64_t t = file.timestamps[i];
    while (w < windows.size() && windows[w].end < t) ++w;
    const int label = (w < windows.size() && windows[w].start <= t) ? 1 : 0;
    out << file.timestamp_text[i] << ',' << absl::StrCat(file.values[i]) << ',' << absl::StrCat(scores[i])
        << ',' << label << '\n';
  }
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("writing ", path.string()));
  return absl::OkStatus();
}

}  // namespace foresight::analytics
