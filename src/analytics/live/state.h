// Internal: the live detector's state file.
//
// Format (little-endian): "FSLV" (u32 0x564c5346), version u32 (1), payload length u64, XXH64 of the payload
// u64, then the payload: u64 number of watches, and per watch: name, query (strings: u64 length + bytes),
// sensitivity f64, interval_ms i64, warmup i64, last_eval_ms i64, u64 number of series, and per series: u64
// number of labels, each name and value as strings, last_t i64, and the StreamingDetector's Serialize()
// bytes as a string. Decoding checks magic, version, length, checksum and every size, so a corrupt or
// truncated file is an error, never a crash.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/labels.h"

namespace foresight::analytics::live {

struct SavedSeries {
  Labels labels;
  int64_t last_t = 0;
  std::string detector;  // StreamingDetector::Serialize()
};

struct SavedWatch {
  std::string name, query;
  double sensitivity = 0;
  int64_t interval_ms = 0, warmup = 0, last_eval_ms = 0;
  std::vector<SavedSeries> series;
};

std::string EncodeState(const std::vector<SavedWatch>& watches);
absl::StatusOr<std::vector<SavedWatch>> DecodeState(std::string_view bytes);

// Writes `path` + ".tmp", fsyncs it, renames it over `path` and fsyncs the directory (creating it if needed).
absl::Status WriteFileAtomic(const std::string& path, std::string_view data);
// The whole file; NotFound when it does not exist.
absl::StatusOr<std::string> ReadWholeFile(const std::string& path);

}  // namespace foresight::analytics::live
