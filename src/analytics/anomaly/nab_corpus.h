// Reading and writing data in the Numenta Anomaly Benchmark's directory layout:
//   <dir>/data/<category>/<file>.csv            timestamp,value
//   <dir>/labels/combined_windows.json           {"<category>/<file>.csv": [[start, end], ...]}
//   <results>/<detector>/<category>/<detector>_<file>.csv   timestamp,value,anomaly_score,label
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "analytics/anomaly/nab_scorer.h"

namespace foresight::analytics {

// One data file of the corpus.
struct NabFile {
  std::string category;                     // e.g. "realKnownCause"
  std::string file;                         // e.g. "nyc_taxi.csv"
  std::vector<std::string> timestamp_text;  // as written in the file
  std::vector<int64_t> timestamps;          // seconds since the Unix epoch (UTC)
  std::vector<double> values;
  std::string key() const { return category + "/" + file; }
};

// "YYYY-MM-DD hh:mm:ss[.ffffff]" -> seconds since the epoch (fractions dropped).
absl::StatusOr<int64_t> ParseNabTimestamp(std::string_view text);
// Parses one "timestamp,value" CSV (with a header row).
absl::StatusOr<NabFile> ParseNabCsv(std::string_view text, std::string category, std::string file);
// Every <data_dir>/<category>/*.csv, sorted by key.
absl::StatusOr<std::vector<NabFile>> LoadNabData(const std::string& data_dir);
// combined_windows.json -> key -> windows (in epoch seconds).
absl::StatusOr<std::map<std::string, std::vector<NabWindow>>> ParseNabWindows(std::string_view json_text);
absl::StatusOr<std::map<std::string, std::vector<NabWindow>>> LoadNabWindows(const std::string& path);
// The anomaly_score column of a results CSV (timestamp,value,anomaly_score,...), with its timestamps.
absl::Status LoadNabResultScores(const std::string& path, std::vector<int64_t>* timestamps,
                                 std::vector<double>* scores);
// Writes <results_dir>/<detector>/<category>/<detector>_<file> with label 1 inside the windows.
absl::Status WriteNabResults(const std::string& results_dir, const std::string& detector, const NabFile& file,
                             const std::vector<double>& scores, const std::vector<NabWindow>& windows);

}  // namespace foresight::analytics
