#include "eval_common.h"

#include <cmath>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace foresight::analytics::eval {

absl::StatusOr<std::vector<NamedSeries>> ReadM4Csv(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::vector<NamedSeries> out;
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (header) {
      header = false;
      continue;
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    NamedSeries s;
    bool first = true;
    for (absl::string_view cell : absl::StrSplit(line, ',')) {
      cell = absl::StripAsciiWhitespace(cell);
      if (!cell.empty() && cell.front() == '"') cell = absl::StripSuffix(absl::StripPrefix(cell, "\""), "\"");
      if (first) {
        s.id = std::string(cell);
        first = false;
        continue;
      }
      if (cell.empty()) continue;
      double v;
      if (!absl::SimpleAtod(cell, &v))
        return absl::InvalidArgumentError(absl::StrCat("bad number in ", s.id));
      s.values.push_back(v);
    }
    out.push_back(std::move(s));
  }
  return out;
}

double Smape(const std::vector<double>& a, const std::vector<double>& f) {
  double s = 0;
  for (size_t h = 0; h < a.size(); ++h) {
    const double d = std::fabs(a[h]) + std::fabs(f[h]);
    if (d > 0) s += 2 * std::fabs(a[h] - f[h]) / d;
  }
  return 100 * s / static_cast<double>(a.size());
}

double Mase(const std::vector<double>& train, const std::vector<double>& a, const std::vector<double>& f,
            size_t m) {
  double scale = 0;
  size_t k = 0;
  for (size_t i = m; i < train.size(); ++i) scale += std::fabs(train[i] - train[i - m]), ++k;
  scale = k ? scale / static_cast<double>(k) : 0;
  double e = 0;
  for (size_t h = 0; h < a.size(); ++h) e += std::fabs(a[h] - f[h]);
  e /= static_cast<double>(a.size());
  return scale > 0 ? e / scale : 0;
}

void Score::Add(const std::vector<double>& train, const std::vector<double>& actual, const ForecastResult& r,
                size_t m) {
  ++series;
  smape_sum += eval::Smape(actual, r.points);
  mase_sum += eval::Mase(train, actual, r.points, m);
  if (covered.size() < r.bands.size()) {
    covered.resize(r.bands.size(), 0);
    levels.clear();
    for (const auto& b : r.bands) levels.push_back(b.level);
  }
  for (size_t l = 0; l < r.bands.size(); ++l) {
    for (size_t h = 0; h < actual.size(); ++h) {
      covered[l] += actual[h] >= r.bands[l].lower[h] && actual[h] <= r.bands[l].upper[h] ? 1 : 0;
    }
  }
  points += actual.size();
}

absl::Status WriteForecasts(const std::string& path, const std::vector<std::string>& ids,
                            const std::vector<ForecastResult>& results) {
  std::string stem = path;
  if (stem.size() > 4 && stem.substr(stem.size() - 4) == ".csv") stem.resize(stem.size() - 4);
  std::ofstream out(path), bands(stem + ".bands.csv");
  if (!out || !bands) return absl::PermissionDeniedError(absl::StrCat("cannot write ", path));
  auto row = [](std::ostream& os, const std::vector<double>& v) {
    for (double x : v) os << ',' << x;
    os << '\n';
  };
  out.precision(10);
  bands.precision(10);
  for (size_t i = 0; i < results.size(); ++i) {
    out << ids[i];
    row(out, results[i].points);
    for (const auto& b : results[i].bands) {
      bands << ids[i] << ',' << b.level << ",lower";
      row(bands, b.lower);
      bands << ids[i] << ',' << b.level << ",upper";
      row(bands, b.upper);
    }
  }
  return out.good() && bands.good() ? absl::OkStatus() : absl::DataLossError("write failed");
}

}  // namespace foresight::analytics::eval
